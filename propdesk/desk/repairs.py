"""Repair work-order services (报修·派工, REP-1…7): the appointment facts, the quote a
customer accepts before paid work starts, the open pool technicians grab from, arrival,
completion with the customer's signature or the reporter's confirmation, temporary
measures, escalation, and the 17:00 list of unfinished orders.

Ticket-wide writes go through desk.services: status moves only by ticket_transition,
timeline rows only by `_record`. Amounts only through core.money. The SLA clocks (sla
app) read the events written here: assignment (ASSIGNED), arrival (STATUS → in progress,
noted 到场), completion (STATUS → resolved)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.accounts.roles import ROLE_CAPS, Cap, Role
from propdesk.core import money, scoping
from propdesk.core.errors import DomainError
from propdesk.core.uploads import check_scan
from propdesk.desk.choices import (
    DONE_STATUSES,
    PAUSED_STATUSES,
    WORK_ORDER_TYPES,
    Department,
    Escalation,
    EventKind,
    LineStage,
    PriceKind,
    Priority,
    Status,
    TicketType,
    WorkOrderStep,
)
from propdesk.desk.models import PriceItem, Ticket, WorkOrder, WorkOrderLine
from propdesk.desk.services import event_record, lock_ticket, may_work_on, ticket_attach, ticket_transition

# REP-2: the on-site promise per urgency tier; a general repair is due the same day or at
# the agreed appointment. The SLA policies (sla app) are the clocks; these are the words.
ONSITE_TARGETS: dict[str, dt.timedelta] = {
    Priority.VERY_URGENT: dt.timedelta(minutes=10),
    Priority.URGENT: dt.timedelta(minutes=15),
}

# A signature drawn on a phone is a few dozen kilobytes; anything far larger is not one.
SIGNATURE_MAX_BYTES = 512 * 1024
SIGNATURE_MAX_PIXELS = 4000 * 4000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# REP-6: whom an escalation alerts in the system (the contractor and the insurer are
# outside it: the manager follows those up).
ESCALATION_ROLES: dict[str, tuple[str, ...]] = {
    Escalation.MANAGER: (Role.MANAGER,),
    Escalation.COMPANY_ENGINEERING: (Role.MANAGER, Role.HEAD_OFFICE),
    Escalation.CONTRACTOR: (Role.MANAGER,),
    Escalation.INSURER: (Role.MANAGER,),
}
# REP-5: who receives the 17:00 list of unfinished orders.
UNFINISHED_REPORT_ROLES = (Role.SUPERVISOR, Role.MANAGER)
UNFINISHED_REPORT_ROWS = 30

Material = tuple  # (PriceItem | name, quantity[, unit price])


# --- who may do what (pages read these to show only the actions that will be accepted) --


def may_dispatch(user, ticket: Ticket) -> bool:
    """Prepare the order, quote, open or close the pool (DESK-4 dispatchers)."""
    return scoping.has_cap(user, Cap.TICKET_DISPATCH, ticket.project_id)


def may_work(user, ticket: Ticket) -> bool:
    """Arrive, complete, record measures and escalations: the assignee or a dispatcher."""
    return may_work_on(user, ticket)


def may_grab(user, ticket: Ticket) -> bool:
    """Take an order from the open pool (抢单): engineering technicians of the project."""
    return scoping.has_cap(user, Cap.REPAIR_GRAB, ticket.project_id) and scoping.has_cap(
        user, Cap.TICKET_HANDLE, ticket.project_id
    )


def grabbing_roles() -> tuple[str, ...]:
    """The roles whose holders grab from the pool (read from the capability table)."""
    return tuple(role for role, caps in ROLE_CAPS.items() if Cap.REPAIR_GRAB in caps and role != Role.ADMIN)


def onsite_promise(ticket: Ticket, work_order: WorkOrder | None) -> str:
    """The REP-2 promise in words: 10/15 minutes on site, or same day / appointment."""
    target = ONSITE_TARGETS.get(ticket.priority)
    if target is not None:
        return _("%(n)s 分钟内到场") % {"n": int(target.total_seconds() // 60)}
    if work_order is not None and work_order.appointment_start:
        start = timezone.localtime(work_order.appointment_start)
        return _("按预约时间 %(time)s 到场") % {"time": f"{start:%m-%d %H:%M}"}
    return _("当天到场")


# --- helpers ------------------------------------------------------------------------------


def _work_order(ticket: Ticket) -> WorkOrder:
    """The ticket's work order, locked for this transaction (created on first use)."""
    if ticket.type not in WORK_ORDER_TYPES:
        raise DomainError("not_a_repair", _("该工单不是报修或特约服务"), field="ticket")
    WorkOrder.objects.get_or_create(ticket=ticket)
    work_order = WorkOrder.objects.select_for_update().get(pk=ticket.pk)
    work_order.ticket = ticket
    return work_order


def _require_dispatcher(by, ticket: Ticket) -> None:
    if not may_dispatch(by, ticket):
        raise DomainError("work_order_dispatch_refused", _("只有派单员可以安排派工单"), field="ticket", rule="DESK-4")


def _require_worker(by, ticket: Ticket) -> None:
    if not may_work(by, ticket):
        raise DomainError("ticket_not_yours", _("只有处理人或派单员可以操作该派工单"), field="ticket")


def _require_open(ticket: Ticket) -> None:
    if ticket.status in DONE_STATUSES:
        raise DomainError("ticket_done", _("已处理或已关闭的工单不能再修改派工单"), field="ticket")


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _step(ticket: Ticket, step: str, *, by, before: dict | None = None, after: dict | None = None, note: str = ""):
    return event_record(ticket, EventKind.WORK_ORDER, by=by, before=before, after={"step": step, **(after or {})}, note=note)


def _quantity(value, field: str) -> Decimal:
    try:
        number = money.quantity(value)
    except (TypeError, ValueError):
        raise DomainError("work_order_quantity_invalid", _("数量无效：%(v)s") % {"v": value}, field=field) from None
    if number <= 0:
        raise DomainError("work_order_quantity_invalid", _("数量须大于 0"), field=field)
    return number


def _price_item(item: PriceItem, ticket: Ticket, field: str) -> PriceItem:
    if not isinstance(item, PriceItem) or item.project_id != ticket.project_id or not item.active:
        raise DomainError("work_order_price_item_invalid", _("只能选用本项目在用的价目（REP-4）"), field=field, rule="REP-4")
    return item


def _add_lines(work_order: WorkOrder, stage: str, version: int, rows: Iterable[dict]) -> list[WorkOrderLine]:
    lines = [
        WorkOrderLine(
            work_order=work_order,
            stage=stage,
            version=version,
            amount=money.line_amount(row["quantity"], row["unit_price"]),
            **row,
        )
        for row in rows
    ]
    return WorkOrderLine.objects.bulk_create(lines)


def check_may_start(ticket: Ticket) -> None:
    """REP-4: paid work does not start before the customer has accepted the quote. Read
    by arrival here and by ticket_transition for any move to in progress."""
    work_order = WorkOrder.objects.filter(pk=ticket.pk).only("paid", "quote_accepted_at").first()
    if work_order is not None and work_order.paid and work_order.quote_accepted_at is None:
        raise DomainError(
            "work_order_quote_not_accepted",
            _("有偿维修须客户先确认报价，方可开工（REP-4）"),
            field="quote",
            rule="REP-4",
        )


# --- REP-1: the appointment facts ---------------------------------------------------------


@transaction.atomic
def work_order_prepare(
    *,
    ticket: Ticket,
    by,
    appointment_start: dt.datetime | None = None,
    appointment_end: dt.datetime | None = None,
    someone_home: bool | None = None,
    spare_key_allowed: bool = False,
    paid: bool = False,
) -> WorkOrder:
    """Record what the dispatcher agreed with the customer (REP-1): the appointment slot,
    whether someone will be home, whether the spare key (key register) may be used, and
    whether the work is paid (REP-4: common-area and warranty work is free)."""
    ticket = lock_ticket(ticket)
    _require_dispatcher(by, ticket)
    _require_open(ticket)
    work_order = _work_order(ticket)
    if (appointment_start is None) != (appointment_end is None):
        raise DomainError("work_order_slot_incomplete", _("预约时段须填写开始和结束时间"), field="appointment_end", rule="REP-1")
    for value, field in ((appointment_start, "appointment_start"), (appointment_end, "appointment_end")):
        if value is not None and timezone.is_naive(value):
            raise DomainError("work_order_time_naive", _("时间须带时区"), field=field)
    if appointment_start is not None and appointment_end <= appointment_start:
        raise DomainError("work_order_slot_order", _("预约结束时间须晚于开始时间"), field="appointment_end", rule="REP-1")
    if ticket.type == TicketType.REPAIR and ticket.house_id is None and paid:
        raise DomainError("work_order_common_area_free", _("公共区域维修为无偿服务（REP-4）"), field="paid", rule="REP-4")
    if ticket.house_id is None and spare_key_allowed:
        raise DomainError("work_order_spare_key_house", _("备用钥匙只用于入户维修"), field="spare_key_allowed", rule="REP-1")
    if work_order.quote_accepted and not paid:
        raise DomainError("work_order_quote_accepted", _("客户已确认报价，不能改为无偿（REP-4）"), field="paid", rule="REP-4")
    new = {
        "appointment_start": appointment_start,
        "appointment_end": appointment_end,
        "someone_home": someone_home,
        "spare_key_allowed": bool(spare_key_allowed),
        "paid": bool(paid),
    }
    before = {k: getattr(work_order, k) for k in new if getattr(work_order, k) != new[k]}
    for key, value in new.items():
        setattr(work_order, key, value)
    work_order.save()
    if before:
        changed = {k: new[k] for k in before}
        _step(
            ticket,
            WorkOrderStep.PREPARED,
            by=by,
            before={k: _iso(v) if isinstance(v, dt.datetime) else v for k, v in before.items()},
            after={k: _iso(v) if isinstance(v, dt.datetime) else v for k, v in changed.items()},
        )
    return work_order


# --- REP-4: the quote ---------------------------------------------------------------------


@transaction.atomic
def work_order_quote(*, ticket: Ticket, lines: Sequence[tuple[PriceItem, object]], by) -> WorkOrder:
    """Issue a quote for paid work from the published price list (REP-4). A new quote is
    a new version (the earlier lines stay on record); once the customer has accepted a
    quote it is never changed."""
    ticket = lock_ticket(ticket)
    if not (may_dispatch(by, ticket) or may_work(by, ticket)):
        raise DomainError("work_order_quote_refused", _("只有派单员或处理人可以报价"), field="ticket", rule="REP-4")
    _require_open(ticket)
    work_order = _work_order(ticket)
    if not work_order.paid:
        raise DomainError("work_order_not_paid", _("无偿维修不需要报价（REP-4）"), field="paid", rule="REP-4")
    if work_order.quote_accepted:
        raise DomainError("work_order_quote_accepted", _("客户已确认报价，报价不能再修改（REP-4）"), field="quote", rule="REP-4")
    if not lines:
        raise DomainError("work_order_quote_empty", _("报价至少需要一项"), field="quote", rule="REP-4")
    rows = []
    for n, line in enumerate(lines):
        item, qty = line[0], line[1]
        item = _price_item(item, ticket, f"quote-{n}")
        rows.append(
            {
                "price_item": item,
                "kind": item.kind,
                "name": item.name,
                "unit": item.unit,
                "quantity": _quantity(qty, f"quote-{n}"),
                "unit_price": money.money(item.unit_price),
            }
        )
    version = work_order.quote_version + 1
    created = _add_lines(work_order, LineStage.QUOTE, version, rows)
    before = {"quote_total": str(work_order.quote_total) if work_order.quote_total is not None else None}
    work_order.quote_version = version
    work_order.quote_total = money.money_sum(line.amount for line in created)
    work_order.save(update_fields=["quote_version", "quote_total"])
    summary = "；".join(f"{line.name} {line.quantity}{line.unit} × {line.unit_price} = {line.amount}" for line in created)
    _step(
        ticket,
        WorkOrderStep.QUOTED,
        by=by,
        before=before,
        after={"version": version, "quote_total": str(work_order.quote_total)},
        note=summary,
    )
    return work_order


@transaction.atomic
def work_order_accept_quote(*, ticket: Ticket, accepted_by: str, by) -> WorkOrder:
    """The customer accepts the quote before work starts (REP-4); `accepted_by` is the
    customer's name as told to the dispatcher or the technician at the door."""
    ticket = lock_ticket(ticket)
    _require_worker(by, ticket)
    _require_open(ticket)
    work_order = _work_order(ticket)
    if not work_order.paid:
        raise DomainError("work_order_not_paid", _("无偿维修不需要报价（REP-4）"), field="paid", rule="REP-4")
    if work_order.quote_accepted:
        raise DomainError("work_order_quote_accepted", _("客户已确认过报价"), field="quote", rule="REP-4")
    if not work_order.quote_version:
        raise DomainError("work_order_no_quote", _("尚未报价"), field="quote", rule="REP-4")
    if not accepted_by.strip():
        raise DomainError("work_order_accepted_by_required", _("请填写确认报价的客户姓名"), field="accepted_by", rule="REP-4")
    work_order.quote_accepted_at = timezone.now()
    work_order.quote_accepted_by = accepted_by.strip()[:50]
    work_order.save(update_fields=["quote_accepted_at", "quote_accepted_by"])
    _step(
        ticket,
        WorkOrderStep.QUOTE_ACCEPTED,
        by=by,
        after={"version": work_order.quote_version, "quote_total": str(work_order.quote_total), "accepted_by": accepted_by},
    )
    return work_order


# --- REP-5: dispatch by the open pool (抢单) ------------------------------------------------


@transaction.atomic
def work_order_open_pool(*, ticket: Ticket, by) -> WorkOrder:
    """Put an unassigned repair into the open pool and tell the project's technicians."""
    from propdesk.notifications.selectors import staff_with_role
    from propdesk.notifications.services import notify

    ticket = lock_ticket(ticket)
    _require_dispatcher(by, ticket)
    work_order = _work_order(ticket)
    if ticket.type != TicketType.REPAIR:
        raise DomainError("work_order_pool_repairs", _("只有报修可以放入抢单池"), field="ticket", rule="REP-5")
    if ticket.status != Status.NEW or ticket.assignee_id is not None:
        raise DomainError("work_order_pool_assigned", _("只有尚未派单的报修可以放入抢单池"), field="ticket", rule="REP-5")
    if work_order.pool_open:
        return work_order
    work_order.pool_open, work_order.pooled_at = True, timezone.now()
    work_order.save(update_fields=["pool_open", "pooled_at"])
    _step(ticket, WorkOrderStep.POOLED, by=by, after={"pool_open": True})
    urgent = ticket.priority in ONSITE_TARGETS
    notify(
        recipients=staff_with_role(ticket.project_id, grabbing_roles(), company_wide=False),
        kind="repair.pooled",
        title=_("抢单：%(title)s") % {"title": ticket.title},
        body=_("%(place)s · %(promise)s") % {"place": ticket.place, "promise": onsite_promise(ticket, work_order)},
        link=reverse("repairs:pool"),
        project=ticket.project,
        urgent=urgent,
        channels=("in_app", "sms") if urgent else ("in_app",),
        dedupe_key=f"rep5-pool:{ticket.pk}:{work_order.pooled_at.timestamp():.0f}",
    )
    return work_order


@transaction.atomic
def work_order_close_pool(*, ticket: Ticket, by) -> WorkOrder:
    """Take an order back out of the pool (the dispatcher will assign it directly)."""
    ticket = lock_ticket(ticket)
    _require_dispatcher(by, ticket)
    work_order = _work_order(ticket)
    if WorkOrder.objects.filter(pk=ticket.pk, pool_open=True).update(pool_open=False):
        work_order.pool_open = False
        _step(ticket, WorkOrderStep.UNPOOLED, by=by, before={"pool_open": True}, after={"pool_open": False})
    return work_order


def _take_from_pool(*, ticket: Ticket, assignee, by, note: str) -> Ticket:
    """The one place a pooled order changes hands: a conditional UPDATE on the ticket
    (still new and unassigned) and the ASSIGNED event. A technician lacks the dispatch
    right ticket_assign asks for, so the pool records the assignment itself."""
    before = Ticket.objects.filter(pk=ticket.pk).values("department").get()
    taken = Ticket.objects.filter(pk=ticket.pk, status=Status.NEW, assignee__isnull=True).update(
        assignee=assignee, status=Status.ASSIGNED, department=Department.ENGINEERING
    )
    if not taken:
        raise DomainError("work_order_already_taken", _("手慢了，该单已被他人接走"), field="ticket", rule="REP-5")
    ticket = Ticket.objects.select_related("project", "house").get(pk=ticket.pk)
    event_record(
        ticket,
        EventKind.ASSIGNED,
        by=by,
        before={"assignee": None, "department": before["department"], "status": Status.NEW},
        after={"assignee": assignee.pk, "department": Department.ENGINEERING, "status": Status.ASSIGNED},
        note=note,
    )
    return ticket


@transaction.atomic
def work_order_grab(*, ticket: Ticket, by) -> Ticket:
    """A technician takes an order from the open pool (抢单). Exactly one wins: the pool
    flag is cleared by a conditional UPDATE (pool_open = true), so of two technicians
    tapping at the same moment the second updates nothing and is told it is gone; the
    ticket itself is claimed the same way (new and unassigned)."""
    ticket = lock_ticket(ticket)  # the lock order of every work-order write: ticket, then work order
    if not may_grab(by, ticket):
        raise DomainError("work_order_grab_refused", _("只有本项目工程维修人员可以抢单"), field="ticket", rule="REP-5")
    now = timezone.now()
    if not WorkOrder.objects.filter(pk=ticket.pk, pool_open=True).update(pool_open=False, grabbed_at=now):
        raise DomainError("work_order_already_taken", _("手慢了，该单已被他人接走"), field="ticket", rule="REP-5")
    return _take_from_pool(ticket=ticket, assignee=by, by=by, note=_("抢单"))


# --- on site ------------------------------------------------------------------------------


@transaction.atomic
def work_order_arrive(*, ticket: Ticket, by, at: dt.datetime | None = None) -> WorkOrder:
    """The technician is on site (到场): the ticket moves to in progress through
    ticket_transition, with the arrival noted on that event (the SLA arrival fact).
    Paid work does not start before the quote is accepted (REP-4)."""
    ticket = lock_ticket(ticket)
    _require_worker(by, ticket)
    work_order = _work_order(ticket)
    if ticket.assignee_id is None:
        raise DomainError("work_order_not_assigned", _("请先派单"), field="ticket", rule="REP-5")
    if ticket.status != Status.ASSIGNED and ticket.status not in PAUSED_STATUSES:
        raise DomainError(
            "work_order_arrive_status",
            _("当前状态“%(s)s”不能登记到场") % {"s": Status(ticket.status).label},
            field="status",
        )
    now = timezone.now()
    at = at or now
    if timezone.is_naive(at) or at > now + dt.timedelta(minutes=1) or at < ticket.created_at:
        raise DomainError("work_order_arrival_time", _("到场时间须在报修之后、不晚于现在"), field="at")
    check_may_start(ticket)
    local = timezone.localtime(at)
    ticket_transition(ticket=ticket, to_status=Status.IN_PROGRESS, by=by, note=_("到场 %(time)s") % {"time": f"{local:%H:%M}"})
    if work_order.arrived_at is None:
        work_order.arrived_at = at
        work_order.save(update_fields=["arrived_at"])
    return work_order


def check_may_resolve(ticket: Ticket) -> None:
    """REP-6/REP-7: a repair is done only through its completion — the customer's
    signature, or the reporter's confirmation for a common area — never by a bare status
    change. Read by ticket_transition for any move of a repair to resolved."""
    if not WorkOrder.objects.filter(pk=ticket.pk, completed_at__isnull=False).exists():
        raise DomainError(
            "work_order_not_completed",
            _("报修须在派工单上完工确认（客户签字或报告人确认）后才算处理完成（REP-6）"),
            field="status",
            rule="REP-6",
        )


def check_signature_png(data: bytes, *, field: str = "signature") -> None:
    """A customer's signature as drawn on the phone: a PNG (by its leading bytes), not
    too large, and not blank (some ink on it)."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise DomainError("signature_required", _("请客户在手机上签名（REP-6）"), field=field, rule="REP-6")
    if len(data) > SIGNATURE_MAX_BYTES:
        raise DomainError("signature_too_large", _("签名图片过大"), field=field, rule="REP-6")
    if not data.startswith(PNG_SIGNATURE):
        raise DomainError("signature_not_png", _("签名须为 PNG 图片"), field=field, rule="REP-6")
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > SIGNATURE_MAX_PIXELS:
                raise DomainError("signature_too_large", _("签名图片过大"), field=field, rule="REP-6")
            rgba = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise DomainError("signature_not_png", _("签名须为 PNG 图片"), field=field, rule="REP-6") from None
    paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    ink = Image.alpha_composite(paper, rgba).convert("L").point(lambda v: 255 if v < 160 else 0)
    if ink.getbbox() is None:
        raise DomainError("signature_blank", _("签名为空，请客户签名（REP-6）"), field=field, rule="REP-6")


def _final_rows(ticket: Ticket, materials: Sequence[Material]) -> list[dict]:
    rows = []
    for n, line in enumerate(materials):
        if len(line) not in (2, 3):
            raise DomainError("work_order_material_invalid", _("材料明细格式无效"), field=f"material-{n}")
        what, qty = line[0], line[1]
        given_price = line[2] if len(line) == 3 else None
        if isinstance(what, PriceItem):
            item = _price_item(what, ticket, f"material-{n}")
            rows.append(
                {
                    "price_item": item,
                    "kind": item.kind,
                    "name": item.name,
                    "unit": item.unit,
                    "quantity": _quantity(qty, f"material-{n}"),
                    "unit_price": money.money(item.unit_price),  # the published price, always
                }
            )
            continue
        name = str(what or "").strip()
        if not name:
            raise DomainError("work_order_material_name", _("请填写材料名称"), field=f"material-{n}")
        try:
            price = money.money(given_price if given_price not in (None, "") else "0")
        except (TypeError, ValueError):
            raise DomainError("work_order_material_price", _("单价无效"), field=f"material-{n}") from None
        if price < 0:
            raise DomainError("work_order_material_price", _("单价不能为负"), field=f"material-{n}")
        rows.append(
            {
                "price_item": None,
                "kind": PriceKind.MATERIAL,
                "name": name[:80],
                "unit": "",
                "quantity": _quantity(qty, f"material-{n}"),
                "unit_price": price,
            }
        )
    return rows


@transaction.atomic
def work_order_complete(
    *,
    ticket: Ticket,
    by,
    note: str,
    materials: Sequence[Material] = (),
    signature_png: bytes | None = None,
    confirmed_by_name: str = "",
    photos: Sequence[UploadedFile] = (),
) -> WorkOrder:
    """Finish the work (REP-6/7): what was done, the materials and labour used (for paid
    work the final charge is their sum; without lines the accepted quote stands), photos,
    and the sign-off — the customer's signature drawn on the phone for a house, the
    reporting staff member's or assistant's confirmation for a common area. The ticket
    moves to resolved through ticket_transition."""
    from django.conf import settings

    ticket = lock_ticket(ticket)
    _require_worker(by, ticket)
    work_order = _work_order(ticket)
    if ticket.status != Status.IN_PROGRESS:
        raise DomainError("work_order_not_started", _("请先登记到场，再完工"), field="status", rule="REP-6")
    if not note.strip():
        raise DomainError("work_order_note_required", _("请填写维修情况"), field="note", rule="REP-6")
    if work_order.paid and not work_order.quote_accepted:
        raise DomainError("work_order_quote_not_accepted", _("有偿维修须客户先确认报价（REP-4）"), field="quote", rule="REP-4")
    confirmed_by_name = confirmed_by_name.strip()
    if ticket.house_id is not None:
        check_signature_png(signature_png or b"")
    else:
        if not confirmed_by_name:
            raise DomainError(
                "work_order_confirmation_required",
                _("公共区域维修须由报告人或客户助理确认（REP-7）"),
                field="confirmed_by_name",
                rule="REP-7",
            )
        if confirmed_by_name in {str(by), by.get_username()}:
            raise DomainError(
                "work_order_self_confirmation",
                _("维修人员不能自己确认，须由报告人或客户助理确认（REP-7）"),
                field="confirmed_by_name",
                rule="REP-7",
            )
    rows = _final_rows(ticket, materials)
    for n, photo in enumerate(photos):
        check_scan(photo, max_bytes=settings.ARCHIVE_MAX_UPLOAD_BYTES, field=f"photo-{n}")
    if work_order.paid and not rows:
        rows = [
            {f: getattr(line, f) for f in ("price_item", "kind", "name", "unit", "quantity", "unit_price")}
            for line in work_order.lines_of(LineStage.QUOTE)
        ]
    now = timezone.now()
    version = work_order.final_version + 1
    created = _add_lines(work_order, LineStage.FINAL, version, rows) if rows else []
    work_order.final_version = version
    work_order.final_charge = money.money_sum(line.amount for line in created) if work_order.paid else None
    work_order.completed_at = now
    work_order.completion_note = note.strip()
    work_order.confirmed_by_name = "" if ticket.house_id is not None else confirmed_by_name[:50]
    saved_signature = None
    try:
        if ticket.house_id is not None:
            work_order.signature.save(f"ticket-{ticket.pk}-{now:%Y%m%d%H%M%S}.png", ContentFile(signature_png), save=False)
            saved_signature = work_order.signature.name
        work_order.save()
        _step(
            ticket,
            WorkOrderStep.COMPLETED,
            by=by,
            after={
                "final_charge": str(work_order.final_charge) if work_order.final_charge is not None else None,
                "lines": len(created),
                "signed": saved_signature is not None,
                "confirmed_by": work_order.confirmed_by_name,
            },
            note="；".join(f"{line.name} {line.quantity}{line.unit}" for line in created),
        )
        for photo in photos:
            ticket_attach(ticket=ticket, upload=photo, by=by)
        ticket_transition(ticket=ticket, to_status=Status.RESOLVED, by=by, note=note.strip())
        if work_order.paid:  # REP-4/DESK-8: signed by the customer → the charge is final, onto the house's bill
            from propdesk.billing.ticket_charges import work_order_charge_pass

            work_order_charge_pass(work_order=work_order, by=by)
    except Exception:
        if saved_signature:
            work_order.signature.storage.delete(saved_signature)
        raise
    return work_order


# --- REP-6: not fixable now, escalation ---------------------------------------------------


@transaction.atomic
def work_order_temporary_measure(*, ticket: Ticket, measure: str, by) -> WorkOrder:
    """Not fixable now: the temporary measure taken (REP-6; the daily report lists it)."""
    ticket = lock_ticket(ticket)
    _require_worker(by, ticket)
    _require_open(ticket)
    work_order = _work_order(ticket)
    if not measure.strip():
        raise DomainError("work_order_measure_required", _("请填写临时措施"), field="measure", rule="REP-6")
    work_order.temporary_measure = measure.strip()
    work_order.temporary_measure_at = timezone.now()
    work_order.save(update_fields=["temporary_measure", "temporary_measure_at"])
    _step(ticket, WorkOrderStep.MEASURE, by=by, note=work_order.temporary_measure)
    return work_order


@transaction.atomic
def work_order_escalate(*, ticket: Ticket, to: str, note: str, by) -> WorkOrder:
    """Escalate a failure (REP-6): major ones to the manager and company engineering,
    equipment under warranty to the contractor (保修单位), insured items to the insurer.
    The manager (and head office for company engineering) is told at once."""
    from propdesk.notifications.selectors import staff_with_role
    from propdesk.notifications.services import notify

    ticket = lock_ticket(ticket)
    _require_worker(by, ticket)
    _require_open(ticket)
    work_order = _work_order(ticket)
    if to not in Escalation.values:
        raise DomainError("work_order_escalation_invalid", _("请选择上报对象"), field="to", rule="REP-6")
    if not note.strip():
        raise DomainError("work_order_escalation_note", _("请填写上报说明"), field="note", rule="REP-6")
    before = {"escalated_to": work_order.escalated_to}
    now = timezone.now()
    work_order.escalated_to, work_order.escalation_note, work_order.escalated_at = to, note.strip(), now
    work_order.save(update_fields=["escalated_to", "escalation_note", "escalated_at"])
    _step(ticket, WorkOrderStep.ESCALATED, by=by, before=before, after={"escalated_to": to}, note=work_order.escalation_note)
    label = Escalation(to).label
    notify(
        recipients=staff_with_role(ticket.project_id, ESCALATION_ROLES[to]),
        kind="repair.escalated",
        title=_("维修上报%(to)s：%(title)s") % {"to": label, "title": ticket.title},
        body=_("工单 %(number)s（%(place)s）：%(note)s")
        % {"number": ticket.number, "place": ticket.place, "note": work_order.escalation_note},
        link=reverse("repairs:order", args=[ticket.pk]),
        project=ticket.project,
        urgent=to in (Escalation.MANAGER, Escalation.COMPANY_ENGINEERING),
        dedupe_key=f"rep6:{ticket.pk}:{to}:{now.timestamp():.0f}",
    )
    return work_order


# --- REP-5: the 17:00 list ----------------------------------------------------------------


def unfinished_report_send(*, at: dt.datetime | None = None) -> int:
    """Send each project's supervisor and manager the list of repair orders not returned
    by `at` (REP-5, the 17:00 run). At most once per project and day, however often it
    runs. Returns the number of projects with unfinished orders."""
    from propdesk.desk.repair_selectors import unfinished_work_orders
    from propdesk.estate.models import Project
    from propdesk.notifications.selectors import staff_with_role
    from propdesk.notifications.services import notify

    at = at or timezone.now()
    day = timezone.localdate(at)
    projects = Project.objects.filter(active=True).order_by("pk")
    sent = 0
    for project in projects:
        orders = list(unfinished_work_orders([project.pk], at))
        if not orders:
            continue
        sent += 1
        lines = [
            "· {number} {place} {title} — {who}（{status}）".format(
                number=t.number,
                place=t.place,
                title=t.title,
                who=str(t.assignee) if t.assignee_id else _("未接单"),
                status=t.get_status_display(),
            )
            for t in orders[:UNFINISHED_REPORT_ROWS]
        ]
        if len(orders) > UNFINISHED_REPORT_ROWS:
            lines.append(_("……共 %(n)s 单") % {"n": len(orders)})
        with transaction.atomic():
            notify(
                recipients=staff_with_role(project, UNFINISHED_REPORT_ROLES, company_wide=False),
                kind="repair.unfinished",
                title=_("%(date)s 未完成派工单 %(n)s 张（%(project)s）")
                % {"date": f"{day:%m-%d}", "n": len(orders), "project": project.name},
                body="\n".join(lines),
                link=reverse("repairs:unfinished") + f"?project={project.pk}",
                project=project,
                dedupe_key=f"rep5:{project.pk}:{day.isoformat()}",
            )
    return sent
