from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.console import render_page, selected_project_ids
from propdesk.core.errors import DomainError
from propdesk.core.house_page import house_sections
from propdesk.core.masking import mask_id_number, mask_phone
from propdesk.estate import selectors, services
from propdesk.estate.choices import HouseStatus
from propdesk.estate.forms import HouseForm
from propdesk.estate.models import Building, House


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
def house_new(request):
    """Register a house by hand (bulk registration is the Excel import)."""
    project_ids = scoping.visible_project_ids(request.user, Cap.HOUSE_CHANGE)
    if not project_ids:
        raise Http404
    form = HouseForm(request.POST or None, project_ids=project_ids)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            house = services.house_create(by=request.user, **data)
            messages.success(request, _("已建档 %(code)s") % {"code": house.code})
            return redirect("estate:house", pk=house.pk)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render_page(request, "estate/house_form.html", {"form": form})


@login_required
def house_print(request, pk: int):
    """住户成员情况登记表 — the household registration sheet of the paper archive (ARC-2),
    printable on A4. Full ID numbers and phones only for roles that may see them."""
    house = access_house(request.user, pk, Cap.PERSON_VIEW)
    full = scoping.has_cap(request.user, Cap.PII_REVEAL, house.project_id)
    occupancies = house.occupancies.filter(end_date__isnull=True).select_related("person").order_by("-is_primary_contact", "role")
    rows = [
        {
            "occupancy": o,
            "mobile": o.person.mobile if full else mask_phone(o.person.mobile),
            "id_number": o.person.id_number if full else mask_id_number(o.person.id_number),
        }
        for o in occupancies
    ]
    context = {"house": house, "rows": rows, "blank_rows": range(max(0, 8 - len(rows))), "printed_at": timezone.localtime()}
    return render_page(request, "estate/house_print.html", context)


@login_required
def status_sheet(request):
    """月度物业动态信息表 (MOV-14): one building's houses coloured by status, printable;
    the PM signs it and copies go to security and the cashier."""
    project_ids = selected_project_ids(request, Cap.HOUSE_VIEW)
    buildings = Building.objects.filter(project_id__in=project_ids).select_related("project").order_by("project__code", "number")
    chosen = request.GET.get("building", "")
    building = (
        scoping.access(Building.objects.select_related("project"), request.user, Cap.HOUSE_VIEW, pk=chosen) if chosen else None
    )
    context = {
        "buildings": buildings,
        "sheet": selectors.house_status_sheet(building) if building else None,
        "today": timezone.localdate(),
    }
    return render_page(request, "estate/status_sheet.html", context)


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
