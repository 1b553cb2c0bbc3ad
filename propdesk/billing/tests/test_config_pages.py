"""Fee configuration pages (FEE-1, FEE-2, FEE-8): fee items, their effective-dated rates
with history, usage and approval reference, and the billing policy — for FEE_CONFIGURE
(the PM and the admin); everyone else gets the same 404 as a missing page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from propdesk.billing.models import BillingPolicy, FeeItem, FeeRate
from propdesk.billing.rates import rate_for
from propdesk.core.testing import cells, check_page_matrix, page_client
from propdesk.estate.choices import Usage

from .conftest import bill_month, make_fees

pytestmark = pytest.mark.django_db

CONFIGURERS = {"manager", "admin"}  # FEE_CONFIGURE, written out as the rule


@pytest.fixture
def both(world):
    make_fees(world)
    make_fees(world, world.project_b)
    return world


def test_fee1_fee_item_list_permission_matrix(both):
    def act(client, cell):
        project = cell.pick(both.project_a, both.project_b)
        response = client.get(reverse("billing:fee-items"))
        return response, response.status_code == 200 and f'data-project="{project.pk}"' in response.content.decode()

    check_page_matrix(both, CONFIGURERS, act)


def test_fee1_fee_item_edit_permission_matrix(both):
    """Editing (here: renaming and stopping) another project's item is "not found"."""
    failures = []
    for cell in cells(CONFIGURERS):
        item = FeeItem.objects.get(project=cell.pick(both.project_a, both.project_b), code="ggnh")
        with transaction.atomic():
            response = page_client(both, cell.role).post(
                reverse("billing:fee-item", args=[item.pk]), {"form": "item", "name": "公共能耗"}
            )
            changed = FeeItem.objects.get(pk=item.pk)
            done = (changed.name, changed.active) == ("公共能耗", False)
            transaction.set_rollback(True)
        expected = 302 if cell.allowed or cell.role is None else 404
        if response.status_code != expected or done != cell.allowed:
            failures.append(f"{cell}: {response.status_code}, {'changed' if done else 'unchanged'}")
    assert not failures, failures


def test_fee1_a_new_fee_item_from_the_page(both):
    client = page_client(both, "manager")
    data = {"project": both.project_a.pk, "code": "lj", "name": "垃圾清运费", "kind": "one_off", "unit": ""}
    response = client.post(reverse("billing:fee-items"), data)
    item = FeeItem.objects.get(project=both.project_a, code="lj")
    assert response.status_code == 302 and response["Location"] == reverse("billing:fee-item", args=[item.pk])
    again = client.post(reverse("billing:fee-items"), data)
    assert again.status_code == 400 and "已存在" in again.content.decode()
    other = client.post(reverse("billing:fee-items"), {**data, "project": both.project_b.pk, "code": "x"})
    assert other.status_code == 400 and not FeeItem.objects.filter(code="x").exists()  # not a choice for the PM of a


def test_fee1_rate_history_a_change_is_a_new_rate_and_the_old_one_stays(both, clock):
    item = FeeItem.objects.get(project=both.project_a, code="wyf")
    client = page_client(both, "manager")
    url = reverse("billing:fee-item", args=[item.pk])
    data = {
        "form": "rate",
        "usage": Usage.RESIDENTIAL,
        "effective_from": "2026-08-01",
        "unit_price": "2.20",
        "approval_ref": "价批〔2026〕3号",
        "notice_ref": "公示 2026-06",
    }
    assert client.post(url, data).status_code == 302
    rates = FeeRate.objects.filter(item=item, usage=Usage.RESIDENTIAL).order_by("effective_from")
    assert [(r.unit_price, r.approval_ref) for r in rates] == [
        (Decimal("2.00"), "价批〔2025〕8号"),
        (Decimal("2.20"), "价批〔2026〕3号"),
    ]
    assert rate_for(item, Usage.RESIDENTIAL, dt.date(2026, 7, 31)).unit_price == Decimal("2.00")
    assert rate_for(item, Usage.RESIDENTIAL, dt.date(2026, 8, 1)).unit_price == Decimal("2.20")
    html = client.get(url).content.decode()
    assert html.index("价批〔2026〕3号") < html.index("价批〔2025〕8号")  # newest first, the old one kept
    assert "2026-08-01" in html and "公示 2026-06" in html and html.count("data-rate=") == 2 + 1  # + the shop rate


def test_fee1_rate_history_needs_an_approval_reference_and_cannot_be_backdated(both, staff, occupied):
    item = FeeItem.objects.get(project=both.project_a, code="wyf")
    bill_month(both, staff, 2026, 6)
    client = page_client(both, "manager")
    url = reverse("billing:fee-item", args=[item.pk])
    base = {"form": "rate", "usage": "", "unit_price": "2.20", "approval_ref": "价批"}
    backdated = client.post(url, {**base, "effective_from": "2026-06-15"})
    assert backdated.status_code == 400 and "不能追溯" in backdated.content.decode()
    no_ref = client.post(url, {**base, "effective_from": "2026-08-01", "approval_ref": ""})
    assert no_ref.status_code == 400
    assert FeeRate.objects.filter(item=item).count() == 2


def test_fee1_a_stopped_item_is_shown_stopped_and_keeps_its_rates(both):
    item = FeeItem.objects.get(project=both.project_a, code="ggnh")
    client = page_client(both, "admin")
    response = client.post(reverse("billing:fee-item", args=[item.pk]), {"form": "item", "name": item.name})
    assert response.status_code == 302 and not FeeItem.objects.get(pk=item.pk).active
    assert FeeRate.objects.filter(item=item).count() == 1
    html = client.get(reverse("billing:fee-items")).content.decode()
    assert "停用" in html


def test_fee8_policy_page_permission_matrix_and_history(both):
    def act(client, cell):
        project = cell.pick(both.project_a, both.project_b)
        response = client.get(reverse("billing:policy"), {"project": project.pk})
        return response, response.status_code == 200 and response.context["project"] == project

    check_page_matrix(both, CONFIGURERS, act)

    client = page_client(both, "manager")
    data = {
        "project": both.project_a.pk,
        "custody_percent": "60",
        "unsold_treatment": "skip",
        "unsold_percent": "100",
        "not_handed_over_treatment": "developer",
        "not_handed_over_percent": "100",
        "due_day": "15",
    }
    assert client.post(reverse("billing:policy"), data).status_code == 302
    policy = BillingPolicy.objects.get(project=both.project_a)
    assert (policy.custody_percent, policy.unsold_treatment, policy.due_day) == (60, "skip", 15)
    assert client.post(reverse("billing:policy"), {**data, "due_day": "31"}).status_code == 400
    page = client.get(reverse("billing:policy"), {"project": both.project_a.pk})
    assert len(page.context["history"]) == 1 and page.context["form"]["due_day"].value() == 15
    # project b is not the PM of a's to change: the form falls back to project a
    client.post(reverse("billing:policy"), {**data, "project": both.project_b.pk, "due_day": "20"})
    assert not BillingPolicy.objects.filter(project=both.project_b).exists()
