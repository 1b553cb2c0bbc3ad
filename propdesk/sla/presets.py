"""The seed presets (rules are configuration with seed presets, design idea 5): the time
limits the source documents set, declared once, installed by
`services.sla_install_presets(variant=…)` / `manage.py sla_install_presets`.

Where the seeds disagree, the variant chooses:

- complaint minor (CMP-6) — 002: resolved within 4 working hours (half a day), an
  overrun goes to the supervisor; 001: within 2 working days.
- complaint important (CMP-6) — 002: within 1 working day, an overrun goes to the manager
  and head office (管理部经理); 001: the supervisor is told at once (within 1 hour),
  handled within 3 working days.
- complaint major (CMP-6) — 002: a clear answer within 2 working days, resolved within
  15 days, an overrun goes to the manager and head office; 001: the director (管理处主任)
  is told at once, night or day, answer within 2 working days, resolved within 10 days.
- repair / emergency dispatch — 002: DESK-4, 3 minutes; 001: REP-3, 5 minutes.

The same in both:
- DESK-3: every ticket is handed to the responsible person within 10 minutes (TRANSFER);
  an overrun is reported to the supervisor.
- DESK-6: a request or suggestion is answered within 1 working day (FIRST_ANSWER).
- REP-2: very urgent — on site within 10 minutes; urgent — 15 minutes; general — the same
  working day (ON_SITE; waiting for the agreed appointment pauses the clock). REP-3:
  emergencies are also called to engineering at once.
- CMP-5: an effective complaint (CMP-4) still unresolved 7 days after its resolution
  clock started becomes major; supervisor, manager and head office are told (in office
  hours). One step with the same code on every complaint policy, so it fires once per
  clock even after it raised the ticket to major. While the complaint is not classified
  effective the step waits.
- The upward alert on classification (CMP-7) is desk.complaints.alert_upward; the 001
  "director at once" / "supervisor within 1 hour" steps fire from the clock's start,
  whatever the classification.

Short "handle within N days" limits count working days (the handling departments work
the calendar's days; a limit must not run out over the National Day week), while the long
"resolved within 10 / 15 days" ceilings told to customers are calendar days (CMP-6
major; the worked example in tests/test_cmp6.py shows both across National Day).
"""

from __future__ import annotations

from dataclasses import dataclass

from propdesk.accounts.roles import Role
from propdesk.desk.choices import Priority, TicketType, priorities_for
from propdesk.sla.choices import Anchor, LevelAction, LevelCondition, StartEvent, StopEvent, TargetKind, Unit

VARIANTS = ("002", "001")


@dataclass(frozen=True)
class LevelSpec:
    code: str
    anchor: str = Anchor.DEADLINE
    offset_minutes: int = 0
    action: str = LevelAction.NOTIFY
    raise_to: str = ""
    roles: tuple[str, ...] = ()
    holder: bool = False
    urgent: bool = False
    office_hours: bool = False
    condition: str = ""
    rule: str = ""


@dataclass(frozen=True)
class TargetSpec:
    kind: str
    amount: int
    unit: str
    stop: str
    start: str = StartEvent.CREATED
    pause: bool = True
    warn: int | None = 80
    rule: str = ""
    levels: tuple[LevelSpec, ...] = ()


@dataclass(frozen=True)
class PolicySpec:
    ticket_type: str
    priority: str
    name: str
    targets: tuple[TargetSpec, ...]

    @property
    def rules(self) -> str:
        seen: list[str] = []
        for target in self.targets:
            for rule in (target.rule, *(level.rule for level in target.levels)):
                if rule and rule not in seen:
                    seen.append(rule)
        return " ".join(seen)


# --- building blocks --------------------------------------------------------------------

# rule DESK-3: hand over within 10 minutes; an overrun goes to the supervisor.
TRANSFER = TargetSpec(
    TargetKind.TRANSFER,
    10,
    Unit.CALENDAR_MINUTES,
    StopEvent.ASSIGNED,
    pause=False,
    rule="DESK-3",
    levels=(LevelSpec("transfer-overdue", roles=(Role.SUPERVISOR,), office_hours=True, rule="DESK-3"),),
)

# rule CMP-5: an effective complaint not resolved within one week becomes major.
CMP5_WEEK = LevelSpec(
    "cmp5-unresolved-7d",
    anchor=Anchor.START,
    offset_minutes=7 * 24 * 60,
    action=LevelAction.RAISE_PRIORITY,
    raise_to=Priority.MAJOR,
    roles=(Role.SUPERVISOR, Role.MANAGER, Role.HEAD_OFFICE),
    office_hours=True,
    condition=LevelCondition.EFFECTIVE_COMPLAINT,
    rule="CMP-5",
)


def _resolve(amount: int, unit: str, *levels: LevelSpec) -> TargetSpec:
    return TargetSpec(TargetKind.RESOLVE, amount, unit, StopEvent.RESOLVED, rule="CMP-6", levels=(*levels, CMP5_WEEK))


def _answer(amount: int, unit: str, rule: str) -> TargetSpec:
    return TargetSpec(TargetKind.FIRST_ANSWER, amount, unit, StopEvent.STARTED, rule=rule)


# rule CMP-6, policy "002" (seed 002 §6.4).
COMPLAINTS_002: dict[str, tuple[TargetSpec, ...]] = {
    Priority.MINOR: (
        # "at once or by the customer's requested time, at most half a day; overrun needs
        # the supervisor's approval"
        _resolve(
            240,
            Unit.BUSINESS_MINUTES,
            LevelSpec("overrun-supervisor", roles=(Role.SUPERVISOR,), office_hours=True, rule="CMP-6"),
        ),
    ),
    Priority.IMPORTANT: (
        # "within 1 day; overrun needs the management department's approval"
        _resolve(
            1,
            Unit.BUSINESS_DAYS,
            LevelSpec("overrun-management", roles=(Role.MANAGER, Role.HEAD_OFFICE), office_hours=True, rule="CMP-6"),
        ),
    ),
    Priority.MAJOR: (
        _answer(2, Unit.BUSINESS_DAYS, "CMP-6"),
        _resolve(
            15,
            Unit.CALENDAR_DAYS,
            LevelSpec("overrun-management", roles=(Role.MANAGER, Role.HEAD_OFFICE), office_hours=True, rule="CMP-6"),
        ),
    ),
}

# rule CMP-6, policy "001" (seed 001, complaint handling (5)).
COMPLAINTS_001: dict[str, tuple[TargetSpec, ...]] = {
    Priority.MINOR: (_resolve(2, Unit.BUSINESS_DAYS),),
    Priority.IMPORTANT: (
        # "passed to the department supervisor within one hour of reception": told at once.
        _resolve(3, Unit.BUSINESS_DAYS, LevelSpec("supervisor-1h", anchor=Anchor.START, roles=(Role.SUPERVISOR,), rule="CMP-6")),
    ),
    Priority.MAJOR: (
        _answer(2, Unit.BUSINESS_DAYS, "CMP-6"),
        _resolve(
            10,
            Unit.CALENDAR_DAYS,
            # "to the director the same day": at once, night or day.
            LevelSpec("director", anchor=Anchor.START, roles=(Role.MANAGER, Role.HEAD_OFFICE), urgent=True, rule="CMP-6"),
        ),
    ),
}

# rule REP-2: on-site promise by urgency.
ON_SITE: dict[str, TargetSpec] = {
    Priority.VERY_URGENT: TargetSpec(TargetKind.ON_SITE, 10, Unit.CALENDAR_MINUTES, StopEvent.STARTED, rule="REP-2"),
    Priority.URGENT: TargetSpec(TargetKind.ON_SITE, 15, Unit.CALENDAR_MINUTES, StopEvent.STARTED, rule="REP-2"),
    Priority.GENERAL: TargetSpec(TargetKind.ON_SITE, 0, Unit.END_OF_BUSINESS_DAY, StopEvent.STARTED, rule="REP-2"),
}

# rule REP-3: emergencies are also called/radioed to engineering directly.
CALL_ENGINEERING = LevelSpec("call-engineering", anchor=Anchor.START, roles=(Role.ENGINEER,), urgent=True, rule="REP-3")


def _dispatch(variant: str, priority: str) -> TargetSpec:
    # DESK-4 (3 minutes) with variant 002, REP-3 (5 minutes) with variant 001.
    minutes, rule = (3, "DESK-4") if variant == "002" else (5, "REP-3")
    levels = (CALL_ENGINEERING,) if priority == Priority.VERY_URGENT else ()
    return TargetSpec(
        TargetKind.DISPATCH, minutes, Unit.CALENDAR_MINUTES, StopEvent.ASSIGNED, pause=False, rule=rule, levels=levels
    )


# rule DESK-6: a request or suggestion is answered within 1 (working) day.
ANSWER_REQUEST = _answer(1, Unit.BUSINESS_DAYS, "DESK-6")


def preset_policies(variant: str = "002") -> list[PolicySpec]:
    """Every preset policy of `variant`: one per ticket type × priority."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown SLA preset variant {variant!r}; expected one of {VARIANTS}")
    complaints = COMPLAINTS_002 if variant == "002" else COMPLAINTS_001
    specs = []
    for ticket_type in TicketType:
        for priority in priorities_for(ticket_type):
            targets: tuple[TargetSpec, ...] = (TRANSFER,)
            if ticket_type == TicketType.COMPLAINT:
                targets += complaints[priority]
            elif ticket_type in (TicketType.REPAIR, TicketType.EMERGENCY):
                targets += (_dispatch(variant, priority), ON_SITE[priority])
            elif ticket_type in (TicketType.REQUEST, TicketType.SUGGESTION):
                targets += (ANSWER_REQUEST,)
            name = f"{TicketType(ticket_type).label}·{Priority(priority).label}（{variant}）"
            specs.append(PolicySpec(ticket_type, priority, name, targets))
    return specs
