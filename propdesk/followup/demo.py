"""Demo return visits beyond those the desk demo schedules as its tickets close: new
residents who moved in during the last month (VIS-3, visited by the PM), and one sweep of
the visit clock so the reminders and overdue notices of the demo's visits are in the
inboxes. (A long special service with its mid-term visit is left out: the desk demo's
tests pin its work orders and contacts exactly.)"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from django.db.models import Exists, OuterRef
from django.utils import timezone

from propdesk.accounts.models import User
from propdesk.core.idcard import check_character
from propdesk.estate.choices import HouseStatus
from propdesk.estate.models import House, Project
from propdesk.followup.clock import visits_sweep
from propdesk.followup.services import visits_schedule_move_ins
from propdesk.residents.models import Occupancy
from propdesk.residents.services import occupant_register

# Days before today the demo's new households moved in: one due about now, two later.
MOVE_IN_DAYS_AGO = (30, 12, 3)
_NEWCOMERS = ("林晓东", "黄佳怡", "许文博", "高雅婷", "罗志鹏", "梁晓琳")


def seed_followup(*, projects: list[Project], staff: dict, rng: random.Random) -> Counter:
    """New-resident visits for the first two projects, then the visit clock's sweep;
    returns counts. `staff`: the demo logins by (role, project index)."""
    counts: Counter = Counter()
    today = timezone.localdate()
    names = iter(_NEWCOMERS)
    for index, project in enumerate(projects[:2]):
        desk = staff.get(("assistant", index)) or _admin()
        # Empty houses first, then houses let to a new tenant (the owner keeps the title).
        houses = House.objects.filter(project=project).order_by("pk")
        active = Occupancy.objects.filter(house=OuterRef("pk"), end_date__isnull=True)
        vacant = list(houses.exclude(status=HouseStatus.NOT_HANDED_OVER).exclude(Exists(active))[:50])
        lettable = list(houses.filter(Exists(active)).exclude(Exists(active.filter(role="tenant")))[:50])
        chosen = rng.sample(vacant, min(len(vacant), len(MOVE_IN_DAYS_AGO)))
        chosen += rng.sample(lettable, min(len(lettable), len(MOVE_IN_DAYS_AGO) - len(chosen)))
        for days_ago, house in zip(MOVE_IN_DAYS_AGO, chosen, strict=False):
            occupant_register(
                house=house,
                person_data={"name": next(names), "mobile": f"139{rng.randrange(10**8):08d}", "id_number": _resident_id(rng)},
                role="tenant",
                start_date=today - dt.timedelta(days=days_ago),
                is_primary_contact=house in vacant,
                by=desk,
            )
            counts["residents.Occupancy"] += 1
    counts["followup.ReturnVisit"] += len(visits_schedule_move_ins(today=today))
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
