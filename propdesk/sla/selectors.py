"""SLA reads: the policy a ticket runs under, a ticket's clocks, the SLA board, and the
policies in force in words.

board(project_ids, now=None) -> Board   — due soon, breached, counts per department
                                          and per assignee (the console's SLA board)
policies_in_force(project_ids)          — per project, the policy each ticket type ×
                                          priority runs under, its targets and
                                          escalation levels in words (时限策略)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from propdesk.accounts.roles import Role
from propdesk.core import configcache
from propdesk.core.models import BusinessCalendar
from propdesk.desk.choices import Department, Priority, TicketType, priorities_for
from propdesk.estate.models import Project
from propdesk.sla.choices import Anchor, ClockState, LevelAction, LevelCondition, StartEvent, StopEvent, Unit
from propdesk.sla.models import EscalationLevel, SlaClock, SlaPolicy, SlaTarget

LIVE = Q(met_at__isnull=True, ended_at__isnull=True)


def policy_for(*, project_id: int | None, ticket_type: str, priority: str) -> SlaPolicy | None:
    """The active policy for a type × priority: the project's own, else the company
    preset; with its targets and their levels prefetched. Memoised per process
    (`core.configcache`) by policy, so a preset serving 200 projects is read once; the
    instances are shared, so callers only read them."""
    own, presets = configcache.cached("sla policy ids", _policy_ids)
    policy_id = own.get((project_id, ticket_type, priority)) or presets.get((ticket_type, priority))
    if policy_id is None:
        return None
    return configcache.cached(
        ("sla policy", policy_id), lambda: SlaPolicy.objects.prefetch_related("targets__levels").filter(pk=policy_id).first()
    )


def _policy_ids() -> tuple[dict[tuple, int], dict[tuple, int]]:
    """The active policies' ids: ({(project, type, priority): id}, {(type, priority): preset id})."""
    own: dict[tuple, int] = {}
    presets: dict[tuple, int] = {}
    rows = SlaPolicy.objects.filter(active=True).order_by("id").values_list("pk", "project_id", "ticket_type", "priority")
    for pk, project_id, ticket_type, priority in rows:
        if project_id is None:
            presets.setdefault((ticket_type, priority), pk)
        else:
            own.setdefault((project_id, ticket_type, priority), pk)
    return own, presets


def clocks_for_ticket(ticket) -> QuerySet[SlaClock]:
    """A ticket's clocks, oldest first, with their targets (for the ticket page)."""
    return SlaClock.objects.filter(ticket_id=ticket.pk).select_related("target__policy").order_by("started_at", "pk")


@dataclass(frozen=True)
class BoardRow:
    key: str | int | None
    label: str
    due_soon: int
    breached: int


@dataclass(frozen=True)
class Board:
    now: dt.datetime
    due_soon: QuerySet[SlaClock]  # in the warning window, earliest deadline first
    breached: QuerySet[SlaClock]  # overdue and not yet met, most overdue first
    by_department: list[BoardRow]
    by_assignee: list[BoardRow]

    @property
    def due_soon_count(self) -> int:
        return sum(row.due_soon for row in self.by_department)

    @property
    def breached_count(self) -> int:
        return sum(row.breached for row in self.by_department)


def _due_soon(now: dt.datetime) -> Q:
    return Q(state=ClockState.RUNNING, warn_at__lte=now, deadline_at__gt=now)


def _breached(now: dt.datetime) -> Q:
    # A running clock past its deadline is breached already; the sweep records it within seconds.
    return Q(state=ClockState.BREACHED) | Q(state=ClockState.RUNNING, deadline_at__lte=now)


def _worst_first(row: BoardRow) -> tuple:
    return (-row.breached, -row.due_soon, str(row.label))


def board(project_ids: Iterable[int], *, now: dt.datetime | None = None) -> Board:
    """The SLA board of `project_ids` (the caller's visible projects): clocks due soon
    (past their warning point), clocks breached and still unmet (open tickets), and the
    number of tickets in each per department and per assignee.

    Reads only live clocks through the partial index (project, state, deadline_at); the
    counts are one grouped query, the two lists are lazy querysets for the page to slice."""
    now = now or timezone.now()
    live = SlaClock.objects.filter(LIVE, project_id__in=list(project_ids))
    related = ("ticket__assignee", "ticket__house")  # the ticket's place, holder and number
    due_soon = live.filter(_due_soon(now)).select_related(*related).order_by("deadline_at", "pk")
    breached = live.filter(_breached(now)).select_related(*related).order_by("deadline_at", "pk")
    rows = (
        live.filter(_due_soon(now) | _breached(now))
        .values("ticket__department", "ticket__assignee_id", "ticket__assignee__display_name", "ticket__assignee__username")
        .annotate(
            due_soon=Count("ticket", filter=_due_soon(now), distinct=True),
            breached=Count("ticket", filter=_breached(now), distinct=True),
        )
        .order_by()
    )
    departments: dict[str, list[int]] = {}
    assignees: dict[int | None, list] = {}
    for row in rows:
        dept = departments.setdefault(row["ticket__department"] or "", [0, 0])
        dept[0] += row["due_soon"]
        dept[1] += row["breached"]
        name = row["ticket__assignee__display_name"] or row["ticket__assignee__username"] or _("未派单")
        person = assignees.setdefault(row["ticket__assignee_id"], [name, 0, 0])
        person[1] += row["due_soon"]
        person[2] += row["breached"]
    by_department = [
        BoardRow(key, Department(key).label if key in Department.values else _("未指定部门"), due, late)
        for key, (due, late) in departments.items()
    ]
    by_assignee = [BoardRow(key, name, due, late) for key, (name, due, late) in assignees.items()]
    return Board(
        now=now,
        due_soon=due_soon,
        breached=breached,
        by_department=sorted(by_department, key=_worst_first),
        by_assignee=sorted(by_assignee, key=_worst_first),
    )


# --- the policies in force, in words (时限策略) ---------------------------------------------


@dataclass(frozen=True)
class LevelText:
    """One escalation step: when it fires, what it does, to whom."""

    when: str
    action: str
    whom: str
    notes: tuple[str, ...]
    rule: str


@dataclass(frozen=True)
class TargetText:
    """One promise of a policy, e.g. "到场 10 分钟（24小时）", with its escalation steps."""

    kind: str
    limit: str
    start: str
    stop: str
    pause: str
    warn: str
    rule: str
    levels: tuple[LevelText, ...]


@dataclass(frozen=True)
class PolicyInForce:
    """The policy a ticket type × priority runs under in one project: the project's own
    version, else the company preset (as `policy_for` picks it); None when neither exists."""

    ticket_type: str
    priority: str
    policy: SlaPolicy | None
    own: bool
    calendar: str
    targets: tuple[TargetText, ...]

    @property
    def type_label(self) -> str:
        return TicketType(self.ticket_type).label

    @property
    def priority_label(self) -> str:
        return Priority(self.priority).label


@dataclass(frozen=True)
class ProjectPolicies:
    project: Project
    rows: list[PolicyInForce]


def span_words(minutes: int, *, days: bool = True) -> str:
    """Minutes in the largest whole unit: days (calendar time only), hours, minutes."""
    if days and minutes and minutes % (24 * 60) == 0:
        n = minutes // (24 * 60)
        return ngettext("%(n)d 天", "%(n)d 天", n) % {"n": n}
    if minutes and minutes % 60 == 0:
        n = minutes // 60
        return ngettext("%(n)d 小时", "%(n)d 小时", n) % {"n": n}
    return ngettext("%(n)d 分钟", "%(n)d 分钟", minutes) % {"n": minutes}


def target_limit_text(target: SlaTarget) -> str:
    """The time limit in words: "10 分钟（24小时）", "1 个工作日", "当天下班前"."""
    n = target.amount
    if target.unit == Unit.CALENDAR_MINUTES:
        return _("%(span)s（24小时）") % {"span": span_words(n)}
    if target.unit == Unit.CALENDAR_DAYS:
        return ngettext("%(n)s 天（自然日）", "%(n)s 天（自然日）", n) % {"n": n}
    if target.unit == Unit.BUSINESS_MINUTES:
        return _("%(span)s（工作时间）") % {"span": span_words(n, days=False)}
    if target.unit == Unit.BUSINESS_DAYS:
        return ngettext("%(n)s 个工作日", "%(n)s 个工作日", n) % {"n": n}
    if n == 0:
        return _("当天下班前")
    return ngettext("%(n)s 个工作日后下班前", "%(n)s 个工作日后下班前", n) % {"n": n}


def _level_when(level: EscalationLevel) -> str:
    offset = level.offset_minutes
    if level.anchor == Anchor.START:
        return _("开始计时即") if offset == 0 else _("开始计时后 %(span)s") % {"span": span_words(offset)}
    if offset == 0:
        return _("超时即")
    if offset < 0:
        return _("到期前 %(span)s") % {"span": span_words(-offset)}
    return _("超时后 %(span)s") % {"span": span_words(offset)}


def level_text(level: EscalationLevel) -> LevelText:
    if level.action == LevelAction.RAISE_PRIORITY:
        raised = Priority(level.raise_to).label if level.raise_to in Priority.values else level.raise_to
        action = _("升级为“%(priority)s”") % {"priority": raised}
        if level.notify_roles or level.notify_holder:
            action = _("%(action)s并通知") % {"action": action}
    else:
        action = str(LevelAction.NOTIFY.label)
    whom = [str(Role(role).label) if role in Role.values else role for role in level.notify_roles]
    if level.notify_holder:
        whom.append(_("处理人"))
    notes = []
    if level.condition:
        notes.append(_("条件：%(condition)s") % {"condition": LevelCondition(level.condition).label})
    if level.urgent:
        notes.append(_("紧急，同时发短信"))
    if level.respect_office_hours:
        notes.append(_("非工作时间顺延到上班后发送"))
    return LevelText(_level_when(level), action, "、".join(whom), tuple(notes), level.rule)


def target_text(target: SlaTarget) -> TargetText:
    return TargetText(
        kind=target.get_kind_display(),
        limit=target_limit_text(target),
        start=_("%(event)s起算") % {"event": StartEvent(target.start_event).label},
        stop=_("完成条件：%(event)s") % {"event": StopEvent(target.stop_event).label},
        pause=_("等待客户、配件或预约时暂停计时") if target.pause_when_waiting else _("等待时不暂停"),
        warn=_("用去 %(percent)s%% 时预警") % {"percent": target.warn_at_percent} if target.warn_at_percent else _("不预警"),
        rule=target.rule,
        levels=tuple(level_text(level) for level in target.levels.all()),
    )


def policies_in_force(project_ids: Iterable[int]) -> list[ProjectPolicies]:
    """Per project (by code), every ticket type × priority with the active policy it runs
    under — the project's own, else the company preset, as `policy_for` picks — its
    targets and levels in words, and the working calendar its working-time targets use
    (the policy's own, else the project's, else the company default). Five queries."""
    ids = list(project_ids)
    projects = list(Project.objects.filter(pk__in=ids).order_by("code"))
    in_scope = Q(project_id__in=ids) | Q(project__isnull=True)
    policies = {
        (p.project_id, p.ticket_type, p.priority): p
        for p in SlaPolicy.objects.filter(in_scope, active=True).select_related("calendar").prefetch_related("targets__levels")
    }
    calendars: dict[int | None, BusinessCalendar] = {}
    for calendar in BusinessCalendar.objects.filter(in_scope, active=True).order_by("id"):
        calendars.setdefault(calendar.project_id, calendar)
    texts: dict[int, tuple[TargetText, ...]] = {}

    def calendar_name(policy: SlaPolicy, project_id: int) -> str:
        if not any(target.in_business_time for target in policy.targets.all()):
            return _("不用（全部按自然时间计算）")
        calendar = policy.calendar or calendars.get(project_id) or calendars.get(None)
        return calendar.name if calendar is not None else _("没有可用的工作日历")

    result = []
    for project in projects:
        rows = []
        for ticket_type in TicketType:
            for priority in priorities_for(ticket_type):
                own = policies.get((project.pk, ticket_type, priority))
                policy = own or policies.get((None, ticket_type, priority))
                if policy is not None and policy.pk not in texts:
                    texts[policy.pk] = tuple(target_text(target) for target in policy.targets.all())
                rows.append(
                    PolicyInForce(
                        ticket_type=ticket_type,
                        priority=priority,
                        policy=policy,
                        own=own is not None,
                        calendar=calendar_name(policy, project.pk) if policy is not None else "",
                        targets=texts[policy.pk] if policy is not None else (),
                    )
                )
        result.append(ProjectPolicies(project, rows))
    return result
