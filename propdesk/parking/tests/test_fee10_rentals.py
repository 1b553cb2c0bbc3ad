"""FEE-10: monthly rentals at 100 yuan a month, charged through billing once per period;
renewals as new periods; IC cards for monthly renters only, against a 50-yuan deposit; the
weekly rental list for the garage cashier."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.http import Http404
from openpyxl import load_workbook

from propdesk.billing.choices import FeeKind
from propdesk.billing.models import BillLine
from propdesk.billing.run import billing_run
from propdesk.billing.selectors import open_lines
from propdesk.billing.tests.conftest import pay
from propdesk.core.errors import DomainError
from propdesk.deposits.choices import DepositKind, RefundStatus
from propdesk.deposits.services import refund_approve, refund_request
from propdesk.estate.choices import ParkingKind
from propdesk.notifications.models import Notification
from propdesk.parking import services
from propdesk.parking.choices import CardStatus
from propdesk.parking.models import RentalExport
from propdesk.parking.selectors import rental_rows
from propdesk.parking.tasks import weekly_rental_exports

from .conftest import space

pytestmark = pytest.mark.django_db


def rent(world, by, *, months=3, code="B1-A0001", **kwargs):
    return services.rental_create(
        space=kwargs.pop("space", None) or space(world.project_a, code),
        house=world.house_a,
        renter_name="张三",
        plates="浙A12345, 浙A 6789X",
        months=months,
        by=by,
        started_on=kwargs.pop("started_on", dt.date(2026, 7, 1)),
        **kwargs,
    )


def test_fee10_monthly_rent_defaults_to_100_and_each_period_is_one_billing_line(world, fees, occupied, staff):
    rental = rent(world, staff.cashier)
    assert rental.monthly_rent == Decimal("100.00") and rental.plates == "浙A12345,浙A 6789X"
    period = rental.periods.get()
    assert (period.starts_on, period.ends_on, period.amount) == (dt.date(2026, 7, 1), dt.date(2026, 10, 1), Decimal("300.00"))
    line = period.line
    assert (line.item.kind, line.amount, line.quantity, line.unit_price) == (FeeKind.PARKING, Decimal("300.00"), 3, 100)
    assert line.house_id == world.house_a.pk and "B1-A0001" in line.description
    assert services.period_charge(period=period, by=staff.cashier).pk == line.pk  # idempotent
    assert BillLine.objects.filter(item=fees.parking).count() == 1


def test_fee10_the_project_tariff_sets_the_default_rent(world, fees, occupied, staff):
    services.tariff_set(project=world.project_a, by=staff.manager, monthly_rent="120")
    assert rent(world, staff.cashier, months=1).periods.get().amount == Decimal("120.00")


def test_fee10_the_monthly_run_does_not_bill_parking_twice(world, fees, occupied, staff):
    rent(world, staff.cashier, months=1)
    billing_run(project=world.project_a, month=dt.date(2026, 7, 1), by=staff.cashier)
    parking_lines = BillLine.objects.filter(house=world.house_a, item__kind=FeeKind.PARKING)
    assert parking_lines.count() == 1  # the rental's, none from the run
    assert BillLine.objects.filter(house=world.house_a, item=fees.management).count() == 1


def test_fee10_renewal_is_a_new_period_from_the_end_of_the_last(world, fees, occupied, staff):
    rental = rent(world, staff.cashier, months=1, started_on=dt.date(2026, 1, 31))
    renewed = services.rental_renew(rental=rental, months=2, by=staff.cashier)
    assert (renewed.starts_on, renewed.ends_on) == (dt.date(2026, 2, 28), dt.date(2026, 4, 28))
    assert [p.line.amount for p in rental.periods.order_by("starts_on")] == [Decimal("100.00"), Decimal("200.00")]


def test_fee10_a_period_registered_without_billing_rights_waits_and_is_charged_once(world, fees, occupied, staff):
    rental = rent(world, staff.supervisor)  # PARKING_MANAGE without FEE_BILL
    period = rental.periods.get()
    assert period.line is None
    with pytest.raises(Http404):
        services.period_charge(period=period, by=staff.supervisor)
    line = services.period_charge(period=period, by=staff.cashier)
    assert services.period_charge(period=period, by=staff.manager).pk == line.pk


def test_fee10_only_monthly_rental_spaces_are_rented_and_one_rental_at_a_time(world, fees, occupied, staff):
    owned = space(world.project_a, "B1-X0001", ParkingKind.OWNED)
    with pytest.raises(DomainError) as exc:
        rent(world, staff.cashier, space=owned)
    assert exc.value.code == "rental_space_not_rentable"
    rental = rent(world, staff.cashier)
    with pytest.raises(DomainError) as exc:
        rent(world, staff.cashier, space=rental.space)
    assert exc.value.code == "rental_space_taken"


def test_fee10_ic_card_deposit_is_50_yuan_taken_through_deposits(world, fees, occupied, staff):
    rental = rent(world, staff.cashier)
    card = services.card_issue(rental=rental, number="ic-0001", by=staff.cashier, method="cash", idempotency_key="c1")
    deposit = card.deposit
    assert (card.number, card.status) == ("IC-0001", CardStatus.ISSUED)
    assert (deposit.kind, deposit.amount, deposit.house_id, deposit.payer_name) == (
        DepositKind.IC_CARD,
        Decimal("50.00"),
        world.house_a.pk,
        "张三",
    )
    again = services.card_issue(rental=rental, number="IC-0001", by=staff.cashier, method="cash", idempotency_key="c1")
    assert again.pk == card.pk  # a retried submission
    with pytest.raises(DomainError) as exc:
        services.card_issue(rental=rental, number="IC-0001", by=staff.cashier, method="cash", idempotency_key="c2")
    assert exc.value.code == "card_number_in_use"


def test_fee10_ic_cards_are_refused_to_anyone_not_renting_monthly(world, fees, occupied, staff, clock):
    rental = rent(world, staff.cashier, months=1, started_on=dt.date(2026, 5, 1))  # ended May 31st
    with pytest.raises(DomainError) as exc:
        services.card_issue(rental=rental, number="IC-9", by=staff.cashier, method="cash", idempotency_key="k")
    assert exc.value.code == "card_not_monthly_renter"
    services.rental_renew(rental=rental, months=3, by=staff.cashier)  # June–August
    card = services.card_issue(rental=rental, number="IC-9", by=staff.cashier, method="cash", idempotency_key="k")
    with pytest.raises(DomainError) as exc:
        services.rental_end(rental=rental, by=staff.cashier)
    assert exc.value.code == "rental_cards_out"
    services.card_lost(card=card, by=staff.cashier)
    services.rental_end(rental=rental, by=staff.cashier)
    with pytest.raises(DomainError) as exc:
        services.card_issue(rental=rental, number="IC-10", by=staff.cashier, method="cash", idempotency_key="k2")
    assert exc.value.code == "card_not_monthly_renter"


def test_fee9_deposit_refund_of_a_returned_ic_card_needs_the_rent_paid_or_deducted(world, fees, occupied, staff, clock):
    rental = rent(world, staff.cashier, months=1)
    card = services.card_issue(rental=rental, number="IC-1", by=staff.cashier, method="cash", idempotency_key="k")
    with pytest.raises(DomainError) as exc:  # the card is still in use
        refund_request(deposit=card.deposit, by=staff.cashier)
    assert exc.value.code == "refund_card_in_use"
    services.card_return(card=card, by=staff.cashier)
    with pytest.raises(DomainError) as exc:  # the July rent (100) is open
        refund_request(deposit=card.deposit, by=staff.cashier)
    assert exc.value.code == "refund_house_not_settled"
    pay(world.house_a, staff.cashier, "100.00")
    refund = refund_approve(refund=refund_request(deposit=card.deposit, by=staff.cashier), approver=staff.supervisor)
    assert (refund.status, refund.net_amount) == (RefundStatus.APPROVED, Decimal("50.00"))
    assert open_lines(world.house_a) == []


def test_fee10_rental_list_says_whether_the_current_period_is_paid(world, fees, occupied, staff, clock):
    rental = rent(world, staff.cashier, months=1)
    [row] = rental_rows(project_ids=[world.project_a.pk], as_of=dt.date(2026, 7, 1))
    assert (row.space_code, row.plates, row.paid, row.uncharged) == ("B1-A0001", rental.plates, False, False)
    pay(world.house_a, staff.cashier, "100.00")
    [row] = rental_rows(project_ids=[world.project_a.pk], as_of=dt.date(2026, 7, 1))
    assert row.paid


def test_fee10_weekly_export_is_made_once_and_the_cashier_is_notified_once(world, fees, occupied, staff, clock):
    rent(world, staff.cashier, months=1)
    assert weekly_rental_exports.delay().get() == {"exports_created": 1}
    assert weekly_rental_exports.delay().get() == {"exports_created": 0}
    export = RentalExport.objects.get()
    assert (export.project_id, export.week, export.rows) == (world.project_a.pk, dt.date(2026, 6, 29), 1)
    sheet = load_workbook(BytesIO(export.file.read())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("车位", "区域", "车牌号", "租用人") and rows[1][0] == "B1-A0001" and rows[1][8] == "未缴"
    notes = Notification.objects.filter(kind="parking.rental_export")
    assert [n.recipient_id for n in notes] == [staff.cashier.pk]
    assert notes[0].link == f"/parking/exports/{export.pk}/"
