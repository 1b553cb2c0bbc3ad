"""End-to-end in a real browser: the cashier collects a house's arrears at the desk.

House 3-2-1201 of project A owes two months' bills, the older one overdue. The cashier
opens 收费台 from the menu, types the house code, sees the months owed oldest first with
the live late fee (FEE-3), takes the payment with the overdue lines ticked by default and
ticks every line and lands on the A5 receipt (gap-free number, amount in capital numerals). Back at the desk,
the house is settled — and the settlement check (FEE-9) agrees.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from propdesk.billing.models import Payment
from propdesk.billing.run import billing_run
from propdesk.billing.selectors import settlement
from propdesk.billing.tests.conftest import make_fees
from propdesk.estate.choices import HouseStatus
from propdesk.estate.services import house_change_status

pytestmark = pytest.mark.browser


def _months_ago(count: int) -> dt.date:
    month = timezone.localdate().replace(day=1)
    for _i in range(count):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


def test_cashier_takes_an_overdue_payment_and_prints_the_receipt(world, login_as):
    from playwright.sync_api import expect

    admin = world.users[("admin", "*")]
    cashier = world.users[("cashier", "a")]
    make_fees(world)
    house_change_status(house=world.house_a, to_status=HouseStatus.OWNER_OCCUPIED, reason="业主入住", by=admin)
    for back in (2, 1):
        billing_run(project=world.project_a, month=_months_ago(back), by=admin)
    owed = settlement(world.house_a)
    assert not owed.settled and owed.late_fees > 0

    page = login_as(cashier)
    page.get_by_role("navigation").get_by_role("link", name="收费台").click()
    expect(page.locator("h1")).to_contain_text("收费台")
    page.locator("#desk-find input[name=q]").fill("3栋2单元1201")
    page.locator("#desk-find button").click()
    expect(page.locator("#desk-house .house-code")).to_have_text("3-2-1201")
    expect(page.locator("#desk-late-fees")).to_have_text(str(owed.late_fees))
    expect(page.locator("#desk-settlement")).to_contain_text("未结清")
    overdue_row = page.locator("#desk-lines tbody tr.overdue").first
    expect(overdue_row.locator("td.late-fee")).not_to_be_empty()
    expect(overdue_row.locator("input[name=lines]")).to_be_checked()

    # The customer settles everything, this month's bill too: tick every line (the amount follows).
    boxes = page.locator("#desk-lines input[name=lines]")
    for index in range(boxes.count()):
        boxes.nth(index).check()
    expect(page.locator("#id_amount")).to_have_value(str(owed.total))
    page.locator("#id_tendered").fill("2000")
    expect(page.locator("#change")).not_to_have_text("0.00")
    page.get_by_role("button", name="收款并打印收据").click()

    payment = Payment.objects.get()
    expect(page.locator("#receipt-number")).to_have_text(payment.receipt_number)
    expect(page.locator("#receipt-house")).to_have_text("3-2-1201")
    expect(page.locator("#receipt-words")).to_contain_text("元")
    expect(page.locator("#receipt-lines")).to_contain_text("违约金")
    assert payment.receipt_number == "00000001" and payment.change == 2000 - payment.amount

    page.goto(f"/billing/desk/?house={world.house_a.pk}")
    expect(page.locator("#desk-settlement")).to_contain_text("已结清")
    assert settlement(world.house_a).settled
