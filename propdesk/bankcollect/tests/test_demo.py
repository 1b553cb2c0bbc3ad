"""The demo shows the feature: a profile, mandates and one returned batch — mostly paid,
two failed, one row that matches nothing."""

from __future__ import annotations

import random

import pytest

from propdesk.bankcollect.choices import BatchStatus, LineStatus
from propdesk.bankcollect.demo import seed_bankcollect
from propdesk.bankcollect.models import BatchLine, CollectionBatch, UnmatchedRow
from propdesk.bankcollect.selectors import batch_summary

from .conftest import add_house, bill_month

pytestmark = pytest.mark.django_db


def test_demo_returned_batch_mostly_paid_two_failed_one_unmatched(world, fees, staff, occupied):
    for room in ("101", "102", "201", "202", "301", "302"):
        add_house(world, room)
    bill_month(world, staff, 2026, 6)
    counts = seed_bankcollect(projects=[world.project_a], staff={("cashier", 0): staff.cashier}, rng=random.Random(7))
    batch = CollectionBatch.objects.get()
    assert batch.status == BatchStatus.RETURNED
    assert counts["bankcollect.BankMandate"] == 7 and (counts["bankcollect.failed"], counts["bankcollect.unmatched"]) == (2, 1)
    statuses = list(BatchLine.objects.values_list("status", flat=True))
    assert statuses.count(LineStatus.FAILED) == 2 and statuses.count(LineStatus.UNMATCHED) == 1
    assert statuses.count(LineStatus.PAID) == len(statuses) - 3 == counts["bankcollect.paid"]
    assert UnmatchedRow.objects.count() == 1 and batch_summary(batch).reconciled
