"""The forms of the console: a bank profile (FEE_CONFIGURE), a mandate (FEE_COLLECT) —
the account number kept when left blank on edit and never shown in full."""

from __future__ import annotations

import pytest

from propdesk.bankcollect.models import BankMandate, BankProfile
from propdesk.core.testing import page_client

pytestmark = pytest.mark.django_db


def test_fee5_profile_form_saves_ordered_columns(world):
    client = page_client(world, "manager")
    assert client.get("/bankcollect/profiles/new/").status_code == 200
    data = {
        "project": world.project_a.pk,
        "bank_name": "农业银行",
        "file_format": "csv",
        "encoding": "gbk",
        "columns": "account_number=卡号\namount=扣款金额\nreference=流水号",
        "active": "on",
    }
    assert client.post("/bankcollect/profiles/new/", data).status_code == 302
    profile = BankProfile.objects.get(bank_name="农业银行")
    assert profile.column_labels() == [("account_number", "卡号"), ("amount", "扣款金额"), ("reference", "流水号")]
    refused = client.post("/bankcollect/profiles/new/", {**data, "bank_name": "中行", "columns": "amount=金额"})
    assert refused.status_code == 400 and "账号" in refused.content.decode()


def test_fee5_mandate_form_records_and_keeps_the_number_masked(world, profile):
    client = page_client(world, "cashier")
    assert client.get("/bankcollect/mandates/new/").status_code == 200
    data = {
        "house": world.house_a.code,
        "profile": profile.pk,
        "account_name": "张三",
        "account_number": "6222020200112233445",
        "active_from": "2026-01-01",
    }
    assert client.post("/bankcollect/mandates/new/", data).status_code == 302
    mandate = BankMandate.objects.get()
    page = client.get(f"/bankcollect/mandates/{mandate.pk}/").content.decode()
    assert "6222020200112233445" not in page and mandate.masked_account in page
    edited = client.post(f"/bankcollect/mandates/{mandate.pk}/", {**data, "account_number": "", "account_name": "张三丰"})
    assert edited.status_code == 302
    mandate.refresh_from_db()
    assert (mandate.account_name, mandate.account_number) == ("张三丰", "6222020200112233445")
    other = client.post("/bankcollect/mandates/new/", {**data, "house": "9-9-999"})
    assert other.status_code == 400 and "没有房屋" in other.content.decode()
