"""Deposit pages (押金): the held list with its Excel export (FEE-12's "deposits held"),
taking a deposit, the deposit with its refund request and approval, and the printed 押金
收据 and 押金退还单. Thin: access through the scoping door, rules in the services."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from propdesk.accounts.roles import Cap
from propdesk.billing.amount_words import amount_words
from propdesk.core import scoping
from propdesk.core.console import render_page, selected_project_ids
from propdesk.core.errors import DomainError
from propdesk.core.excel import xlsx_response
from propdesk.core.money import money_sum
from propdesk.deposits import services
from propdesk.deposits.choices import SETTLEMENT_GATED, DepositKind, DepositStatus
from propdesk.deposits.forms import KIND_CHOICES, STATUS_CHOICES, DepositForm, RefundForm, RejectForm
from propdesk.deposits.models import Deposit, DepositRefund
from propdesk.deposits.selectors import deposits_with_status
from propdesk.estate.housecode import parse_house_code
from propdesk.estate.models import House, Project

PAGE_ROWS = 200


def _projects(request, cap: Cap) -> frozenset[int]:
    project_ids = selected_project_ids(request, cap)
    if not project_ids:
        raise Http404
    return project_ids


def access_deposit(user, pk: int, cap: Cap = Cap.FEE_VIEW) -> Deposit:
    """The one door to a deposit: 404 alike for missing and another project's."""
    return scoping.access(Deposit.objects.select_related("project", "house", "taken_by"), user, cap, pk=pk)


def access_refund(user, pk: int, cap: Cap = Cap.FEE_VIEW) -> DepositRefund:
    queryset = DepositRefund.objects.select_related("deposit__project", "deposit__house", "requested_by", "decided_by")
    return scoping.access(queryset, user, cap, pk=pk)


EXPORT_HEADERS = ("项目", "押金收据号", "类型", "房屋", "交款人", "金额", "收取日期", "付款方式", "事由", "状态")


@login_required
def deposit_list(request):
    """押金: the deposits of the selected projects, filtered by kind and status (default:
    held); ?export=xlsx gives the "deposits held" sheet (FEE-12)."""
    project_ids = _projects(request, Cap.FEE_VIEW)
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", DepositStatus.HELD)
    kind = kind if kind in DepositKind.values else ""
    status = status if status in DepositStatus.values else ""
    queryset = deposits_with_status(Deposit.objects.filter(project_id__in=project_ids), status=status, kind=kind)
    queryset = queryset.order_by("project__code", "-number")
    if request.GET.get("export") == "xlsx":
        if not any(scoping.has_cap(request.user, Cap.DATA_EXPORT, pid) for pid in project_ids):
            raise Http404
        labels = dict(DepositStatus.choices)
        rows = (
            (
                d.project.name,
                d.receipt_number,
                d.get_kind_display(),
                d.house.code if d.house else "",
                d.payer_name,
                d.amount,
                d.taken_on,
                d.get_method_display(),
                d.purpose,
                str(labels[services.deposit_status(d)]),
            )
            for d in queryset
        )
        return xlsx_response(f"押金-{timezone.localdate():%Y%m%d}.xlsx", "押金", EXPORT_HEADERS, rows)
    deposits = list(queryset[:PAGE_ROWS])
    rows = [(d, services.deposit_status(d)) for d in deposits]
    context = {
        "rows": rows,
        "total": money_sum(d.amount for d in deposits),
        "kind": kind,
        "status": status,
        "kinds": KIND_CHOICES,
        "statuses": STATUS_CHOICES,
        "status_labels": dict(DepositStatus.choices),
        "truncated": len(deposits) == PAGE_ROWS,
        "can_take": bool(selected_project_ids(request, Cap.FEE_COLLECT)),
    }
    return render_page(request, "deposits/list.html", context)


def _house(project: Project, code: str) -> House | None:
    if not code.strip():
        return None
    parsed = parse_house_code(code)
    house = House.objects.filter(project=project, code=str(parsed)).first() if parsed else None
    if house is None:
        raise DomainError("deposit_house_unknown", _("该项目中没有此房号"), field="house")
    return house


@login_required
def deposit_new(request):
    """收取押金 (FEE_COLLECT): the form, then the printed 押金收据."""
    project_ids = _projects(request, Cap.FEE_COLLECT)
    projects = list(Project.objects.filter(pk__in=project_ids).order_by("code"))
    initial = {"idempotency_key": uuid.uuid4().hex, "kind": request.GET.get("kind", DepositKind.DECORATION)}
    house_id = request.GET.get("house", "")
    if house_id.isdigit():
        house = scoping.access(House.objects.select_related("project"), request.user, Cap.FEE_COLLECT, pk=int(house_id))
        initial.update(project=house.project_id, house=house.code)
    form = DepositForm(request.POST or None, projects=projects, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        project = next(p for p in projects if p.pk == data["project"])
        try:
            deposit = services.deposit_take(
                project=project,
                by=request.user,
                house=_house(project, data["house"]),
                kind=data["kind"],
                amount=data["amount"],
                payer_name=data["payer_name"],
                method=data["method"],
                reference=data["reference"],
                purpose=data["purpose"],
                idempotency_key=data["idempotency_key"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("deposits:receipt", deposit.pk)
    return render_page(request, "deposits/new.html", {"form": form}, status=400 if form.errors else 200)


def _detail_context(request, deposit: Deposit, refund_form=None, reject_form=None) -> dict:
    user = request.user
    refunds = list(deposit.refunds.select_related("requested_by", "decided_by").prefetch_related("deductions"))
    status = services.deposit_status(deposit)
    can_request = status == DepositStatus.HELD and scoping.has_cap(user, Cap.FEE_COLLECT, deposit.project_id)
    today = timezone.localdate()
    owed = services.owed_for_refund(deposit, today) if deposit.house_id else None
    return {
        "deposit": deposit,
        "refunds": refunds,
        "status": status,
        "status_label": DepositStatus(status).label,
        "gated": deposit.kind in SETTLEMENT_GATED and deposit.house_id is not None,
        "owed": owed,
        "refund_form": (refund_form or RefundForm()) if can_request else None,
        "can_approve": scoping.has_cap(user, Cap.FEE_APPROVE, deposit.project_id),
        "reject_form": reject_form or RejectForm(),
        "card": getattr(deposit, "ic_card", None) if deposit.kind == DepositKind.IC_CARD else None,
    }


@login_required
def deposit_detail(request, pk: int):
    """A deposit: what was taken, its refunds, and the refund request or approval."""
    deposit = access_deposit(request.user, pk)
    return render_page(request, "deposits/detail.html", _detail_context(request, deposit))


@login_required
@require_POST
def refund_new(request, pk: int):
    """Request the refund (FEE_COLLECT) with itemised deductions (FEE-9)."""
    deposit = access_deposit(request.user, pk, Cap.FEE_COLLECT)
    form = RefundForm(request.POST)
    if form.is_valid():
        try:
            services.refund_request(
                deposit=deposit,
                by=request.user,
                deductions=form.deductions(),
                method=form.cleaned_data["method"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("已提交押金退还申请，待审批"))
            return redirect("deposits:detail", deposit.pk)
    return render_page(request, "deposits/detail.html", _detail_context(request, deposit, refund_form=form), status=400)


@login_required
@require_POST
def refund_approve(request, pk: int):
    """Approve (FEE_APPROVE, not the requester): the refund is recorded as paid out and
    the unpaid-fees deduction paid into the ledger; then the slip prints."""
    refund = access_refund(request.user, pk, Cap.FEE_APPROVE)
    try:
        services.refund_approve(refund=refund, approver=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("deposits:detail", refund.deposit_id)
    return redirect("deposits:slip", refund.pk)


@login_required
@require_POST
def refund_reject(request, pk: int):
    refund = access_refund(request.user, pk, Cap.FEE_APPROVE)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.refund_reject(refund=refund, approver=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已驳回退还申请"))
        return redirect("deposits:detail", refund.deposit_id)
    context = _detail_context(request, refund.deposit, reject_form=form)
    return render_page(request, "deposits/detail.html", context, status=400)


@login_required
def receipt(request, pk: int):
    """The 押金收据, A5. Every opening is recorded as a printing; later copies are 补打."""
    deposit = access_deposit(request.user, pk)
    printed = services.deposit_print(deposit=deposit, by=request.user)
    context = {"deposit": deposit, "printed": printed, "words": amount_words(deposit.amount)}
    return render_page(request, "deposits/receipt.html", context)


@login_required
def slip(request, pk: int):
    """The 押金退还单 (refund slip), A5: deductions itemised, the net refund in words."""
    refund = access_refund(request.user, pk)
    context = {
        "refund": refund,
        "deposit": refund.deposit,
        "deductions": list(refund.deductions.all()),
        "words": amount_words(refund.net_amount),
    }
    return render_page(request, "deposits/slip.html", context)
