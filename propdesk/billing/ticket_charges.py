"""Paid work from tickets onto the house's bill (FEE-1 "paid services", REP-4, REP-9,
DESK-8): once the customer has signed the work order of a paid repair or special service
(desk.repairs.work_order_complete: signature → ticket resolved), its final charge becomes
one one-off billing line of the house, through `adjustments.charge_create` — the cashier
then collects it like any other line (FEE-5/6).

The fee item is the project's "wx" 有偿维修 (repairs) or "tyfw" 特约服务 (special
services), kind one-off. A project that has not set it up gets it created here (the
charge the customer has just signed for must not be lost for want of a fee item); one
set up with another pricing kind, or stopped, is refused with the rule named, so the
completion waits until the fee item is put right.

Billing depends on desk here, never the other way at import time: desk calls this from
inside its function (as other cross-app hooks do)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.accounts.roles import Cap
from propdesk.billing.adjustments import charge_create
from propdesk.billing.choices import FeeKind
from propdesk.billing.models import BillLine, FeeItem
from propdesk.billing.rates import fee_item_make
from propdesk.core import scoping
from propdesk.core.errors import DomainError

# The fee item a paid work order is charged under, by ticket type (FEE-1).
REPAIR_ITEM = ("wx", "有偿维修")
SERVICE_ITEM = ("tyfw", "特约服务")


def charge_item(project, ticket_type: str) -> FeeItem:
    """The project's one-off fee item for paid repairs or special services (created on
    first use; refused when set up with another kind or stopped, FEE-1)."""
    from propdesk.desk.choices import TicketType

    code, name = SERVICE_ITEM if ticket_type == TicketType.SERVICE else REPAIR_ITEM
    item = FeeItem.objects.filter(project=project, code=code).first()
    if item is None:
        try:
            with transaction.atomic():
                item = fee_item_make(project=project, code=code, name=name, kind=FeeKind.ONE_OFF)
        except (IntegrityError, DomainError):  # created meanwhile by a parallel completion
            item = FeeItem.objects.get(project=project, code=code)
    if item.kind != FeeKind.ONE_OFF:
        raise DomainError(
            "ticket_charge_item_kind",
            _("收费项目 %(code)s（%(name)s）须为一次性收费，才能收取有偿维修/特约服务费用（FEE-1）")
            % {"code": item.code, "name": item.name},
            field="item",
            rule="FEE-1",
        )
    if not item.active:
        raise DomainError(
            "ticket_charge_item_inactive",
            _("收费项目 %(code)s（%(name)s）已停用，有偿维修/特约服务费用无法转入收费（FEE-1）")
            % {"code": item.code, "name": item.name},
            field="item",
            rule="FEE-1",
        )
    return item


@transaction.atomic
def work_order_charge_pass(*, work_order, by) -> BillLine | None:
    """Pass a paid work order's final charge to the house's bill (REP-4/REP-9, DESK-8):
    one one-off line of `final_charge` naming the ticket number, then `charge_passed_at`
    is stamped. Only after the customer has accepted the work (completion signed).
    Idempotent under the work order's row lock: a second call charges nothing. Free work,
    a zero or missing charge, or work without a house (nothing to bill) → no line.
    `by` is the one who took the customer's sign-off (the ticket's worker or a
    dispatcher) or a billing clerk (FEE_BILL). Returns the new line, or None."""
    from propdesk.desk.models import WorkOrder
    from propdesk.desk.services import may_work_on

    work_order_obj = work_order
    work_order = (
        WorkOrder.objects.select_for_update(of=("self",)).select_related("ticket__house", "ticket__project").get(pk=work_order.pk)
    )
    ticket = work_order.ticket
    if not (scoping.has_cap(by, Cap.FEE_BILL, ticket.project_id) or may_work_on(by, ticket)):
        raise DomainError(
            "ticket_charge_refused", _("只有处理人、派单员或收费员可以将维修费用转入收费"), field="ticket", rule="REP-4"
        )
    if work_order.charge_passed_at is not None:
        work_order_obj.charge_passed_at = work_order.charge_passed_at
        return None
    if not work_order.paid or ticket.house_id is None:
        return None
    if work_order.completed_at is None:
        raise DomainError(
            "ticket_charge_not_accepted",
            _("有偿维修/特约服务须客户签字验收后，费用才转入收费（REP-4）"),
            field="ticket",
            rule="REP-4",
        )
    if not work_order.final_charge or work_order.final_charge <= 0:
        return None
    item = charge_item(ticket.project, ticket.type)
    line = charge_create(
        house=ticket.house,
        item=item,
        by=by,
        unit_price=work_order.final_charge,
        description=_("%(item)s 工单 %(number)s %(title)s") % {"item": item.name, "number": ticket.number, "title": ticket.title},
    )
    work_order.charge_passed_at = timezone.now()
    work_order.save(update_fields=["charge_passed_at"])
    work_order_obj.charge_passed_at = work_order.charge_passed_at
    return line
