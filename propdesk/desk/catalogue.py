"""Special and paid services (特约/有偿/便民服务, DESK-8): the catalogue with published
prices, the nearby providers the desk refers customers to for what the company does not
offer, and the monthly statistics. A service request is a ticket of type "service"
dispatched on a work order like a repair (desk.repairs): the quote from the catalogue
accepted before work starts, the customer's signature accepting the work, the final
charge passed to billing; quality is followed up by the return visit."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.accounts.roles import Cap
from propdesk.core import money, scoping
from propdesk.core.errors import DomainError
from propdesk.core.phones import is_phone, normalise_phone
from propdesk.desk.choices import ContactOutcome, Department, LineStage, PriceKind, Status, TicketType
from propdesk.desk.models import Contact, PriceItem, ServiceProvider, Ticket, WorkOrderLine
from propdesk.estate.models import Project

# --- the catalogue ---------------------------------------------------------------------------


@transaction.atomic
def price_item_add(
    *,
    project: Project,
    kind: str,
    name: str,
    unit: str,
    unit_price,
    by,
    department: str = "",
    trade: str = "",
    description: str = "",
) -> PriceItem:
    """Publish one price (DESK-8/REP-4): a special service with the department that does
    it, or a labour or material line for repairs."""
    scoping.require(by, Cap.CATALOGUE_MANAGE, project.pk)
    if kind not in PriceKind.values:
        raise DomainError("price_kind_invalid", _("类别无效"), field="kind")
    if not name.strip():
        raise DomainError("price_name_required", _("请填写项目名称"), field="name", rule="DESK-8")
    if not unit.strip():
        raise DomainError("price_unit_required", _("请填写计价单位，如“次”“小时”“平方米”"), field="unit", rule="DESK-8")
    if kind == PriceKind.SERVICE and department not in Department.values:
        raise DomainError("price_department_required", _("请选择承办部门"), field="department", rule="DESK-8")
    try:
        price = money.money(unit_price)
    except (ValueError, TypeError):
        raise DomainError("price_invalid", _("单价须为不小于 0 的金额，最多两位小数"), field="unit_price") from None
    if price < 0:
        raise DomainError("price_invalid", _("单价须为不小于 0 的金额，最多两位小数"), field="unit_price")
    try:
        with transaction.atomic():
            return PriceItem.objects.create(
                project=project,
                kind=kind,
                name=name.strip(),
                unit=unit.strip(),
                unit_price=price,
                department=department if kind == PriceKind.SERVICE else "",
                trade=trade,
                description=description.strip(),
            )
    except IntegrityError:
        raise DomainError("price_name_taken", _("价目表中已有同名项目：%(n)s") % {"n": name.strip()}, field="name") from None


@transaction.atomic
def price_item_set_active(*, item: PriceItem, active: bool, by) -> PriceItem:
    """Withdraw a price from the published list, or publish it again. Quotes already
    given keep the price they copied."""
    scoping.require(by, Cap.CATALOGUE_MANAGE, item.project_id)
    item.active = active
    item.save(update_fields=["active"])
    return item


def service_catalogue(project_ids) -> QuerySet[PriceItem]:
    """The published special services (特约服务项目及收费标准), by project and department."""
    return (
        PriceItem.objects.filter(project_id__in=project_ids, kind=PriceKind.SERVICE)
        .select_related("project")
        .order_by("project__code", "-active", "department", "name")
    )


# --- nearby providers --------------------------------------------------------------------------


@transaction.atomic
def provider_add(*, project: Project, name: str, services: str, phone: str, by, address: str = "") -> ServiceProvider:
    """Record a nearby provider (周边便民服务商) the desk may refer customers to."""
    scoping.require(by, Cap.CATALOGUE_MANAGE, project.pk)
    if not name.strip():
        raise DomainError("provider_name_required", _("请填写服务商名称"), field="name", rule="DESK-8")
    if not services.strip():
        raise DomainError("provider_services_required", _("请填写服务范围"), field="services", rule="DESK-8")
    number = normalise_phone(phone)
    if not is_phone(number):
        raise DomainError("provider_phone_invalid", _("请填写有效的联系电话"), field="phone", rule="DESK-8")
    try:
        with transaction.atomic():
            return ServiceProvider.objects.create(
                project=project, name=name.strip(), services=services.strip(), phone=number, address=address.strip()
            )
    except IntegrityError:
        raise DomainError("provider_name_taken", _("已有同名服务商：%(n)s") % {"n": name.strip()}, field="name") from None


@transaction.atomic
def provider_set_active(*, provider: ServiceProvider, active: bool, by) -> ServiceProvider:
    scoping.require(by, Cap.CATALOGUE_MANAGE, provider.project_id)
    provider.active = active
    provider.save(update_fields=["active"])
    return provider


def providers(project_ids, *, active_only: bool = True) -> QuerySet[ServiceProvider]:
    rows = ServiceProvider.objects.filter(project_id__in=project_ids).select_related("project")
    return (rows.filter(active=True) if active_only else rows).order_by("project__code", "-active", "name")


# --- monthly statistics ---------------------------------------------------------------------------


@dataclass
class ServiceRow:
    """One service of the month: requests quoted with it, completed, income."""

    name: str
    department: str
    requests: int = 0
    completed: int = 0
    income: Decimal = field(default_factory=lambda: Decimal("0.00"))


@dataclass
class ServiceStats:
    month: dt.date
    requests: int = 0  # service tickets opened in the month
    completed: int = 0
    cancelled: int = 0
    open: int = 0
    income: Decimal = field(default_factory=lambda: Decimal("0.00"))
    rows: list[ServiceRow] = field(default_factory=list)
    referrals: list[tuple[str, int]] = field(default_factory=list)  # provider, times referred


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(month.replace(day=1), dt.time.min, tzinfo=tz)
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start, dt.datetime.combine(following, dt.time.min, tzinfo=tz)


def service_stats(project_ids, month: dt.date) -> ServiceStats:
    """特约服务月度统计 (DESK-8): the month's service requests by service, what was done
    and charged, and the referrals to nearby providers."""
    start, end = month_bounds(month)
    tickets = list(
        Ticket.objects.filter(project_id__in=project_ids, type=TicketType.SERVICE, created_at__gte=start, created_at__lt=end)
        .select_related("work_order")
        .only("pk", "status", "work_order__final_charge", "work_order__quote_version", "work_order__final_version")
    )
    stats = ServiceStats(month=month.replace(day=1), requests=len(tickets))
    done = {Status.RESOLVED, Status.CLOSED}
    for ticket in tickets:
        if ticket.status in done:
            stats.completed += 1
        elif ticket.status == Status.CANCELLED:
            stats.cancelled += 1
        else:
            stats.open += 1
    rows: dict[int, ServiceRow] = {}
    seen: dict[int, set[int]] = defaultdict(set)
    lines = WorkOrderLine.objects.filter(
        work_order__ticket__in=[t.pk for t in tickets], price_item__kind=PriceKind.SERVICE
    ).select_related("price_item", "work_order__ticket")
    for line in lines:
        work_order, item = line.work_order, line.price_item
        current = work_order.quote_version if line.stage == LineStage.QUOTE else work_order.final_version
        if line.version != current:
            continue
        row = rows.setdefault(item.pk, ServiceRow(name=item.name, department=item.get_department_display()))
        if line.stage == LineStage.QUOTE and work_order.pk not in seen[item.pk]:
            seen[item.pk].add(work_order.pk)
            row.requests += 1
        if line.stage == LineStage.FINAL and work_order.ticket.status in done:
            row.completed += 1
            row.income = money.money_sum([row.income, line.amount])
    stats.rows = sorted(rows.values(), key=lambda r: (-r.requests, r.name))
    stats.income = money.money_sum(
        ticket.work_order.final_charge
        for ticket in tickets
        if ticket.status in done and getattr(ticket, "work_order", None) is not None and ticket.work_order.final_charge
    )
    referred = Contact.objects.filter(
        project_id__in=project_ids, outcome=ContactOutcome.REFERRED, received_at__gte=start, received_at__lt=end
    ).values_list("referred_to__name", flat=True)
    counts: dict[str, int] = defaultdict(int)
    for name in referred:
        counts[name] += 1
    stats.referrals = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return stats
