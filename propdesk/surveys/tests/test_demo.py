"""The survey demo: a published January round meeting the SUR-2 targets with replies (one
approved), and a round in progress — seeded through the services on a small project."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from propdesk.estate.services import house_create
from propdesk.residents.services import occupant_register
from propdesk.surveys import selectors
from propdesk.surveys.demo import seed_surveys
from propdesk.surveys.models import Rectification, SurveyRound

pytestmark = pytest.mark.django_db


def test_demo_seeds_a_published_january_round_and_one_in_progress(world):
    for index in range(19):
        house = house_create(
            project=world.project_a,
            building_number="7",
            entrance_number="1",
            room=f"{index + 1:02d}02",
            floor=index + 1,
            area=Decimal(90),
        )
        occupant_register(house=house, person_data={"name": f"业主{index}"}, role="owner", start_date=dt.date(2024, 1, 1))
    staff = {(role, 0): world.users[(role, "a")] for role in ("assistant", "supervisor", "manager")}
    counts = seed_surveys(projects=[world.project_a], staff=staff, rng=random.Random(7))
    january, current = SurveyRound.objects.filter(project=world.project_a).order_by("period_start")
    assert january.status == "published" and (january.period_start.month, january.period_start.day) == (1, 15)
    total = selectors.progress(january).total
    assert total.households == 20 and total.distributed == 13 and total.distribution_met and total.return_met
    assert current.status == "open" and current.period_start < dt.date.today() < current.period_end
    replies = Rectification.objects.filter(round=january)
    assert replies.count() == 2 and replies.filter(status="approved").count() == 1
    assert counts["surveys.Response"] == selectors.tabulate(january).responses + selectors.tabulate(current).responses
    # the resident login's house is left to answer online
    assert not current.responses.filter(house=world.house_a).exists()
