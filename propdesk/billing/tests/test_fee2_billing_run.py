"""FEE-2: the monthly run bills every house for the month at the rate in force, due on
the 10th of the next month; idempotent, resumable, in batches; a preview that writes
nothing. Unsold and not-handed-over houses follow the project's billing policy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from propdesk.billing import rates, run
from propdesk.billing.choices import BillKind, Payer, RunStatus, Treatment
from propdesk.billing.models import Bill, BillingRun, BillLine, Entry
from propdesk.billing.run import billing_run_execute, billing_run_preview, billing_run_start, billing_run_step
from propdesk.billing.selectors import credit_balance, open_lines
from propdesk.core.errors import DomainError
from propdesk.estate.choices import HouseStatus, Usage
from propdesk.estate.models import HouseStatusChange
from propdesk.estate.services import house_change_status

from .conftest import add_house, at, bill_month, pay

JUNE = dt.date(2026, 6, 1)


def lines_of(house):
    return {(line.item.code, line.amount) for line in BillLine.objects.filter(house=house).select_related("item")}


def test_fee2_run_bills_every_house_for_the_month_due_the_10th_of_next_month(world, fees, occupied, staff):
    shop = add_house(world, "101", usage=Usage.SHOP, area="50.00")
    done = bill_month(world, staff, 2026, 6)
    assert (done.status, done.houses_total, done.houses_done, done.bills_created, done.lines_created) == (
        RunStatus.DONE,
        2,
        2,
        2,
        4,
    )
    assert done.progress == 100
    assert lines_of(occupied) == {("wyf", Decimal("197.00")), ("ggnh", Decimal("10.00"))}  # 98.50 m² × 2.00
    assert lines_of(shop) == {("wyf", Decimal("175.00")), ("ggnh", Decimal("10.00"))}  # 50 m² × 3.50 for shops
    bill = Bill.objects.get(house=occupied)
    assert (bill.period, bill.kind, bill.payer, bill.due_date, bill.issued_on) == (
        JUNE,
        BillKind.MONTHLY,
        Payer.OWNER,
        dt.date(2026, 7, 10),
        dt.date(2026, 7, 1),
    )
    line = bill.lines.get(item=fees.management)
    assert (line.quantity, line.unit_price, line.percent, line.rate) == (
        Decimal("98.50"),
        Decimal("2.00"),
        100,
        fees.management_rate,
    )
    assert line.description == "物业管理费 2026年6月"


def test_fee2_running_a_month_twice_never_duplicates(world, fees, occupied, staff):
    first = bill_month(world, staff, 2026, 6)
    second = bill_month(world, staff, 2026, 6)
    assert second.pk != first.pk and second.status == RunStatus.DONE
    assert (second.bills_created, second.lines_created) == (0, 0)
    assert BillLine.objects.count() == 2 and Bill.objects.count() == 1


def test_fee2_a_later_run_of_the_month_adds_only_what_is_missing(world, fees, occupied, staff):
    bill_month(world, staff, 2026, 6)
    newcomer = add_house(world, "102")
    again = bill_month(world, staff, 2026, 6)
    assert (again.bills_created, again.lines_created) == (1, 2)
    assert lines_of(newcomer) == {("wyf", Decimal("160.00")), ("ggnh", Decimal("10.00"))}
    assert BillLine.objects.filter(house=occupied).count() == 2


def test_fee2_the_database_refuses_a_second_line_for_a_house_month_and_item(world, fees, occupied, staff):
    from django.db import IntegrityError, transaction

    bill_month(world, staff, 2026, 6)
    line = BillLine.objects.get(item=fees.management)
    twin = BillLine(**{f.attname: getattr(line, f.attname) for f in BillLine._meta.concrete_fields if f.attname != "id"})
    with pytest.raises(IntegrityError), transaction.atomic():
        BillLine.objects.bulk_create([twin])


def test_fee2_a_run_that_stopped_resumes_after_the_last_house_done(world, fees, occupied, staff, monkeypatch):
    houses = [occupied, *(add_house(world, f"{n}01") for n in range(1, 5))]  # 5 houses, batches of 2
    started = billing_run_start(project=world.project_a, month=JUNE, by=staff.cashier)
    billing_run_step(run=started, batch_size=2)
    real_plan = run.Planner.plan
    calls = []

    def crash_on_second_batch(self, batch):
        calls.append(batch)
        if len(calls) == 1:
            raise RuntimeError("worker killed")
        return real_plan(self, batch)

    monkeypatch.setattr(run.Planner, "plan", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        billing_run_execute(run=started, batch_size=2)
    stopped = BillingRun.objects.get(pk=started.pk)
    assert (stopped.status, stopped.houses_done, stopped.cursor) == (RunStatus.RUNNING, 2, houses[1].pk)
    assert stopped.progress == 40
    assert BillLine.objects.count() == 4  # the crashed batch left nothing behind

    resumed = billing_run_start(project=world.project_a, month=JUNE, by=staff.manager)
    assert resumed.pk == started.pk  # the running run comes back
    done = billing_run_execute(run=resumed, batch_size=2)
    assert (done.status, done.houses_done, done.lines_created, done.bills_created) == (RunStatus.DONE, 5, 10, 5)
    assert {b.house_id for b in Bill.objects.all()} == {h.pk for h in houses}
    assert BillLine.objects.count() == 10


def test_fee2_one_running_run_per_project_and_month(world, fees, staff):
    first = billing_run_start(project=world.project_a, month=dt.date(2026, 6, 15), by=staff.cashier)
    assert first.period == JUNE
    assert billing_run_start(project=world.project_a, month=JUNE, by=staff.cashier).pk == first.pk
    other_month = billing_run_start(project=world.project_a, month=dt.date(2026, 5, 1), by=staff.cashier)
    assert other_month.pk != first.pk


def test_fee2_a_month_not_yet_begun_cannot_be_billed(world, fees, staff):
    billing_run_start(project=world.project_a, month=dt.date(2026, 7, 1), by=staff.cashier)  # the current month
    with pytest.raises(DomainError) as error:
        billing_run_start(project=world.project_a, month=dt.date(2026, 8, 1), by=staff.cashier)
    assert (error.value.code, error.value.rule) == ("billing_run_future", "FEE-2")


def test_fee2_batches_cost_the_same_queries_whatever_their_size(world, fees, occupied, staff):
    """A batch is a fixed number of queries (houses, status history, existing lines and
    bills, two bulk inserts, the run row): 200,000 houses are 400 batches of 500."""
    for n in range(1, 13):
        add_house(world, f"{n}02")

    def first_batch(month, size):
        started = billing_run_start(project=world.project_a, month=month, by=staff.cashier)
        with CaptureQueriesContext(connection) as captured:
            step = billing_run_step(run=started, batch_size=size)
        assert step.houses_done == size
        return len(captured)

    assert first_batch(JUNE, 2) == first_batch(dt.date(2026, 5, 1), 12)


def test_fee2_rate_in_force_on_the_first_day_of_the_month(world, fees, occupied, staff, clock):
    rates.fee_rate_add(
        item=fees.management,
        usage=Usage.RESIDENTIAL,
        unit_price="2.20",
        effective_from=dt.date(2026, 6, 2),
        approval_ref="价批〔2026〕3号",
        by=staff.manager,
    )
    rates.fee_rate_add(
        item=fees.management,
        usage=Usage.RESIDENTIAL,
        unit_price="2.40",
        effective_from=dt.date(2026, 7, 1),
        approval_ref="价批〔2026〕5号",
        by=staff.manager,
    )
    bill_month(world, staff, 2026, 6)  # 2.00 was in force on June 1st
    clock.set(2026, 8, 1)
    bill_month(world, staff, 2026, 7)
    amounts = dict(BillLine.objects.filter(item=fees.management).values_list("period", "amount"))
    assert amounts == {JUNE: Decimal("197.00"), dt.date(2026, 7, 1): Decimal("236.40")}


def test_fee2_a_missing_rate_is_reported_not_guessed(world, fees, occupied, staff):
    office = add_house(world, "103", usage=Usage.OFFICE)  # the management fee has no office rate
    done = bill_month(world, staff, 2026, 6)
    assert done.missing_rates == [["wyf", "office"]]
    assert lines_of(office) == {("ggnh", Decimal("10.00"))}  # the fixed fee applies to every usage


def test_fee2_unsold_and_not_handed_over_houses_are_billed_to_the_developer_by_default(world, fees, occupied, staff):
    unsold = add_house(world, "104", sold=False, status=HouseStatus.VACANT)
    not_handed_over = add_house(world, "105", status=HouseStatus.NOT_HANDED_OVER)
    bill_month(world, staff, 2026, 6)
    for house in (unsold, not_handed_over):
        bill = Bill.objects.get(house=house)
        assert bill.payer == Payer.DEVELOPER
        assert lines_of(house) == {("wyf", Decimal("160.00")), ("ggnh", Decimal("10.00"))}
    assert Bill.objects.get(house=occupied).payer == Payer.OWNER
    assert "未售 建设单位 100%" in BillLine.objects.filter(house=unsold).first().description


def test_fee2_policy_may_skip_unsold_houses_or_bill_not_handed_over_ones_at_a_percentage(world, fees, staff):
    unsold = add_house(world, "104", sold=False, status=HouseStatus.VACANT)
    not_handed_over = add_house(world, "105", status=HouseStatus.NOT_HANDED_OVER)
    rates.billing_policy_set(
        project=world.project_a,
        by=staff.manager,
        unsold_treatment=Treatment.SKIP,
        not_handed_over_treatment=Treatment.OWNER,
        not_handed_over_percent=50,
    )
    preview = billing_run_preview(project=world.project_a, month=JUNE, by=staff.cashier)
    assert preview.skipped["unsold"] == 1
    bill_month(world, staff, 2026, 6)
    assert not Bill.objects.filter(house=unsold).exists()
    assert Bill.objects.get(house=not_handed_over).payer == Payer.OWNER
    assert lines_of(not_handed_over) == {("wyf", Decimal("80.00")), ("ggnh", Decimal("5.00"))}


def test_fee2_policy_changes_keep_their_history_and_are_checked(world, staff):
    policy = rates.billing_policy_set(project=world.project_a, by=staff.manager, due_day=15)
    rates.billing_policy_set(project=world.project_a, by=staff.manager, due_day=12)
    assert [h.due_day for h in policy.history.order_by("history_id")] == [15, 12]
    with pytest.raises(DomainError) as error:
        rates.billing_policy_set(project=world.project_a, by=staff.manager, custody_percent=120)
    assert error.value.code == "billing_policy_percent_invalid"
    with pytest.raises(DomainError):
        rates.billing_policy_set(project=world.project_a, by=staff.manager, unsold_treatment="free")


def test_fee2_a_house_is_billed_by_its_status_at_the_end_of_the_month(world, fees, staff, clock):
    """The MOV-14 history decides: handed over in June → billed to the owner for June,
    even if it is vacant again by the time the run reaches it."""
    clock.set(2026, 5, 20)
    house = add_house(world, "106", status=HouseStatus.NOT_HANDED_OVER)
    clock.set(2026, 6, 15)
    house_change_status(house=house, to_status=HouseStatus.HANDED_OVER, reason="交房", by=staff.manager)
    clock.set(2026, 7, 1)
    house_change_status(house=house, to_status=HouseStatus.NOT_HANDED_OVER, reason="退房", by=staff.manager)
    bill_month(world, staff, 2026, 5)
    bill_month(world, staff, 2026, 6)
    payers = dict(Bill.objects.filter(house=house).values_list("period", "payer"))
    assert payers == {dt.date(2026, 5, 1): Payer.DEVELOPER, JUNE: Payer.OWNER}
    assert HouseStatusChange.objects.filter(house=house).count() == 3


def test_fee2_preview_writes_nothing_and_shows_what_the_run_issues(world, fees, occupied, staff):
    add_house(world, "101", usage=Usage.SHOP, area="50.00")
    add_house(world, "104", sold=False, status=HouseStatus.VACANT)
    preview = billing_run_preview(project=world.project_a, month=JUNE, by=staff.cashier)
    assert not Bill.objects.exists() and not BillingRun.objects.exists()
    assert (preview.houses, preview.houses_billed, preview.lines, preview.due_date) == (3, 3, 6, dt.date(2026, 7, 10))
    assert preview.by_item["wyf"] == {"name": "物业管理费", "lines": 3, "total": Decimal("532.00")}
    assert preview.by_payer == {Payer.OWNER: Decimal("392.00"), Payer.DEVELOPER: Decimal("170.00")}
    done = bill_month(world, staff, 2026, 6)
    assert done.lines_created == preview.lines
    assert sum(BillLine.objects.values_list("amount", flat=True)) == preview.total
    again = billing_run_preview(project=world.project_a, month=JUNE, by=staff.cashier)
    assert (again.lines, again.already_issued) == (0, 6)


def test_fee2_prepaid_credit_pays_the_new_bill(world, fees, occupied, staff, clock):
    pay(occupied, staff.cashier, "300.00", lines=[])  # 预存
    assert credit_balance(occupied) == Decimal("300.00")
    bill_month(world, staff, 2026, 6)
    assert open_lines(occupied) == []
    assert credit_balance(occupied) == Decimal("93.00")
    assert Entry.objects.filter(house=occupied, kind="credit_applied").count() == 2


def test_fee2_the_run_dates_its_lines_the_day_it_runs(world, fees, occupied, staff, clock):
    clock.now = at(2026, 7, 3, 23, 30)  # late evening in Shanghai, still the 3rd
    bill_month(world, staff, 2026, 6)
    assert set(BillLine.objects.values_list("charged_on", flat=True)) == {dt.date(2026, 7, 3)}
    assert timezone.localdate() == dt.date(2026, 7, 3)


def test_fee2_the_run_is_processed_by_a_celery_task_that_may_be_repeated(world, fees, occupied, staff):
    from propdesk.billing.tasks import billing_run_continue

    started = billing_run_start(project=world.project_a, month=JUNE, by=staff.cashier)
    result = billing_run_continue.delay(started.pk).get()
    assert result == {"status": RunStatus.DONE, "houses_done": 1, "lines_created": 2}
    assert billing_run_continue.delay(started.pk).get()["lines_created"] == 2  # nothing more
    assert BillLine.objects.count() == 2
