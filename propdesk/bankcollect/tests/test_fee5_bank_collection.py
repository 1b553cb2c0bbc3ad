"""Bank collection (银行托收, FEE-5: a payment counts when the bank's money is received):
export, the return file, idempotent re-import, money the desk took meanwhile, totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from propdesk.bankcollect.choices import BatchStatus, LineStatus
from propdesk.bankcollect.fileio import ReturnFileError, parse_return
from propdesk.bankcollect.masking import mask_account
from propdesk.bankcollect.models import BatchLine, UnmatchedRow
from propdesk.bankcollect.selectors import batch_summary
from propdesk.bankcollect.services import batch_close, batch_export, batch_import_return, mandate_save, profile_save
from propdesk.billing.choices import PaymentMethod
from propdesk.billing.models import Payment
from propdesk.billing.selectors import credit_balance, house_balance, open_lines
from propdesk.core.errors import DomainError
from propdesk.core.money import money_sum

from .conftest import COLUMNS, mandate_for, pay, return_csv

pytestmark = pytest.mark.django_db
CUTOFF = dt.date(2026, 6, 30)


def test_fee5_export_freezes_open_lines_oldest_first_per_house(houses, profile, staff):
    batch = batch_export(profile=profile, cutoff=CUTOFF, by=staff.cashier)
    lines = list(batch.lines.order_by("seq"))
    assert len(lines) == 3 and batch.line_count == 3
    for line in lines:
        owed = open_lines(line.house)
        assert line.amount == money_sum(s.total for s in owed)
        assert set(line.bill_lines.values_list("pk", flat=True)) == {s.line.pk for s in owed}
        assert line.periods == "2026-05~2026-06"
    assert batch.total_amount == money_sum(line.amount for line in lines)
    content = batch.export_file.read().decode("gbk")
    assert content.splitlines()[0] == "托收编号,户名,账号,金额,房屋编码"
    assert "6222020200112233445" in content  # the bank needs the full number


def test_fee5_cutoff_leaves_later_months_out(houses, profile, staff):
    batch = batch_export(profile=profile, cutoff=dt.date(2026, 5, 31), by=staff.cashier)
    assert {line.periods for line in batch.lines.all()} == {"2026-05"}


def test_fee5_export_excludes_houses_in_a_batch_waiting_for_its_return_file(world, houses, profile, staff):
    first = batch_export(profile=profile, cutoff=CUTOFF, by=staff.cashier)
    with pytest.raises(DomainError) as refused:
        batch_export(profile=profile, cutoff=CUTOFF, by=staff.cashier)
    assert refused.value.code == "batch_nothing_to_collect"
    # A new mandate's house is exported; the houses of the pending batch are not.
    from .conftest import add_house

    newcomer = add_house(world, "103")
    mandate_for(newcomer, profile, staff.cashier, number="6222020200199998888")
    from propdesk.billing.run import billing_run

    billing_run(project=world.project_a, month=dt.date(2026, 6, 1), by=staff.cashier)
    second = batch_export(profile=profile, cutoff=CUTOFF, by=staff.cashier)
    assert [line.house for line in second.lines.all()] == [newcomer]
    # Once the first batch is returned, a house it failed to collect may be exported again.
    failed_ref = first.lines.order_by("seq").first().reference
    batch_import_return(
        batch=first, content=return_csv(first, {failed_ref: ("失败", "3001", "余额不足")}), filename="r.csv", by=staff.cashier
    )
    third = batch_export(profile=profile, cutoff=CUTOFF, by=staff.cashier)
    assert [line.reference for line in third.lines.all()] and third.lines.get().house_id == first.lines.get(
        reference=failed_ref
    ).house_id


def test_fee5_return_file_records_payments_failures_and_unmatched(houses, profile, staff):
    batch = batch_export(profile=profile, cutoff=CUTOFF, by=staff.cashier)
    lines = list(batch.lines.select_related("house", "mandate").order_by("seq"))
    stray = BatchLine(reference="99999", house=lines[0].house, mandate=lines[0].mandate, amount=Decimal("1.00"))
    content = return_csv(batch, {lines[1].reference: ("失败", "3001", "余额不足")}, rows=[lines[0], lines[1], stray])
    result = batch_import_return(batch=batch, content=content, filename="回盘.csv", by=staff.cashier)
    assert (result.paid, result.failed, result.unmatched, result.not_returned) == (1, 1, 1, 1)
    paid, failed, missing = (BatchLine.objects.get(pk=line.pk) for line in lines)
    assert paid.status == LineStatus.PAID and paid.payment.method == PaymentMethod.BANK_COLLECTION
    assert paid.payment.received_on == dt.date(2026, 7, 1)
    assert house_balance(paid.house) == 0 and open_lines(paid.house) == []
    assert (failed.status, failed.reason_code, failed.reason) == (LineStatus.FAILED, "3001", "余额不足")
    assert missing.status == LineStatus.UNMATCHED
    unmatched = UnmatchedRow.objects.get(batch=batch)
    assert unmatched.reference == "99999" and unmatched.row == 4
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RETURNED


def test_fee5_reimporting_the_same_file_never_charges_twice(houses, profile, staff):
    batch = batch_export(profile=profile, cutoff=CUTOFF, by=staff.cashier)
    content = return_csv(batch, date="")
    first = batch_import_return(batch=batch, content=content, filename="r.csv", by=staff.cashier)
    again = batch_import_return(batch=batch, content=content, filename="r.csv", by=staff.cashier)
    assert first.paid == 3 and again.paid == 0 and again.already_paid == 3
    assert Payment.objects.filter(method=PaymentMethod.BANK_COLLECTION).count() == 3
    assert all(house_balance(line.house) == 0 for line in batch.lines.all())


def test_fee5_money_the_desk_took_meanwhile_becomes_credit_not_a_second_payment(houses, profile, staff, occupied):
    batch = batch_export(profile=profile, cutoff=CUTOFF, by=staff.cashier)
    line = batch.lines.get(house=occupied)
    pay(occupied, staff.cashier, line.amount)  # the owner paid at the desk after the export
    assert house_balance(occupied) == 0
    result = batch_import_return(batch=batch, content=return_csv(batch, date=""), filename="r.csv", by=staff.cashier)
    assert result.to_credit == 1
    payment = BatchLine.objects.get(pk=line.pk).payment
    assert payment.entries.filter(line__isnull=False).count() == 0  # no line paid twice
    assert credit_balance(occupied) == line.amount and house_balance(occupied) == -line.amount


def test_fee5_partly_paid_meanwhile_pays_the_rest_and_credits_the_difference(houses, profile, staff, occupied):
    batch = batch_export(profile=profile, cutoff=CUTOFF, by=staff.cashier)
    line = batch.lines.get(house=occupied)
    oldest = open_lines(occupied)[0]
    pay(occupied, staff.cashier, oldest.total, lines=[oldest.line])
    batch_import_return(batch=batch, content=return_csv(batch, date=""), filename="r.csv", by=staff.cashier)
    assert open_lines(occupied) == [] and BatchLine.objects.get(pk=line.pk).status == LineStatus.PAID
    assert credit_balance(occupied) == oldest.total


def test_fee5_totals_reconcile(houses, profile, staff):
    batch = batch_export(profile=profile, cutoff=CUTOFF, by=staff.cashier)
    refs = [line.reference for line in batch.lines.order_by("seq")]
    batch_import_return(
        batch=batch, content=return_csv(batch, {refs[2]: ("失败", "E1", "账户冻结")}, date=""), filename="r.csv", by=staff.cashier
    )
    summary = batch_summary(batch)
    assert summary.total_count == 3 and summary.total_amount == batch.total_amount
    counts = {row.status: row.count for row in summary.rows}
    assert counts == {"pending": 0, "paid": 2, "failed": 1, "unmatched": 0}
    assert summary.reconciled and summary.payments_amount == money_sum(
        Payment.objects.filter(method=PaymentMethod.BANK_COLLECTION).values_list("amount", flat=True)
    )
    batch_close(batch=batch, by=staff.cashier)
    with pytest.raises(DomainError) as closed:
        batch_import_return(batch=batch, content=return_csv(batch), filename="r.csv", by=staff.cashier)
    assert closed.value.code == "batch_closed"


def test_fee5_fallback_match_by_house_code_and_amount(houses, profile, staff):
    batch = batch_export(profile=profile, cutoff=CUTOFF, by=staff.cashier)
    rows = list(batch.lines.select_related("house", "mandate").order_by("seq"))
    for row in rows:
        row.reference = ""  # the bank dropped the reference column's values
    result = batch_import_return(batch=batch, content=return_csv(batch, rows=rows, date=""), filename="r.csv", by=staff.cashier)
    assert result.paid == 3 and result.unmatched == 0


def test_fee5_row_errors_name_row_and_chinese_column_and_write_nothing(houses, profile, staff):
    batch = batch_export(profile=profile, cutoff=CUTOFF, by=staff.cashier)
    good = return_csv(batch, date="").decode("gbk").splitlines()
    bad = [good[0], good[1].replace(",成功,", ",也许,"), good[2].replace(f",{batch.lines.order_by('seq')[1].amount},", ",abc,")]
    with pytest.raises(ReturnFileError) as refused:
        batch_import_return(batch=batch, content="\n".join(bad).encode("gbk"), filename="r.csv", by=staff.cashier)
    errors = refused.value.errors
    assert [(e["row"], e["column"]) for e in errors] == [(2, "扣款结果"), (3, "金额")]
    assert Payment.objects.count() == 0 and BatchLine.objects.filter(status=LineStatus.PENDING).count() == 3


def test_fee5_missing_result_column_is_refused(profile):
    with pytest.raises(ReturnFileError) as refused:
        parse_return(profile, "托收编号,金额\n000100001,10.00\n".encode("gbk"))
    assert refused.value.errors[0]["column"] == "扣款结果"


def test_fee5_xlsx_profile_round_trip(houses, staff, world):
    xlsx = profile_save(project=world.project_a, by=staff.manager, bank_name="建设银行", columns=COLUMNS, file_format="xlsx")
    from propdesk.bankcollect.models import BankMandate

    for mandate in BankMandate.objects.all():
        mandate_save(
            by=staff.cashier,
            house=mandate.house,
            profile=xlsx,
            account_name=mandate.account_name,
            account_number=mandate.account_number,
            active_from=mandate.active_from,
            mandate=mandate,
        )
    batch = batch_export(profile=xlsx, cutoff=CUTOFF, by=staff.cashier)
    from openpyxl import load_workbook

    sheet = load_workbook(batch.export_file.open("rb")).worksheets[0]
    assert [c.value for c in sheet[1]] == ["托收编号", "户名", "账号", "金额", "房屋编码"]
    assert sheet.max_row == 4


def test_fee5_mandate_rules(world, profile, staff, occupied):
    mandate = mandate_for(occupied, profile, staff.cashier, number="6222 0202 0011 2233")
    assert mandate.account_number == "6222020200112233" and mandate.masked_account == "6222********2233"
    with pytest.raises(DomainError) as overlap:
        mandate_for(occupied, profile, staff.cashier, since=dt.date(2026, 3, 1))
    assert overlap.value.code == "mandate_overlaps"
    with pytest.raises(DomainError) as bad:
        mandate_for(world.house_a, profile, staff.cashier, number="12ab")
    assert bad.value.code == "mandate_account_invalid"


def test_fee5_profile_needs_amount_account_and_a_match_key(world, staff):
    with pytest.raises(DomainError) as refused:
        profile_save(project=world.project_a, by=staff.manager, bank_name="农行", columns=[{"field": "amount", "header": "金额"}])
    assert refused.value.code == "profile_columns_incomplete"


@given(st.text(alphabet="0123456789", min_size=8, max_size=30))
@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fee5_masked_account_keeps_only_the_ends(number):
    masked = mask_account(number)
    assert len(masked) == len(number) and masked[-4:] == number[-4:]
    assert masked.count("*") >= len(number) - 8
