"""Corrections with approval and bill disputes (FEE-3, FEE-4, FEE-5):

- 调整申请 (a house): request a waiver of a line, of a line's late fee, the reversal of a
  payment, or a due-date extension of a bill — recorded as a pending ApprovalRequest;
- 审批 (the queue): pending requests of the selected projects; someone holding
  FEE_APPROVE, not the requester, approves (the operation runs then) or rejects;
- 账单异议: disputes of a house's bills (until 5 days before the due date), the list,
  and their resolution (upheld / rejected) by FEE_APPROVE.

Thin: access through the scoping door, every rule in `billing.approvals` and
`billing.adjustments`."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from propdesk.accounts.roles import Cap
from propdesk.billing import approvals
from propdesk.billing.adjustments import DISPUTE_DAYS_BEFORE_DUE, bill_dispute_raise, bill_dispute_resolve
from propdesk.billing.choices import ApprovalKind, ApprovalStatus, DisputeStatus
from propdesk.billing.forms import (
    DecisionForm,
    DisputeForm,
    ExtensionRequestForm,
    ResolveForm,
    ReversalRequestForm,
    WaiverRequestForm,
)
from propdesk.billing.models import ApprovalRequest, Bill, BillDispute, BillLine, Payment
from propdesk.billing.selectors import open_lines
from propdesk.billing.views import access_house
from propdesk.core import scoping
from propdesk.core.console import render_page, selected_project_ids
from propdesk.core.errors import DomainError


def _add_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _effective_due(bill: Bill):
    return max([bill.due_date, *(e.to_date for e in bill.extensions.all())])


# -- 调整申请 ----------------------------------------------------------------------------------


def _adjust_forms(house, data=None, kind=None) -> dict:
    states = open_lines(house)
    line_choices = [(s.line.pk, f"{s.line.period:%Y-%m} {s.line.description} {_('未缴')} {s.open}") for s in states if s.open > 0]
    fee_choices = [
        (s.line.pk, f"{s.line.period:%Y-%m} {s.line.description} {_('违约金')} {s.late_fee}")
        for s in states
        if not s.is_late_fee and (s.late_fee > 0 or any(o.line.late_fee_of_id == s.line.pk for o in states))
    ]
    payments = Payment.objects.filter(house=house, reversal__isnull=True).order_by("-number")[:20]
    payment_choices = [
        (p.pk, f"{p.receipt_number} {p.received_on:%Y-%m-%d} {p.get_method_display()} {p.amount}") for p in payments
    ]
    bills = list(Bill.objects.filter(house=house).prefetch_related("extensions").order_by("-period", "-id")[:12])
    bill_choices = [(b.pk, f"{b.period:%Y-%m} {b.get_kind_display()} {_('截止')} {_effective_due(b):%Y-%m-%d}") for b in bills]
    disputes = BillDispute.objects.filter(bill__house=house).order_by("-raised_on")[:20]
    dispute_choices = [(d.pk, f"{d.bill.period:%Y-%m} {d.raised_on:%Y-%m-%d} {d.reason[:20]}") for d in disputes]

    def bound(name):
        return data if kind == name else None

    return {
        "states": states,
        "line_waiver": WaiverRequestForm(bound(ApprovalKind.LINE_WAIVER), line_choices=line_choices, prefix="lw"),
        "late_fee_waiver": WaiverRequestForm(bound(ApprovalKind.LATE_FEE_WAIVER), line_choices=fee_choices, prefix="fw"),
        "reversal": ReversalRequestForm(bound(ApprovalKind.REVERSAL), payment_choices=payment_choices, prefix="rv"),
        "extension": ExtensionRequestForm(
            bound(ApprovalKind.EXTENSION), bill_choices=bill_choices, dispute_choices=dispute_choices, prefix="ex"
        ),
    }


@login_required
def adjust(request, house_id: int):
    """调整申请 for a house (FEE_COLLECT): four request forms; each submits a pending
    request that someone else approves."""
    house = access_house(request.user, house_id, Cap.FEE_COLLECT)
    kind = request.POST.get("kind") if request.method == "POST" else None
    if kind is not None and kind not in ApprovalKind.values:
        raise Http404
    forms = _adjust_forms(house, request.POST, kind)
    if kind is not None:
        form = forms[kind]
        if form.is_valid():
            data = form.cleaned_data
            target = {}
            try:
                if kind in (ApprovalKind.LINE_WAIVER, ApprovalKind.LATE_FEE_WAIVER):
                    target["line"] = scoping.access(
                        BillLine.objects.all(), request.user, Cap.FEE_COLLECT, pk=data["line"], house=house
                    )
                    target["amount"] = data["amount"]
                elif kind == ApprovalKind.REVERSAL:
                    target["payment"] = scoping.access(
                        Payment.objects.all(), request.user, Cap.FEE_COLLECT, pk=data["payment"], house=house
                    )
                else:
                    target["bill"] = scoping.access(
                        Bill.objects.all(), request.user, Cap.FEE_COLLECT, pk=data["bill"], house=house
                    )
                    target["to_date"] = data["to_date"]
                    if data["dispute"]:
                        target["dispute"] = BillDispute.objects.get(pk=data["dispute"], bill=target["bill"])
                approval = approvals.approval_request(kind=kind, by=request.user, reason=data["reason"], **target)
            except (DomainError, BillDispute.DoesNotExist) as exc:
                if isinstance(exc, DomainError):
                    _add_error(form, exc)
                else:
                    form.add_error("dispute", _("异议不属于该账单"))
            else:
                messages.success(request, _("已提交审批申请，待有审批权限的人员审批"))
                return redirect("billing:approval", approval.pk)
    pending = ApprovalRequest.objects.filter(house=house).select_related("requested_by", "decided_by")[:20]
    context = {"house": house, "kind": kind, "pending": pending, **forms}
    failed = kind is not None
    return render_page(request, "billing/adjust.html", context, status=400 if failed else 200)


# -- 审批 ----------------------------------------------------------------------------------------


@login_required
def approval_list(request):
    """审批: the selected projects' requests — pending first (待审批), then decided. Seen
    by those who collect (their requests' state) and decided by FEE_APPROVE."""
    project_ids = selected_project_ids(request, Cap.FEE_COLLECT)
    if not project_ids:
        raise Http404
    status = request.GET.get("status", ApprovalStatus.PENDING)
    if status not in ApprovalStatus.values and status != "all":
        status = ApprovalStatus.PENDING
    rows = ApprovalRequest.objects.filter(project_id__in=project_ids).select_related(
        "project", "house", "requested_by", "decided_by"
    )
    if status != "all":
        rows = rows.filter(status=status)
    approver_in = scoping.visible_project_ids(request.user, Cap.FEE_APPROVE)
    context = {
        "rows": rows[:200],
        "status": status,
        "statuses": ApprovalStatus.choices,
        "approver_in": approver_in,
        "pending_count": ApprovalRequest.objects.filter(project_id__in=project_ids, status=ApprovalStatus.PENDING).count(),
    }
    return render_page(request, "billing/approvals.html", context)


def _access_approval(user, pk: int) -> ApprovalRequest:
    return scoping.access(
        ApprovalRequest.objects.select_related("project", "house", "requested_by", "decided_by"), user, Cap.FEE_COLLECT, pk=pk
    )


@login_required
def approval(request, pk: int):
    """One request: what it asks, who asked, why; the decision, or the approve / reject
    buttons for an approver who is not the requester."""
    item = _access_approval(request.user, pk)
    may_decide = (
        item.status == ApprovalStatus.PENDING
        and item.requested_by_id != request.user.pk
        and scoping.has_cap(request.user, Cap.FEE_APPROVE, item.project_id)
    )
    form = DecisionForm(request.POST or None) if may_decide else None
    return render_page(request, "billing/approval.html", {"item": item, "form": form, "may_decide": may_decide})


@login_required
@require_POST
def approval_decide(request, pk: int):
    """Approve or reject (FEE_APPROVE; 404 for anyone else, as for a missing request)."""
    item = scoping.access(ApprovalRequest.objects.select_related("project", "house"), request.user, Cap.FEE_APPROVE, pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            approvals.approval_decide(
                approval=item, approve=form.cleaned_data["decision"] == "approve", by=request.user, note=form.cleaned_data["note"]
            )
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已审批"))
            return redirect("billing:approval", item.pk)
    item = _access_approval(request.user, pk)
    context = {"item": item, "form": form, "may_decide": item.status == ApprovalStatus.PENDING}
    return render_page(request, "billing/approval.html", context, status=400)


# -- 账单异议 ------------------------------------------------------------------------------------


@login_required
def disputes(request):
    """账单异议 of the selected projects, open ones first (FEE-4)."""
    project_ids = selected_project_ids(request, Cap.FEE_VIEW)
    if not project_ids:
        raise Http404
    status = request.GET.get("status", "")
    rows = BillDispute.objects.filter(project_id__in=project_ids).select_related(
        "project", "bill", "bill__house", "recorded_by", "resolved_by"
    )
    if status in DisputeStatus.values:
        rows = rows.filter(status=status)
    context = {"rows": rows.order_by("status", "-raised_on", "-id")[:200], "status": status, "statuses": DisputeStatus.choices}
    return render_page(request, "billing/disputes.html", context)


@login_required
def house_disputes(request, house_id: int):
    """A house's bills and their disputes; record a new dispute (FEE-4: until 5 days
    before the due date in force)."""
    house = access_house(request.user, house_id)
    may_record = scoping.has_cap(request.user, Cap.TICKET_CREATE, house.project_id)
    if request.method == "POST" and not may_record:
        raise Http404
    bills = list(Bill.objects.filter(house=house).prefetch_related("extensions").order_by("-period", "-id")[:12])
    today = timezone.localdate()
    last = dt.timedelta(days=DISPUTE_DAYS_BEFORE_DUE)
    rows = [(b, _effective_due(b), _effective_due(b) - last) for b in bills]
    choices = [(b.pk, f"{b.period:%Y-%m} {b.get_kind_display()} {_('截止')} {due:%Y-%m-%d}") for b, due, _l in rows]
    form = DisputeForm(request.POST or None, bill_choices=choices) if may_record else None
    if form is not None and request.method == "POST" and form.is_valid():
        bill = next(b for b in bills if b.pk == form.cleaned_data["bill"])
        try:
            bill_dispute_raise(
                bill=bill, reason=form.cleaned_data["reason"], customer_name=form.cleaned_data["customer_name"], by=request.user
            )
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已登记账单异议；异议不影响按期缴费"))
            return redirect("billing:house-disputes", house.pk)
    context = {
        "house": house,
        "form": form,
        "rows": rows,
        "today": today,
        "days_before": DISPUTE_DAYS_BEFORE_DUE,
        "disputes": BillDispute.objects.filter(bill__house=house).select_related("bill", "recorded_by", "resolved_by"),
    }
    return render_page(request, "billing/house_disputes.html", context, status=400 if form is not None and form.errors else 200)


@login_required
def dispute(request, pk: int):
    """A dispute; resolve it (upheld / rejected) with FEE_APPROVE. Upholding changes no
    amount by itself: a waiver or an extension is requested from 调整申请."""
    item = scoping.access(
        BillDispute.objects.select_related("project", "bill", "bill__house", "recorded_by", "resolved_by"),
        request.user,
        Cap.FEE_VIEW,
        pk=pk,
    )
    may_resolve = item.status == DisputeStatus.OPEN and scoping.has_cap(request.user, Cap.FEE_APPROVE, item.project_id)
    form = ResolveForm(request.POST or None) if may_resolve else None
    if request.method == "POST":
        if not may_resolve:
            raise Http404
        if form.is_valid():
            try:
                bill_dispute_resolve(
                    dispute=item,
                    upheld=form.cleaned_data["outcome"] == DisputeStatus.UPHELD,
                    resolution=form.cleaned_data["resolution"],
                    by=request.user,
                )
            except DomainError as exc:
                _add_error(form, exc)
            else:
                messages.success(request, _("已处理"))
                return redirect("billing:dispute", item.pk)
    context = {
        "item": item,
        "form": form,
        "extensions": item.extensions.select_related("approved_by"),
        "may_request": scoping.has_cap(request.user, Cap.FEE_COLLECT, item.project_id),
    }
    return render_page(request, "billing/dispute.html", context, status=400 if form is not None and form.errors else 200)
