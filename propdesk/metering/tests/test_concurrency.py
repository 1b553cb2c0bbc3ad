"""Concurrency on PostgreSQL (SQLite serialises writers): readers typing the same meter of
a round at once take turns on the meter's row lock — every entry is kept, one of them
current, none lost to the one-current-reading constraint."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from propdesk.core.testing import postgresql_only, race
from propdesk.metering import services
from propdesk.metering.models import Reading

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]

WORKERS = 8


def test_fee1_readers_typing_one_meter_at_once_each_supersede_in_turn(world, metering):
    reading_round = services.round_create(
        project=world.project_a, buildings=[metering.building], month=dt.date(2026, 6, 1), by=world.assistant
    )
    values = itertools.count(101)

    def job():
        return services.reading_record(
            reading_round=reading_round, meter=metering.water_meter, value=next(values), by=world.assistant
        )

    results = race(WORKERS, job)
    assert all(isinstance(r, Reading) for r in results), results
    rows = Reading.objects.filter(meter=metering.water_meter, round=reading_round)
    assert rows.count() == WORKERS and rows.filter(current=True).count() == 1
    chain = rows.filter(supersedes__isnull=False).count()
    assert chain == WORKERS - 1  # each later entry supersedes the one before it
