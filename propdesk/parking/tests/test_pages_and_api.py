"""The 停车 pages and API, and who may use them: PARKING_VIEW (guard, assistant, cashier,
supervisor, PM, admin) reads rentals and uses the calculator; PARKING_MANAGE (cashier,
supervisor, PM, admin) changes rentals, cards and the tariff. Everyone else, and another
project's rental, gets the same 404 as a missing page.

The allowed sets are written out here, not read from accounts.roles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import transaction
from django.urls import reverse
from openpyxl import load_workbook

from propdesk.accounts.roles import ROLE_CAPS, Cap
from propdesk.core.testing import cells, check_matrix, check_page_matrix, listed, page_client
from propdesk.parking import services
from propdesk.parking.choices import CardStatus
from propdesk.parking.models import ICCard, ParkingRental, ParkingTariff

from .conftest import parking_item, space

pytestmark = pytest.mark.django_db

VIEWERS = {"guard", "assistant", "cashier", "supervisor", "manager", "admin"}
MANAGERS = {"cashier", "supervisor", "manager", "admin"}


def test_fee10_parking_capabilities_by_role():
    held = {cap: {role for role, caps in ROLE_CAPS.items() if cap in caps} for cap in (Cap.PARKING_VIEW, Cap.PARKING_MANAGE)}
    assert held == {Cap.PARKING_VIEW: VIEWERS, Cap.PARKING_MANAGE: MANAGERS}


@pytest.fixture
def rented(world, fees, occupied, staff):
    """A live rental with an IC card in each project; project B's tariff is dearer."""
    parking_item(world, world.project_b)
    for project, house, cashier, key in (
        (world.project_a, world.house_a, staff.cashier, "a"),
        (world.project_b, world.house_b, staff.cashier_b, "b"),
    ):
        rental = services.rental_create(
            space=space(project), house=house, renter_name=f"车主{key}", plates="浙A00001", months=3, by=cashier
        )
        card = services.card_issue(rental=rental, number=f"IC-{key}", by=cashier, method="cash", idempotency_key=key)
        setattr(world, f"rental_{key}", rental)
        setattr(world, f"card_{key}", card)
    services.tariff_set(project=world.project_b, by=world.users[("manager", "b")], base_fee="5.00", daily_cap="20.00")
    return world


def test_rental_list_permission_matrix(rented):
    def act(client, cell):
        rental = cell.pick(rented.rental_a, rented.rental_b)
        response = client.get(reverse("parking:rentals"))
        return response, response.status_code == 200 and f'data-rental="{rental.pk}"' in response.content.decode()

    check_page_matrix(rented, VIEWERS, act)


def test_fee10_calculator_permission_matrix_uses_the_project_tariff(rented):
    def act(client, cell):
        project = cell.pick(rented.project_a, rented.project_b)
        query = {"project": project.pk, "entry": "2026-07-01T09:00", "exit": "2026-07-01T10:00"}
        response = client.get(reverse("parking:calculator"), query)
        fee = response.context["result"].total if response.status_code == 200 else None
        return response, fee == (Decimal("2.00") if cell.where == "own" else Decimal("5.00"))

    check_page_matrix(rented, VIEWERS, act)


def test_fee10_calculator_shows_each_day_part(rented):
    query = {"entry": "2026-07-01T23:00", "exit": "2026-07-02T01:00"}
    html = page_client(rented, "guard").get(reverse("parking:calculator"), query).content.decode()
    assert '<span id="calc-fee">4.00</span>' in html and "23:00—24:00" in html and "00:00—01:00" in html


def test_rental_detail_door_by_role(rented):
    failures = []
    for cell in cells(VIEWERS):
        rental = cell.pick(rented.rental_a, rented.rental_b)
        response = page_client(rented, cell.role).get(reverse("parking:rental", args=[rental.pk]))
        expected = 302 if cell.role is None else 200 if cell.allowed else 404
        renew_shown = response.status_code == 200 and 'id="renew-form"' in response.content.decode()
        if response.status_code != expected or renew_shown != (cell.allowed and cell.role in MANAGERS):
            failures.append(f"{cell}: {response.status_code}, renew {'shown' if renew_shown else 'hidden'}")
    assert not failures, failures


def test_fee10_renew_page_permission_matrix(rented):
    failures = []
    for cell in cells(MANAGERS):
        rental = cell.pick(rented.rental_a, rented.rental_b)
        with transaction.atomic():
            response = page_client(rented, cell.role).post(reverse("parking:rental-renew", args=[rental.pk]), {"months": "1"})
            done = rental.periods.count() == 2
            transaction.set_rollback(True)
        expected = 302 if cell.allowed or cell.role is None else 404
        if response.status_code != expected or done != cell.allowed:
            failures.append(f"{cell}: {response.status_code}, {'renewed' if done else 'not renewed'}")
    assert not failures, failures


def test_fee10_tariff_page_saves_the_numbers(rented):
    client = page_client(rented, "manager")
    data = {
        "project": rented.project_a.pk,
        "monthly_rent": "150",
        "card_deposit": "60",
        "base_hours": "3",
        "base_fee": "3",
        "hourly_fee": "2",
        "daily_cap": "10",
    }
    assert client.post(reverse("parking:tariff"), data).status_code == 302
    tariff = ParkingTariff.objects.get(project=rented.project_a)
    assert (tariff.monthly_rent, tariff.card_deposit, tariff.base_hours, tariff.daily_cap) == (150, 60, 3, 10)
    assert page_client(rented, "guard").get(reverse("parking:tariff")).status_code == 404


def test_fee10_rental_list_export_for_the_garage_cashier(rented):
    response = page_client(rented, "cashier").get(reverse("parking:rentals"), {"export": "xlsx"})
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [(r[0], r[2], r[3], r[4], r[8], r[9]) for r in rows[1:]] == [
        ("B1-A0001", "浙A00001", "车主a", "3-2-1201", "未缴", "IC-A")
    ]


def test_fee10_card_return_page_leads_to_the_deposit_refund(rented):
    response = page_client(rented, "cashier").post(reverse("parking:card-return", args=[rented.card_a.pk]))
    assert response["Location"] == reverse("deposits:detail", args=[rented.card_a.deposit_id])
    assert ICCard.objects.get(pk=rented.card_a.pk).status == CardStatus.RETURNED


def test_parking_api_rental_list_permission_matrix(rented):
    def act(client, cell):
        return listed(client.get("/api/v1/parking-rentals/"), cell.pick(rented.rental_a, rented.rental_b).pk)

    check_matrix(rented, VIEWERS, act, refused=200)


def test_parking_api_rental_create_permission_matrix(rented):
    spaces = {"own": space(rented.project_a, "B1-A0002"), "other": space(rented.project_b, "B1-A0002")}

    def act(client, cell):
        house = cell.pick(rented.house_a, rented.house_b)
        body = {"space": spaces[cell.where].pk, "house": house.pk, "renter_name": "王五", "plates": "沪B12345", "months": 1}
        response = client.post("/api/v1/parking-rentals/", body, format="json")
        return response, ParkingRental.objects.filter(renter_name="王五").exists()

    check_matrix(rented, MANAGERS, act, ok=201)


def test_parking_api_card_lost_permission_matrix(rented):
    def act(client, cell):
        card = cell.pick(rented.card_a, rented.card_b)
        response = client.post(f"/api/v1/parking-cards/{card.pk}/lost/")
        return response, ICCard.objects.get(pk=card.pk).status == CardStatus.LOST

    check_matrix(rented, MANAGERS, act)


def test_fee10_api_temporary_fee_permission_matrix(rented):
    def act(client, cell):
        project = cell.pick(rented.project_a, rented.project_b)
        query = {"project": project.pk, "entry": "2026-07-01T23:00:00+08:00", "exit": "2026-07-02T01:30:00+08:00"}
        response = client.get("/api/v1/parking-temporary-fee/", query)
        expected = "4.00" if cell.where == "own" else "10.00"
        return response, response.status_code == 200 and response.json()["total"] == expected

    check_matrix(rented, VIEWERS, act)


def test_fee10_api_card_issue_refuses_a_renter_out_of_term(rented, staff, clock):
    from rest_framework.test import APIClient

    clock.set(2026, 12, 1)  # the 3 months from July 1st are over
    client = APIClient()
    client.force_authenticate(staff.cashier)
    body = {"number": "IC-NEW", "method": "cash", "idempotency_key": "late"}
    response = client.post(f"/api/v1/parking-rentals/{rented.rental_a.pk}/cards/", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "card_not_monthly_renter"
    assert response.json()["rule"] == "FEE-10" and not ICCard.objects.filter(number="IC-NEW").exists()
    assert dt.date(2026, 12, 1) == clock.today


def test_rental_list_queries_do_not_grow_with_the_rows(rented, staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = page_client(rented, "cashier")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("parking:rentals")).status_code == 200
        return len(queries)

    count()  # the first page also fills the per-process option lists (core.console.cached_options)
    few = count()
    for n in range(2, 7):
        rental = services.rental_create(
            space=space(rented.project_a, f"B1-A00{n:02d}"),
            house=rented.house_a,
            renter_name="车主",
            plates=f"浙A1000{n}",
            months=1,
            by=staff.cashier,
        )
        services.card_issue(rental=rental, number=f"IC-{n}", by=staff.cashier, method="cash", idempotency_key=f"q{n}")
    assert count() == few
