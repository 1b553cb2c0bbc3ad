"""The estate module's section of the house page: the status history (MOV-14)."""

from django.utils.translation import gettext_lazy as _

from propdesk.accounts.roles import Cap
from propdesk.core.house_page import HouseSection, register_house_section


def _status_history(request, house):
    return {"changes": house.status_changes.select_related("changed_by")[:50]}


def _parking(request, house):
    return {"spaces": house.parking_spaces.all()}


register_house_section(
    HouseSection(
        key="parking",
        title=_("车位"),
        template="estate/_section_parking.html",
        order=60,
        cap=Cap.HOUSE_VIEW,
        context=_parking,
    )
)
register_house_section(
    HouseSection(
        key="status_history",
        title=_("房屋状态记录"),
        template="estate/_section_status_history.html",
        order=90,
        cap=Cap.HOUSE_VIEW,
        context=_status_history,
    )
)
