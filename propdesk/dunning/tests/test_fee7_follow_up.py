"""FEE-7 beyond the seeds: promises to pay and instalment plans judged against the ledger's
payments, the daily task flagging broken promises and late instalments to the collector
(once), and the limitation warning (诉讼时效: three years from the due date, restarted by
the last recorded demand) to the supervisors (once per debt)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from propdesk.billing.payments import payment_reverse
from propdesk.core.errors import DomainError
from propdesk.dunning import selectors
from propdesk.dunning.choices import InstalmentStatus, PlanStatus, PromiseStatus, StepKind
from propdesk.dunning.models import InstalmentPlan, PaymentPromise
from propdesk.dunning.services import (
    follow_ups_check,
    instalments_even,
    limitation_notify,
    plan_record,
    promise_record,
    step_record,
)
from propdesk.dunning.tasks import dunning_daily
from propdesk.notifications.models import Notification

from .conftest import bill, pay

D = dt.date


def test_fee7_promise_kept_when_payments_reach_the_amount_by_the_day(owing, staff, clock):
    promise = promise_record(house=owing.house_a, amount="500.00", promised_date=D(2026, 7, 15), by=staff.cashier)
    assert promise.follow_up_date == D(2026, 7, 16)
    clock.set(2026, 7, 10)
    pay(owing.house_a, staff.cashier, "300.00")
    assert selectors.promise_status(promise) == PromiseStatus.PENDING
    clock.set(2026, 7, 15)
    pay(owing.house_a, staff.cashier, "200.00")
    assert selectors.promise_status(promise) == PromiseStatus.KEPT
    clock.set(2026, 7, 20)
    assert selectors.promise_status(promise) == PromiseStatus.KEPT
    assert follow_ups_check()["broken"] == 0


def test_fee7_broken_promise_flagged_once_to_the_collector(owing, staff, clock):
    step_record(house=owing.house_a, kind=StepKind.PHONE, by=staff.cashier)
    promise = promise_record(house=owing.house_a, amount="500.00", promised_date=D(2026, 7, 15), by=staff.supervisor)
    clock.set(2026, 7, 12)
    payment = pay(owing.house_a, staff.cashier, "500.00")
    payment_reverse(payment=payment, reason="收错", by=staff.cashier, approver=staff.supervisor)  # never happened
    clock.set(2026, 7, 15)
    assert follow_ups_check() == {"broken": 0, "late": 0}  # the promised day itself is still in time
    clock.set(2026, 7, 16)
    assert selectors.promise_status(promise) == PromiseStatus.BROKEN
    assert follow_ups_check()["broken"] == 1
    assert follow_ups_check()["broken"] == 0  # once
    note = Notification.objects.get(kind="dunning.promise_broken")
    assert note.recipient == staff.cashier  # the case's collector, not who took the promise
    promise.refresh_from_db()
    assert promise.broken_flagged_on == D(2026, 7, 16)


def test_fee7_promise_rules(owing, staff):
    with pytest.raises(DomainError) as excinfo:
        promise_record(house=owing.house_a, amount="0", promised_date=D(2026, 7, 15), by=staff.cashier)
    assert excinfo.value.code == "amount_not_positive"
    with pytest.raises(DomainError) as excinfo:
        promise_record(house=owing.house_a, amount="10", promised_date=D(2026, 6, 15), by=staff.cashier)
    assert excinfo.value.code == "dunning_promise_in_past"
    assert not PaymentPromise.objects.exists()


@given(
    total=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2),
    count=st.integers(min_value=1, max_value=36),
)
def test_fee7_even_instalments_sum_exactly_to_the_debt(total, count):
    rows = instalments_even(total, count, D(2026, 1, 31))
    amounts = [amount for _d, amount in rows]
    assert sum(amounts) == total and len(rows) == count
    assert all(a > 0 for a in amounts) or total < Decimal("0.01") * count
    assert max(amounts) - min(amounts) < Decimal("0.01") * count  # the remainder sits on the last one
    assert [d for d, _a in rows][:3] == [D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31)][:count]


def test_fee7_plan_must_sum_exactly_to_the_debt(owing, staff):
    with pytest.raises(DomainError) as excinfo:
        plan_record(house=owing.house_a, by=staff.cashier, instalments=[(D(2026, 8, 1), "500.00"), (D(2026, 9, 1), "484.99")])
    assert excinfo.value.code == "dunning_plan_total" and "985.00" in excinfo.value.message
    with pytest.raises(DomainError) as excinfo:
        plan_record(house=owing.house_a, by=staff.cashier, instalments=[(D(2026, 9, 1), "500.00"), (D(2026, 8, 1), "485.00")])
    assert excinfo.value.code == "dunning_plan_dates"
    plan = plan_record(house=owing.house_a, by=staff.cashier, count=3, first_due=D(2026, 7, 31))
    assert [(i.due_date, i.amount) for i in plan.instalments.order_by("seq")] == [
        (D(2026, 7, 31), Decimal("328.33")),
        (D(2026, 8, 31), Decimal("328.33")),
        (D(2026, 9, 30), Decimal("328.34")),
    ]
    second = plan_record(house=owing.house_a, by=staff.cashier, count=2, first_due=D(2026, 8, 1))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUPERSEDED and second.status == PlanStatus.ACTIVE
    assert InstalmentPlan.objects.filter(status=PlanStatus.ACTIVE).count() == 1


def test_fee7_late_instalment_flagged_once(owing, staff, clock):
    plan = plan_record(house=owing.house_a, by=staff.cashier, count=3, first_due=D(2026, 7, 31))
    clock.set(2026, 7, 30)
    pay(owing.house_a, staff.cashier, "328.33")
    clock.set(2026, 9, 1)
    states = selectors.instalment_states(plan)
    assert [s.status for s in states] == [InstalmentStatus.PAID, InstalmentStatus.LATE, InstalmentStatus.PENDING]
    assert dunning_daily()["late"] == 1
    assert dunning_daily()["late"] == 0
    note = Notification.objects.get(kind="dunning.instalment_late")
    assert note.recipient == staff.cashier and "第 2 期" in note.title


@pytest.fixture
def old_debt(world, fees, staff, clock):
    """Both houses billed for March 2023 (due 2023-04-10) and never paid; today 2026-01-01."""
    clock.set(2023, 4, 1)
    bill(world, staff, (2023, 3))
    clock.set(2026, 1, 1)
    return world


def test_fee7_limitation_warning_within_90_days_with_no_demand_since(old_debt, staff, clock):
    project_ids = [old_debt.project_a.pk]
    assert selectors.limitation_warnings(project_ids=project_ids) == []  # expires 2026-04-10: 99 days away
    clock.set(2026, 1, 10)
    (warning,) = selectors.limitation_warnings(project_ids=project_ids)
    assert warning.line.house == old_debt.house_a and warning.open == Decimal("197.00")
    assert warning.expires_on == D(2026, 4, 10) and warning.days_left == 90 and warning.last_demand is None
    assert selectors.limitation_warnings(project_ids=project_ids, days=60) == []  # the window is configurable
    step_record(house=old_debt.house_a, kind=StepKind.PHONE, by=staff.cashier)  # a demand restarts it
    assert selectors.limitation_warnings(project_ids=project_ids) == []
    clock.set(2028, 11, 1)  # three years from the call (2029-01-10) less 70 days
    (warning,) = selectors.limitation_warnings(project_ids=project_ids)
    assert warning.last_demand == D(2026, 1, 10) and warning.expires_on == D(2029, 1, 10)


def test_fee7_limitation_warning_notifies_the_supervisor_once_per_debt(old_debt, staff, clock):
    clock.set(2026, 3, 1)
    assert limitation_notify() == 2  # one debt in each project, each to its supervisor
    assert limitation_notify() == 0
    note = Notification.objects.get(kind="dunning.limitation", project=old_debt.project_a)
    assert note.recipient == staff.supervisor and old_debt.house_a.code in note.title
    clock.set(2026, 4, 11)  # expired: the same debt and period, still not told twice
    assert limitation_notify() == 0


def test_fee7_worklist_lists_promise_follow_ups_due_but_not_kept_ones(owing, staff, clock):
    kept = promise_record(house=owing.house_a, amount="100.00", promised_date=D(2026, 7, 5), by=staff.cashier)
    open_ = promise_record(house=owing.house_a, amount="900.00", promised_date=D(2026, 7, 10), by=staff.cashier)
    clock.set(2026, 7, 4)
    pay(owing.house_a, staff.cashier, "100.00")
    clock.set(2026, 7, 12)  # both follow-up days (7-06, 7-11) have come
    rows = {r.arrears.house.pk: r for r in selectors.worklist(project_ids=[owing.project_a.pk]).rows}
    assert rows[owing.house_a.pk].promises_due == [open_]
    assert selectors.promise_status(kept) == PromiseStatus.KEPT
