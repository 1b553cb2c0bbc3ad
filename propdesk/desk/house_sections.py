"""The service desk's section of the house page: the house's recent tickets and contacts."""

from django.utils.translation import gettext_lazy as _

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.house_page import HouseSection, register_house_section
from propdesk.desk import selectors


def _tickets_and_contacts(request, house):
    return {
        "tickets": selectors.house_tickets(house),
        "contacts": selectors.house_contacts(house),
        "can_create": scoping.has_cap(request.user, Cap.TICKET_CREATE, house.project_id),
    }


register_house_section(
    HouseSection(
        key="tickets",
        title=_("工单与来电"),
        template="desk/_section_tickets.html",
        order=30,
        cap=Cap.TICKET_VIEW,
        context=_tickets_and_contacts,
    )
)
