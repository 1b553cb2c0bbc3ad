"""The cashier's console (收费): 收费台, receipts, bill notices, the monthly run, the
arrears list and the daily close. Thin: access through the one scoping door, every rule in
the billing services and selectors."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from propdesk.accounts.roles import Cap
from propdesk.billing import arrears as arrears_mod
from propdesk.billing.choices import PaymentMethod, RunStatus
from propdesk.billing.forms import CloseForm, PaymentForm, RunForm, parse_month
from propdesk.billing.models import BillingRun, BillLine, CashierClose, Payment
from propdesk.billing.payments import cashier_close, cashier_day_summary, payment_take
from propdesk.billing.prints import PAYMENT_METHODS_NOTE, bill_notice, receipt_of, receipt_print
from propdesk.billing.run import billing_run_launch, billing_run_preview
from propdesk.billing.selectors import credit_balance, open_lines, settlement
from propdesk.core import scoping
from propdesk.core.console import render_page, selected_project_ids
from propdesk.core.errors import DomainError
from propdesk.core.excel import xlsx_response
from propdesk.core.money import money_sum
from propdesk.estate.housecode import parse_house_code
from propdesk.estate.models import Building, House, Project
from propdesk.residents.selectors import global_search

ARREARS_PAGE_SIZE = 100


def access_house(user, pk: int, cap: Cap = Cap.FEE_VIEW) -> House:
    """The one door to a house's account: 404 for missing and for another project's alike."""
    return scoping.access(House.objects.select_related("project", "building"), user, cap, pk=pk)


def access_payment(user, pk: int) -> Payment:
    return scoping.access(Payment.objects.select_related("project", "house", "cashier"), user, Cap.FEE_VIEW, pk=pk)


def _projects(request, cap: Cap) -> frozenset[int]:
    project_ids = selected_project_ids(request, cap)
    if not project_ids:
        raise Http404
    return project_ids


# -- 收费台 -------------------------------------------------------------------------------------


def _find(request, query: str, project_ids) -> tuple[House | None, list[House], list]:
    """A typed house code opens the house; anything else lists what the search box finds."""
    code = parse_house_code(query)
    if code is not None:
        found = list(House.objects.filter(project_id__in=project_ids, code=str(code)).select_related("project")[:2])
        if len(found) == 1:
            return found[0], [], []
    person_ids = project_ids & selected_project_ids(request, Cap.PERSON_VIEW)
    results = global_search(project_ids=person_ids, query=query)
    houses = results.houses or global_search(project_ids=project_ids, query=query).houses
    persons = [
        (person, [o for o in person.active_occupancies if o.house.project_id in project_ids]) for person in results.persons
    ]
    return None, houses, persons


def _desk_context(request, house: House, form: PaymentForm | None) -> dict:
    today = timezone.localdate()
    states = open_lines(house, as_of=today)
    can_collect = scoping.has_cap(request.user, Cap.FEE_COLLECT, house.project_id)
    if can_collect and form is None:
        overdue = [s for s in states if s.overdue_days > 0 or s.is_late_fee]
        form = PaymentForm(
            initial={
                "lines": [s.line.pk for s in overdue],
                "amount": money_sum(s.total for s in overdue) or None,
                "idempotency_key": uuid.uuid4().hex,
            },
            line_choices=[(s.line.pk, s.line.description) for s in states],
        )
    checked = {int(v) for v in (form["lines"].value() or [])} if form is not None else set()
    return {
        "house": house,
        "states": states,
        "checked": checked,
        "owed": money_sum(s.open for s in states),
        "late_fees": money_sum(s.late_fee for s in states),
        "total": money_sum(s.total for s in states),
        "credit": credit_balance(house, as_of=today),
        "settlement": settlement(house, as_of=today),
        "form": form if can_collect else None,
        "recent": Payment.objects.filter(house=house).select_related("cashier").order_by("-number")[:5],
        "today": today,
    }


@login_required
def desk(request):
    """收费台: find a house; what it owes, oldest first, with the live late fee (FEE-3, FEE-6)."""
    project_ids = _projects(request, Cap.FEE_VIEW)
    query = request.GET.get("q", "").strip()
    context: dict = {"query": query}
    house_id = request.GET.get("house", "")
    house = None
    if house_id.isdigit():
        house = access_house(request.user, int(house_id))
    elif query:
        house, context["houses"], context["persons"] = _find(request, query, project_ids)
    if house is not None:
        context.update(_desk_context(request, house, None))
    return render_page(request, "billing/desk.html", context)


@login_required
@require_POST
def pay(request, house_id: int):
    """Take the payment (FEE-5): the receipt page on success; the form again, each error
    named on its field, otherwise. A retried submission gets the first payment's receipt."""
    house = access_house(request.user, house_id, Cap.FEE_COLLECT)
    states = open_lines(house)
    form = PaymentForm(request.POST, line_choices=[(s.line.pk, s.line.description) for s in states])
    if form.is_valid():
        data = form.cleaned_data
        chosen = set(data["lines"])
        lines = list(BillLine.objects.filter(pk__in=chosen)) if chosen else []
        try:
            if len(lines) != len(chosen):  # a line that does not exist: as the service says of another house's
                raise DomainError("payment_line_not_open", _("所选账目不属于该房屋或已结清，请刷新后重试"), field="lines")
            payment = payment_take(
                house=house,
                by=request.user,
                method=data["method"],
                amount=data["amount"],
                tendered=data["tendered"] if data["method"] == PaymentMethod.CASH else None,
                lines=lines,
                idempotency_key=data["idempotency_key"],
                payer_name=data["payer_name"],
                reference=data["reference"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("billing:receipt", payment.pk)
    context = {"query": "", **_desk_context(request, house, form)}
    return render_page(request, "billing/desk.html", context, status=400)


# -- 收据 -----------------------------------------------------------------------------------------


@login_required
def receipt(request, pk: int):
    """The receipt, A5, printable. Every opening is recorded as a printing: the first is
    the original, any later one is marked 补打 with its copy number."""
    payment = access_payment(request.user, pk)
    printed = receipt_print(payment=payment, by=request.user)
    context = {"r": receipt_of(payment), "payment": payment, "printed": printed, "now": timezone.now()}
    return render_page(request, "billing/receipt.html", context)


# -- 缴费通知单 ------------------------------------------------------------------------------------


@login_required
def notices(request):
    """缴费通知单: per house (?house=) or per building (?building=) for a month (?month=)."""
    project_ids = _projects(request, Cap.FEE_VIEW)
    month = parse_month(request.GET.get("month")) or timezone.localdate().replace(day=1)
    house_id, building_id = request.GET.get("house", ""), request.GET.get("building", "")
    if house_id.isdigit():
        houses = [access_house(request.user, int(house_id))]
    elif building_id.isdigit():
        building = scoping.access(Building.objects.select_related("project"), request.user, Cap.FEE_VIEW, pk=int(building_id))
        houses = list(House.objects.filter(building=building).select_related("project", "building").order_by("code"))
    else:
        buildings = Building.objects.filter(project_id__in=project_ids).select_related("project").order_by("project", "number")
        return render_page(request, "billing/notice_index.html", {"buildings": buildings, "month": month})
    today = timezone.localdate()
    pages = [n for n in (bill_notice(house, month, on_date=today) for house in houses) if n is not None]
    context = {"notices": pages, "month": month, "today": today, "methods": PAYMENT_METHODS_NOTE}
    return render_page(request, "billing/notices.html", context)


# -- 月度出账 --------------------------------------------------------------------------------------


@login_required
def runs(request):
    """月度出账: pick the project and month → preview (FEE-2) → start."""
    project_ids = _projects(request, Cap.FEE_BILL)
    projects = list(Project.objects.filter(pk__in=project_ids).order_by("code"))
    form = RunForm(request.POST or request.GET or None, projects=projects)
    preview = None
    if form.is_bound and form.is_valid():
        project = next(p for p in projects if p.pk == form.cleaned_data["project"])
        month = form.cleaned_data["month"]
        try:
            if request.method == "POST":
                run = billing_run_launch(project=project, month=month, by=request.user)
                return redirect("billing:run", run.pk)
            preview = billing_run_preview(project=project, month=month, by=request.user)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    recent = BillingRun.objects.filter(project_id__in=project_ids).select_related("project", "started_by")[:24]
    return render_page(request, "billing/runs.html", {"form": form, "preview": preview, "recent": recent})


@login_required
def run(request, pk: int):
    """A run's progress; the htmx fragment is polled every 2 s until it is done."""
    billing_run = scoping.access(BillingRun.objects.select_related("project", "started_by"), request.user, Cap.FEE_BILL, pk=pk)
    context = {"run": billing_run, "done": billing_run.status == RunStatus.DONE}
    return render_page(request, "billing/run.html", context, fragment="billing/_run_progress.html")


# -- 欠费清单 ---------------------------------------------------------------------------------------

EXPORT_HEADERS = ("项目", "楼栋", "房号", "欠费金额", "欠费笔数", "最早到期日", "欠费月数", "账龄")


@login_required
def arrears(request):
    """欠费清单 by project and building with aging buckets (FEE-7); Excel export."""
    project_ids = _projects(request, Cap.FEE_VIEW)
    building_id = request.GET.get("building", "")
    building = None
    if building_id.isdigit():
        building = scoping.access(Building.objects.all(), request.user, Cap.FEE_VIEW, pk=int(building_id))
    result = arrears_mod.arrears_list(project_ids=project_ids, building_id=building.pk if building else None)
    if request.GET.get("export") == "xlsx":
        if not any(scoping.has_cap(request.user, Cap.DATA_EXPORT, pid) for pid in project_ids):
            raise Http404
        rows = (
            (
                r.house.project.name,
                r.house.building.number,
                r.house.code,
                r.owed,
                r.lines,
                r.oldest_due,
                r.months,
                str(r.bucket_label),
            )
            for r in result.rows
        )
        return xlsx_response(f"欠费清单-{result.as_of:%Y%m%d}.xlsx", "欠费清单", EXPORT_HEADERS, rows)
    buildings = Building.objects.filter(project_id__in=project_ids).select_related("project").order_by("project", "number")
    context = {
        "result": result,
        # A head office's list runs to tens of thousands of houses: shown a page at a
        # time, the bucket totals above it and the export cover them all.
        "page": Paginator(result.rows, ARREARS_PAGE_SIZE).get_page(request.GET.get("page")),
        "query_string": f"building={building.pk}" if building else "",
        "buildings": buildings,
        "building": building,
    }
    return render_page(request, "billing/arrears.html", context)


# -- 日结 -------------------------------------------------------------------------------------------


def _close_project(request) -> Project:
    project_ids = _projects(request, Cap.FEE_COLLECT)
    chosen = request.POST.get("project") or request.GET.get("project") or ""
    if chosen.isdigit() and int(chosen) in project_ids:
        return Project.objects.get(pk=int(chosen))
    return Project.objects.filter(pk__in=project_ids).order_by("code").first()


@login_required
def close(request):
    """收银日结: today's receipts by method and the cash expected; count the cash and close."""
    project = _close_project(request)
    today = timezone.localdate()
    done = CashierClose.objects.filter(project=project, cashier=request.user, day=today).first()
    form = CloseForm(request.POST or None)
    if request.method == "POST" and done is None and form.is_valid():
        try:
            done = cashier_close(
                project=project,
                cashier=request.user,
                day=today,
                counted_cash=form.cleaned_data["counted_cash"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("已日结"))
            return redirect("billing:close-print", done.pk)
    summary = cashier_day_summary(project=project, cashier=request.user, day=today)
    projects = Project.objects.filter(pk__in=selected_project_ids(request, Cap.FEE_COLLECT)).order_by("code")
    context = {
        "project": project,
        "projects": projects,
        "summary": summary,
        "labels": dict(PaymentMethod.choices),
        "form": form,
        "done": done,
        "today": today,
    }
    return render_page(request, "billing/close.html", context, status=400 if form.errors else 200)


@login_required
def close_print(request, pk: int):
    """The close's printable summary (the cashier's own, or any for FEE_APPROVE)."""
    closed = scoping.access(
        CashierClose.objects.select_related("project", "cashier", "closed_by"), request.user, Cap.FEE_COLLECT, pk=pk
    )
    if closed.cashier_id != request.user.pk and not scoping.has_cap(request.user, Cap.FEE_APPROVE, closed.project_id):
        raise Http404
    rows = [(dict(PaymentMethod.choices).get(m, m), row) for m, row in closed.summary.items()]
    return render_page(request, "billing/close_print.html", {"closed": closed, "rows": rows, "zero": Decimal("0")})
