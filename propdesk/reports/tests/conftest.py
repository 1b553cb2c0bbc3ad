"""A month of varied service-desk data for the report tests, written straight to the
tables (the reports only read them): June 2026 in project a, a little in May (the
previous period) and in project b (another project), SLA clocks in every state and
return visits planned, done on time, done late and sent back.

`now` is 2026-06-20 12:00 Shanghai: some clocks due later in June are still undecided."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from propdesk.desk.choices import Channel, ContactOutcome, Department, Status, TicketType, Validity
from propdesk.desk.models import ComplaintDetail, Contact, Ticket, WorkOrder
from propdesk.followup.choices import VisitStatus
from propdesk.followup.models import ReturnVisit
from propdesk.sla.choices import ClockState, StopEvent, TargetKind, Unit
from propdesk.sla.models import SlaClock, SlaPolicy, SlaTarget

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 6, 20, 12, 0, tzinfo=SHANGHAI)


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=SHANGHAI)


class Builder:
    def __init__(self, world):
        self.world = world
        self.numbers = itertools.count(1)
        policy = SlaPolicy.objects.create(ticket_type=TicketType.COMPLAINT, priority="minor", name="测试", active=True)
        self.targets = {
            kind: SlaTarget.objects.create(
                policy=policy, kind=kind, amount=60, unit=Unit.CALENDAR_MINUTES, stop_event=StopEvent.RESOLVED
            )
            for kind in TargetKind.values
        }

    def ticket(self, ttype, created, *, project=None, category="", status=Status.NEW, department="", validity=None, paid=None):
        project = project or self.world.project_a
        ticket = Ticket.objects.create(
            project=project,
            number=f"T{next(self.numbers):05d}",
            type=ttype,
            category=category,
            status=status,
            title="测试",
            receiver=self.world.assistant,
            department=department,
            created_at=created,
        )
        if validity is not None:
            ComplaintDetail.objects.create(ticket=ticket, validity=validity)
        if paid is not None:
            charge, completed = paid
            WorkOrder.objects.create(ticket=ticket, paid=charge is not None, final_charge=charge, completed_at=completed)
        return ticket

    def contact(self, channel, received, outcome=ContactOutcome.ANSWERED, ticket=None, project=None):
        return Contact.objects.create(
            project=project or self.world.project_a,
            channel=channel,
            received_at=received,
            content="来电",
            outcome=outcome,
            ticket=ticket,
            receiver=self.world.assistant,
        )

    def clock(self, ticket, kind, state, deadline):
        fields = {
            "project_id": ticket.project_id,
            "ticket": ticket,
            "target": self.targets[kind],
            "kind": kind,
            "state": state,
            "started_at": (deadline or NOW) - dt.timedelta(hours=1),
            "deadline_at": deadline,
            "original_deadline_at": deadline or NOW,
            "budget": dt.timedelta(hours=1),
        }
        if state == ClockState.MET:
            fields["met_at"] = deadline - dt.timedelta(minutes=5)
        if state == ClockState.BREACHED:
            fields["breached_at"] = deadline
        if state == ClockState.CANCELLED:
            fields["ended_at"] = deadline
        return SlaClock.objects.create(**fields)

    def visit(self, ticket, due, done=None, *, handled=None, satisfied=None, scores=(None, None, None)):
        quality, result, attitude = scores
        return ReturnVisit.objects.create(
            project_id=ticket.project_id,
            ticket=ticket,
            due_at=due,
            status=VisitStatus.DONE if done else VisitStatus.PLANNED,
            done_at=done,
            handled=handled,
            satisfied=satisfied,
            score_quality=quality,
            score_result=result,
            score_attitude=attitude,
        )


@pytest.fixture
def kpi(world):
    """The June data set; returns the builder and the rows the tests name."""
    b = Builder(world)
    C, R = TicketType.COMPLAINT, TicketType.REPAIR
    rows = SimpleNamespace(builder=b)
    # Complaints in June: 3 effective, 1 invalid, 1 pending, 1 without a classification row.
    rows.effective = [
        b.ticket(C, at(6, d), category="cleaning", department=Department.CLEANING, validity=Validity.EFFECTIVE) for d in (2, 3, 4)
    ]
    rows.invalid = b.ticket(C, at(6, 5), category="attitude", validity=Validity.INVALID)
    rows.pending = b.ticket(C, at(6, 6), category="security", validity=Validity.PENDING)
    rows.bare = b.ticket(C, at(6, 7), category="security")
    # Repairs in June: plumbing ×3 (2 done), electrical ×1; paid: two completed in June, one in July.
    rows.plumbing = [
        b.ticket(
            R,
            at(6, 8),
            category="plumbing",
            status=Status.CLOSED,
            department=Department.ENGINEERING,
            paid=(Decimal("120.50"), at(6, 9)),
        ),
        b.ticket(R, at(6, 9), category="plumbing", status=Status.RESOLVED, paid=(Decimal("80.25"), at(6, 10))),
        b.ticket(R, at(6, 10), category="plumbing", status=Status.IN_PROGRESS, paid=(Decimal("50.00"), None)),
    ]
    rows.electrical = b.ticket(R, at(6, 11), category="electrical", paid=(None, at(6, 12)))
    # A paid repair received in May, completed in June: its income is June's (REP-9).
    rows.may_repair = b.ticket(R, at(5, 28), category="plumbing", status=Status.CLOSED, paid=(Decimal("30.00"), at(6, 1)))
    rows.inquiry = b.ticket(TicketType.INQUIRY, at(6, 12))
    rows.praise = b.ticket(TicketType.PRAISE, at(6, 30, 23))  # the last hour of June
    rows.july = b.ticket(TicketType.INQUIRY, at(7, 1, 0))  # the first minute of July: not June
    rows.other = b.ticket(C, at(6, 3), project=world.project_b, validity=Validity.EFFECTIVE)
    # Contacts in June
    b.contact(Channel.PHONE, at(6, 2), ContactOutcome.TICKET, rows.effective[0])
    b.contact(Channel.PHONE, at(6, 2, 11), ContactOutcome.LINKED, rows.effective[0])
    b.contact(Channel.VISIT, at(6, 8), ContactOutcome.TICKET, rows.plumbing[0])
    b.contact(Channel.ONLINE, at(6, 9), ContactOutcome.TICKET, rows.plumbing[1])
    b.contact(Channel.PHONE, at(6, 15))
    b.contact(Channel.PHONE, at(6, 16))
    b.contact(Channel.PHONE, at(5, 16))  # May
    b.contact(Channel.PHONE, at(6, 16), project=world.project_b)
    # Clocks: RESOLVE of the complaints; others on the repairs.
    RES, ONS, DIS = TargetKind.RESOLVE, TargetKind.ON_SITE, TargetKind.DISPATCH
    b.clock(rows.effective[0], RES, ClockState.MET, at(6, 5))
    b.clock(rows.effective[1], RES, ClockState.MET, at(6, 6))
    b.clock(rows.effective[2], RES, ClockState.BREACHED, at(6, 7))
    b.clock(rows.invalid, RES, ClockState.RUNNING, at(6, 10))  # past due at NOW: breached (board rule)
    b.clock(rows.pending, RES, ClockState.RUNNING, at(6, 25))  # due later: undecided
    b.clock(rows.bare, RES, ClockState.PAUSED, None)  # no deadline: not counted
    b.clock(rows.plumbing[0], ONS, ClockState.MET, at(6, 8, 11))
    b.clock(rows.plumbing[0], DIS, ClockState.MET, at(6, 8, 10))
    b.clock(rows.plumbing[1], ONS, ClockState.BREACHED, at(6, 9, 11))
    b.clock(rows.plumbing[2], ONS, ClockState.CANCELLED, at(6, 10, 11))  # cancelled: not counted
    b.clock(rows.electrical, ONS, ClockState.MET, at(7, 2))  # due in July: not June's
    b.clock(rows.may_repair, ONS, ClockState.BREACHED, at(5, 29))  # May's
    b.clock(rows.other, RES, ClockState.BREACHED, at(6, 5))  # project b
    # Return visits due in June (VIS-4): 5 due, 4 done (3 on time), 2 sent back.
    rows.visit_good = b.visit(rows.plumbing[0], at(6, 3), at(6, 2), handled=True, satisfied=True, scores=(5, 4, 5))
    rows.visit_late = b.visit(rows.plumbing[1], at(6, 4), at(6, 6), handled=True, satisfied=False, scores=(3, 3, 2))
    rows.visit_unhandled = b.visit(rows.effective[0], at(6, 10), at(6, 9), handled=False, satisfied=True, scores=(4, 4, 4))
    rows.visit_planned = b.visit(rows.effective[1], at(6, 25))
    rows.visit_unanswered = b.visit(rows.inquiry, at(6, 12), at(6, 12))  # done right at its deadline, nothing asked
    b.visit(rows.may_repair, at(5, 30), at(5, 30), handled=True, satisfied=True, scores=(5, 5, 5))  # May's
    b.visit(rows.july, at(7, 1, 0))  # due in July: not June's
    b.visit(rows.other, at(6, 5), at(6, 5), handled=True, satisfied=False, scores=(1, 2, 3))  # project b
    return rows
