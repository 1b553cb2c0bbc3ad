"""KPI reports of the service desk (issue 4 item 7; CMP-11, REP-9, OPS-4, DESK-1).

Every section is computed over a period [start, end) and a set of project ids (the
caller's, through core.scoping / core.console) and returned as plain dataclasses. The
sections fold *fact rows* (see "facts" below): the counts per subject and dimension,
read from the daily fact table (reports.models) for the whole days before today that
have facts, and counted from the live rows with grouped aggregate queries for the
others — so a number is the same whichever way it was read. Every number has a cell key;
`drilldown(...)` returns the live rows behind it with the same filter the number was
counted with, so a number always equals the length of its drill-down list.

    contacts_report(rows)     OPS-4 / DESK-1: contacts by channel, outcome, ticket type
    tickets_report(rows)      tickets by type and by category
    complaints_report(rows)   CMP-11: effective-complaint and timely-handling rates
    sla_report(rows)          timely rate per SLA target kind, breaches by department
    repairs_report(rows)      REP-9: repairs by trade, paid repairs and their income
    visits_report(rows)       VIS-4 / VIS-2: return-visit rate, on time, satisfaction, scores
    ranking(ids, period, …)   per project, for the company ranking (day totals)
    trend(ids, months, …)     monthly series (tickets, contacts, timely rate) (day totals)
    kpi_report(ids, period, now=)  all of the above, plus the previous period's summary

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
from propdesk.reports.choices import FactSubject
from propdesk.reports.models import DailyFact, FactDay, ProjectDay
from propdesk.reports.periods import Period, mean, midnight, rate
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


def contacts_report(rows: Iterable[dict]) -> ContactsReport:
    """OPS-4 / DESK-1: every recorded call or visit, by channel, by outcome and by the type
    of the ticket it became or joined."""
    channel: dict[str, int] = {}
    outcome: dict[str, int] = {}
    types: dict[str, int] = {}
    for row in _of(rows, FactSubject.CONTACT):
        channel[row["channel"]] = channel.get(row["channel"], 0) + row["count"]
        outcome[row["outcome"]] = outcome.get(row["outcome"], 0) + row["count"]
        key = row["ticket_type"] or NO_TICKET
        types[key] = types.get(key, 0) + row["count"]
    return ContactsReport(
        total=sum(channel.values()),
        by_channel=[CountRow(c.value, str(c.label), channel.get(c.value, 0)) for c in Channel],
        by_outcome=[CountRow(o.value, str(o.label), outcome.get(o.value, 0)) for o in ContactOutcome],
        by_type=[CountRow(t, type_label(t), types.get(t, 0)) for t in [*TicketType.values, NO_TICKET]],
    )


def tickets_report(rows: Iterable[dict]) -> TicketsReport:
    """Tickets received in the period by type and by type × category."""
    by_type: dict[str, int] = {}
    by_category: dict[tuple[str, str], int] = {}
    for row in _of(rows, FactSubject.TICKET):
        key = (row["ticket_type"], row["category"])
        by_type[key[0]] = by_type.get(key[0], 0) + row["count"]
        by_category[key] = by_category.get(key, 0) + row["count"]
    categories = [CategoryRow(t, c, category_label(t, c), n) for (t, c), n in by_category.items() if n]
    order = {t: i for i, t in enumerate(TicketType.values)}
    return TicketsReport(
        total=sum(by_type.values()),
        by_type=[CountRow(t.value, str(t.label), by_type.get(t.value, 0)) for t in TicketType],
        by_category=sorted(categories, key=lambda r: (order.get(r.type, 99), -r.count, r.category)),
    )


def _fold(rows: Iterable[dict]) -> Timely:
    rows = list(rows)
    return Timely(sum(r["met"] for r in rows), sum(r["breached"] for r in rows), sum(r["pending"] for r in rows))


def complaints_report(rows: Iterable[dict]) -> ComplaintsReport:
    """CMP-11: complaints received in the period, classified effective / invalid (CMP-4),
    and the timely-handling of complaints (RESOLVE clocks due in the period)."""
    rows = list(rows)
    complaints = [r for r in _of(rows, FactSubject.TICKET) if r["ticket_type"] == TicketType.COMPLAINT]
    handling = _fold(
        r
        for r in _of(rows, FactSubject.CLOCK)
        if r["target_kind"] == TargetKind.RESOLVE and r["ticket_type"] == TicketType.COMPLAINT
    )
    return ComplaintsReport(
        sum(r["count"] for r in complaints),
        sum(r["effective"] for r in complaints),
        sum(r["invalid"] for r in complaints),
        handling,
    )


def sla_report(rows: Iterable[dict]) -> SlaReport:
    """Timely rate per target kind and breaches per responsible department, over the clocks
    due in the period (see the module docstring)."""
    clocks = list(_of(rows, FactSubject.CLOCK))
    by_kind = [KindRow(k.value, str(k.label), _fold(r for r in clocks if r["target_kind"] == k.value)) for k in TargetKind]
    overall = _fold(clocks)
    departments: dict[str, int] = {}
    for row in clocks:
        if row["breached"]:
            key = row["department"] or NO_DEPARTMENT
            departments[key] = departments.get(key, 0) + row["breached"]
    breaches = [CountRow(key, department_label(key), n) for key, n in departments.items()]
    return SlaReport(by_kind, overall, sorted(breaches, key=lambda r: (-r.count, r.key)))


def repairs_report(rows: Iterable[dict]) -> RepairsReport:
    """REP-9: repairs received in the period by trade (with how many are done), and the
    paid repairs completed in the period with their final charges."""
    rows = list(rows)
    counts: dict[str, list[int]] = {}
    for row in _of(rows, FactSubject.TICKET):
        if row["ticket_type"] == TicketType.REPAIR:
            got = counts.setdefault(row["category"], [0, 0])
            got[0] += row["count"]
            got[1] += row["done"]
    choices = TYPE_CATEGORIES[TicketType.REPAIR]
    trades = sorted(
        (TradeRow(key, _label(choices, key) or _("未分类"), n, done) for key, (n, done) in counts.items() if n),
        key=lambda r: (-r.count, r.key),
    )
    paid = list(_of(rows, FactSubject.PAID_REPAIR))
    return RepairsReport(
        total=sum(r.count for r in trades),
        done=sum(r.done for r in trades),
        by_trade=trades,
        paid_count=sum(r["count"] for r in paid),
        paid_income=money(sum((r["income"] for r in paid), ZERO)),
    )


def visits_report(rows: Iterable[dict]) -> VisitsReport:
    """VIS-4 / VIS-2: the return visits due in the period (`visits_due`), how many were
    done, done on time, satisfied and sent back, and the average of each 1–5 score over
    the scored visits (one decimal place, half-up, exact: sums and counts, not AVG's
    float)."""
    got = dict.fromkeys(MEASURES, 0)
    for row in _of(rows, FactSubject.VISIT):
        for name in got:
            got[name] += row[name]
    return VisitsReport(
        due=got["count"],
        done=got["done"],
        on_time=got["on_time"],
        answered=got["answered"],
        satisfied=got["satisfied"],
        sent_back=got["sent_back"],
        scored=got["scored"],
        **{name: mean(got[name], got["scored"]) for name in SCORES},
    )


def ranking(ids: Iterable[int], period: Period, *, now: dt.datetime, marked: frozenset[dt.date]) -> list[RankingRow]:
    """Per project: contacts, tickets, timely rate (all target kinds), effective-complaint
    rate, return-visit and satisfied rates — best timely rate first (no rate last), then
    the lower effective-complaint rate. The projects' day totals and the projects."""
    ids = list(ids)
    totals = period_totals(ids, period.first, period.stop, now=now, marked=marked, by="project")
    rows = []
    for project in Project.objects.filter(pk__in=ids).order_by("code"):
        t = totals.get(project.pk) or dict.fromkeys(TOTALS, 0)
        rows.append(
            RankingRow(
                project=project,
                contacts=t["contacts"],
                tickets=t["tickets"],
                timely=Timely(t["met"], t["breached"], t["pending"]),
                effective=t["effective"],
                classified=t["classified"],
                visits_due=t["visits_due"],
                visits_done=t["visits_done"],
                visits_answered=t["visits_answered"],
                visits_satisfied=t["visits_satisfied"],
            )
        )

    def order(row: RankingRow):
        timely, effective = row.timely.rate, row.effective_rate
        return (timely is None, -(timely or 0), effective is None, effective or 0, row.project.code)

    return sorted(rows, key=order)


# --- facts: a period's counts, from the daily fact table and the live rows ------------------
#
# A fact row is a dict: its subject (FactSubject), every dimension of DIMENSIONS ("" where
# the subject has none) and every measure of MEASURES (0 where the subject has none) —
# the shape of reports.models.DailyFact. The sections above fold such rows; `live_facts`
# counts them from the live rows with the filters the drill-downs use, and
# reports.services.facts_refresh stores them per day and project, so a number from the
# facts is by construction the number the live rows give.

DIMENSIONS = ("ticket_type", "category", "department", "channel", "outcome", "target_kind")
MEASURES = (
    "count",  # contacts received, tickets received, return visits due, paid repairs completed
    "done",  # tickets resolved or closed, return visits done
    "effective",  # complaints classified effective
    "invalid",  # … and invalid
    "met",  # clocks due: met in time
    "breached",  # … breached (the board's rule at `now`)
    "pending",  # … running and not yet due at `now` (0 on a day that has ended)
    "on_time",  # return visits done by their deadline
    "answered",
    "satisfied",
    "sent_back",
    "scored",
    *SCORES,  # sums of the scores of the scored visits
    "income",  # final charges of the paid repairs
)
TOTALS = (
    "contacts",
    "tickets",
    "effective",
    "classified",
    "met",
    "breached",
    "pending",
    "visits_due",
    "visits_done",
    "visits_answered",
    "visits_satisfied",
)
DAY_OF = {  # the time that puts a subject's row on its day
    FactSubject.CONTACT: "received_at",
    FactSubject.TICKET: "created_at",
    FactSubject.CLOCK: "deadline_at",
    FactSubject.VISIT: "due_at",
    FactSubject.PAID_REPAIR: "work_order__completed_at",
}


def _of(rows: Iterable[dict], subject: str) -> Iterable[dict]:
    return (row for row in rows if row["subject"] == subject)


def _live_queries(ids: list[int], start: dt.datetime, end: dt.datetime, now: dt.datetime) -> dict:
    """Per subject: the rows counted, their dimensions (fact name → field) and measures."""
    scored = visit_scored_q()
    return {
        FactSubject.CONTACT: (
            contacts_in(ids, start, end),
            {"channel": "channel", "outcome": "outcome", "ticket_type": "ticket__type"},
            {"count": Count("id")},
        ),
        FactSubject.TICKET: (
            tickets_in(ids, start, end),
            {"ticket_type": "type", "category": "category"},
            {
                "count": Count("id"),
                "done": Count("id", filter=Q(status__in=DONE)),
                "effective": Count("id", filter=Q(type=TicketType.COMPLAINT, complaint__validity=Validity.EFFECTIVE)),
                "invalid": Count("id", filter=Q(type=TicketType.COMPLAINT, complaint__validity=Validity.INVALID)),
            },
        ),
        FactSubject.CLOCK: (
            clocks_due(ids, start, end),
            {"target_kind": "kind", "ticket_type": "ticket__type", "department": "ticket__department"},
            {
                "met": Count("id", filter=met_q()),
                "breached": Count("id", filter=breached_q(now)),
                "pending": Count("id", filter=pending_q(now)),
            },
        ),
        FactSubject.VISIT: (
            visits_due(ids, start, end),
            {},
            {
                "count": Count("id"),
                "done": Count("id", filter=visit_done_q()),
                "on_time": Count("id", filter=visit_on_time_q()),
                "answered": Count("id", filter=visit_answered_q()),
                "satisfied": Count("id", filter=visit_satisfied_q()),
                "sent_back": Count("id", filter=visit_sent_back_q()),
                "scored": Count("id", filter=scored),
                **{name: Sum(name, filter=scored) for name in SCORES},
            },
        ),
        FactSubject.PAID_REPAIR: (
            paid_repairs_in(ids, start, end),
            {},
            {"count": Count("pk"), "income": Sum("work_order__final_charge")},
        ),
    }


def live_facts(
    ids: Iterable[int],
    start: dt.datetime,
    end: dt.datetime,
    *,
    now: dt.datetime,
    by: str | None = None,
    subjects: Iterable[str] = FactSubject.values,
) -> list[dict]:
    """The fact rows of [start, end) counted from the live rows, one grouped query per
    subject; `by` "project" or "month" adds that grouping as each row's "key"."""
    queries = _live_queries(list(ids), start, end, now)
    rows = []
    for subject in subjects:
        qs, dims, measures = queries[subject]
        if by == "project":
            qs = qs.annotate(fact_key=F("project_id"))
        elif by == "month":
            qs = qs.annotate(fact_key=TruncMonth(DAY_OF[subject]))
        fields = [*dims.values(), *(["fact_key"] if by else [])]
        named = {f"m_{name}": expression for name, expression in measures.items()}  # not a field's name
        found = qs.values(*fields).annotate(**named).order_by() if fields else [qs.aggregate(**named)]
        for got in found:
            row = {"subject": subject, **dict.fromkeys(DIMENSIONS, ""), **dict.fromkeys(MEASURES, 0)}
            row.update({name: got[field] or "" for name, field in dims.items()})
            row.update({name: got[f"m_{name}"] or 0 for name in measures})
            if by:
                row["key"] = _month_of(got["fact_key"]) if by == "month" else got["fact_key"]
            rows.append(row)
    return rows


def fold_totals(rows: Iterable[dict]) -> dict:
    """Fact rows with a "key" into per-key totals (TOTALS): what ProjectDay stores per
    project and the ranking and trend read."""
    totals: dict = {}
    for row in rows:
        t = totals.setdefault(row["key"], dict.fromkeys(TOTALS, 0))
        subject = row["subject"]
        if subject == FactSubject.CONTACT:
            t["contacts"] += row["count"]
        elif subject == FactSubject.TICKET:
            t["tickets"] += row["count"]
            t["effective"] += row["effective"]
            t["classified"] += row["effective"] + row["invalid"]
        elif subject == FactSubject.CLOCK:
            for name in ("met", "breached", "pending"):
                t[name] += row[name]
        elif subject == FactSubject.VISIT:
            t["visits_due"] += row["count"]
            t["visits_done"] += row["done"]
            t["visits_answered"] += row["answered"]
            t["visits_satisfied"] += row["satisfied"]
    return totals


def fact_days(first: dt.date, stop: dt.date, *, now: dt.datetime) -> frozenset[dt.date]:
    """The days of [first, stop) before `now`'s day whose facts were computed after they
    had ended (FactDay): the only days the report reads from the facts. One query."""
    until = min(stop, timezone.localtime(now, timezone.get_default_timezone()).date())
    if first >= until:
        return frozenset()
    return frozenset(FactDay.objects.filter(day__gte=first, day__lt=until).values_list("day", flat=True))


def _runs(first: dt.date, stop: dt.date, marked: frozenset[dt.date]) -> tuple[list, list]:
    """[first, stop) cut into runs (first, stop) of days with facts and runs without."""
    facts: list[tuple[dt.date, dt.date]] = []
    live: list[tuple[dt.date, dt.date]] = []
    day = first
    while day < stop:
        runs = facts if day in marked else live
        following = day + dt.timedelta(days=1)
        if runs and runs[-1][1] == day:
            runs[-1] = (runs[-1][0], following)
        else:
            runs.append((day, following))
        day = following
    return facts, live


def _days_q(runs: list[tuple[dt.date, dt.date]]) -> Q:
    q = Q()
    for first, stop in runs:
        q |= Q(day__gte=first, day__lt=stop)
    return q


def period_facts(
    ids: Iterable[int],
    first: dt.date,
    stop: dt.date,
    *,
    now: dt.datetime,
    marked: frozenset[dt.date],
    dimensions: tuple[str, ...] = DIMENSIONS,
) -> list[dict]:
    """The fact rows of the days [first, stop): the stored facts of the `marked` days,
    summed per subject and `dimensions` (one query; the others read None), and the live
    rows of the others (five queries a run of days; today's run when the facts are up to
    date)."""
    ids = list(ids)
    fact_runs, live_runs = _runs(first, stop, marked)
    rows = []
    if fact_runs:
        summed = (
            DailyFact.objects.filter(_days_q(fact_runs), project_id__in=ids)
            .values("subject", *dimensions)
            .annotate(**{f"m_{name}": Sum(name) for name in MEASURES})
            .order_by()
        )
        blank = dict.fromkeys(DIMENSIONS)
        rows += [
            {**blank, **{k: got[k] for k in ("subject", *dimensions)}, **{m: got[f"m_{m}"] for m in MEASURES}} for got in summed
        ]
    for run_first, run_stop in live_runs:
        rows += live_facts(ids, midnight(run_first), midnight(run_stop), now=now)
    return rows


def period_totals(
    ids: Iterable[int], first: dt.date, stop: dt.date, *, now: dt.datetime, marked: frozenset[dt.date], by: str
) -> dict:
    """TOTALS of the days [first, stop) per project (`by` "project") or per month ("month"):
    the ProjectDay rows of the `marked` days (one query) and the live rows of the others."""
    ids = list(ids)
    fact_runs, live_runs = _runs(first, stop, marked)
    totals: dict = {}

    def add(key, got: dict) -> None:
        t = totals.setdefault(key, dict.fromkeys(TOTALS, 0))
        for name in TOTALS:
            t[name] += got[name] or 0

    if fact_runs:
        key = F("project_id") if by == "project" else TruncMonth("day")
        summed = (
            ProjectDay.objects.filter(_days_q(fact_runs), project_id__in=ids)
            .annotate(fact_key=key)
            .values("fact_key")
            .annotate(**{name: Sum(name) for name in TOTALS})
            .order_by()
        )
        for got in summed:
            add(_month_of(got["fact_key"]) if by == "month" else got["fact_key"], got)
    subjects = [FactSubject.CONTACT, FactSubject.TICKET, FactSubject.CLOCK] + ([FactSubject.VISIT] if by == "project" else [])
    for run_first, run_stop in live_runs:
        for key, got in fold_totals(
            live_facts(ids, midnight(run_first), midnight(run_stop), now=now, by=by, subjects=subjects)
        ).items():
            add(key, got)
    return totals


def _month_of(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).date().replace(day=1)
    return value.replace(day=1)


def trend(ids: Iterable[int], months: list[Period], *, now: dt.datetime, marked: frozenset[dt.date]) -> list[TrendPoint]:
    """One point per month of `months` (consecutive, oldest first): tickets, contacts and
    the timely rate, each month counted exactly as a monthly report counts it — from the
    projects' day totals (one query) and, for the days without facts, the live rows."""
    totals = period_totals(ids, months[0].first, months[-1].stop, now=now, marked=marked, by="month")
    points = []
    for p in months:
        t = totals.get(p.first) or dict.fromkeys(TOTALS, 0)
        points.append(TrendPoint(p.first, t["tickets"], t["contacts"], Timely(t["met"], t["breached"], t["pending"])))
    return points


TREND_MONTHS = 12


# What the headline numbers (Summary) group by: their totals do not depend on the other
# dimensions, so the previous period's comparison sums far fewer groups.
SUMMARY_DIMENSIONS = ("ticket_type",)


def _sections(ids, period: Period, now: dt.datetime, marked: frozenset[dt.date], dimensions=DIMENSIONS):
    rows = period_facts(ids, period.first, period.stop, now=now, marked=marked, dimensions=dimensions)
    contacts = contacts_report(rows)
    tickets = tickets_report(rows)
    complaints = complaints_report(rows)
    sla = sla_report(rows)
    repairs = repairs_report(rows)
    visits = visits_report(rows)
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
    monthly report the 12-month trend. Whole days before today that have facts are read
    from the daily fact table, the rest from the live rows (`report_facts`)."""
    now = now or timezone.now()
    ids = frozenset(project_ids)
    months = period.months_back(TREND_MONTHS) if period.kind == "month" else []
    previous_period = period.previous()
    marked = fact_days(min([previous_period.first, *(m.first for m in months)]), period.stop, now=now)
    contacts, tickets, complaints, sla, repairs, visits, summary = _sections(ids, period, now, marked)
    previous = _sections(ids, previous_period, now, marked, SUMMARY_DIMENSIONS)[-1]
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
        ranking=ranking(ids, period, now=now, marked=marked) if len(ids) > 1 else [],
        trend=trend(ids, months, now=now, marked=marked) if months else [],
        proactive=_proactive(ids, period),
    )


def _proactive(ids: frozenset[int], period: Period) -> list:
    """VIS-7: the month's proactive visits against the quotas, per project (quotas are
    monthly, so only a monthly report shows them)."""
    from propdesk.outreach.selectors import quota_summaries

    return quota_summaries(ids, period.first) if period.kind == "month" else []
