from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.console import render_page
from propdesk.core.errors import DomainError
from propdesk.core.house_page import house_sections
from propdesk.estate import services
from propdesk.estate.choices import HouseStatus
from propdesk.estate.models import House


def access_house(user, pk: int, cap: Cap = Cap.HOUSE_VIEW) -> House:
    """The one door to a house: 404 for missing and for another project's house alike."""
    return scoping.access(House.objects.select_related("project", "building", "entrance"), user, cap, pk=pk)


@login_required
def house_detail(request, pk: int):
    """One page per house (一户一页): sections registered by each module."""
    house = access_house(request.user, pk)
    context = {
        "house": house,
        "sections": house_sections(request, house),
        "statuses": HouseStatus.choices,
        "can_change": scoping.has_cap(request.user, Cap.HOUSE_CHANGE, house.project_id),
    }
    return render_page(request, "estate/house_detail.html", context)


@login_required
@require_POST
def house_status_change(request, pk: int):
    house = access_house(request.user, pk, Cap.HOUSE_CHANGE)
    try:
        services.house_change_status(
            house=house, to_status=request.POST.get("status", ""), reason=request.POST.get("reason", ""), by=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("estate:house", pk=house.pk)


@login_required
def house_history(request, pk: int):
    """Every recorded version of the house row (who changed what, when)."""
    house = access_house(request.user, pk)
    versions = house.history.select_related("history_user").order_by("-history_date")[:200]
    return render_page(request, "estate/house_history.html", {"house": house, "versions": versions})
