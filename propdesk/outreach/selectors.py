"""Outreach reads: the month's suggested households of a visitor (VIS-7), progress
against the quotas, the visit and care-task lists, and the household 360° view."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from propdesk.accounts.models import Membership
from propdesk.accounts.roles import Role
from propdesk.desk.choices import TYPE_CATEGORIES, Department, TicketType
from propdesk.desk.models import Contact, Ticket
from propdesk.estate.models import House, Project
from propdesk.followup.choices import VisitStatus
from propdesk.followup.models import ReturnVisit
from propdesk.notifications.selectors import staff_with_role
from propdesk.outreach.choices import OCCUPIED_STATUSES
from propdesk.outreach.models import CareTask, OutreachPolicy, ProactiveVisit
from propdesk.outreach.risks import RiskFlag, households_risks
from propdesk.outreach.services import outreach_policy
from propdesk.residents.models import Occupancy

# --- months ---------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def parse_month(value: str | None) -> dt.date:
    """ "2026-11" → 2026-11-01; anything else → this month."""
    try:
        year, month = (value or "").split("-")
        return dt.date(int(year), int(month), 1)
    except ValueError:
        return month_start(timezone.localdate())


# --- the suggested list (VIS-7: random, voluntary) -------------------------------------------


@dataclass
class Suggestion:
    house: House
    flags: list[RiskFlag] = field(default_factory=list)
    visited: bool = False  # visited (by anyone) this month


def _aware_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def visit_candidates(project_id: int, month: dt.date, recent_days: int) -> QuerySet[House]:
    """Occupied houses with someone living there, not visited — proactively or by a return
    visit — in the `recent_days` before the month began."""
    since = month - dt.timedelta(days=recent_days)
    active = Occupancy.objects.filter(house=OuterRef("pk"), end_date__isnull=True)
    proactive = ProactiveVisit.objects.filter(house=OuterRef("pk"), visited_on__gte=since, visited_on__lt=month)
    returned = ReturnVisit.objects.filter(
        house=OuterRef("pk"), status=VisitStatus.DONE, done_at__gte=_aware_day(since), done_at__lt=_aware_day(month)
    )
    return (
        House.objects.filter(project_id=project_id, status__in=OCCUPIED_STATUSES)
        .filter(Exists(active))
        .exclude(Exists(proactive))
        .exclude(Exists(returned))
        .select_related("building", "entrance")
        .order_by("pk")
    )


def balanced(houses: list[House], rng: random.Random) -> list[House]:
    """Shuffle within each building, then take one house from each building in turn, so
    any prefix of the result spreads over the buildings as evenly as it can."""
    groups: dict[int, list[House]] = defaultdict(list)
    for house in houses:
        groups[house.building_id].append(house)
    order = sorted(groups)
    rng.shuffle(order)
    for key in order:
        rng.shuffle(groups[key])
    out: list[House] = []
    while any(groups[key] for key in order):
        for key in order:
            if groups[key]:
                out.append(groups[key].pop())
    return out


def suggested_households(*, project_id: int, visitor, month: dt.date, size: int | None = None) -> list[Suggestion]:
    """The visitor's suggested households for the month (VIS-7): random but the same on
    every reading — seeded by (project, month, visitor), by their codes rather than row
    ids so that a restored or re-seeded database gives the same list, and judged as of
    the month's first day — balanced across buildings, households flagged at risk first;
    those already visited this month stay on the list, ticked."""
    policy = outreach_policy(project_id)
    size = size if size is not None else policy.assistant_quota
    houses = list(visit_candidates(project_id, month, policy.recent_days))
    flags = households_risks(project_id=project_id, on=month - dt.timedelta(days=1))
    project_code = Project.objects.values_list("code", flat=True).get(pk=project_id)
    rng = random.Random(f"outreach:{project_code}:{month:%Y-%m}:{visitor.get_username()}")
    flagged = balanced([h for h in houses if h.pk in flags], rng)
    others = balanced([h for h in houses if h.pk not in flags], rng)
    chosen = (flagged + others)[:size]
    visited = set(
        ProactiveVisit.objects.filter(
            house_id__in=[h.pk for h in chosen], visited_on__gte=month, visited_on__lt=next_month(month)
        ).values_list("house_id", flat=True)
    )
    return [Suggestion(h, flags.get(h.pk, []), h.pk in visited) for h in chosen]


# --- progress against the quotas --------------------------------------------------------------


@dataclass
class ProgressRow:
    label: str
    households: int
    visits: int
    quota: int | None

    @property
    def met(self) -> bool | None:
        return None if self.quota is None else self.households >= self.quota

    @property
    def percent(self) -> int | None:
        return None if not self.quota else min(100, self.households * 100 // self.quota)


@dataclass
class ProjectProgress:
    project_id: int
    project_name: str
    month: dt.date
    departments: list[ProgressRow]
    visitors: list[tuple[object, ProgressRow]]  # (user, row)


def progress(projects, month: dt.date) -> list[ProjectProgress]:
    """Per project: each department's households visited this month against the
    department quota (客服部 always listed), and each visitor's against the assistant
    quota (every assistant of the project listed, other visitors without a quota)."""
    User = get_user_model()
    out = []
    end = next_month(month)
    for project in projects:
        policy = outreach_policy(project.pk)
        visits = ProactiveVisit.objects.filter(project=project, visited_on__gte=month, visited_on__lt=end)
        by_department = {
            row["department"]: row for row in visits.values("department").annotate(h=Count("house", distinct=True), n=Count("id"))
        }
        by_visitor = {
            row["visitor"]: row for row in visits.values("visitor").annotate(h=Count("house", distinct=True), n=Count("id"))
        }
        departments = [
            ProgressRow(str(Department(key).label), row["h"], row["n"], policy.department_quota)
            for key, row in sorted(by_department.items())
        ]
        if Department.CUSTOMER_SERVICE not in by_department:
            departments.insert(0, ProgressRow(str(Department.CUSTOMER_SERVICE.label), 0, 0, policy.department_quota))
        assistants = set(staff_with_role(project, Role.ASSISTANT, company_wide=False).values_list("pk", flat=True))
        users = {u.pk: u for u in User.objects.filter(pk__in=assistants | set(by_visitor))}
        visitors = []
        for pk in sorted(users, key=lambda pk: (pk not in assistants, str(users[pk]))):
            row = by_visitor.get(pk, {"h": 0, "n": 0})
            quota = policy.assistant_quota if pk in assistants else None
            visitors.append((users[pk], ProgressRow(str(users[pk]), row["h"], row["n"], quota)))
        out.append(ProjectProgress(project.pk, project.name, month, departments, visitors))
    return out


@dataclass
class QuotaSummary:
    """One project's month for the KPI report (VIS-7)."""

    project_name: str
    department_households: int  # households the customer-service department visited
    department_quota: int
    assistants_met: int  # assistants who visited at least their quota of households
    assistants: int


def quota_summaries(project_ids, month: dt.date) -> list[QuotaSummary]:
    """VIS-7 progress of many projects in a fixed number of queries (the company-wide KPI
    report): counted as `progress` counts, households visited once however often."""
    ids = sorted(set(project_ids))
    visits = ProactiveVisit.objects.filter(project_id__in=ids, visited_on__gte=month, visited_on__lt=next_month(month))
    department = dict(
        visits.filter(department=Department.CUSTOMER_SERVICE)
        .values("project")
        .annotate(h=Count("house", distinct=True))
        .values_list("project", "h")
    )
    by_visitor = {
        (row["project"], row["visitor"]): row["h"]
        for row in visits.values("project", "visitor").annotate(h=Count("house", distinct=True))
    }
    policies = {policy.project_id: policy for policy in OutreachPolicy.objects.filter(project_id__in=ids)}
    assistants: dict[int, set[int]] = {pk: set() for pk in ids}
    members = Membership.objects.filter(project_id__in=ids, role=Role.ASSISTANT, user__is_active=True)
    for project_id, user_id in members.values_list("project_id", "user_id"):
        assistants[project_id].add(user_id)
    out = []
    for project_id, name in Project.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "name"):
        policy = policies.get(project_id) or OutreachPolicy(project_id=project_id)
        met = sum(1 for user_id in assistants[project_id] if by_visitor.get((project_id, user_id), 0) >= policy.assistant_quota)
        out.append(QuotaSummary(name, department.get(project_id, 0), policy.department_quota, met, len(assistants[project_id])))
    return out


# --- lists ------------------------------------------------------------------------------------


def visit_list(project_ids, *, month: dt.date | None = None, visitor=None) -> QuerySet[ProactiveVisit]:
    rows = ProactiveVisit.objects.filter(project_id__in=project_ids)
    if month is not None:
        rows = rows.filter(visited_on__gte=month, visited_on__lt=next_month(month))
    if visitor is not None:
        rows = rows.filter(Q(visitor=visitor) | Q(companion=visitor))
    return rows.select_related("project", "house", "person", "visitor", "companion", "ticket").order_by("-visited_on", "-id")


def care_list(project_ids, *, status: str | None = None, start: dt.date | None = None, end: dt.date | None = None):
    rows = CareTask.objects.filter(project_id__in=project_ids)
    if status:
        rows = rows.filter(status=status)
    if start:
        rows = rows.filter(occasion_date__gte=start)
    if end:
        rows = rows.filter(occasion_date__lte=end)
    return rows.select_related("project", "house", "person", "done_by").order_by("occasion_date", "house__code", "id")


# --- household 360° -----------------------------------------------------------------------------

HISTORY_ROWS = 20


@dataclass
class Household360:
    flags: list[RiskFlag]
    contacts: list
    complaints: list
    repairs: list
    return_visits: list
    proactive_visits: list
    trend: list[tuple[dt.date, float, str]]  # (day, score 1–5, source)


def _with_category(tickets) -> list[Ticket]:
    """The tickets, each with `category_display`: its category's label."""
    rows = list(tickets)
    for ticket in rows:
        choices = TYPE_CATEGORIES.get(ticket.type)
        valid = choices is not None and ticket.category in choices.values
        ticket.category_display = choices(ticket.category).label if valid else ticket.category
    return rows


def household_360(house: House) -> Household360:
    """Everything the centre knows about how a household is served: contacts, complaints
    and repairs, return-visit answers, proactive visits, the satisfaction trend and the
    risk flags."""
    tickets = Ticket.objects.filter(house=house).order_by("-created_at")
    return_visits = list(
        ReturnVisit.objects.filter(house=house, status=VisitStatus.DONE)
        .select_related("ticket", "done_by")
        .order_by("-done_at")[:HISTORY_ROWS]
    )
    proactive = list(
        ProactiveVisit.objects.filter(house=house).select_related("visitor", "companion", "ticket", "person")[:HISTORY_ROWS]
    )
    trend = []
    for visit in return_visits:
        scores = [s for s in (visit.score_quality, visit.score_result, visit.score_attitude) if s is not None]
        if scores:
            trend.append((timezone.localtime(visit.done_at).date(), sum(scores) / len(scores), "return"))
    trend += [(v.visited_on, float(v.satisfaction), "proactive") for v in proactive]
    trend.sort(key=lambda row: row[0])
    from propdesk.outreach.risks import household_risks

    return Household360(
        flags=household_risks(house),
        contacts=list(
            Contact.objects.filter(house=house).select_related("ticket", "receiver").order_by("-received_at")[:HISTORY_ROWS]
        ),
        complaints=_with_category(tickets.filter(type=TicketType.COMPLAINT)[:HISTORY_ROWS]),
        repairs=_with_category(tickets.filter(type=TicketType.REPAIR)[:HISTORY_ROWS]),
        return_visits=return_visits,
        proactive_visits=proactive,
        trend=trend,
    )
