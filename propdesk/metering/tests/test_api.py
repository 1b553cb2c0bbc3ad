"""The metering API: meters, rounds, readings and the anomaly queue — the permission
matrix of each endpoint (role × own/other project × resident × nobody)."""

from __future__ import annotations

import pytest

from propdesk.core.testing import api_client, check_matrix, listed
from propdesk.metering.choices import ReadingStatus
from propdesk.metering.models import Meter, Reading, ReadingRound

from .conftest import make_metering, read_month

READERS = {"assistant", "supervisor", "manager", "engineer", "cashier", "admin"}  # METER_READ
CONFIRMERS = {"supervisor", "manager", "admin"}  # METER_CONFIRM


@pytest.fixture
def both(world, metering):
    other = make_metering(world, world.project_b)
    world.a, world.b = metering, other
    for s, by in ((metering, world.assistant), (other, world.users[("assistant", "b")])):
        read_month(s, by, 5, {s.water_meter: "150"})
        s.round, s.readings = read_month(s, by, 6, {s.water_meter: "140"})
    return world


def test_reading_create_permission_matrix(both):
    def act(client, cell):
        s = cell.pick(both.a, both.b)
        response = client.post(
            "/api/v1/readings/", {"round": s.round.pk, "meter": s.power_meter.pk, "value": "1005"}, format="json"
        )
        return response, Reading.objects.filter(meter=s.power_meter, round=s.round).exists()

    check_matrix(both, READERS, act, ok=201)


def test_anomalies_list_permission_matrix(both):
    def act(client, cell):
        s = cell.pick(both.a, both.b)
        return listed(client.get("/api/v1/readings/anomalies/"), s.readings[s.water_meter].pk)

    check_matrix(both, READERS, act, refused=200)


def test_reading_confirm_permission_matrix(both):
    def act(client, cell):
        s = cell.pick(both.a, both.b)
        Meter.objects.filter(pk=s.water_meter.pk).update(digits=3)
        reading = s.readings[s.water_meter]
        response = client.post(f"/api/v1/readings/{reading.pk}/confirm/", {"rollover": True}, format="json")
        return response, Reading.objects.get(pk=reading.pk).status == ReadingStatus.CONFIRMED

    check_matrix(both, CONFIRMERS, act)


def test_reading_reject_needs_a_reason(both):
    reading = both.a.readings[both.a.water_meter]
    response = api_client(both, "supervisor").post(f"/api/v1/readings/{reading.pk}/reject/", {"note": ""}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "reading_reject_reason_required"


def test_meter_create_permission_matrix(both):
    def act(client, cell):
        s = cell.pick(both.a, both.b)
        body = {"project": s.project.pk, "house": s.house.pk, "kind": "gas", "item": s.water.pk, "serial": "G-1"}
        response = client.post("/api/v1/meters/", body, format="json")
        return response, Meter.objects.filter(project=s.project, serial="G-1").exists()

    check_matrix(both, CONFIRMERS, act, ok=201)


def test_meter_replace_permission_matrix(both):
    def act(client, cell):
        s = cell.pick(both.a, both.b)
        response = client.post(
            f"/api/v1/meters/{s.power_meter.pk}/replace/", {"final_reading": "1001", "serial": "E-NEW"}, format="json"
        )
        return response, Meter.objects.filter(project=s.project, serial="E-NEW", replaces=s.power_meter).exists()

    check_matrix(both, CONFIRMERS, act, ok=201)


def test_meters_list_permission_matrix(both):
    def act(client, cell):
        return listed(client.get("/api/v1/meters/"), cell.pick(both.a, both.b).water_meter.pk)

    check_matrix(both, READERS, act, refused=200)


def test_round_create_permission_matrix(both):
    def act(client, cell):
        s = cell.pick(both.a, both.b)
        body = {"project": s.project.pk, "buildings": [s.building.pk], "period": "2026-07-01"}
        response = client.post("/api/v1/reading-rounds/", body, format="json")
        return response, ReadingRound.objects.filter(project=s.project, period="2026-07-01").exists()

    check_matrix(both, READERS, act, ok=201)


def test_a_meter_of_another_project_is_refused_without_saying_it_exists(both):
    body = {"round": both.a.round.pk, "meter": both.b.power_meter.pk, "value": "1"}
    response = api_client(both, "admin").post("/api/v1/readings/", body, format="json")
    assert response.status_code == 400 and response.json()["field"] == "meter"


def test_schema_lists_the_metering_endpoints(both):
    schema = api_client(both, "assistant").get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/meters/",
        "/api/v1/meters/{id}/replace/",
        "/api/v1/reading-rounds/",
        "/api/v1/readings/",
        "/api/v1/readings/anomalies/",
        "/api/v1/readings/{id}/confirm/",
        "/api/v1/readings/{id}/reject/",
    ):
        assert path in schema["paths"], path


def test_meter_capabilities_by_role():
    from propdesk.accounts.roles import ROLE_CAPS, Cap

    held = {cap: {role for role, caps in ROLE_CAPS.items() if cap in caps} for cap in (Cap.METER_READ, Cap.METER_CONFIRM)}
    assert held[Cap.METER_READ] == READERS
    assert held[Cap.METER_CONFIRM] == CONFIRMERS
