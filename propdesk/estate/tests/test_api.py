"""Estate API (/api/v1/): the permission matrix of every endpoint (role × own project /
other project / no login), filters, the {code, message, field} error body, token and
session auth, the locked query count of the house list, and the schema and docs pages.

The matrices state which roles may act — written out here, not read from ROLE_CAPS, so
a wrong capability table fails a test instead of agreeing with it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from propdesk.estate.models import Building, Entrance, House, HouseStatusChange, ParkingSpace
from propdesk.estate.services import house_create

STAFF_ROLES = [
    "assistant",
    "supervisor",
    "manager",
    "engineer",
    "guard",
    "cleaner",
    "cashier",
    "archivist",
    "head_office",
    "admin",
]
COMPANY_WIDE = {"head_office", "admin"}  # memberships without a project: every project

# Who may do what (accounts/roles.py, written out as the rule).
HOUSE_VIEWERS = set(STAFF_ROLES)
PERSON_VIEWERS = HOUSE_VIEWERS - {"cleaner"}
DESK = {"assistant", "supervisor", "manager", "archivist", "admin"}  # change houses, persons, archive
ARCHIVE_VIEWERS = DESK | {"head_office"}
PII_REVEALERS = {"supervisor", "manager", "archivist", "admin"}
LENDERS = {"supervisor", "manager", "archivist", "admin"}
LOAN_APPROVERS = {"supervisor", "manager", "admin"}


def _may(role: str | None, where: str, allowed: set[str]) -> bool:
    return role in allowed and (where == "own" or role in COMPANY_WIDE)


def matrix(allowed: set[str], ok: int = 200):
    """(role, where, status): the allowed roles get `ok` in their own project (company-wide
    roles in both); everyone else — a resident account too — gets the 404 of a missing
    object; nobody logged in gets 401."""
    rows = [
        pytest.param(role, where, ok if _may(role, where, allowed) else 404, id=f"{role}-{where}")
        for role in [*STAFF_ROLES, "resident"]
        for where in ("own", "other")
    ]
    return [*rows, pytest.param(None, "own", 401, id="anonymous")]


def list_matrix(allowed: set[str]):
    """(role, where, listed): whether the row of that project appears in the list
    (always 200); nobody logged in gets 401."""
    rows = [
        pytest.param(role, where, _may(role, where, allowed), id=f"{role}-{where}")
        for role in [*STAFF_ROLES, "resident"]
        for where in ("own", "other")
    ]
    return [*rows, pytest.param(None, "own", 401, id="anonymous")]


def api_client(world, role: str | None) -> APIClient:
    """A client acting as `role` of project a (company-wide roles: over both projects)."""
    client = APIClient()
    if role == "resident":
        client.force_authenticate(world.resident_user)
    elif role in COMPANY_WIDE:
        client.force_authenticate(world.users[(role, "*")])
    elif role is not None:
        client.force_authenticate(world.users[(role, "a")])
    return client


def pick(world, where: str, own, other):
    return own if where == "own" else other


def assert_listed(response, expected, pk: int) -> None:
    """`expected` is True/False (listed or not, with 200) or 401."""
    if expected == 401:
        assert response.status_code == 401, response.content
        return
    assert response.status_code == 200, response.content
    assert (pk in {row["id"] for row in response.json()["results"]}) is expected


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


@pytest.mark.parametrize("endpoint", ["projects", "buildings", "entrances", "houses", "parking-spaces"])
@pytest.mark.parametrize(("role", "where", "listed"), list_matrix(HOUSE_VIEWERS))
def test_estate_lists_permission_matrix(world, parking, endpoint, role, where, listed):
    row = pick(world, where, *_estate_rows(world, parking)[endpoint])
    assert_listed(api_client(world, role).get(f"/api/v1/{endpoint}/"), listed, row.pk)


@pytest.mark.parametrize("endpoint", ["projects", "buildings", "entrances", "houses", "parking-spaces"])
@pytest.mark.parametrize(("role", "where", "expected"), matrix(HOUSE_VIEWERS))
def test_estate_detail_permission_matrix(world, parking, endpoint, role, where, expected):
    row = pick(world, where, *_estate_rows(world, parking)[endpoint])
    response = api_client(world, role).get(f"/api/v1/{endpoint}/{row.pk}/")
    assert response.status_code == expected, response.content


def test_missing_and_foreign_house_look_the_same(world):
    client = api_client(world, "assistant")
    missing = client.get("/api/v1/houses/999999/")
    foreign = client.get(f"/api/v1/houses/{world.house_b.pk}/")
    assert missing.status_code == foreign.status_code == 404
    assert missing.json() == foreign.json() == {"code": "not_found", "message": "未找到", "field": None}


@pytest.mark.parametrize("endpoint", ["projects", "buildings", "entrances", "houses", "parking-spaces"])
def test_no_put_or_delete_and_read_only_endpoints_refuse_create(world, parking, endpoint):
    client = api_client(world, "admin")
    row = _estate_rows(world, parking)[endpoint][0]
    for method in ("put", "delete"):
        assert getattr(client, method)(f"/api/v1/{endpoint}/{row.pk}/", {}, format="json").status_code == 405, method
    if endpoint != "houses":
        assert client.patch(f"/api/v1/{endpoint}/{row.pk}/", {}, format="json").status_code == 405
        assert client.post(f"/api/v1/{endpoint}/", {}, format="json").status_code == 405


# --- houses: create, edit, status --------------------------------------------------------


@pytest.mark.parametrize(("role", "where", "expected"), matrix(DESK, ok=201))
def test_house_create_permission_matrix(world, role, where, expected):
    project = pick(world, where, world.project_a, world.project_b)
    payload = {"project": project.pk, "building_number": "5", "entrance_number": "1", "room": "501", "floor": 5, "area": "80.00"}
    response = api_client(world, role).post("/api/v1/houses/", payload, format="json")
    assert response.status_code == expected, response.content
    assert House.objects.filter(project=project, code="5-1-501").exists() is (expected == 201)


@pytest.mark.parametrize(("role", "where", "expected"), matrix(DESK))
def test_house_update_permission_matrix(world, role, where, expected):
    house = pick(world, where, world.house_a, world.house_b)
    response = api_client(world, role).patch(f"/api/v1/houses/{house.pk}/", {"notes": "阳台漏水已修"}, format="json")
    assert response.status_code == expected, response.content
    house.refresh_from_db()
    assert (house.notes == "阳台漏水已修") is (expected == 200)


@pytest.mark.parametrize(("role", "where", "expected"), matrix(DESK))
def test_house_status_permission_matrix(world, role, where, expected):
    house = pick(world, where, world.house_a, world.house_b)
    response = api_client(world, role).post(
        f"/api/v1/houses/{house.pk}/status/", {"status": "vacant", "reason": "交房"}, format="json"
    )
    assert response.status_code == expected, response.content
    house.refresh_from_db()
    assert (house.status == "vacant") is (expected == 200)


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
    assert body["code"] == "invalid" and body["field"] == "area"
    assert body["message"].startswith("建筑面积：") and "必填" in body["message"]


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
