"""Fixtures of the bank collection tests: billing's clock, fee items and staff, a bank
profile of project A, mandates, and a return file written like the bank's."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from propdesk.bankcollect.services import mandate_save, profile_save
from propdesk.billing.tests.conftest import (  # noqa: F401 — billing's fixtures, reused
    add_house,
    bill_month,
    clock,
    fees,
    make_fees,
    occupied,
    pay,
    staff,
)

COLUMNS = [
    {"field": "reference", "header": "托收编号"},
    {"field": "account_name", "header": "户名"},
    {"field": "account_number", "header": "账号"},
    {"field": "amount", "header": "金额"},
    {"field": "house_code", "header": "房屋编码"},
]


@pytest.fixture
def profile(world, staff):  # noqa: F811 — billing fixture names
    return profile_save(project=world.project_a, by=staff.manager, bank_name="工商银行", columns=COLUMNS, file_format="csv")


def mandate_for(house, profile, by, *, number="6222020200112233445", since=dt.date(2026, 1, 1)):
    return mandate_save(by=by, house=house, profile=profile, account_name="张三", account_number=number, active_from=since)


@pytest.fixture
def houses(world, fees, staff, occupied, profile):  # noqa: F811
    """House A and two more houses of project A, lived in, with mandates, billed for
    May and June 2026 (the clock: 2026-07-01)."""
    more = [add_house(world, room) for room in ("101", "102")]
    everyone = [occupied, *more]
    for house in everyone:
        mandate_for(house, profile, staff.cashier)
    bill_month(world, staff, 2026, 5)
    bill_month(world, staff, 2026, 6)
    return everyone


def return_csv(batch, results: dict | None = None, *, encoding="gbk", rows=None, date="2026-07-01") -> bytes:
    """The bank's return file for `batch`: every line succeeded unless `results` says
    {reference: (result, code, reason)}."""
    results = results or {}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["托收编号", "户名", "账号", "金额", "房屋编码", "扣款结果", "失败代码", "失败原因", "扣款日期"])
    for line in rows if rows is not None else batch.lines.select_related("house", "mandate").order_by("seq"):
        result, code, reason = results.get(line.reference, ("成功", "", ""))
        writer.writerow(
            [
                line.reference,
                line.mandate.account_name,
                line.mandate.account_number,
                f"{line.amount}",
                line.house.code,
                result,
                code,
                reason,
                date,
            ]
        )
    return out.getvalue().encode(encoding)
