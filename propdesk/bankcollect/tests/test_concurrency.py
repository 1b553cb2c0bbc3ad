"""Concurrency on PostgreSQL (SQLite serialises writers, so there is no race to lose):
the same return file imported twice at once records each payment once (FEE-5)."""

from __future__ import annotations

import datetime as dt

import pytest

from propdesk.bankcollect.choices import LineStatus
from propdesk.bankcollect.services import batch_export, batch_import_return
from propdesk.billing.choices import PaymentMethod
from propdesk.billing.models import Entry, Payment
from propdesk.billing.selectors import house_balance
from propdesk.core.testing import postgresql_only, race

from .conftest import return_csv

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]


def test_fee5_two_imports_of_the_same_file_at_once_record_each_payment_once(houses, profile, staff):
    batch = batch_export(profile=profile, cutoff=dt.date(2026, 6, 30), by=staff.cashier)
    content = return_csv(batch)

    results = race(2, lambda: batch_import_return(batch=batch, content=content, filename="r.csv", by=staff.cashier))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.paid for r in results) == [0, 3] and sorted(r.already_paid for r in results) == [0, 3]
    payments = Payment.objects.filter(method=PaymentMethod.BANK_COLLECTION)
    assert payments.count() == 3
    assert all(line.status == LineStatus.PAID for line in batch.lines.all())
    assert Entry.objects.filter(payment__in=payments, line__isnull=True).count() == 0  # nothing went to credit
    assert all(house_balance(house) == 0 for house in houses)
