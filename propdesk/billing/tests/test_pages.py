"""The cashier's console pages — 收费台, receipt, notices, the monthly run, arrears, the
daily close — and who may use them. Collect: cashier, supervisor, PM, admin; read:
assistant and head office as well; everyone else (engineer, guard, cleaner, archivist, a
resident) gets the same 404 as a page that does not exist."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import transaction
from django.urls import reverse
from openpyxl import load_workbook

from propdesk.billing import views as billing_views
from propdesk.billing.choices import RunStatus
from propdesk.billing.models import BillingRun, BillLine, CashierClose, Payment, ReceiptPrint
from propdesk.billing.run import billing_run
from propdesk.billing.selectors import settlement
from propdesk.core.testing import cells, check_page_matrix, page_client
from propdesk.estate.choices import HouseStatus
from propdesk.estate.services import house_change_status

from .conftest import make_fees, pay

pytestmark = pytest.mark.django_db

# Written out as the rule (accounts/roles.py: FEE_COLLECT, FEE_VIEW, FEE_BILL).
COLLECTORS = {"cashier", "supervisor", "manager", "admin"}
READERS = COLLECTORS | {"assistant", "head_office"}
BILLERS = {"cashier", "manager", "admin"}


@pytest.fixture
def owing(world, clock):
    """Both houses lived in and billed for May and June 2026; today is July 20th, so May
    (due June 10th) is 40 days overdue and June (due July 10th) 10 days."""
    admin = world.users[("admin", "*")]
    for project, house in ((world.project_a, world.house_a), (world.project_b, world.house_b)):
        make_fees(world, project)
        house_change_status(house=house, to_status=HouseStatus.OWNER_OCCUPIED, reason="业主入住", by=admin)
        for month in (5, 6):
            billing_run(project=project, month=dt.date(2026, month, 1), by=admin)
    clock.set(2026, 7, 20)
    return world


def _form(client, house) -> dict:
    """What the rendered desk form would submit as it stands (the defaults)."""
    page = client.get(reverse("billing:desk"), {"house": house.pk})
    form = page.context["form"]
    return {
        "lines": form["lines"].value(),
        "method": "cash",
        "amount": str(form["amount"].value()),
        "tendered": "1000",
        "idempotency_key": form["idempotency_key"].value(),
    }


def test_desk_search_permission_matrix(owing):
    def act(client, cell):
        house = cell.pick(owing.house_a, owing.house_b)
        response = client.get(reverse("billing:desk"), {"q": house.code})
        return response, response.status_code == 200 and 'id="desk-house"' in response.content.decode()

    check_page_matrix(owing, READERS, act)


def test_desk_house_door_and_form_by_role(owing):
    """A reader sees the house's account; only a collector gets the payment form; another
    project's house is "not found"."""
    failures = []
    for cell in cells(READERS):
        house = cell.pick(owing.house_a, owing.house_b)
        response = page_client(owing, cell.role).get(reverse("billing:desk"), {"house": house.pk})
        expected = 302 if cell.role is None else 200 if cell.allowed else 404
        form_shown = response.status_code == 200 and 'id="pay-form"' in response.content.decode()
        if response.status_code != expected or form_shown != (cell.allowed and cell.role in COLLECTORS):
            failures.append(f"{cell}: {response.status_code}, form {'shown' if form_shown else 'not shown'}")
    assert not failures, failures


def test_fee3_desk_shows_what_is_owed_oldest_first_with_the_live_late_fee(owing):
    client = page_client(owing, "cashier")
    page = client.get(reverse("billing:desk"), {"q": "3栋2单元1201"})  # a house code typed any way
    html = page.content.decode()
    assert page.context["house"] == owing.house_a
    periods = [s.line.period.month for s in page.context["states"]]
    assert periods == sorted(periods) == [5, 5, 6, 6]
    # May's management fee: 197.00 × 0.003 × 40 days = 23.64; June's: 197.00 × 0.003 × 10 = 5.91.
    late = {(s.line.period.month, s.line.item.code): s.late_fee for s in page.context["states"]}
    assert late[(5, "wyf")] == Decimal("23.64") and late[(6, "wyf")] == Decimal("5.91")
    assert "23.64" in html and 'id="desk-settlement"' in html and "未结清" in html
    assert page.context["form"]["amount"].value() == sum(s.total for s in page.context["states"])


def test_fee5_pay_permission_matrix(owing):
    failures = []
    for cell in cells(COLLECTORS):
        house = cell.pick(owing.house_a, owing.house_b)
        with transaction.atomic():
            data = _form(page_client(owing, "admin"), house)
            response = page_client(owing, cell.role).post(reverse("billing:pay", args=[house.pk]), data)
            done = Payment.objects.exists()
            transaction.set_rollback(True)
        expected = 302 if cell.allowed or cell.role is None else 404
        if response.status_code != expected or done != cell.allowed:
            failures.append(f"{cell}: {response.status_code}, {'paid' if done else 'not paid'}")
    assert not failures, failures


def test_fee5_a_double_submit_charges_once_and_shows_the_same_receipt(owing):
    client = page_client(owing, "cashier")
    data = _form(client, owing.house_a)
    first = client.post(reverse("billing:pay", args=[owing.house_a.pk]), data)
    again = client.post(reverse("billing:pay", args=[owing.house_a.pk]), data)
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert Payment.objects.count() == 1
    payment = Payment.objects.get()
    assert payment.change == Decimal("1000") - payment.amount
    assert settlement(owing.house_a).settled


def test_fee6_payment_errors_are_shown_on_the_form_naming_the_field(owing):
    client = page_client(owing, "cashier")
    data = {**_form(client, owing.house_a), "amount": "10.00", "tendered": ""}
    response = client.post(reverse("billing:pay", args=[owing.house_a.pk]), data)
    assert response.status_code == 400 and not Payment.objects.exists()
    assert "实收金额 10.00 少于所选账目应缴" in response.content.decode()
    assert response.context["form"].errors["amount"]
    response = client.post(reverse("billing:pay", args=[owing.house_a.pk]), {**data, "amount": ""})
    assert response.status_code == 400 and "请填写实收金额" in response.content.decode()
    response = client.post(reverse("billing:pay", args=[owing.house_a.pk]), {**data, "amount": "500", "tendered": "100"})
    assert response.status_code == 400 and "收到的现金少于实收金额" in response.content.decode()


def test_fee6_receipt_prints_the_amount_in_words_and_marks_reprints(owing):
    client = page_client(owing, "cashier")
    line = BillLine.objects.get(house=owing.house_a, period=dt.date(2026, 6, 1), item__code="ggnh")
    payment = pay(owing.house_a, owing.users[("cashier", "a")], "10.30", lines=[line])  # 10.00 + 0.30 late fee
    first = client.get(reverse("billing:receipt", args=[payment.pk])).content.decode()
    assert "@page { size: A5" in first and "壹拾元叁角" in first and "00000001" in first
    assert "违约金" in first and "2026-06" in first and "补打" not in first
    again = page_client(owing, "assistant").get(reverse("billing:receipt", args=[payment.pk])).content.decode()
    assert 'id="reprint">补打 2' in again
    assert list(ReceiptPrint.objects.values_list("copy", flat=True)) == [1, 2]
    assert page_client(owing, "engineer").get(reverse("billing:receipt", args=[payment.pk])).status_code == 404
    assert page_client(owing, "guard").get(reverse("billing:receipt", args=[payment.pk])).status_code == 404


def test_fee2_bill_notices_per_house_and_per_building(owing):
    client = page_client(owing, "assistant")
    one = client.get(reverse("billing:notices"), {"house": owing.house_a.pk, "month": "2026-06"}).content.decode()
    assert "缴费通知单" in one and "2026年7月10日" in one and "往期欠费" in one and "@page" in one
    notice = client.get(reverse("billing:notices"), {"house": owing.house_a.pk, "month": "2026-06"}).context["notices"][0]
    assert notice.month_total == Decimal("207.00") and notice.arrears == Decimal("207.00")
    assert notice.late_fees == Decimal("23.64") + Decimal("1.20") + Decimal("5.91") + Decimal("0.30")
    batch = client.get(reverse("billing:notices"), {"building": owing.house_a.building_id, "month": "2026-06"})
    assert batch.content.decode().count('class="notice"') == 1
    assert client.get(reverse("billing:notices"), {"building": owing.house_b.building_id}).status_code == 404


def test_notice_index_permission_matrix(owing):
    def act(client, cell):
        response = client.get(reverse("billing:notices"))
        project = cell.pick(owing.project_a, owing.project_b)
        return response, response.status_code == 200 and project.name in response.content.decode().split("<main")[-1]

    check_page_matrix(owing, READERS, act)


def test_fee7_arrears_list_with_aging_buckets_and_excel(owing):
    def act(client, cell):
        response = client.get(reverse("billing:arrears"))
        house = cell.pick(owing.house_a, owing.house_b)
        return response, response.status_code == 200 and f'?house={house.pk}"' in response.content.decode()

    check_page_matrix(owing, READERS, act)
    client = page_client(owing, "cashier")
    result = client.get(reverse("billing:arrears")).context["result"]
    (row,) = result.rows
    assert (row.house, row.owed, row.oldest_due, row.bucket) == (owing.house_a, Decimal("414.00"), dt.date(2026, 6, 10), "m3")
    sheet = load_workbook(BytesIO(client.get(reverse("billing:arrears"), {"export": "xlsx"}).content)).active
    assert [c.value for c in sheet[2]][2:4] == ["3-2-1201", 414]


def test_fee7_arrears_list_pages_rows_and_keeps_totals_whole(owing, monkeypatch):
    """Head office's list runs to tens of thousands of houses: a page at a time, the
    bucket totals and the count over all of them."""
    monkeypatch.setattr(billing_views, "ARREARS_PAGE_SIZE", 1)
    client = page_client(owing, "head_office")
    first, second = (client.get(reverse("billing:arrears"), {"page": n}) for n in (1, 2))
    assert [len(r.context["page"]) for r in (first, second)] == [1, 1]
    assert first.context["page"][0].house != second.context["page"][0].house
    owed = first.context["page"][0].owed + second.context["page"][0].owed
    assert first.context["result"].total == second.context["result"].total == owed == Decimal("714.00")
    assert "page=2" in first.content.decode() and "1 / 2" in first.content.decode()


def test_fee2_run_page_previews_starts_and_shows_progress(owing, django_capture_on_commit_callbacks):
    def act(client, cell):
        response = client.get(reverse("billing:runs"))
        project = cell.pick(owing.project_a, owing.project_b)
        return response, response.status_code == 200 and f'value="{project.pk}"' in response.content.decode()

    check_page_matrix(owing, BILLERS, act)
    client = page_client(owing, "cashier")
    preview = client.get(reverse("billing:runs"), {"project": owing.project_a.pk, "month": "2026-07"})
    assert preview.context["preview"].total == Decimal("207.00") and "开始出账" in preview.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("billing:runs"), {"project": owing.project_a.pk, "month": "2026-07"})
    run = BillingRun.objects.get(period=dt.date(2026, 7, 1), project=owing.project_a)
    assert started["Location"] == reverse("billing:run", args=[run.pk]) and run.status == RunStatus.DONE
    page = client.get(started["Location"]).content.decode()
    assert "已完成" in page and "every 2s" not in page
    fragment = client.get(started["Location"], headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<section class="card" id="run-progress"')
    refused = page_client(owing, "supervisor").get(started["Location"])
    assert refused.status_code == 404


def test_run_page_polls_while_running(owing):
    run = BillingRun.objects.create(
        project=owing.project_a,
        period=dt.date(2026, 7, 1),
        started_by=owing.users[("cashier", "a")],
        started_at=owing.house_a.created_at,
        houses_total=10,
        houses_done=3,
    )
    page = page_client(owing, "cashier").get(reverse("billing:run", args=[run.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page and "30%" in page


def test_fee6_daily_close_page(owing):
    def act(client, cell):
        response = client.get(reverse("billing:close"))
        project = cell.pick(owing.project_a, owing.project_b)
        return response, response.status_code == 200 and f'value="{project.pk}"' in response.content.decode()

    check_page_matrix(owing, COLLECTORS, act)
    cashier = owing.users[("cashier", "a")]
    pay(owing.house_a, cashier, "100.00", tendered="100.00")
    pay(owing.house_a, cashier, "50.00", method="wechat")
    client = page_client(owing, "cashier")
    page = client.get(reverse("billing:close"))
    assert page.context["summary"].expected_cash == Decimal("100.00") and page.context["summary"].total == Decimal("150.00")
    assert client.post(reverse("billing:close"), {"project": owing.project_a.pk}).status_code == 400
    done = client.post(reverse("billing:close"), {"project": owing.project_a.pk, "counted_cash": "90.00"})
    closed = CashierClose.objects.get()
    assert done["Location"] == reverse("billing:close-print", args=[closed.pk]) and closed.difference == Decimal("-10.00")
    printed = client.get(done["Location"]).content.decode()
    assert "收银日结单" in printed and "-10.00" in printed and "00000001" in printed
    assert page_client(owing, "manager").get(done["Location"]).status_code == 200  # approver
    other_cashier = page_client(owing, "cashier").get(reverse("billing:close")).context["done"]
    assert other_cashier == closed
