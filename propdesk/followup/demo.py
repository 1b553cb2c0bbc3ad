"""Demo return visits beyond those the desk demo schedules as its tickets close: new
residents who moved in during the last month (VIS-3, visited by the PM), a long special
service under way with its mid-term visit (VIS-3, DESK-8), and one sweep of the visit
clock so the reminders and overdue notices of the demo's visits are in the inboxes."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from django.utils import timezone

from propdesk.accounts.models import User
from propdesk.core.idcard import check_character
from propdesk.desk.choices import Channel, TicketType
from propdesk.desk.repairs import work_order_prepare
from propdesk.desk.services import contact_log
from propdesk.estate.choices import HouseStatus
from propdesk.estate.models import House, Project
from propdesk.followup.clock import visits_sweep
from propdesk.followup.services import visits_schedule_midterms, visits_schedule_move_ins
from propdesk.residents.services import occupant_register

# Days before today the demo's new households moved in: one due about now, two later.
MOVE_IN_DAYS_AGO = (30, 12, 3)
_NEWCOMERS = ("林晓东", "黄佳怡", "许文博", "高雅婷", "罗志鹏", "梁晓琳")


def seed_followup(*, projects: list[Project], staff: dict, rng: random.Random) -> Counter:
    """New-resident and mid-term visits for the first two projects, then the visit
    clock's sweep; returns counts. `staff`: the demo logins by (role, project index)."""
    counts: Counter = Counter()
    today = timezone.localdate()
    names = iter(_NEWCOMERS)
    for index, project in enumerate(projects[:2]):
        desk = staff.get(("assistant", index)) or _admin()
        vacant = list(
            House.objects.filter(project=project)
            .exclude(status=HouseStatus.NOT_HANDED_OVER)
            .exclude(occupancies__end_date__isnull=True)
            .order_by("pk")[:50]
        )
        for days_ago, house in zip(MOVE_IN_DAYS_AGO, rng.sample(vacant, min(len(vacant), len(MOVE_IN_DAYS_AGO))), strict=False):
            occupant_register(
                house=house,
                person_data={"name": next(names), "mobile": f"139{rng.randrange(10**8):08d}", "id_number": _resident_id(rng)},
                role="tenant",
                start_date=today - dt.timedelta(days=days_ago),
                is_primary_contact=True,
                by=desk,
            )
            counts["residents.Occupancy"] += 1
        if index == 0:
            counts["desk.Ticket"] += _long_service(project, desk, staff.get(("supervisor", 0)) or _admin(), rng)
    counts["followup.ReturnVisit"] += len(visits_schedule_move_ins(today=today))
    counts["followup.ReturnVisit"] += len(visits_schedule_midterms())
    sweep = visits_sweep()
    counts["notifications.Notification"] += sweep.notified
    return counts


def _resident_id(rng: random.Random) -> str:
    """A valid resident ID (GB 11643) of an adult born 1980–1999 in Shanghai (310115)."""
    born = dt.date(1980, 1, 1) + dt.timedelta(days=rng.randrange(20 * 365))
    first17 = f"310115{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + check_character(first17)


def _admin() -> User | None:
    return User.objects.filter(memberships__project__isnull=True, memberships__role="admin").order_by("pk").first()


def _long_service(project: Project, desk: User, dispatcher: User, rng: random.Random) -> int:
    """A fortnight's special service (开荒保洁 after a renovation) begun six days ago."""
    house = House.objects.filter(project=project, occupancies__end_date__isnull=True).order_by("pk").first()
    if house is None:
        return 0
    person = house.occupancies.filter(end_date__isnull=True).first().person
    contact = contact_log(
        project=project,
        channel=Channel.PHONE,
        content="业主装修完工，预约开荒保洁并连续两周上门日常保洁。",
        caller_name=person.name,
        person=person,
        house=house,
        by=desk,
        ticket={"type": TicketType.SERVICE, "title": "装修后开荒保洁及两周日常保洁（特约服务）"},
    )
    ticket = contact.ticket
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) - dt.timedelta(days=6)
    work_order_prepare(
        ticket=ticket, by=dispatcher, appointment_start=start, appointment_end=start + dt.timedelta(days=14), paid=True
    )
    return 1
