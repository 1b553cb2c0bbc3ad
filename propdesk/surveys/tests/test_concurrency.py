"""Concurrency on PostgreSQL (SQLite serialises writers, so there is no race to lose):
the same house typed in by several people at once and answered online at the same moment —
exactly one response is kept (one response per house per round)."""

from __future__ import annotations

import pytest

from propdesk.core.errors import DomainError
from propdesk.core.testing import postgresql_only, race
from propdesk.surveys import services
from propdesk.surveys.models import Response

from .conftest import make_round, qs

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]

WORKERS = 8


def test_one_response_per_house_when_staff_and_resident_answer_at_once(world):
    survey = make_round(world, world.project_a)
    q = qs(survey)
    people = [world.users[(role, "a")] for role in ("assistant", "supervisor", "manager")] * 2 + [world.resident_user] * 2

    def job():
        user = people.pop()
        if user.is_resident:
            return services.response_submit(survey=survey, house=world.house_a, by=user, answers={q[0].pk: 1})
        return services.response_enter(survey=survey, house=world.house_a, by=user, answers={q[0].pk: 2})

    results = race(WORKERS, job)
    saved = [r for r in results if isinstance(r, Response)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(saved) == 1, results
    assert len(refused) == WORKERS - 1 and {e.code for e in refused} == {"response_exists"}
    assert Response.objects.filter(round=survey, house=world.house_a).count() == 1
