"""The residents module's sections of the house page: residents and the archive."""

from django.utils.translation import gettext_lazy as _

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.house_page import HouseSection, register_house_section
from propdesk.residents.choices import ArchiveItemStatus, OccupancyEnd, OccupantRole
from propdesk.residents.models import Occupancy
from propdesk.residents.selectors import archive_checklist, archive_completeness


def _residents(request, house):
    occupancies = (
        Occupancy.objects.filter(house=house).select_related("person").order_by("end_date", "-is_primary_contact", "role")
    )
    return {
        "active": [o for o in occupancies if o.end_date is None],
        "ended": [o for o in occupancies if o.end_date is not None],
        "roles": OccupantRole.choices,
        "end_reasons": OccupancyEnd.choices,
        "can_change": scoping.has_cap(request.user, Cap.PERSON_CHANGE, house.project_id),
    }


def archive_context(request, house):
    return {
        "checklist": archive_checklist(house),
        "completeness": archive_completeness(house),
        "files": house.archive_files.select_related("item_type", "uploaded_by")[:100],
        "paper": getattr(house, "paper_archive", None),
        "statuses": ArchiveItemStatus.choices,
        "loans": house.archive_loans.all()[:10],
        "can_change": scoping.has_cap(request.user, Cap.ARCHIVE_CHANGE, house.project_id),
    }


register_house_section(
    HouseSection(
        key="residents",
        title=_("住户"),
        template="residents/_section_residents.html",
        order=10,
        cap=Cap.PERSON_VIEW,
        context=_residents,
    )
)
register_house_section(
    HouseSection(
        key="archive",
        title=_("住户档案"),
        template="residents/_section_archive.html",
        order=20,
        cap=Cap.ARCHIVE_VIEW,
        context=archive_context,
    )
)
