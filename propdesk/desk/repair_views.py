"""Repair work-order pages (报修·派工): the technician's phone pages (抢单池, the work order
with 到场 and 完成 and the signature pad; their open repairs are in 我的工单, desk:mine),
the dispatcher's part of the work order page, the printable 派工单 and the 17:00 list
(REP-5). Thin: access through the one scoping door, rules in desk.repairs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from propdesk.accounts.models import User
from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.console import render_page, selected_project_ids
from propdesk.core.errors import DomainError
from propdesk.core.masking import mask_phone
from propdesk.desk import repair_selectors as selectors
from propdesk.desk import repairs
from propdesk.desk.choices import (
    DONE_STATUSES,
    PAUSED_STATUSES,
    WORK_ORDER_TYPES,
    Department,
    EventKind,
    LineStage,
    Priority,
    Status,
    WorkOrderStep,
)
from propdesk.desk.models import Ticket, WorkOrder
from propdesk.desk.repair_forms import (
    MATERIAL_ROWS,
    QUOTE_ROWS,
    AcceptQuoteForm,
    EscalateForm,
    MeasureForm,
    PrepareForm,
    decode_signature,
    parse_materials,
    parse_quote_lines,
)

_RELATED = ("project", "house", "reporter", "receiver", "assignee")


def access_repair(user, pk: int) -> Ticket:
    """The one door to a work order (a repair's or a special service's): 404 for missing,
    for another project's and for a ticket without a work order alike."""
    tickets = Ticket.objects.filter(type__in=WORK_ORDER_TYPES).select_related(*_RELATED)
    return scoping.access(tickets, user, Cap.TICKET_VIEW, pk=pk)


def _work_order(ticket: Ticket) -> WorkOrder:
    """The saved work order, or an unsaved blank one (a repair not yet prepared)."""
    try:
        return ticket.work_order
    except WorkOrder.DoesNotExist:
        return WorkOrder(ticket=ticket)


def _require_some(user, *caps: Cap) -> frozenset[int]:
    """The projects where `user` holds any of `caps`; 404 when none (residents, cashiers…)."""
    project_ids = frozenset().union(*(scoping.visible_project_ids(user, cap) for cap in caps))
    if not project_ids:
        raise Http404
    return project_ids


# --- lists --------------------------------------------------------------------------------


@login_required
@require_GET
def pool(request):
    """抢单池: repairs waiting for a technician, with a big 抢单 button."""
    project_ids = _require_some(request.user, Cap.REPAIR_GRAB, Cap.TICKET_DISPATCH)
    chosen = selected_project_ids(request, Cap.TICKET_VIEW) & project_ids
    orders = list(selectors.pool(chosen))
    grab_ids = scoping.visible_project_ids(request.user, Cap.REPAIR_GRAB) & scoping.visible_project_ids(
        request.user, Cap.TICKET_HANDLE
    )
    rows = [
        {"ticket": t, "promise": repairs.onsite_promise(t, t.work_order), "can_grab": t.project_id in grab_ids} for t in orders
    ]
    return render_page(request, "desk/repairs/pool.html", {"rows": rows, "can_grab_any": bool(grab_ids & project_ids)})


@login_required
@require_GET
def unfinished(request):
    """Repairs not returned by now (REP-5), the list the 17:00 notification links to."""
    project_ids = _require_some(request.user, Cap.TICKET_DISPATCH)
    chosen = selected_project_ids(request, Cap.TICKET_DISPATCH)
    wanted = request.GET.get("project", "")
    if wanted.isdigit() and int(wanted) in project_ids:
        chosen = frozenset({int(wanted)})
    now = timezone.now()
    orders = list(selectors.unfinished_work_orders(chosen, now))
    return render_page(request, "desk/repairs/unfinished.html", {"orders": orders, "now": now})


# --- one work order -----------------------------------------------------------------------


def _timeline(ticket: Ticket) -> list[dict]:
    """The ticket's events in words: status before → after, who was assigned, the note."""
    events = list(ticket.events.select_related("actor"))
    user_ids = {e.after.get("assignee") for e in events if isinstance(e.after.get("assignee"), int)}
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=user_ids)} if user_ids else {}
    rows = []
    for event in events:
        parts = []
        before, after = event.before.get("status"), event.after.get("status")
        if after and before and before != after and before in Status.values and after in Status.values:
            parts.append(f"{Status(before).label} → {Status(after).label}")
        if "assignee" in event.after:
            parts.append(_("处理人：%(who)s") % {"who": names.get(event.after["assignee"], "—")})
        step = event.after.get("step")
        if event.kind == EventKind.WORK_ORDER and step in WorkOrderStep.values:
            parts.insert(0, str(WorkOrderStep(step).label))
        rows.append(
            {
                "event": event,
                "kind": EventKind(event.kind).label if event.kind in EventKind.values else event.kind,
                "text": "；".join(parts),
            }
        )
    return rows


def _order_context(request, ticket: Ticket) -> dict:
    user = request.user
    work_order = _work_order(ticket)
    saved = work_order.pk is not None and WorkOrder.objects.filter(pk=work_order.pk).exists()
    is_open = ticket.status not in DONE_STATUSES
    can_dispatch = repairs.may_dispatch(user, ticket)
    can_work = repairs.may_work(user, ticket)
    quote_lines = list(work_order.lines_of(LineStage.QUOTE)) if saved else []
    final_lines = list(work_order.lines_of(LineStage.FINAL)) if saved else []
    unaccepted = work_order.paid and not work_order.quote_accepted
    can = {
        "dispatch": can_dispatch,
        "work": can_work,
        "prepare": can_dispatch and is_open,
        "pool": can_dispatch and ticket.status == Status.NEW and ticket.assignee_id is None and not work_order.pool_open,
        "unpool": can_dispatch and work_order.pool_open,
        "grab": repairs.may_grab(user, ticket)
        and work_order.pool_open
        and ticket.status == Status.NEW
        and ticket.assignee_id is None,
        "quote": (can_dispatch or can_work) and is_open and work_order.paid and not work_order.quote_accepted,
        "accept": can_work and is_open and unaccepted and work_order.quote_version > 0,
        "arrive": can_work
        and ticket.assignee_id is not None
        and (ticket.status == Status.ASSIGNED or ticket.status in PAUSED_STATUSES),
        "complete": can_work and ticket.status == Status.IN_PROGRESS,
        "measure": can_work and is_open,
    }
    items = list(selectors.price_list(ticket.project_id)) if (can["quote"] or can["complete"]) else []
    return {
        "ticket": ticket,
        "wo": work_order,
        "saved": saved,
        "can": can,
        "unaccepted": unaccepted,
        "promise": repairs.onsite_promise(ticket, work_order),
        # The technician and the dispatcher call the customer; anyone else sees it masked (ARC-5).
        "phone": ticket.reporter_phone if (can_work or can_dispatch) else mask_phone(ticket.reporter_phone),
        "phone_link": can_work or can_dispatch,
        "quote_lines": quote_lines,
        "final_lines": final_lines,
        "price_items": items,
        "labour_items": [i for i in items if i.kind == "labour"],
        "material_items": [i for i in items if i.kind == "material"],
        "quote_rows": range(max(QUOTE_ROWS - len(quote_lines), 2)),
        "material_rows": range(MATERIAL_ROWS),
        "prepare_form": PrepareForm.for_order(work_order),
        "accept_form": AcceptQuoteForm(initial={"accepted_by": ticket.reporter_name}),
        "measure_form": MeasureForm(),
        "escalate_form": EscalateForm(),
        "attachments": list(ticket.attachments.all()),
        "timeline": _timeline(ticket),
        "is_house": ticket.house_id is not None,
        "urgent": ticket.priority in (Priority.URGENT, Priority.VERY_URGENT),
        "errors": {},
        "posted": {},
    }


def _order_page(request, ticket: Ticket, *, errors: dict | None = None, status: int = 200):
    context = _order_context(request, ticket)
    context["errors"] = errors or {}
    # A refusal whose form is no longer shown (the quote was accepted meanwhile…) goes on top.
    can = context["can"]
    shown = {
        "prepare": can["prepare"],
        "quote": can["quote"],
        "accept": can["accept"],
        "pool": True,
        "arrive": can["arrive"],
        "complete": can["complete"],
        "measure": can["measure"],
        "escalate": can["measure"],
    }
    context["errors_on_top"] = [message for key, message in context["errors"].items() if not shown.get(key)]
    context["posted"] = request.POST if errors else {}
    return render_page(request, "desk/repairs/order.html", context, status=status)


@login_required
@require_GET
def order(request, pk: int):
    return _order_page(request, access_repair(request.user, pk))


def _act(request, pk: int, allowed, key: str, run, success: str, *, done: str | None = None):
    """Run one action on the work order. Not allowed: the same 404 as a missing order;
    refused by a rule: the page again with the message on that form (400)."""
    ticket = access_repair(request.user, pk)
    if not allowed(request.user, ticket):
        raise Http404
    try:
        run(ticket)
    except DomainError as exc:
        ticket = access_repair(request.user, pk)
        return _order_page(request, ticket, errors={key: exc.message}, status=400)
    messages.success(request, success)
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(done or reverse("repairs:order", args=[pk]))


def _dispatcher_or_worker(user, ticket) -> bool:
    return repairs.may_dispatch(user, ticket) or repairs.may_work(user, ticket)


def _price_items(ticket: Ticket) -> dict:
    return {item.pk: item for item in selectors.price_list(ticket.project_id)}


@login_required
@require_POST
def prepare(request, pk: int):
    def run(ticket):
        form = PrepareForm(request.POST)
        if not form.is_valid():
            field, errors = next(iter(form.errors.items()))
            raise DomainError("invalid", f"{form.fields[field].label}：{errors[0]}", field=field)
        repairs.work_order_prepare(ticket=ticket, by=request.user, **form.cleaned_data)

    return _act(request, pk, repairs.may_dispatch, "prepare", run, _("派工信息已保存"))


@login_required
@require_POST
def quote(request, pk: int):
    def run(ticket):
        lines = parse_quote_lines(request.POST, _price_items(ticket))
        repairs.work_order_quote(ticket=ticket, lines=lines, by=request.user)

    return _act(request, pk, _dispatcher_or_worker, "quote", run, _("已报价，请客户确认"))


@login_required
@require_POST
def accept(request, pk: int):
    def run(ticket):
        repairs.work_order_accept_quote(ticket=ticket, accepted_by=request.POST.get("accepted_by", ""), by=request.user)

    return _act(request, pk, repairs.may_work, "accept", run, _("客户已确认报价"))


@login_required
@require_POST
def open_pool(request, pk: int):
    return _act(
        request,
        pk,
        repairs.may_dispatch,
        "pool",
        lambda t: repairs.work_order_open_pool(ticket=t, by=request.user),
        _("已放入抢单池，已通知工程维修人员"),
    )


@login_required
@require_POST
def close_pool(request, pk: int):
    return _act(
        request,
        pk,
        repairs.may_dispatch,
        "pool",
        lambda t: repairs.work_order_close_pool(ticket=t, by=request.user),
        _("已撤出抢单池"),
    )


@login_required
@require_POST
def grab(request, pk: int):
    """抢单. Losing the race is normal, not an error page: back to the pool with a note."""
    ticket = access_repair(request.user, pk)
    if not repairs.may_grab(request.user, ticket):
        raise Http404
    try:
        repairs.work_order_grab(ticket=ticket, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("repairs:pool")
    messages.success(request, _("抢单成功"))
    return redirect("repairs:order", pk=pk)


@login_required
@require_POST
def arrive(request, pk: int):
    return _act(
        request, pk, repairs.may_work, "arrive", lambda t: repairs.work_order_arrive(ticket=t, by=request.user), _("已登记到场")
    )


@login_required
@require_POST
def complete(request, pk: int):
    def run(ticket):
        repairs.work_order_complete(
            ticket=ticket,
            by=request.user,
            note=request.POST.get("note", ""),
            materials=parse_materials(request.POST, _price_items(ticket)),
            signature_png=decode_signature(request.POST.get("signature", "")),
            confirmed_by_name=request.POST.get("confirmed_by_name", ""),
            photos=request.FILES.getlist("photos"),
        )

    return _act(request, pk, repairs.may_work, "complete", run, _("已完工"), done=reverse("repairs:order", args=[pk]))


@login_required
@require_POST
def measure(request, pk: int):
    def run(ticket):
        repairs.work_order_temporary_measure(ticket=ticket, measure=request.POST.get("measure", ""), by=request.user)

    return _act(request, pk, repairs.may_work, "measure", run, _("已记录临时措施"))


@login_required
@require_POST
def escalate(request, pk: int):
    def run(ticket):
        repairs.work_order_escalate(
            ticket=ticket, to=request.POST.get("to", ""), note=request.POST.get("note", ""), by=request.user
        )

    return _act(request, pk, repairs.may_work, "escalate", run, _("已上报"))


@login_required
@require_GET
def signature(request, pk: int):
    """The customer's signature, served only within the viewer's projects."""
    ticket = access_repair(request.user, pk)
    work_order = _work_order(ticket)
    if not work_order.signature:
        raise Http404
    response = FileResponse(work_order.signature.open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, max-age=0"
    return response


@login_required
@require_GET
def print_order(request, pk: int):
    """派工单 for print: A4, three stubs (存根联 / 工程部联 / 客户联) with cut lines (REP-5)."""
    ticket = access_repair(request.user, pk)
    context = _order_context(request, ticket)
    context["stubs"] = [_("存根联"), _("工程部联"), _("客户联")]
    context["printed_at"] = timezone.now()
    context["department_label"] = Department(ticket.department).label if ticket.department else ""
    context["blank_material_rows"] = range(max(3 - len(context["final_lines"]), 0))
    return render_page(request, "desk/repairs/print.html", context)
