"""KPI reports of the service desk (issue 4 item 7; CMP-11, REP-9, OPS-4, DESK-1).

Every section is computed over a period [start, end) and a set of project ids (the
caller's, through core.scoping / core.console) with grouped aggregate queries, and
returned as plain dataclasses. Every number has a cell key; `drilldown(...)` returns the
rows behind it with the same filter the number was counted with, so a number always
equals the length of its drill-down list.

    contacts_report(ids, start, end)      OPS-4 / DESK-1: contacts by channel, outcome, ticket type
    tickets_report(ids, start, end)       tickets by type and by category
    complaints_report(ids, start, end, now=)  CMP-11: effective-complaint and timely-handling rates
    sla_report(ids, start, end, now=)     timely rate per SLA target kind, breaches by department
    repairs_report(ids, start, end)       REP-9: repairs by trade, paid repairs and their income
    visits_report(ids, start, end)        VIS-4 / VIS-2: return-visit rate, on time, satisfaction, scores
    ranking(ids, start, end, now=)        per project, for the company ranking
    trend(ids, months, now=)              monthly series (tickets, contacts, timely rate)
    kpi_report(ids, period, now=)         all of the above, plus the previous period's summary

**Timely (按时) — one definition, the SLA board's.** A clock counts in the period whose
deadline (`SlaClock.deadline_at`) falls in [start, end) — "due in the period" (sla.md,
Statistics). Of those:

- *met in time*: state MET (the stop condition was reached by the deadline; a clock met
  late is BREACHED for good, sla.services);
- *breached*: state BREACHED, or RUNNING with its deadline already passed at `now` (the
  board's `_breached`: the sweep records it within seconds);
- *not yet due*: RUNNING with its deadline still ahead — undecided, left out of the rate;
- paused clocks have no deadline and cancelled ones no outcome: neither counts.

timely rate = met ÷ (met + breached). A clock met early counts in the period its
deadline falls in, so a period's rate is final once its last deadline has passed.

**Effective-complaint rate (CMP-11)** = effective ÷ classified complaints (effective +
invalid; CMP-4), of the complaints received in the period; complaints still pending
classification are shown beside it and left out of the rate. (sla.md writes "÷ all
complaints"; with pending ones in the denominator the rate would rise as the supervisor
classifies, so the classified ones are the denominator here.)

**Timely-handling rate (CMP-11)** = the timely rate of the RESOLVE clocks of complaints.

**Return visits (VIS-4, VIS-2)** — see `visits_due`: a visit counts in the period its
deadline (`ReturnVisit.due_at`) falls in, like an SLA clock, so a period's rate is final
once its visits are made. Return-visit rate = done ÷ due; satisfied rate = satisfied ÷
done visits with an answer to "satisfied?"; the score averages are over the done visits
with all three scores.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.core.money import ZERO, money
from propdesk.desk.choices import TYPE_CATEGORIES, Channel, ContactOutcome, Department, Status, TicketType, Validity
from propdesk.desk.models import Contact, Ticket
from propdesk.estate.models import Project
from propdesk.followup.choices import VisitStatus
from propdesk.followup.models import ReturnVisit
from propdesk.reports.periods import Period, mean, rate
from propdesk.sla.choices import ClockState, TargetKind
from propdesk.sla.models import SlaClock

DONE = (Status.RESOLVED, Status.CLOSED)
CLASSIFIED = (Validity.EFFECTIVE, Validity.INVALID)
NO_TICKET = "none"  # the contacts-by-type key of contacts answered or referred without a ticket
NO_DEPARTMENT = "none"
VISIT_COUNTED = (VisitStatus.PLANNED, VisitStatus.DONE)  # every state but a cancelled one (there is none today)
SCORES = ("score_quality", "score_result", "score_attitude")


# --- the filters, shared by the counts and the drill-downs -------------------------------


def contacts_in(ids: Iterable[int], start: dt.datetime, end: dt.datetime) -> QuerySet[Contact]:
    return Contact.objects.filter(project_id__in=list(ids), received_at__gte=start, received_at__lt=end)


def tickets_in(ids: Iterable[int], start: dt.datetime, end: dt.datetime) -> QuerySet[Ticket]:
    """Tickets received (created) in the period, whatever became of them since.

    `type IN (every type)` changes no result but lets PostgreSQL read the period through
    ticket_type_idx (project, type, created_at) instead of every row of the projects: a
    company-wide month over 2,000,000 tickets in 70 ms instead of 520 (bench_reports)."""
    return Ticket.objects.filter(project_id__in=list(ids), type__in=TicketType.values, created_at__gte=start, created_at__lt=end)


def clocks_due(ids: Iterable[int], start: dt.datetime, end: dt.datetime) -> QuerySet[SlaClock]:
    return SlaClock.objects.filter(project_id__in=list(ids), deadline_at__gte=start, deadline_at__lt=end)


def met_q() -> Q:
    return Q(state=ClockState.MET)


def breached_q(now: dt.datetime) -> Q:
    """As the SLA board (sla.selectors._breached): recorded, or running past its deadline."""
    return Q(state=ClockState.BREACHED) | Q(state=ClockState.RUNNING, deadline_at__lte=now)


def pending_q(now: dt.datetime) -> Q:
    return Q(state=ClockState.RUNNING, deadline_at__gt=now)


def paid_repairs_in(ids: Iterable[int], start: dt.datetime, end: dt.datetime) -> QuerySet[Ticket]:
    """REP-9: paid repairs whose work was completed in the period (their charge goes to the
    fee records that month)."""
    return Ticket.objects.filter(
        project_id__in=list(ids),
        type=TicketType.REPAIR,
        work_order__paid=True,
        work_order__completed_at__gte=start,
        work_order__completed_at__lt=end,
    )


def visits_due(ids: Iterable[int], start: dt.datetime, end: dt.datetime) -> QuerySet[ReturnVisit]:
    """VIS-4: the return visits that count in the period — every visit (routine, audit or
    recheck) whose deadline `due_at` falls in [start, end) and that is not cancelled:
    planned or done. (VisitStatus has no cancelled state today, so no visit is left out;
    the status filter keeps any later one out of the rate's denominator.)"""
    return ReturnVisit.objects.filter(project_id__in=list(ids), status__in=VISIT_COUNTED, due_at__gte=start, due_at__lt=end)


def visit_done_q() -> Q:
    return Q(status=VisitStatus.DONE)


def visit_on_time_q() -> Q:
    """Done by its deadline: done_at ≤ due_at."""
    return Q(status=VisitStatus.DONE, done_at__lte=F("due_at"))


def visit_answered_q() -> Q:
    """Done, with an answer to "satisfied?" (the denominator of the satisfied rate)."""
    return Q(status=VisitStatus.DONE, satisfied__isnull=False)


def visit_satisfied_q() -> Q:
    return Q(status=VisitStatus.DONE, satisfied=True)


def visit_sent_back_q() -> Q:
    """Done, and the customer was unsatisfied or the matter not handled: the ticket went
    back to the responsible person (VIS-6, followup.services.visit_record)."""
    return Q(status=VisitStatus.DONE) & (Q(satisfied=False) | Q(handled=False))


def visit_scored_q() -> Q:
    """Done with all three 1–5 scores: the visits the score averages are taken over."""
    return Q(status=VisitStatus.DONE, **{f"{name}__isnull": False for name in SCORES})


# --- shapes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountRow:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class ContactsReport:
    total: int
    by_channel: list[CountRow]
    by_outcome: list[CountRow]
    by_type: list[CountRow]  # the linked ticket's type; NO_TICKET for answered / referred


@dataclass(frozen=True)
class CategoryRow:
    type: str
    category: str
    label: str
    count: int

    @property
    def key(self) -> str:
        return f"{self.type}:{self.category}"


@dataclass(frozen=True)
class TicketsReport:
    total: int
    by_type: list[CountRow]
    by_category: list[CategoryRow]


@dataclass(frozen=True)
class Timely:
    met: int
    breached: int
    pending: int  # due later in the period, still running: not in the rate

    @property
    def decided(self) -> int:
        return self.met + self.breached

    @property
    def rate(self) -> Decimal | None:
        return rate(self.met, self.decided)


@dataclass(frozen=True)
class ComplaintsReport:
    total: int
    effective: int
    invalid: int
    handling: Timely  # RESOLVE clocks of complaints due in the period

    @property
    def classified(self) -> int:
        return self.effective + self.invalid

    @property
    def pending(self) -> int:
        return self.total - self.classified

    @property
    def effective_rate(self) -> Decimal | None:
        return rate(self.effective, self.classified)


@dataclass(frozen=True)
class KindRow:
    kind: str
    label: str
    timely: Timely


@dataclass(frozen=True)
class SlaReport:
    by_kind: list[KindRow]
    overall: Timely
    breaches_by_department: list[CountRow]


@dataclass(frozen=True)
class TradeRow:
    key: str
    label: str
    count: int
    done: int


@dataclass(frozen=True)
class RepairsReport:
    total: int
    done: int
    by_trade: list[TradeRow]
    paid_count: int
    paid_income: Decimal


@dataclass(frozen=True)
class VisitsReport:
    due: int
    done: int
    on_time: int
    answered: int  # done, with an answer to "satisfied?"
    satisfied: int
    sent_back: int
    scored: int  # done, with all three scores
    score_quality: Decimal | None
    score_result: Decimal | None
    score_attitude: Decimal | None

    @property
    def rate(self) -> Decimal | None:
        """Return-visit rate (VIS-4): done ÷ due."""
        return rate(self.done, self.due)

    @property
    def satisfied_rate(self) -> Decimal | None:
        """VIS-2: satisfied ÷ done with an answer."""
        return rate(self.satisfied, self.answered)


@dataclass(frozen=True)
class RankingRow:
    project: Project
    contacts: int
    tickets: int
    timely: Timely
    effective: int
    classified: int
    visits_due: int
    visits_done: int
    visits_answered: int
    visits_satisfied: int

    @property
    def effective_rate(self) -> Decimal | None:
        return rate(self.effective, self.classified)

    @property
    def visit_rate(self) -> Decimal | None:
        return rate(self.visits_done, self.visits_due)

    @property
    def satisfied_rate(self) -> Decimal | None:
        return rate(self.visits_satisfied, self.visits_answered)


@dataclass(frozen=True)
class TrendPoint:
    month: dt.date
    tickets: int
    contacts: int
    timely: Timely


@dataclass(frozen=True)
class Summary:
    """The headline numbers, for the previous-period comparison."""

    contacts: int
    tickets: int
    complaints: int
    effective_rate: Decimal | None
    timely_rate: Decimal | None
    breaches: int
    repairs: int
    paid_income: Decimal
    visit_rate: Decimal | None
    satisfied_rate: Decimal | None


@dataclass(frozen=True)
class KpiReport:
    period: Period
    project_ids: frozenset[int]
    now: dt.datetime
    contacts: ContactsReport
    tickets: TicketsReport
    complaints: ComplaintsReport
    sla: SlaReport
    repairs: RepairsReport
    visits: VisitsReport
    summary: Summary
    previous: Summary
    ranking: list[RankingRow] = field(default_factory=list)
    trend: list[TrendPoint] = field(default_factory=list)
    proactive: list = field(default_factory=list)  # VIS-7 quota progress (outreach.selectors.quota_summaries), monthly


# --- sections -------------------------------------------------------------------------------


def _label(choices, key: str) -> str:
    return str(choices(key).label) if key in choices.values else key


def type_label(key: str) -> str:
    return _("未立工单（当场答复/转介）") if key == NO_TICKET else _label(TicketType, key)


def category_label(ticket_type: str, category: str) -> str:
    choices = TYPE_CATEGORIES.get(ticket_type)
    name = _label(choices, category) if choices and category else (category or _("未分类"))
    return f"{_label(TicketType, ticket_type)} · {name}"


def department_label(key: str) -> str:
    return _("未指定部门") if key == NO_DEPARTMENT else _label(Department, key)


def contacts_report(ids: Iterable[int], start: dt.datetime, end: dt.datetime) -> ContactsReport:
    """OPS-4 / DESK-1: every recorded call or visit, by channel, by outcome and by the type
    of the ticket it became or joined. One grouped query."""
    rows = contacts_in(ids, start, end).values("channel", "outcome", "ticket__type").annotate(n=Count("id")).order_by()
    channel: dict[str, int] = {}
    outcome: dict[str, int] = {}
    types: dict[str, int] = {}
    for row in rows:
        channel[row["channel"]] = channel.get(row["channel"], 0) + row["n"]
        outcome[row["outcome"]] = outcome.get(row["outcome"], 0) + row["n"]
        key = row["ticket__type"] or NO_TICKET
        types[key] = types.get(key, 0) + row["n"]
    return ContactsReport(
        total=sum(channel.values()),
        by_channel=[CountRow(c.value, str(c.label), channel.get(c.value, 0)) for c in Channel],
        by_outcome=[CountRow(o.value, str(o.label), outcome.get(o.value, 0)) for o in ContactOutcome],
        by_type=[CountRow(t, type_label(t), types.get(t, 0)) for t in [*TicketType.values, NO_TICKET]],
    )


def tickets_report(ids: Iterable[int], start: dt.datetime, end: dt.datetime) -> TicketsReport:
    """Tickets received in the period by type and by type × category. One grouped query."""
    rows = tickets_in(ids, start, end).values("type", "category").annotate(n=Count("id")).order_by()
    by_type: dict[str, int] = {}
    categories = []
    for row in rows:
        by_type[row["type"]] = by_type.get(row["type"], 0) + row["n"]
        categories.append(CategoryRow(row["type"], row["category"], category_label(row["type"], row["category"]), row["n"]))
    order = {t: i for i, t in enumerate(TicketType.values)}
    return TicketsReport(
        total=sum(by_type.values()),
        by_type=[CountRow(t.value, str(t.label), by_type.get(t.value, 0)) for t in TicketType],
        by_category=sorted(categories, key=lambda r: (order.get(r.type, 99), -r.count, r.category)),
    )


def _timely_counts(now: dt.datetime) -> dict[str, Count]:
    return {
        "met": Count("id", filter=met_q()),
        "breached": Count("id", filter=breached_q(now)),
        "pending": Count("id", filter=pending_q(now)),
    }


def clock_groups(ids: Iterable[int], start: dt.datetime, end: dt.datetime, *, now: dt.datetime) -> list[dict]:
    """The clocks due in the period, counted met / breached / pending per target kind ×
    ticket type × responsible department: one grouped query that the SLA and complaint
    sections both fold (a company-wide month reads the clocks once, not three times)."""
    return list(
        clocks_due(ids, start, end)
        .values("kind", "ticket__type", "ticket__department")
        .annotate(**_timely_counts(now))
        .order_by()
    )


def _fold(rows: Iterable[dict]) -> Timely:
    rows = list(rows)
    return Timely(sum(r["met"] for r in rows), sum(r["breached"] for r in rows), sum(r["pending"] for r in rows))


def complaints_report(
    ids: Iterable[int], start: dt.datetime, end: dt.datetime, *, now: dt.datetime, clocks: list[dict] | None = None
) -> ComplaintsReport:
    """CMP-11: complaints received in the period, classified effective / invalid (CMP-4),
    and the timely-handling of complaints (RESOLVE clocks due in the period). One query,
    and one more unless `clocks` (clock_groups of the same period) is given."""
    got = (
        tickets_in(ids, start, end)
        .filter(type=TicketType.COMPLAINT)
        .aggregate(
            total=Count("id"),
            effective=Count("id", filter=Q(complaint__validity=Validity.EFFECTIVE)),
            invalid=Count("id", filter=Q(complaint__validity=Validity.INVALID)),
        )
    )
    clocks = clock_groups(ids, start, end, now=now) if clocks is None else clocks
    handling = _fold(r for r in clocks if r["kind"] == TargetKind.RESOLVE and r["ticket__type"] == TicketType.COMPLAINT)
    return ComplaintsReport(got["total"], got["effective"], got["invalid"], handling)


def sla_report(
    ids: Iterable[int], start: dt.datetime, end: dt.datetime, *, now: dt.datetime, clocks: list[dict] | None = None
) -> SlaReport:
    """Timely rate per target kind and breaches per responsible department, over the clocks
    due in the period (see the module docstring). One grouped query, none when `clocks`
    (clock_groups of the same period) is given."""
    clocks = clock_groups(ids, start, end, now=now) if clocks is None else clocks
    by_kind = [KindRow(k.value, str(k.label), _fold(r for r in clocks if r["kind"] == k.value)) for k in TargetKind]
    overall = _fold(clocks)
    departments: dict[str, int] = {}
    for row in clocks:
        if row["breached"]:
            key = row["ticket__department"] or NO_DEPARTMENT
            departments[key] = departments.get(key, 0) + row["breached"]
    breaches = [CountRow(key, department_label(key), n) for key, n in departments.items()]
    return SlaReport(by_kind, overall, sorted(breaches, key=lambda r: (-r.count, r.key)))


def repairs_report(ids: Iterable[int], start: dt.datetime, end: dt.datetime) -> RepairsReport:
    """REP-9: repairs received in the period by trade (with how many are done), and the
    paid repairs completed in the period with their final charges. Two queries."""
    rows = (
        tickets_in(ids, start, end)
        .filter(type=TicketType.REPAIR)
        .values("category")
        .annotate(n=Count("id"), done=Count("id", filter=Q(status__in=DONE)))
        .order_by()
    )
    choices = TYPE_CATEGORIES[TicketType.REPAIR]
    trades = sorted(
        (TradeRow(r["category"], _label(choices, r["category"]) or _("未分类"), r["n"], r["done"]) for r in rows),
        key=lambda r: (-r.count, r.key),
    )
    paid = paid_repairs_in(ids, start, end).aggregate(n=Count("pk"), income=Sum("work_order__final_charge"))
    return RepairsReport(
        total=sum(r.count for r in trades),
        done=sum(r.done for r in trades),
        by_trade=trades,
        paid_count=paid["n"],
        paid_income=money(paid["income"]) if paid["income"] is not None else ZERO,
    )


def _visit_counts() -> dict:
    return {
        "due": Count("id"),
        "done": Count("id", filter=visit_done_q()),
        "answered": Count("id", filter=visit_answered_q()),
        "satisfied_n": Count("id", filter=visit_satisfied_q()),  # not "satisfied": the field's name
    }


def visits_report(ids: Iterable[int], start: dt.datetime, end: dt.datetime) -> VisitsReport:
    """VIS-4 / VIS-2: the return visits due in the period (`visits_due`), how many were
    done, done on time, satisfied and sent back, and the average of each 1–5 score over
    the scored visits (one decimal place, half-up, exact: sums and counts, not AVG's
    float). One aggregate query."""
    scored = visit_scored_q()
    got = visits_due(ids, start, end).aggregate(
        **_visit_counts(),
        on_time=Count("id", filter=visit_on_time_q()),
        sent_back=Count("id", filter=visit_sent_back_q()),
        scored=Count("id", filter=scored),
        **{f"{name}_sum": Sum(name, filter=scored) for name in SCORES},
    )
    return VisitsReport(
        due=got["due"],
        done=got["done"],
        on_time=got["on_time"],
        answered=got["answered"],
        satisfied=got["satisfied_n"],
        sent_back=got["sent_back"],
        scored=got["scored"],
        **{name: mean(got[f"{name}_sum"] or 0, got["scored"]) for name in SCORES},
    )


def ranking(ids: Iterable[int], start: dt.datetime, end: dt.datetime, *, now: dt.datetime) -> list[RankingRow]:
    """Per project: contacts, tickets, timely rate (all target kinds), effective-complaint
    rate, return-visit and satisfied rates — best timely rate first (no rate last), then
    the lower effective-complaint rate. Five grouped queries and the projects."""
    ids = list(ids)
    contacts = dict(contacts_in(ids, start, end).values_list("project_id").annotate(n=Count("id")).order_by())
    tickets = {
        row["project_id"]: row
        for row in tickets_in(ids, start, end)
        .values("project_id")
        .annotate(
            n=Count("id"),
            effective=Count("id", filter=Q(type=TicketType.COMPLAINT, complaint__validity=Validity.EFFECTIVE)),
            classified=Count("id", filter=Q(type=TicketType.COMPLAINT, complaint__validity__in=CLASSIFIED)),
        )
        .order_by()
    }
    clocks = {
        row["project_id"]: Timely(row["met"], row["breached"], row["pending"])
        for row in clocks_due(ids, start, end).values("project_id").annotate(**_timely_counts(now)).order_by()
    }
    visits = {
        row["project_id"]: row for row in visits_due(ids, start, end).values("project_id").annotate(**_visit_counts()).order_by()
    }
    rows = []
    for project in Project.objects.filter(pk__in=ids).order_by("code"):
        t = tickets.get(project.pk, {})
        v = visits.get(project.pk, {})
        rows.append(
            RankingRow(
                project=project,
                contacts=contacts.get(project.pk, 0),
                tickets=t.get("n", 0),
                timely=clocks.get(project.pk, Timely(0, 0, 0)),
                effective=t.get("effective", 0),
                classified=t.get("classified", 0),
                visits_due=v.get("due", 0),
                visits_done=v.get("done", 0),
                visits_answered=v.get("answered", 0),
                visits_satisfied=v.get("satisfied_n", 0),
            )
        )

    def order(row: RankingRow):
        timely, effective = row.timely.rate, row.effective_rate
        return (timely is None, -(timely or 0), effective is None, effective or 0, row.project.code)

    return sorted(rows, key=order)


def _month_of(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).date().replace(day=1)
    return value.replace(day=1)


def trend(ids: Iterable[int], months: list[Period], *, now: dt.datetime) -> list[TrendPoint]:
    """One point per month of `months` (consecutive, oldest first): tickets, contacts and
    the timely rate, each month counted exactly as a monthly report counts it. Three
    grouped queries; COUNT(*) lets the tickets be counted from ticket_type_idx alone
    (an index-only scan on PostgreSQL)."""
    ids = list(ids)
    start, end = months[0].start, months[-1].end
    tickets = dict(
        tickets_in(ids, start, end).annotate(m=TruncMonth("created_at")).values_list("m").annotate(n=Count("*")).order_by()
    )
    contacts = dict(
        contacts_in(ids, start, end).annotate(m=TruncMonth("received_at")).values_list("m").annotate(n=Count("id")).order_by()
    )
    clocks = (
        clocks_due(ids, start, end).annotate(m=TruncMonth("deadline_at")).values("m").annotate(**_timely_counts(now)).order_by()
    )
    tickets = {_month_of(k): v for k, v in tickets.items()}
    contacts = {_month_of(k): v for k, v in contacts.items()}
    timely = {_month_of(r["m"]): Timely(r["met"], r["breached"], r["pending"]) for r in clocks}
    return [
        TrendPoint(p.first, tickets.get(p.first, 0), contacts.get(p.first, 0), timely.get(p.first, Timely(0, 0, 0)))
        for p in months
    ]


TREND_MONTHS = 12


def _sections(ids, period: Period, now: dt.datetime):
    start, end = period.start, period.end
    contacts = contacts_report(ids, start, end)
    tickets = tickets_report(ids, start, end)
    clocks = clock_groups(ids, start, end, now=now)
    complaints = complaints_report(ids, start, end, now=now, clocks=clocks)
    sla = sla_report(ids, start, end, now=now, clocks=clocks)
    repairs = repairs_report(ids, start, end)
    visits = visits_report(ids, start, end)
    summary = Summary(
        contacts=contacts.total,
        tickets=tickets.total,
        complaints=complaints.total,
        effective_rate=complaints.effective_rate,
        timely_rate=sla.overall.rate,
        breaches=sla.overall.breached,
        repairs=repairs.total,
        paid_income=repairs.paid_income,
        visit_rate=visits.rate,
        satisfied_rate=visits.satisfied_rate,
    )
    return contacts, tickets, complaints, sla, repairs, visits, summary


def kpi_report(project_ids: Iterable[int], period: Period, *, now: dt.datetime | None = None) -> KpiReport:
    """The whole report of `period` for `project_ids`: its sections, the previous period's
    headline numbers, the company ranking when there are several projects, and for a
    monthly report the 12-month trend."""
    now = now or timezone.now()
    ids = frozenset(project_ids)
    contacts, tickets, complaints, sla, repairs, visits, summary = _sections(ids, period, now)
    previous = _sections(ids, period.previous(), now)[-1]
    return KpiReport(
        period=period,
        project_ids=ids,
        now=now,
        contacts=contacts,
        tickets=tickets,
        complaints=complaints,
        sla=sla,
        repairs=repairs,
        visits=visits,
        summary=summary,
        previous=previous,
        ranking=ranking(ids, period.start, period.end, now=now) if len(ids) > 1 else [],
        trend=trend(ids, period.months_back(TREND_MONTHS), now=now) if period.kind == "month" else [],
        proactive=_proactive(ids, period),
    )


def _proactive(ids: frozenset[int], period: Period) -> list:
    """VIS-7: the month's proactive visits against the quotas, per project (quotas are
    monthly, so only a monthly report shows them)."""
    from propdesk.outreach.selectors import quota_summaries

    return quota_summaries(ids, period.first) if period.kind == "month" else []
