"""Fixtures of the outreach tests: a clock under the test's control, occupied houses with
a resident in each, and helpers to back-date tickets and visits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from propdesk.desk import services as desk
from propdesk.desk.models import Ticket
from propdesk.estate.models import House
from propdesk.estate.services import house_create
from propdesk.followup.choices import VisitMethod, VisitStatus
from propdesk.followup.models import ReturnVisit
from propdesk.residents.services import occupant_register

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=SHANGHAI)


class Clock:
    def __init__(self, monkeypatch):
        self.now = at(2026, 11, 16, 10)  # a Monday
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, moment: dt.datetime) -> dt.datetime:
        self.now = moment
        return moment


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def occupied(world):
    """house_a lived in (自住)."""
    House.objects.filter(pk__in=[world.house_a.pk, world.house_b.pk]).update(status="owner_occupied")
    world.house_a.refresh_from_db()
    world.house_b.refresh_from_db()
    return world


def make_house(project, building: str, room: str, *, status="owner_occupied", resident: str | None = "住户", birthday=None):
    house = house_create(
        project=project,
        building_number=building,
        entrance_number="1",
        room=room,
        floor=int(room[:-2] or 1),
        area=Decimal("90"),
        status=status,
    )
    if resident:
        occupant_register(
            house=house,
            person_data={"name": f"{resident}{building}-{room}", "birthday": birthday},
            role="owner",
            start_date=dt.date(2024, 1, 1),
            is_primary_contact=True,
        )
    return house


def ticket_on(world, house, *, type, category, when: dt.datetime, by=None, status=None) -> Ticket:
    """A ticket of `house` opened at `when` (back-dated)."""
    ticket = desk.ticket_open(
        project=house.project, type=type, category=category, title=f"{type} {category}", house=house, by=by or world.assistant
    )
    Ticket.objects.filter(pk=ticket.pk).update(created_at=when, **({"status": status} if status else {}))
    ticket.refresh_from_db()
    return ticket


def return_visit(world, house, *, done_at: dt.datetime, satisfied=True, score=5) -> ReturnVisit:
    """A recorded return visit of `house` (the row alone — how it was scheduled is followup's concern)."""
    ticket = ticket_on(world, house, type="suggestion", category="", when=done_at - dt.timedelta(days=3))
    return ReturnVisit.objects.create(
        project=house.project,
        ticket=ticket,
        house=house,
        visitor=world.assistant,
        status=VisitStatus.DONE,
        due_at=done_at,
        done_at=done_at,
        done_by=world.assistant,
        method=VisitMethod.PHONE,
        handled=True,
        satisfied=satisfied,
        score_quality=score,
        score_result=score,
        score_attitude=score,
    )
