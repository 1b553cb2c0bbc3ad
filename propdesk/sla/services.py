"""SLA writes: the clocks follow the ticket timeline, the sweep fires warnings, escalation
levels and breaches exactly once, and policies are installed from presets and versioned.

    clocks_on_event(event)                       — called by desk.services.event_record for every event
    first_deadline(ticket) -> datetime | None    — a new ticket's next_deadline_at, before its INSERT
    sla_sweep(now=None, batch=2000) -> SweepReport — the periodic task (every 20 s)
    sla_install_presets(variant="002", project=None) -> PresetReport
    sla_policy_new_version(policy=…, by=…) / sla_policy_activate(policy=…, by=…)

How a clock follows its ticket (sla.md, "Clocks"):
- CREATED starts a clock per target of the matching active policy (the project's own,
  else the company preset) for the ticket's type × priority; ASSIGNED/TRANSFERRED start
  the targets that start at the first assignment.
- STATUS / ASSIGNED / TRANSFERRED / REOPENED: a target whose stop condition the ticket
  has reached is met (MET, or BREACHED with met_at when late); in a waiting status
  (PAUSED_STATUSES) the clocks of pausable targets pause — the remaining time is kept
  and the deadline cleared — and resume on leaving it with deadline = now + remaining
  (business time for business units). No history is replayed.
- PRIORITY: running and paused clocks move to the new priority's targets (matched by
  kind) and are recomputed from their start plus the time spent paused;
  `original_deadline_at` keeps the first deadline. Targets the new policy adds start from
  the ticket's start; kinds it lacks are cancelled. A breached clock is left as it is.
- CANCELLED: live clocks stop (CANCELLED, or BREACHED kept with ended_at).
- REOPENED (after resolve or close): a fresh RESOLVE clock starts; the earlier clock and
  its breach stay.
- Afterwards Ticket.next_deadline_at = the earliest deadline of the ticket's clocks that
  are ticking — running, or breached and still unmet (an overdue ticket keeps its passed
  deadline so that queues sort it first); NULL when none.

Breach permanence: BREACHED is a final state that nothing turns back. A breached clock
stays live until the ticket reaches the stop condition (met_at, late) or is cancelled
(ended_at), so later escalation levels still fire; statistics read "met in time" as
state MET and "breached" as state BREACHED, whatever happened afterwards.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Prefetch, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.accounts.roles import Cap
from propdesk.core import configcache, scoping
from propdesk.core.errors import DomainError
from propdesk.core.workcalendar import WorkingCalendar
from propdesk.desk.choices import PAUSED_STATUSES, EventKind, Priority, Status, Validity, priorities_for
from propdesk.desk.models import ComplaintDetail, Ticket, TicketEvent
from propdesk.notifications.services import Message, notify_many
from propdesk.sla import arithmetic
from propdesk.sla.choices import (
    STOP_STATUSES,
    Anchor,
    ClockState,
    LevelAction,
    LevelCondition,
    StartEvent,
    StopEvent,
    TargetKind,
)
from propdesk.sla.models import EscalationLevel, SlaClock, SlaFiring, SlaPolicy, SlaTarget
from propdesk.sla.presets import VARIANTS, PolicySpec, preset_policies
from propdesk.sla.selectors import policy_for, span_words

logger = logging.getLogger("propdesk.sla")

ZERO = dt.timedelta(0)
LIVE = Q(met_at__isnull=True, ended_at__isnull=True)
# Clocks whose deadline counts for the ticket's next_deadline_at and that the sweep reads.
TICKING = (ClockState.RUNNING, ClockState.BREACHED)
HANDLED_EVENTS = frozenset(
    {EventKind.CREATED, EventKind.STATUS, EventKind.ASSIGNED, EventKind.TRANSFERRED, EventKind.PRIORITY, EventKind.REOPENED}
)
# A clock the sweep failed on is looked at again after this long.
RETRY_AFTER = dt.timedelta(minutes=5)
# A level whose condition does not hold yet is looked at again after this long.
CONDITION_RECHECK = dt.timedelta(hours=1)
# At most this many passes over one clock in one sweep (a raised priority recomputes it).
MAX_PASSES = 5
URGENT_CHANNELS = ("in_app", "sms", "wechat")


# --- calendars --------------------------------------------------------------------------


class _LazyCalendar:
    """A WorkingCalendar loaded on first use: calendar-time clocks never need one."""

    __slots__ = ("_calendar", "_load")

    def __init__(self, load: Callable[[], WorkingCalendar]):
        self._load = load
        self._calendar: WorkingCalendar | None = None

    def __getattr__(self, name: str):
        if self._calendar is None:
            self._calendar = self._load()
        return getattr(self._calendar, name)


class _Calendars:
    """The working calendar of each policy (its own, else the project's, else the
    company default), loaded at most once per service call."""

    def __init__(self) -> None:
        self._cache: dict[tuple, _LazyCalendar] = {}

    def of(self, policy: SlaPolicy, project_id: int):
        key = ("calendar", policy.calendar_id) if policy.calendar_id else ("project", project_id)
        if key not in self._cache:
            if policy.calendar_id:
                calendar_id = policy.calendar_id
                self._cache[key] = _LazyCalendar(lambda: WorkingCalendar.load(calendar_id))
            else:
                self._cache[key] = _LazyCalendar(lambda: WorkingCalendar.for_project(project_id))
        return self._cache[key]

    def for_clock(self, clock: SlaClock):
        return self.of(clock.target.policy, clock.project_id)


# --- checkpoints ------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """Something that fires once for a clock: the warning, an escalation level, the breach."""

    key: str
    at: dt.datetime
    what: str  # "warn", "breach", "level"
    level: EscalationLevel | None = None


def checkpoints(clock: SlaClock) -> list[Checkpoint]:
    """The clock's checkpoints in time order; none while paused or once stopped."""
    if not clock.is_live or clock.deadline_at is None or clock.state not in TICKING:
        return []
    target = clock.target
    points = [Checkpoint(f"breach:{target.pk}", clock.deadline_at, "breach")]
    if clock.warn_at is not None:
        points.append(Checkpoint(f"warn:{target.pk}", clock.warn_at, "warn"))
    for level in target.levels.all():
        base = clock.started_at if level.anchor == Anchor.START else clock.deadline_at
        points.append(Checkpoint(level.key, base + dt.timedelta(minutes=level.offset_minutes), "level", level))
    return sorted(points, key=lambda p: (p.at, p.key))


def _next_check(clock: SlaClock, fired: set[str]) -> dt.datetime | None:
    return min((p.at for p in checkpoints(clock) if p.key not in fired), default=None)


def _fired_keys(clock: SlaClock) -> set[str]:
    return {firing.key for firing in clock.firings.all()}


# --- clock changes ----------------------------------------------------------------------


def _stop_reached(stop: str, ticket: Ticket) -> bool:
    return ticket.status in STOP_STATUSES[stop] or (stop == StopEvent.ASSIGNED and ticket.assignee_id is not None)


def _waits(clock: SlaClock, ticket: Ticket) -> bool:
    return ticket.status in PAUSED_STATUSES and clock.target.pause_when_waiting


def _set_deadline(clock: SlaClock, deadline: dt.datetime, calendar) -> None:
    target = clock.target
    clock.deadline_at = deadline
    clock.warn_at = arithmetic.warn_time(
        business=target.in_business_time,
        deadline=deadline,
        budget=clock.budget,
        percent=target.warn_at_percent,
        calendar=calendar,
    )


def _breach(clock: SlaClock) -> None:
    clock.state = ClockState.BREACHED
    clock.breached_at = clock.breached_at or clock.deadline_at


def _new_clock(ticket: Ticket, target: SlaTarget, *, start: dt.datetime, calendars: _Calendars) -> SlaClock:
    """A running clock for `target` from `start`, unsaved (`_start_targets` saves them together)."""
    calendar = calendars.of(target.policy, ticket.project_id)
    deadline, budget = arithmetic.deadline_for(unit=target.unit, amount=target.amount, start=start, calendar=calendar)
    clock = SlaClock(
        project_id=ticket.project_id,
        ticket=ticket,
        target=target,
        kind=target.kind,
        state=ClockState.RUNNING,
        started_at=start,
        original_deadline_at=deadline,
        budget=budget,
    )
    _set_deadline(clock, deadline, calendar)
    clock.next_check_at = _next_check(clock, set())
    return clock


def _pause(clock: SlaClock, now: dt.datetime, calendar) -> None:
    business = clock.target.in_business_time
    left = arithmetic.remaining(business=business, now=now, deadline=clock.deadline_at, calendar=calendar)
    if left <= ZERO:
        # Overdue already (the sweep has not been by yet): a breach, not a pause.
        _breach(clock)
        return
    clock.state = ClockState.PAUSED
    clock.paused_at, clock.paused_remaining = now, left
    clock.deadline_at = clock.warn_at = clock.next_check_at = None


def _fold_pause(clock: SlaClock, now: dt.datetime, calendar) -> None:
    """Add the pause that ends now to the paused totals."""
    clock.paused_total += now - clock.paused_at
    clock.paused_business += calendar.between(clock.paused_at, now)
    clock.paused_at = None


def _resume(clock: SlaClock, now: dt.datetime, calendar, fired: set[str]) -> None:
    _fold_pause(clock, now, calendar)
    deadline = arithmetic.advance(
        business=clock.target.in_business_time, start=now, amount=clock.paused_remaining, calendar=calendar
    )
    clock.state, clock.paused_remaining = ClockState.RUNNING, None
    _set_deadline(clock, deadline, calendar)
    clock.next_check_at = _next_check(clock, fired)


def _meet(clock: SlaClock, now: dt.datetime, calendar) -> None:
    if clock.state == ClockState.PAUSED:
        # Met while waiting: in time by construction; the deadline it would have had.
        _fold_pause(clock, now, calendar)
        clock.deadline_at = arithmetic.advance(
            business=clock.target.in_business_time, start=now, amount=clock.paused_remaining, calendar=calendar
        )
        clock.state = ClockState.MET
    elif clock.state == ClockState.RUNNING:
        if now > clock.deadline_at:
            _breach(clock)
        else:
            clock.state = ClockState.MET
    clock.met_at, clock.next_check_at = now, None


def _end(clock: SlaClock, now: dt.datetime, calendar) -> None:
    """Stop without meeting (ticket cancelled, or no such target after a priority change)."""
    if clock.state == ClockState.RUNNING and now > clock.deadline_at:
        _breach(clock)
    elif clock.state in (ClockState.RUNNING, ClockState.PAUSED):
        if clock.state == ClockState.PAUSED:
            _fold_pause(clock, now, calendar)
        clock.state = ClockState.CANCELLED
    clock.ended_at, clock.next_check_at = now, None


def _retarget(clock: SlaClock, target: SlaTarget, now: dt.datetime, calendar, fired: set[str]) -> None:
    """Move a running or paused clock to `target` (a priority change): the deadline from
    the start plus the time already spent paused; original_deadline_at is kept."""
    business = target.in_business_time
    clock.target, clock.kind = target, target.kind
    base, clock.budget = arithmetic.deadline_for(
        unit=target.unit, amount=target.amount, start=clock.started_at, calendar=calendar
    )
    paused = clock.paused_business if business else clock.paused_total
    deadline = arithmetic.advance(business=business, start=base, amount=paused, calendar=calendar) if paused else base
    if clock.state == ClockState.PAUSED:
        left = arithmetic.remaining(business=business, now=clock.paused_at, deadline=deadline, calendar=calendar)
        if left > ZERO:
            clock.paused_remaining = left
            return
        # Under the new target the deadline passed before the pause began.
        _fold_pause(clock, now, calendar)
        clock.paused_remaining = None
        _set_deadline(clock, deadline, calendar)
        _breach(clock)
    else:
        _set_deadline(clock, deadline, calendar)
    clock.next_check_at = _next_check(clock, fired)


# --- following the timeline -------------------------------------------------------------


def _live_clocks(ticket: Ticket) -> list[SlaClock]:
    return list(
        SlaClock.objects.filter(LIVE, ticket_id=ticket.pk)
        .select_related("target__policy")
        .prefetch_related("target__levels", "firings")
        .order_by("pk")
    )


def _plan_targets(
    ticket: Ticket, targets: Iterable[SlaTarget], *, start_of: Callable[[SlaTarget], dt.datetime | None], calendars: _Calendars
) -> list[SlaClock]:
    """A running clock, unsaved, for each target that has a start time and whose stop
    condition the ticket has not reached yet."""
    planned = []
    for target in targets:
        start = start_of(target)
        if start is None or _stop_reached(target.stop_event, ticket):
            continue
        planned.append(_new_clock(ticket, target, start=start, calendars=calendars))
    return planned


def _start_targets(
    ticket: Ticket, targets: Iterable[SlaTarget], *, start_of: Callable[[SlaTarget], dt.datetime | None], calendars: _Calendars
) -> list[SlaClock]:
    """`_plan_targets`' clocks, saved in one INSERT."""
    return SlaClock.objects.bulk_create(_plan_targets(ticket, targets, start_of=start_of, calendars=calendars))


def _created_clocks(ticket: Ticket, calendars: _Calendars) -> list[SlaClock]:
    """The clocks a new ticket starts with (its policy's targets that start at creation), unsaved."""
    policy = policy_for(project_id=ticket.project_id, ticket_type=ticket.type, priority=ticket.priority)
    if policy is None:
        return []
    targets = [t for t in policy.targets.all() if t.start_event == StartEvent.CREATED]
    return _plan_targets(ticket, targets, start_of=lambda t: ticket.created_at, calendars=calendars)


def first_deadline(ticket: Ticket) -> dt.datetime | None:
    """The next_deadline_at a new ticket starts with, for an unsaved ticket: the opening
    service writes it with the row instead of updating the row after its CREATED event
    has started the clocks (which then finds it right and leaves it)."""
    return _earliest_deadline(_created_clocks(ticket, _Calendars()))


def _first_assigned_at(ticket: Ticket) -> dt.datetime | None:
    return (
        TicketEvent.objects.filter(ticket_id=ticket.pk, kind__in=(EventKind.ASSIGNED, EventKind.TRANSFERRED))
        .order_by("at", "pk")
        .values_list("at", flat=True)
        .first()
    )


def _follow_status(ticket: Ticket, clocks: list[SlaClock], now: dt.datetime, calendars: _Calendars) -> list[SlaClock]:
    """Meet, pause, resume or end the live clocks after a change; the changed ones."""
    changed = []
    for clock in clocks:
        calendar = calendars.for_clock(clock)
        state = (clock.state, clock.deadline_at, clock.met_at, clock.ended_at)
        if ticket.status == Status.CANCELLED:
            _end(clock, now, calendar)
        elif _stop_reached(clock.target.stop_event, ticket):
            _meet(clock, now, calendar)
        elif clock.state == ClockState.RUNNING and _waits(clock, ticket):
            _pause(clock, now, calendar)
        elif clock.state == ClockState.PAUSED and not _waits(clock, ticket):
            _resume(clock, now, calendar, _fired_keys(clock))
        if state != (clock.state, clock.deadline_at, clock.met_at, clock.ended_at):
            changed.append(clock)
    return changed


def _on_priority(ticket: Ticket, clocks: list[SlaClock], now: dt.datetime, calendars: _Calendars) -> list[SlaClock]:
    policy = policy_for(project_id=ticket.project_id, ticket_type=ticket.type, priority=ticket.priority)
    if policy is None:
        return []  # no policy for the new priority: the clocks keep their targets
    targets = {target.kind: target for target in policy.targets.all()}
    changed = []
    for clock in clocks:
        if clock.state == ClockState.BREACHED:
            continue  # a breach is permanent: the breached clock keeps its target
        target = targets.get(clock.kind)
        if target is None:
            _end(clock, now, calendars.for_clock(clock))
        elif target.pk != clock.target_id:
            _retarget(clock, target, now, calendars.of(policy, ticket.project_id), _fired_keys(clock))
        else:
            continue
        changed.append(clock)
    seen = set(SlaClock.objects.filter(ticket_id=ticket.pk).values_list("kind", flat=True))
    assigned_at = _first_assigned_at(ticket) if any(t.start_event == StartEvent.ASSIGNED for t in targets.values()) else None

    def start_of(target: SlaTarget) -> dt.datetime | None:
        return ticket.created_at if target.start_event == StartEvent.CREATED else assigned_at

    fresh = [target for kind, target in targets.items() if kind not in seen]
    return changed + _start_targets(ticket, fresh, start_of=start_of, calendars=calendars)


def _earliest_deadline(clocks: Iterable[SlaClock]) -> dt.datetime | None:
    return min((c.deadline_at for c in clocks if c.is_live and c.state in TICKING), default=None)


def _refresh_next_deadline(ticket: Ticket, clocks: list[SlaClock]) -> None:
    """Ticket.next_deadline_at from the ticket's live clocks (all of them are in `clocks`)."""
    value = _earliest_deadline(clocks)
    if value != ticket.next_deadline_at:
        Ticket.objects.filter(pk=ticket.pk).update(next_deadline_at=value)
        ticket.next_deadline_at = value


def clocks_on_event(event: TicketEvent) -> None:
    """Bring the ticket's SLA clocks in line with one timeline event (see the module
    docstring). Called inside the desk service's transaction, with the ticket locked.
    Events that cannot move a clock (comments, attachments…) cost nothing."""
    if event.kind not in HANDLED_EVENTS:
        return
    with configcache.pinned():  # one read of the configuration's stamp for the policy and calendars
        _follow_event(event)


def _follow_event(event: TicketEvent) -> None:
    ticket, now = event.ticket, event.at
    calendars = _Calendars()
    if event.kind == EventKind.CREATED:
        clocks = SlaClock.objects.bulk_create(_created_clocks(ticket, calendars))
    else:
        clocks = _live_clocks(ticket)
    if event.kind == EventKind.PRIORITY:
        _save(_on_priority(ticket, clocks, now, calendars))
        clocks = _live_clocks(ticket)
    elif event.kind in (EventKind.ASSIGNED, EventKind.TRANSFERRED):
        clocks += _start_at_assignment(ticket, now, calendars)
    _save(_follow_status(ticket, clocks, now, calendars))
    if event.kind == EventKind.REOPENED:
        clocks += _restart_resolve(ticket, clocks, now, calendars)
    _refresh_next_deadline(ticket, clocks)


def _start_at_assignment(ticket: Ticket, now: dt.datetime, calendars: _Calendars) -> list[SlaClock]:
    """At the first assignment: the targets that start then (once per ticket and kind)."""
    policy = policy_for(project_id=ticket.project_id, ticket_type=ticket.type, priority=ticket.priority)
    if policy is None or not any(t.start_event == StartEvent.ASSIGNED for t in policy.targets.all()):
        return []
    seen = set(SlaClock.objects.filter(ticket_id=ticket.pk).values_list("kind", flat=True))
    targets = [t for t in policy.targets.all() if t.start_event == StartEvent.ASSIGNED and t.kind not in seen]
    return _start_targets(ticket, targets, start_of=lambda t: now, calendars=calendars)


def _restart_resolve(ticket: Ticket, clocks: list[SlaClock], now: dt.datetime, calendars: _Calendars) -> list[SlaClock]:
    """A reopened ticket gets a fresh RESOLVE clock; the earlier one keeps its outcome."""
    if any(c.kind == TargetKind.RESOLVE and c.is_live for c in clocks):
        return []
    policy = policy_for(project_id=ticket.project_id, ticket_type=ticket.type, priority=ticket.priority)
    if policy is None:
        return []
    targets = [t for t in policy.targets.all() if t.kind == TargetKind.RESOLVE]
    started = _start_targets(ticket, targets, start_of=lambda t: now, calendars=calendars)
    for clock in started:
        if _waits(clock, ticket):
            _pause(clock, now, calendars.for_clock(clock))
            clock.save()
    return started


def _save(clocks: Iterable[SlaClock]) -> None:
    for clock in clocks:
        clock.save()


# --- the sweep --------------------------------------------------------------------------

# settings.SLA_SWEEP_CHUNK: clocks claimed, fired and written together in one transaction.
# A worker that dies mid-sweep loses at most this chunk's work, which the next sweep does
# again. Each chunk pays its round trips and its commit's deferred foreign-key checks: at
# 200 projects the 16:00 warnings of the day's same-day repairs (~1,500 clocks in one
# second) took 2.0–2.8 s in chunks of 100, 1.3–1.9 s in chunks of 500 (the default).


@dataclass
class SweepReport:
    """What one sweep did."""

    due: int = 0  # clocks found due
    processed: int = 0
    skipped: int = 0  # claimed by another worker, or no longer due
    breached: int = 0
    fired: int = 0  # warnings, levels and breaches fired
    notified: int = 0  # notifications written
    raised: int = 0  # tickets whose priority an escalation raised
    errors: int = 0
    error_clock_ids: list[int] = field(default_factory=list)

    def add(self, other: SweepReport) -> None:
        for name in ("processed", "skipped", "breached", "fired", "notified", "raised"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


class _Run:
    """What one sweep shares across its batches: its time, the working calendars and the
    staff to notify per project and roles (each read at most once)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.calendars = _Calendars()
        self._staff: dict[tuple, list] = {}
        self._openings: dict[_LazyCalendar, dt.datetime | None] = {}

    def staff(self, project_id: int, roles: list[str]) -> list:
        key = (project_id, tuple(roles))
        if key not in self._staff:
            self.load_staff([key])
        return self._staff[key]

    def load_staff(self, keys: Iterable[tuple[int, tuple[str, ...]]]) -> None:
        """Read the staff of these (project, roles) lookups not read yet, in one query."""
        from propdesk.notifications.selectors import StaffByRole

        missing = {key for key in keys if key not in self._staff}
        if missing:
            found = StaffByRole({project for project, _r in missing}, {role for _p, roles in missing for role in roles})
            self._staff.update({key: found.of(*key) for key in missing})

    def office_opening(self, clock: SlaClock) -> dt.datetime | None:
        """The next working time of the clock's calendar, for a routine reminder fired
        out of office hours; None in office hours (or when no working calendar exists:
        then it goes out at once)."""
        calendar = self.calendars.for_clock(clock)
        if calendar not in self._openings:
            try:
                opening = calendar.add(self.now, ZERO)
            except DomainError:
                logger.warning("SLA: no working calendar for project %s; sending at once", clock.project_id)
                opening = None
            self._openings[calendar] = opening if opening is not None and opening > self.now else None
        return self._openings[calendar]


def _due(now: dt.datetime) -> Q:
    return Q(state__in=TICKING, next_check_at__lte=now)


def sla_sweep(*, now: dt.datetime | None = None, batch: int = 2000) -> SweepReport:
    """Fire what is due on up to `batch` clocks, earliest first.

    The due clocks are handled settings.SLA_SWEEP_CHUNK at a time, each chunk in one transaction: its
    clocks and their tickets claimed in one statement (on PostgreSQL with SELECT … FOR
    UPDATE SKIP LOCKED, so concurrent sweeps never wait for each other or for a user, and
    a clock busy elsewhere is simply left for the next run; on SQLite, whose write
    transactions are serialised, the due condition is checked again inside the
    transaction), their checkpoints computed, the notifications, firings and clock
    changes written in bulk. A checkpoint fires once: its SlaFiring row is unique per
    clock and key. When a chunk fails, it is done again clock by clock, so one failing
    clock (a notification that cannot be written, say) costs only itself: it is rolled
    back and looked at again after RETRY_AFTER."""
    run = _Run(now or timezone.now())
    report = SweepReport()
    due = list(SlaClock.objects.filter(_due(run.now)).order_by("next_check_at", "pk").values_list("pk", flat=True)[:batch])
    report.due = len(due)
    size = settings.SLA_SWEEP_CHUNK
    for start in range(0, len(due), size):
        chunk = due[start : start + size]
        if not _sweep_chunk(chunk, run, report) and len(chunk) > 1:
            for clock_id in chunk:
                _sweep_chunk([clock_id], run, report)
    if report.fired or report.errors:
        logger.info("SLA sweep: %s", report)
    return report


def _sweep_chunk(clock_ids: list[int], run: _Run, report: SweepReport) -> bool:
    """Claim and sweep these clocks in one transaction; False when it failed (rolled
    back; a single clock is then put off for RETRY_AFTER and counted as an error)."""
    part = SweepReport()
    try:
        with transaction.atomic(), configcache.pinned():  # one read of the configuration's stamp
            clocks = _claim(clock_ids, run.now)
            part.skipped = len(clock_ids) - len(clocks)
            _sweep_clocks(clocks, run, part)
            part.processed = len(clocks)
    except Exception:
        if len(clock_ids) > 1:
            logger.warning("SLA sweep failed on a batch of %s clocks; doing them one by one", len(clock_ids), exc_info=True)
            return False
        clock_id = clock_ids[0]
        logger.exception("SLA sweep failed on clock %s; trying again in %s", clock_id, RETRY_AFTER)
        report.errors += 1
        report.error_clock_ids.append(clock_id)
        SlaClock.objects.filter(pk=clock_id, next_check_at__lte=run.now).update(next_check_at=run.now + RETRY_AFTER)
        return False
    report.add(part)
    return True


def _clock_rows():
    """Due clocks with what firing needs: the ticket, its house and holders joined; the
    targets, their policies and levels read once per target, not once per clock."""
    return SlaClock.objects.select_related("ticket__house", "ticket__assignee", "ticket__receiver").prefetch_related(
        Prefetch("target", queryset=SlaTarget.objects.select_related("policy")), "target__levels"
    )


def _fired(clock_ids: Iterable[int]) -> dict[int, set[str]]:
    """The keys already fired, per clock."""
    fired: dict[int, set[str]] = {pk: set() for pk in clock_ids}
    for clock_id, key in SlaFiring.objects.filter(clock_id__in=fired).values_list("clock_id", "key"):
        fired[clock_id].add(key)
    return fired


def _claim(clock_ids: list[int], now: dt.datetime) -> list[SlaClock]:
    """The clocks among `clock_ids` that are still due, each with its ticket locked
    (ticket and clock both, or the clock is left out)."""
    rows = _clock_rows().filter(_due(now), pk__in=clock_ids).order_by("next_check_at", "pk")
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self", "ticket"))
    return list(rows)


def _sweep_clocks(clocks: list[SlaClock], run: _Run, report: SweepReport) -> None:
    """Fire the due checkpoints of the claimed clocks and move their next_check_at. A
    level that raised a ticket's priority recomputed its clocks: those are read again
    and looked at once more (at most MAX_PASSES times)."""
    fired = _fired(clock.pk for clock in clocks)
    waiting: dict[int, dt.datetime] = {}  # clocks with a level whose condition does not hold yet
    todo = clocks
    for _pass in range(MAX_PASSES):
        raised = _fire(todo, run, report, fired, waiting)
        if not raised:
            break
        fresh = {clock.pk: clock for clock in _clock_rows().filter(pk__in=[c.pk for c in clocks if c.ticket_id in raised])}
        clocks = [fresh.get(clock.pk, clock) for clock in clocks]
        fired.update(_fired(fresh))
        todo = list(fresh.values())
    now = run.now
    for clock in clocks:
        pending = [p.at for p in checkpoints(clock) if p.key not in fired[clock.pk] and p.at > now]
        pending += [waiting[clock.pk]] if clock.pk in waiting else []
        clock.next_check_at = min(pending, default=None) if clock.is_live and clock.state in TICKING else None
    _write(clocks)


def _write(clocks: list[SlaClock]) -> None:
    """Save the clocks' state, breach and next check in one UPDATE … FROM (VALUES …). Their
    next checks mostly differ (each clock's deadline or level is its own), so an UPDATE
    per distinct value came to about one per clock, and bulk_update's CASE chains cost
    ~0.3 ms of Python per clock."""
    if not clocks:
        return
    table = connection.ops.quote_name(SlaClock._meta.db_table)
    moment = SlaClock._meta.get_field("next_check_at")
    # PostgreSQL types a VALUES column of NULLs only as text: the moments are cast back.
    cast = "CAST(v.{} AS timestamp with time zone)" if connection.vendor == "postgresql" else "v.{}"
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(clocks))
    params = []
    for clock in clocks:
        params += [clock.pk, clock.state, moment.get_db_prep_value(clock.breached_at, connection)]
        params.append(moment.get_db_prep_value(clock.next_check_at, connection))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH v (id, state, breached_at, next_check_at) AS (VALUES {rows}) "
            f"UPDATE {table} SET state = v.state, breached_at = {cast.format('breached_at')}, "
            f"next_check_at = {cast.format('next_check_at')} FROM v WHERE {table}.id = v.id",
            params,
        )


def _fire(clocks: list[SlaClock], run: _Run, report: SweepReport, fired: dict, waiting: dict) -> set[int]:
    """One pass: record the breaches that are due, then fire each clock's due checkpoints
    in time order — up to a level that raises the ticket's priority, after which the
    clock's remaining points wait for the next pass. The ids of the raised tickets."""
    now = run.now
    breached = [clock for clock in clocks if clock.state == ClockState.RUNNING and clock.deadline_at <= now]
    for clock in breached:
        _breach(clock)
    report.breached += len(breached)
    due = {clock.pk: [p for p in checkpoints(clock) if p.key not in fired[clock.pk] and p.at <= now] for clock in clocks}
    # A raised priority recomputes the ticket's clocks from the database: their breaches first.
    raising = {c.ticket_id for c in clocks for p in due[c.pk] if p.level and p.level.action == LevelAction.RAISE_PRIORITY}
    _write([clock for clock in breached if clock.ticket_id in raising])
    effective = _effective_complaints({c.ticket_id for c in clocks for p in due[c.pk] if p.level and p.level.condition})
    run.load_staff(
        (c.project_id, tuple(p.level.notify_roles)) for c in clocks for p in due[c.pk] if p.level and p.level.notify_roles
    )
    firings: list[SlaFiring] = []
    messages: list[tuple[SlaFiring, Message]] = []
    raised: set[int] = set()
    for clock in clocks:
        for point in due[clock.pk]:
            if point.level is not None and not _condition_holds(point.level, clock.ticket_id, effective):
                waiting[clock.pk] = now + CONDITION_RECHECK
                continue
            firing = SlaFiring(
                clock=clock, key=point.key, level=point.level, fired_at=now, detail={"due_at": point.at.isoformat()}
            )
            firings.append(firing)
            fired[clock.pk].add(point.key)
            message = _act(clock, point, firing, run)
            if message is not None:
                messages.append((firing, message))
            if firing.detail.get("raised_to"):
                report.raised += 1
                raised.add(clock.ticket_id)
                break
    for (firing, _message), created in zip(messages, notify_many([m for _f, m in messages]), strict=True):
        firing.detail["notified"] = len(created)
        report.notified += len(created)
    # No conflict is expected (the clocks are locked and their firings were read); were
    # there one, the unique key refuses it and the chunk is done again clock by clock.
    SlaFiring.objects.bulk_create(firings)
    report.fired += len(firings)
    return raised


def _effective_complaints(ticket_ids: set[int]) -> set[int]:
    if not ticket_ids:
        return set()
    rows = ComplaintDetail.objects.filter(ticket_id__in=ticket_ids, validity=Validity.EFFECTIVE)
    return set(rows.values_list("ticket_id", flat=True))


def _condition_holds(level: EscalationLevel, ticket_id: int, effective: set[int]) -> bool:
    if level.condition == LevelCondition.EFFECTIVE_COMPLAINT:
        return ticket_id in effective
    return True


def _holder(ticket: Ticket) -> list:
    """Who holds the ticket now: its assignee, else its receiver (DESK-3)."""
    return [ticket.assignee or ticket.receiver]


def _ticket_link(ticket: Ticket) -> str:
    try:
        return reverse("desk:ticket", args=[ticket.pk])
    except NoReverseMatch:
        return ""


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%m-%d %H:%M")


def _act(clock: SlaClock, point: Checkpoint, firing: SlaFiring, run: _Run) -> Message | None:
    """Do what a checkpoint says and record it in the firing's detail: the message to
    send (None for a warning the breach overtook); a level that raises the priority
    does so at once (detail "raised_to")."""
    ticket, target = clock.ticket, clock.target
    kind_label = str(TargetKind(target.kind).label)  # get_kind_display() translates every choice
    values = {"number": ticket.number, "kind": kind_label, "deadline": _local(clock.deadline_at), "title": ticket.title}
    body = _("%(title)s（%(place)s），%(kind)s时限 %(deadline)s。") % {**values, "place": ticket.place or "—"}
    if point.what == "warn":
        if clock.state == ClockState.BREACHED:
            firing.detail["skipped"] = "breached"
            return None
        recipients, urgent, office_hours = _holder(ticket), False, target.in_business_time
        kind, title = "sla.warning", _("【时限预警】%(number)s %(kind)s将于 %(deadline)s 到期") % values
    elif point.what == "breach":
        recipients, urgent, office_hours = _holder(ticket), False, target.in_business_time
        kind, title = "sla.breach", _("【超时】%(number)s %(kind)s已超时（时限 %(deadline)s）") % values
    else:
        level = point.level
        recipients = list(run.staff(ticket.project_id, level.notify_roles)) if level.notify_roles else []
        if level.notify_holder:
            recipients += _holder(ticket)
        urgent, office_hours, kind = level.urgent, level.respect_office_hours, "sla.escalation"
        title = _("【时限升级】%(number)s %(kind)s：%(title)s") % values
        if level.action == LevelAction.RAISE_PRIORITY and level.raise_to:
            raised = _raise_priority(ticket, level, target)
            firing.detail["raised_to"] = level.raise_to if raised else None
            if raised:
                label = Priority(level.raise_to).label
                title = _("【自动升级】%(number)s 已升级为%(priority)s：%(title)s") % {**values, "priority": label}
    not_before = run.office_opening(clock) if office_hours else None
    firing.detail["not_before"] = not_before.isoformat() if not_before else None
    return Message(
        recipients=recipients,
        kind=kind,
        title=title,
        body=body,
        link=_ticket_link(ticket),
        project=ticket.project_id,
        urgent=urgent,
        channels=URGENT_CHANNELS if urgent else ("in_app",),
        dedupe_key=f"sla:{clock.pk}:{point.key}",
        not_before=not_before,
        params={"ticket": ticket.number},
    )


def _raise_priority(ticket: Ticket, level: EscalationLevel, target: SlaTarget) -> bool:
    from propdesk.desk.services import ticket_escalate_priority

    span = span_words(level.offset_minutes)
    if level.anchor == Anchor.START:
        reason = _("%(kind)s超过 %(span)s 未完成，自动升级（%(rule)s）")
    else:
        reason = _("%(kind)s超过时限 %(span)s 未完成，自动升级（%(rule)s）")
    reason %= {"kind": target.get_kind_display(), "span": span, "rule": level.rule or level.code}
    before = ticket.priority
    ticket = ticket_escalate_priority(ticket=ticket, priority=level.raise_to, reason=reason)
    return ticket.priority != before


# --- policies and presets ---------------------------------------------------------------


@dataclass
class PresetReport:
    variant: str
    created: int = 0
    unchanged: int = 0
    replaced: int = 0  # an active policy of another variant (or made by hand) got a new version


def _lineage(*, project_id: int | None, ticket_type: str, priority: str):
    rows = SlaPolicy.objects.filter(ticket_type=ticket_type, priority=priority)
    return rows.filter(project_id=project_id) if project_id is not None else rows.filter(project__isnull=True)


@transaction.atomic
def sla_install_presets(*, variant: str = "002", project=None) -> PresetReport:
    """Install the preset policies of `variant` ("002" or "001", see presets.py) for the
    company (project None) or for one project. Idempotent: a type × priority whose active
    policy already comes from this variant is left alone; any other active policy is
    replaced by a new version (running clocks keep the targets they started with)."""
    if variant not in VARIANTS:
        raise DomainError("sla_preset_unknown", _("未知的时限预设：%(v)s") % {"v": variant}, field="variant")
    report = PresetReport(variant=variant)
    project_id = getattr(project, "pk", project)
    for spec in preset_policies(variant):
        lineage = _lineage(project_id=project_id, ticket_type=spec.ticket_type, priority=spec.priority)
        current = lineage.filter(active=True).first()
        if current is not None and current.preset == variant:
            report.unchanged += 1
            continue
        version = (lineage.aggregate(v=Max("version"))["v"] or 0) + 1
        if current is not None:
            lineage.filter(active=True).update(active=False)
            report.replaced += 1
        else:
            report.created += 1
        _create_policy(spec, project_id=project_id, version=version, variant=variant)
    configcache.changed()  # the retired versions were updated in bulk
    return report


def _create_policy(spec: PolicySpec, *, project_id: int | None, version: int, variant: str) -> SlaPolicy:
    policy = SlaPolicy.objects.create(
        project_id=project_id,
        ticket_type=spec.ticket_type,
        priority=spec.priority,
        name=spec.name,
        version=version,
        active=True,
        preset=variant,
        rules=spec.rules,
    )
    for t in spec.targets:
        target = SlaTarget.objects.create(
            policy=policy,
            kind=t.kind,
            amount=t.amount,
            unit=t.unit,
            start_event=t.start,
            stop_event=t.stop,
            pause_when_waiting=t.pause,
            warn_at_percent=t.warn,
            rule=t.rule,
        )
        EscalationLevel.objects.bulk_create(
            EscalationLevel(
                target=target,
                code=level.code,
                anchor=level.anchor,
                offset_minutes=level.offset_minutes,
                action=level.action,
                raise_to=level.raise_to,
                condition=level.condition,
                notify_roles=list(level.roles),
                notify_holder=level.holder,
                urgent=level.urgent,
                respect_office_hours=level.office_hours,
                rule=level.rule,
            )
            for level in t.levels
        )
    return policy


def _require_configure(by, policy: SlaPolicy) -> None:
    if not scoping.has_cap(by, Cap.SLA_CONFIGURE, policy.project_id):
        raise DomainError("sla_configure_refused", _("无权设置服务时限"), field="policy")


@transaction.atomic
def sla_policy_new_version(*, policy: SlaPolicy, by) -> SlaPolicy:
    """A copy of `policy` with its targets and levels as the next version, inactive (a
    draft to edit, then `sla_policy_activate`). Policies with clocks are never edited."""
    _require_configure(by, policy)
    lineage = _lineage(project_id=policy.project_id, ticket_type=policy.ticket_type, priority=policy.priority)
    version = (lineage.aggregate(v=Max("version"))["v"] or 0) + 1
    copy = SlaPolicy.objects.create(
        project_id=policy.project_id,
        ticket_type=policy.ticket_type,
        priority=policy.priority,
        name=policy.name,
        version=version,
        active=False,
        preset="",
        rules=policy.rules,
        calendar_id=policy.calendar_id,
    )
    for target in policy.targets.prefetch_related("levels"):
        levels = list(target.levels.all())
        target.pk, target.policy = None, copy
        target.save()
        for level in levels:
            level.pk, level.target = None, target
        EscalationLevel.objects.bulk_create(levels)
    configcache.changed()  # the levels were written in bulk
    return copy


@transaction.atomic
def sla_policy_activate(*, policy: SlaPolicy, by) -> SlaPolicy:
    """Make `policy` the active version of its project × type × priority (the one new
    tickets start under); the version active before is retired, its clocks run on."""
    _require_configure(by, policy)
    if policy.priority not in priorities_for(policy.ticket_type):
        raise DomainError("sla_policy_priority", _("该类型工单没有这个等级"), field="priority")
    if not policy.targets.exists():
        raise DomainError("sla_policy_empty", _("时限策略至少需要一个时限目标"), field="targets")
    lineage = _lineage(project_id=policy.project_id, ticket_type=policy.ticket_type, priority=policy.priority)
    lineage.filter(active=True).exclude(pk=policy.pk).update(active=False)
    if not policy.active:
        policy.active = True
        policy.save(update_fields=["active"])
    configcache.changed()  # the retired version was updated in bulk
    return policy
