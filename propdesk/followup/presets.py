"""The seed presets of return-visit policies (design idea 5), installed by
`services.visit_policies_install(complaints=…, repairs=…)` like the SLA presets.

Where the seeds disagree, a variant chooses:

- complaints (CMP-9) — "002": visited within 1 working day of handling; "001": within 3
  working days (VIS-3: ≤3 days). Rate 100% either way (CMP-9, VIS-4). Visitor by VIS-5 /
  CMP-9: important and major complaints by the PM, others by the head of the complained
  department. Every complaint policy also carries the quality sample (CMP-10): 10% of
  complaints get an audit visit, at least 30% of those in person with the customer's
  signature.
- repairs (REP-8) — "standard" (001 service standard): safety facilities (fire, gas,
  elevators) within 2 working days, leaks (plumbing) within 3 working days (the leak test
  is part of the work before closing), every other trade within 2 working days, 100%;
  "week" (001 visit procedure, VIS-3/VIS-4): one week after, ≥60%; "next_morning" (the
  001/002 repair flow): the next working day, ≥50%.

The same in every variant (VIS-1, VIS-3, VIS-4, VIS-5):
- new residents (新入住): one calendar month after the move-in (the start of an owner's or
  tenant's occupancy), 100%, by the PM (VIS-3, VIS-4, VIS-5). Found by the hourly
  scheduling sweep, so every way a move-in is recorded (the desk, an import, a transfer)
  is covered.
- special services (特约服务, DESK-8): at the end, within one week of closing, 100% (VIS-4
  asks ≥60%; the company visits every paid service), by an assistant; and mid-term — at
  the middle of the booked service period — when that period is longer than
  `SERVICE_MIDTERM_AFTER_DAYS` days (a per-policy number, `midterm_after_days`).
- emergency help (紧急求助): within one week, 100%, by an assistant.
- suggestions (after completion): within one week, 100%, by an assistant.
- community activities (社区活动): ≥30% of the participating households — exactly
  ceil(n·30%) of an activity's n households, by quota sampling over them in building
  order so the visits spread over the buildings — one calendar month after the activity
  (VIS-3 ≤1 month), by an assistant (VIS-5: services go to the assistant). Scheduled
  when the activity is closed (`services.activity_close`).

Short "within N days" limits count working days (a visit is not due over the National
Day week), "one week" is calendar time — as in the SLA presets.
"""

from __future__ import annotations

from dataclasses import dataclass

from propdesk.desk.choices import RepairTrade, TicketType
from propdesk.followup.choices import ACTIVITY, CALENDAR_MONTHS, MOVE_IN, VisitorRule
from propdesk.sla.choices import Unit

COMPLAINT_VARIANTS = ("002", "001")
REPAIR_VARIANTS = ("standard", "week", "next_morning")

# CMP-10: the quality sample of complaints.
AUDIT_PERCENT = 10
AUDIT_IN_PERSON_PERCENT = 30

# REP-8 "safety facilities".
SAFETY_TRADES = (RepairTrade.FIRE, RepairTrade.GAS, RepairTrade.ELEVATOR)


@dataclass(frozen=True)
class VisitPolicySpec:
    ticket_type: str
    category: str
    name: str
    delay: int
    unit: str
    coverage: int
    visitor: str
    rules: str
    in_person: int = 0
    audit: int = 0
    audit_in_person: int = 0
    midterm_after_days: int | None = None


def _complaints(variant: str) -> list[VisitPolicySpec]:
    days = 1 if variant == "002" else 3
    return [
        VisitPolicySpec(
            TicketType.COMPLAINT,
            "",
            f"投诉回访（{variant}）",
            days,
            Unit.BUSINESS_DAYS,
            100,
            VisitorRule.COMPLAINT_RULE,
            "CMP-9 VIS-3 VIS-4 VIS-5 CMP-10",
            audit=AUDIT_PERCENT,
            audit_in_person=AUDIT_IN_PERSON_PERCENT,
        )
    ]


def _repairs(variant: str) -> list[VisitPolicySpec]:
    label = str(TicketType.REPAIR.label)
    if variant == "week":
        return [
            VisitPolicySpec(
                TicketType.REPAIR,
                "",
                f"{label}回访（一周·60%）",
                7,
                Unit.CALENDAR_DAYS,
                60,
                VisitorRule.ASSISTANT,
                "REP-8 VIS-3 VIS-4",
            )
        ]
    if variant == "next_morning":
        return [
            VisitPolicySpec(
                TicketType.REPAIR, "", f"{label}回访（次日·50%）", 1, Unit.BUSINESS_DAYS, 50, VisitorRule.ASSISTANT, "REP-8"
            )
        ]
    specs = [
        VisitPolicySpec(
            TicketType.REPAIR,
            trade,
            f"{label}回访·{RepairTrade(trade).label}（安全设施）",
            2,
            Unit.BUSINESS_DAYS,
            100,
            VisitorRule.ASSISTANT,
            "REP-8",
        )
        for trade in SAFETY_TRADES
    ]
    specs.append(
        VisitPolicySpec(
            TicketType.REPAIR,
            RepairTrade.PLUMBING,
            f"{label}回访·渗漏",
            3,
            Unit.BUSINESS_DAYS,
            100,
            VisitorRule.ASSISTANT,
            "REP-8",
        )
    )
    specs.append(
        VisitPolicySpec(TicketType.REPAIR, "", f"{label}回访·其他", 2, Unit.BUSINESS_DAYS, 100, VisitorRule.ASSISTANT, "REP-8")
    )
    return specs


# VIS-4: the share of an activity's households visited; VIS-3: within one calendar month.
ACTIVITY_COVERAGE_PERCENT = 30
ACTIVITY_DELAY_MONTHS = 1

# VIS-3: a special service booked for longer than this gets a mid-term visit too.
SERVICE_MIDTERM_AFTER_DAYS = 7

COMMON = (
    VisitPolicySpec(MOVE_IN, "", "新入住回访（入住一个月）", 1, CALENDAR_MONTHS, 100, VisitorRule.MANAGER, "VIS-3 VIS-4 VIS-5"),
    VisitPolicySpec(
        ACTIVITY,
        "",
        "社区活动回访（一个月内·30%）",
        ACTIVITY_DELAY_MONTHS,
        CALENDAR_MONTHS,
        ACTIVITY_COVERAGE_PERCENT,
        VisitorRule.ASSISTANT,
        "VIS-1 VIS-3 VIS-4 VIS-5",
    ),
    VisitPolicySpec(
        TicketType.SERVICE,
        "",
        "特约服务回访（中期及结束后）",
        7,
        Unit.CALENDAR_DAYS,
        100,
        VisitorRule.ASSISTANT,
        "VIS-1 VIS-3 VIS-4 VIS-5",
        midterm_after_days=SERVICE_MIDTERM_AFTER_DAYS,
    ),
    VisitPolicySpec(
        TicketType.EMERGENCY, "", "紧急求助回访", 7, Unit.CALENDAR_DAYS, 100, VisitorRule.ASSISTANT, "VIS-1 VIS-3 VIS-4"
    ),
    VisitPolicySpec(TicketType.SUGGESTION, "", "建议回访", 7, Unit.CALENDAR_DAYS, 100, VisitorRule.ASSISTANT, "VIS-1 VIS-3"),
)


def preset_visit_policies(*, complaints: str = "002", repairs: str = "standard") -> list[VisitPolicySpec]:
    if complaints not in COMPLAINT_VARIANTS:
        raise ValueError(f"unknown complaint visit variant {complaints!r}; expected one of {COMPLAINT_VARIANTS}")
    if repairs not in REPAIR_VARIANTS:
        raise ValueError(f"unknown repair visit variant {repairs!r}; expected one of {REPAIR_VARIANTS}")
    return [*_complaints(complaints), *_repairs(repairs), *COMMON]


# Quality-audit visits are made within a week of closing (VIS-3 "other ≤1 week"), apart
# from the routine visit, by the CS supervisor.
AUDIT_DELAY_DAYS = 7

# New residents (VIS-3): the occupancy roles that make a household's move-in (family
# members, helpers and co-owners join one), and how far back the sweep looks for a
# move-in without a visit — an import of a compound's old residents is no move-in.
MOVE_IN_ROLES = ("owner", "tenant")
MOVE_IN_LOOKBACK_DAYS = 31

# The visit clock: the visitor is reminded on the morning of the due day at this local
# time (the evening before when the visit is due before it).
WARN_HOUR, WARN_MINUTE = 8, 30
