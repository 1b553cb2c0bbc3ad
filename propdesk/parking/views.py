"""Parking pages (停车, FEE-10): the monthly rental list with its Excel export for the
garage cashier and the weekly exports, a rental with its periods and IC cards, the
tariff, and the guard's temporary-parking calculator (phone layout). Thin: access through
the scoping door, rules in the services."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.console import render_page, selected_project_ids
from propdesk.core.errors import DomainError
from propdesk.core.excel import xlsx_response
from propdesk.estate.housecode import parse_house_code
from propdesk.estate.models import House, ParkingSpace, Project
from propdesk.parking import services
from propdesk.parking.forms import CalculatorForm, CardForm, RenewForm, RentalForm, TariffForm, now_local
from propdesk.parking.models import ICCard, ParkingRental, RentalExport, RentalPeriod
from propdesk.parking.selectors import paid_line_ids, rental_rows
from propdesk.parking.tariff import temporary_fee_breakdown


def _projects(request, cap: Cap) -> frozenset[int]:
    project_ids = selected_project_ids(request, cap)
    if not project_ids:
        raise Http404
    return project_ids


def access_rental(user, pk: int, cap: Cap = Cap.PARKING_VIEW) -> ParkingRental:
    """The one door to a rental: 404 alike for missing and another project's."""
    return scoping.access(ParkingRental.objects.select_related("project", "space", "house"), user, cap, pk=pk)


def _error(request, exc: DomainError):
    messages.error(request, exc.message)


# -- 月租清单 ---------------------------------------------------------------------------------------


@login_required
def rentals(request):
    """停车: the monthly rentals live today with their current period and whether its rent
    is paid; ?export=xlsx is the list for the garage cashier; the weekly exports below."""
    project_ids = _projects(request, Cap.PARKING_VIEW)
    today = timezone.localdate()
    rows = rental_rows(project_ids=project_ids, as_of=today)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            f"月租车辆清单-{today:%Y%m%d}.xlsx", "月租车辆清单", services.EXPORT_HEADERS, services.export_rows(rows)
        )
    exports = RentalExport.objects.filter(project_id__in=project_ids).select_related("project")[:12]
    context = {
        "rows": rows,
        "today": today,
        "exports": exports,
        "can_manage": bool(selected_project_ids(request, Cap.PARKING_MANAGE)),
    }
    return render_page(request, "parking/rentals.html", context)


@login_required
def export_download(request, pk: int):
    """A weekly export (the link the cashier is sent)."""
    export = scoping.access(RentalExport.objects.all(), request.user, Cap.PARKING_VIEW, pk=pk)
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=f"月租车辆清单-{export.week:%Y%m%d}.xlsx")


def _space(project: Project, code: str) -> ParkingSpace:
    space = ParkingSpace.objects.filter(project=project, code=code.strip().upper()).first()
    if space is None:
        raise DomainError("rental_space_unknown", _("该项目中没有此车位"), field="space")
    return space


def _house(project: Project, code: str) -> House:
    parsed = parse_house_code(code)
    house = House.objects.filter(project=project, code=str(parsed)).first() if parsed else None
    if house is None:
        raise DomainError("rental_house_unknown", _("该项目中没有此房号"), field="house")
    return house


@login_required
def rental_new(request):
    """新增月租 (PARKING_MANAGE)."""
    project_ids = _projects(request, Cap.PARKING_MANAGE)
    projects = list(Project.objects.filter(pk__in=project_ids).order_by("code"))
    form = RentalForm(request.POST or None, projects=projects, initial={"started_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        project = next(p for p in projects if p.pk == data["project"])
        try:
            rental = services.rental_create(
                space=_space(project, data["space"]),
                house=_house(project, data["house"]),
                renter_name=data["renter_name"],
                renter_phone=data["renter_phone"],
                plates=data["plates"],
                months=data["months"],
                started_on=data["started_on"],
                monthly_rent=data["monthly_rent"],
                by=request.user,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("parking:rental", rental.pk)
    return render_page(request, "parking/rental_new.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def rental(request, pk: int):
    """A rental: its periods (charged? paid?), its IC cards, and the actions."""
    rental = access_rental(request.user, pk)
    periods = list(rental.periods.order_by("starts_on"))
    paid = paid_line_ids(p.line_id for p in periods)
    cards = list(rental.cards.select_related("deposit").order_by("-issued_on", "number"))
    user = request.user
    context = {
        "rental": rental,
        "periods": [(p, p.line_id in paid) for p in periods],
        "cards": cards,
        "can_manage": scoping.has_cap(user, Cap.PARKING_MANAGE, rental.project_id),
        "can_bill": scoping.has_cap(user, Cap.FEE_BILL, rental.project_id),
        "renew_form": RenewForm(),
        "card_form": CardForm(initial={"idempotency_key": uuid.uuid4().hex}),
        "monthly": services.is_monthly_renter(rental, timezone.localdate()),
        "card_deposit": services.tariff_of(rental.project_id).card_deposit,
    }
    return render_page(request, "parking/rental.html", context)


@login_required
@require_POST
def rental_renew(request, pk: int):
    rental = access_rental(request.user, pk, Cap.PARKING_MANAGE)
    form = RenewForm(request.POST)
    if form.is_valid():
        try:
            services.rental_renew(rental=rental, months=form.cleaned_data["months"], by=request.user)
        except DomainError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("已续租"))
    return redirect("parking:rental", rental.pk)


@login_required
@require_POST
def rental_end(request, pk: int):
    rental = access_rental(request.user, pk, Cap.PARKING_MANAGE)
    try:
        services.rental_end(rental=rental, by=request.user)
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("已退租"))
    return redirect("parking:rental", rental.pk)


@login_required
@require_POST
def period_charge(request, pk: int):
    """出账: charge a period's rent into the ledger (FEE_BILL)."""
    period = scoping.access(RentalPeriod.objects.all(), request.user, Cap.FEE_BILL, pk=pk)
    scoping.require(request.user, Cap.PARKING_VIEW, period.project_id)
    try:
        services.period_charge(period=period, by=request.user)
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("租金已出账"))
    return redirect("parking:rental", period.rental_id)


@login_required
@require_POST
def card_issue(request, pk: int):
    """发卡 (PARKING_MANAGE and FEE_COLLECT): the deposit's 押金收据 opens next."""
    rental = access_rental(request.user, pk, Cap.PARKING_MANAGE)
    form = CardForm(request.POST)
    if form.is_valid():
        try:
            card = services.card_issue(
                rental=rental,
                number=form.cleaned_data["number"],
                method=form.cleaned_data["method"],
                idempotency_key=form.cleaned_data["idempotency_key"],
                by=request.user,
            )
        except DomainError as exc:
            _error(request, exc)
        else:
            return redirect("deposits:receipt", card.deposit_id)
    else:
        messages.error(request, _("请填写卡号"))
    return redirect("parking:rental", rental.pk)


@login_required
@require_POST
def card_close(request, pk: int, how: str):
    """退卡 (then the deposit's refund request) or 挂失."""
    card = scoping.access(ICCard.objects.all(), request.user, Cap.PARKING_MANAGE, pk=pk)
    action = services.card_return if how == "return" else services.card_lost
    try:
        action(card=card, by=request.user)
    except DomainError as exc:
        _error(request, exc)
        return redirect("parking:rental", card.rental_id)
    if how == "return":
        messages.success(request, _("已退卡，请办理IC卡押金退还"))
        return redirect("deposits:detail", card.deposit_id)
    messages.success(request, _("已挂失"))
    return redirect("parking:rental", card.rental_id)


# -- 收费标准 -------------------------------------------------------------------------------------


@login_required
def tariff(request):
    """停车收费标准 (PARKING_MANAGE): monthly rent, IC-card deposit, temporary parking."""
    project_ids = _projects(request, Cap.PARKING_MANAGE)
    projects = list(Project.objects.filter(pk__in=project_ids).order_by("code"))
    chosen = request.POST.get("project") or request.GET.get("project") or ""
    project = next((p for p in projects if str(p.pk) == chosen), projects[0])
    current = services.tariff_of(project)
    initial = {"project": project.pk, **{name: getattr(current, name) for name in services.TARIFF_FIELDS}}
    form = TariffForm(request.POST or None, projects=projects, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.TARIFF_FIELDS}
        try:
            services.tariff_set(project=project, by=request.user, **fields)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("已保存停车收费标准"))
            return redirect(f"{request.path}?project={project.pk}")
    context = {"form": form, "project": project, "tariff": current, "projects": projects}
    return render_page(request, "parking/tariff.html", context, status=400 if form.errors else 200)


# -- 临停计费 --------------------------------------------------------------------------------------


@login_required
def calculator(request):
    """临时停车计费 for the guard at the gate (phone layout, PARKING_VIEW): entry and exit
    → the fee, with each calendar day's part (FEE-10)."""
    project_ids = _projects(request, Cap.PARKING_VIEW)
    projects = list(Project.objects.filter(pk__in=project_ids).order_by("code"))
    now = now_local()
    bound = "entry" in request.GET
    data = request.GET.copy()
    if data.get("project", "") not in {str(p.pk) for p in projects}:
        data["project"] = str(projects[0].pk)  # a project not one's own: as if none was picked
    form = CalculatorForm(
        data if bound else None,
        projects=projects,
        initial={"project": projects[0].pk, "entry": now - dt.timedelta(hours=1), "exit": now},
    )
    result = None
    project = projects[0]
    if bound and form.is_valid():
        chosen = form.cleaned_data.get("project")
        project = next((p for p in projects if p.pk == chosen), projects[0])
        entry, exit = form.cleaned_data["entry"], form.cleaned_data["exit"]
        result = temporary_fee_breakdown(entry, exit, services.temporary_tariff(services.tariff_of(project)))
    context = {"form": form, "result": result, "tariff": services.tariff_of(project), "project": project}
    return render_page(request, "parking/calculator.html", context, status=400 if form.errors else 200)
