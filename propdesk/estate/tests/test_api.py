"""Estate API (/api/v1/): the permission matrix of every endpoint (role × own project /
other project / no login), filters, the {code, message, field} error body, token and
session auth, the locked query count of the house list, and the schema and docs pages.

Each matrix is one test per endpoint running every cell on one `world`
(`propdesk.core.testing.check_matrix`); who may act is written out there as the rule,
not read from ROLE_CAPS, so a wrong capability table fails a test.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from propdesk.core.testing import DESK, HOUSE_VIEWERS, api_client, check_matrix, listed
from propdesk.estate.models import Building, Entrance, House, HouseStatusChange, ParkingSpace
from propdesk.estate.services import house_create

ENDPOINTS = ["projects", "buildings", "entrances", "houses", "parking-spaces"]


# --- projects, buildings, entrances, parking spaces (read-only) --------------------------


@pytest.fixture
def parking(world):
    return {
        "own": ParkingSpace.objects.create(project=world.project_a, code="B1-001", house=world.house_a),
        "other": ParkingSpace.objects.create(project=world.project_b, code="B1-001"),
    }


def _estate_rows(world, parking):
    return {
        "projects": (world.project_a, world.project_b),
        "buildings": (world.house_a.building, world.house_b.building),
        "entrances": (world.house_a.entrance, world.house_b.entrance),
        "houses": (world.house_a, world.house_b),
        "parking-spaces": (parking["own"], parking["other"]),
    }


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_estate_lists_permission_matrix(world, parking, endpoint):
    def get_list(client, cell):
        row = cell.pick(*_estate_rows(world, parking)[endpoint])
        return listed(client.get(f"/api/v1/{endpoint}/"), row.pk)

    check_matrix(world, HOUSE_VIEWERS, get_list, refused=200)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_estate_detail_permission_matrix(world, parking, endpoint):
    def get_detail(client, cell):
        row = cell.pick(*_estate_rows(world, parking)[endpoint])
        return client.get(f"/api/v1/{endpoint}/{row.pk}/")

    check_matrix(world, HOUSE_VIEWERS, get_detail)


def test_missing_and_foreign_house_look_the_same(world):
    client = api_client(world, "assistant")
    missing = client.get("/api/v1/houses/999999/")
    foreign = client.get(f"/api/v1/houses/{world.house_b.pk}/")
    assert missing.status_code == foreign.status_code == 404
    assert missing.json() == foreign.json() == {"code": "not_found", "message": "未找到", "field": None}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_no_put_or_delete_and_read_only_endpoints_refuse_create(world, parking, endpoint):
    client = api_client(world, "admin")
    row = _estate_rows(world, parking)[endpoint][0]
    for method in ("put", "delete"):
        assert getattr(client, method)(f"/api/v1/{endpoint}/{row.pk}/", {}, format="json").status_code == 405, method
    if endpoint != "houses":
        assert client.patch(f"/api/v1/{endpoint}/{row.pk}/", {}, format="json").status_code == 405
        assert client.post(f"/api/v1/{endpoint}/", {}, format="json").status_code == 405


# --- houses: create, edit, status --------------------------------------------------------


def test_house_create_permission_matrix(world):
    def create(client, cell):
        project = cell.pick(world.project_a, world.project_b)
        payload = {"project": project.pk, "building_number": "5", "entrance_number": "1", "room": "501", "floor": 5}
        response = client.post("/api/v1/houses/", {**payload, "area": "80.00"}, format="json")
        return response, House.objects.filter(project=project, code="5-1-501").exists()

    check_matrix(world, DESK, create, ok=201)


def test_house_update_permission_matrix(world):
    def patch(client, cell):
        house = cell.pick(world.house_a, world.house_b)
        response = client.patch(f"/api/v1/houses/{house.pk}/", {"notes": "阳台漏水已修"}, format="json")
        return response, House.objects.get(pk=house.pk).notes == "阳台漏水已修"

    check_matrix(world, DESK, patch)


def test_house_status_permission_matrix(world):
    def change_status(client, cell):
        house = cell.pick(world.house_a, world.house_b)
        response = client.post(f"/api/v1/houses/{house.pk}/status/", {"status": "vacant", "reason": "交房"}, format="json")
        return response, House.objects.get(pk=house.pk).status == "vacant"

    check_matrix(world, DESK, change_status)


def test_house_create_builds_the_code_and_records_the_first_status(world):
    payload = {
        "project": world.project_a.pk,
        "building_number": "12a",
        "entrance_number": "3",
        "room": "0801",
        "floor": 8,
        "area": "120.35",
        "usage": "residential",
        "status": "vacant",
    }
    response = api_client(world, "assistant").post("/api/v1/houses/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == "12A-3-0801" and body["building_number"] == "12A" and body["area"] == "120.35"
    assert body["status"] == "vacant" and body["status_display"] == "空置"
    assert HouseStatusChange.objects.filter(house_id=body["id"], to_status="vacant").count() == 1


def test_house_update_never_touches_code_or_status(world):
    client = api_client(world, "assistant")
    response = client.patch(
        f"/api/v1/houses/{world.house_a.pk}/", {"area": "99.00", "code": "9-9-999", "status": "rented"}, format="json"
    )
    assert response.status_code == 200, response.content
    world.house_a.refresh_from_db()
    assert world.house_a.area == Decimal("99.00")
    assert world.house_a.code == "3-2-1201" and world.house_a.status == "not_handed_over"


def test_mov14_status_change_needs_a_reason(world):
    response = api_client(world, "assistant").post(
        f"/api/v1/houses/{world.house_a.pk}/status/", {"status": "vacant", "reason": "  "}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "house_status_reason_required" and body["field"] == "reason" and body["rule"] == "MOV-14"


def test_mov14_status_change_is_recorded_with_who_and_why(world):
    response = api_client(world, "supervisor").post(
        f"/api/v1/houses/{world.house_a.pk}/status/", {"status": "decorating", "reason": "装修开工"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "decorating"
    change = HouseStatusChange.objects.get(house=world.house_a, to_status="decorating")
    assert change.from_status == "not_handed_over" and change.reason == "装修开工" and change.changed_by == world.supervisor


# --- errors ------------------------------------------------------------------------------


def test_validation_error_is_code_message_field_naming_the_field(world):
    payload = {"project": world.project_a.pk, "building_number": "5", "entrance_number": "1", "room": "501", "floor": 5}
    response = api_client(world, "assistant").post("/api/v1/houses/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "required" and body["field"] == "area"
    assert body["message"].startswith("建筑面积：") and "必填" in body["message"]
    assert body["errors"] == {"area": [body["message"]]}


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"area": "abc"}, "area", "invalid"),
        ({"notes": "长" * 2001}, "notes", "max_length"),
        ({"usage": "castle"}, "usage", "invalid_choice"),
        ({"floor": 40000}, "floor", "max_value"),
    ],
)
def test_validation_error_keeps_drfs_code(world, payload, field, code):
    response = api_client(world, "assistant").patch(f"/api/v1/houses/{world.house_a.pk}/", payload, format="json")
    body = response.json()
    assert response.status_code == 400 and (body["code"], body["field"]) == (code, field), body


def test_domain_error_is_code_message_field(world):
    payload = {"project": world.project_a.pk, "building_number": "3", "entrance_number": "2", "room": "1201", "floor": 12}
    response = api_client(world, "assistant").post("/api/v1/houses/", {**payload, "area": "98.50"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"code": "house_code_taken", "message": "房屋编码 3-2-1201 已存在", "field": "code", "rule": None}


def test_bad_choice_names_the_field_in_chinese(world):
    response = api_client(world, "assistant").post(
        f"/api/v1/houses/{world.house_a.pk}/status/", {"status": "sold_out", "reason": "x"}, format="json"
    )
    body = response.json()
    assert response.status_code == 400 and body["field"] == "status" and body["message"].startswith("房屋状态：")


# --- filters -----------------------------------------------------------------------------


@pytest.fixture
def more_houses(world):
    return [
        house_create(project=world.project_a, building_number="3", entrance_number="1", room="101", floor=1, area=Decimal(90)),
        house_create(
            project=world.project_a, building_number="4", entrance_number="1", room="201", floor=2, area=Decimal(60), usage="shop"
        ),
    ]


def _codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(row["code"] for row in response.json()["results"])


def test_house_filters(world, more_houses):
    client = api_client(world, "admin")
    building_3 = Building.objects.get(project=world.project_a, number="3")
    entrance_3_2 = Entrance.objects.get(building=building_3, number="2")
    assert _codes(client.get("/api/v1/houses/", {"project": world.project_b.pk})) == ["1-1-101"]
    assert _codes(client.get("/api/v1/houses/", {"building": building_3.pk})) == ["3-1-101", "3-2-1201"]
    assert _codes(client.get("/api/v1/houses/", {"entrance": entrance_3_2.pk})) == ["3-2-1201"]
    assert _codes(client.get("/api/v1/houses/", {"usage": "shop"})) == ["4-1-201"]
    assert _codes(client.get("/api/v1/houses/", {"code": "3栋2单元1201室"})) == ["3-2-1201"]
    assert _codes(client.get("/api/v1/houses/", {"code": "3-"})) == ["3-1-101", "3-2-1201"]
    assert _codes(client.get("/api/v1/houses/", {"status": "not_handed_over", "project": world.project_a.pk})) == [
        "3-1-101",
        "3-2-1201",
        "4-1-201",
    ]


def test_house_sold_filter(world, more_houses):
    client = api_client(world, "admin")
    client.patch(f"/api/v1/houses/{more_houses[1].pk}/", {"sold": False}, format="json")
    assert _codes(client.get("/api/v1/houses/", {"sold": "false"})) == ["4-1-201"]
    assert "4-1-201" not in _codes(client.get("/api/v1/houses/", {"sold": "true"}))


def test_filtering_by_another_projects_id_looks_like_a_missing_id(world):
    """A filter on a foreign building answers like one on a missing building: empty, 200."""
    client = api_client(world, "assistant")
    foreign = client.get("/api/v1/houses/", {"building": world.house_b.building_id})
    missing = client.get("/api/v1/houses/", {"building": 999999})
    assert foreign.status_code == missing.status_code == 200
    assert foreign.json()["count"] == missing.json()["count"] == 0


def test_status_filter_rejects_unknown_values(world):
    response = api_client(world, "assistant").get("/api/v1/houses/", {"status": "sold_out"})
    assert response.status_code == 400 and response.json()["field"] == "status"


# --- queries, auth, schema ---------------------------------------------------------------


def test_house_list_query_count_is_locked(world, django_assert_max_num_queries):
    for index in range(30):
        house_create(
            project=world.project_a,
            building_number=str(index % 5 + 1),
            entrance_number="1",
            room=f"{index:04d}",
            floor=1,
            area=Decimal(50),
        )
    client = api_client(world, "assistant")
    # memberships (capabilities), count, one page with project/building/entrance joined
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/houses/")
    assert response.status_code == 200 and response.json()["count"] == 31


def test_token_auth_works(world):
    token = Token.objects.create(user=world.assistant)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.get(f"/api/v1/houses/{world.house_a.pk}/")
    assert response.status_code == 200 and response.json()["code"] == "3-2-1201"
    assert client.get(f"/api/v1/houses/{world.house_b.pk}/").status_code == 404


def test_bad_token_is_401(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/v1/houses/")
    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"


def test_no_login_is_401_with_token_challenge(world):
    response = APIClient().get("/api/v1/houses/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_session_login_works(world):
    client = APIClient()
    assert client.login(username="supervisor_a", password="pw-123456")
    assert client.get(f"/api/v1/houses/{world.house_a.pk}/").status_code == 200


def test_session_writes_need_csrf(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.assistant)
    response = client.patch(f"/api/v1/houses/{world.house_a.pk}/", {"notes": "x"}, format="json")
    assert response.status_code == 403


def test_schema_and_docs_are_served(world, client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/houses/{id}/status/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"drf_spectacular_sidecar/swagger-ui-dist" in docs.content
