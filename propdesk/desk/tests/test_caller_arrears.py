"""The caller panel shows whether the house is in arrears (DESK-1 with FEE-9's
settlement) — to those who may see fees."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from propdesk.billing.run import billing_run
from propdesk.billing.tests.conftest import make_fees
from propdesk.estate.choices import HouseStatus
from propdesk.estate.services import house_change_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_arrears(world):
    make_fees(world)
    house_change_status(
        house=world.house_a, to_status=HouseStatus.OWNER_OCCUPIED, reason="业主入住", by=world.users[("manager", "a")]
    )
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=70)).replace(day=1)
    billing_run(project=world.project_a, month=month, by=world.users[("cashier", "a")])
    return world.house_a


def _panel(client, house):
    response = client.get(reverse("desk:caller-panel"), {"house": house.pk})
    assert response.status_code == 200
    return response.content.decode()


def test_desk1_the_caller_panel_shows_the_arrears_and_live_late_fee(world, client, in_arrears):
    client.force_login(world.assistant)
    panel = _panel(client, in_arrears)
    assert 'id="caller-arrears"' in panel and "欠费" in panel and "滞纳金" in panel and "逾期" in panel


def test_desk1_a_settled_house_says_so(world, client):
    client.force_login(world.assistant)
    assert "物业费已结清" in _panel(client, world.house_a)


def test_desk1_arrears_are_not_shown_to_roles_without_fee_view(world, client, in_arrears):
    client.force_login(world.users[("engineer", "a")])
    panel = _panel(client, in_arrears)
    assert 'id="caller-arrears"' not in panel
