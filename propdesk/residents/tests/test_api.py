"""Residents and archive API (/api/v1/): the permission matrix of every endpoint (role ×
own project / other project / no login, one test per endpoint — see
`propdesk.core.testing`), ARC-5 masking and logged reveals, occupancies (MOV-11),
住户登记 and house transfer (MOV-13), the archive (ARC-2/3), archive loans (ARC-5),
search, filters and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from propdesk.core.testing import (
    ARCHIVE_VIEWERS,
    DESK,
    LENDERS,
    LOAN_APPROVERS,
    PERSON_VIEWERS,
    PII_REVEALERS,
    api_client,
    check_matrix,
    listed,
)
from propdesk.estate.services import house_create
from propdesk.residents.models import (
    ArchiveFile,
    ArchiveItem,
    ArchiveItemType,
    ArchiveLoan,
    Occupancy,
    PaperArchive,
    Person,
    PiiAccess,
)
from propdesk.residents.services import (
    archive_file_upload,
    archive_loan_decide,
    archive_loan_lend,
    archive_loan_request,
    occupancy_end,
    occupant_register,
    person_create,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FULL_MOBILE, MASKED_MOBILE = "13812345678", "138****5678"
FULL_ID, MASKED_ID = "110101199003076632", "110101********6632"


def _pdf(name: str = "扫描件.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _loan(world, code: str, state: str = "requested") -> ArchiveLoan:
    """A loan of the house of project `code`, requested by that project's archivist."""
    house = world.house_a if code == "a" else world.house_b
    loan = archive_loan_request(
        house=house,
        items="房屋结构图",
        borrower_name="工程部 李建平",
        purpose="核对管线走向",
        due_date=timezone.localdate() + dt.timedelta(days=7),
        by=world.users[("archivist", code)],
    )
    if state in ("approved", "lent"):
        loan = archive_loan_decide(loan=loan, approve=True, by=world.users[("supervisor", code)])
    if state == "lent":
        loan = archive_loan_lend(loan=loan, by=world.users[("archivist", code)])
    return loan


@pytest.fixture
def scans(world):
    return {
        code: archive_file_upload(house=house, upload=_pdf(), item_type=None, by=world.users[("assistant", code)])
        for code, house in (("a", world.house_a), ("b", world.house_b))
    }


@pytest.fixture
def loans(world):
    return {code: _loan(world, code) for code in ("a", "b")}


def _rows(world, scans, loans):
    return {
        "persons": (world.person_a, world.person_b),
        "occupancies": (world.owner_a, world.owner_b),
        "archive-files": (scans["a"], scans["b"]),
        "archive-loans": (loans["a"], loans["b"]),
    }


VIEWERS = {
    "persons": PERSON_VIEWERS,
    "occupancies": PERSON_VIEWERS,
    "archive-files": ARCHIVE_VIEWERS,
    "archive-loans": ARCHIVE_VIEWERS,
}


# --- reads: lists and details -----------------------------------------------------------


@pytest.mark.parametrize("endpoint", VIEWERS)
def test_residents_lists_permission_matrix(world, scans, loans, endpoint):
    def get_list(client, cell):
        row = cell.pick(*_rows(world, scans, loans)[endpoint])
        return listed(client.get(f"/api/v1/{endpoint}/"), row.pk)

    check_matrix(world, VIEWERS[endpoint], get_list, refused=200)


@pytest.mark.parametrize("endpoint", VIEWERS)
def test_residents_detail_permission_matrix(world, scans, loans, endpoint):
    def get_detail(client, cell):
        row = cell.pick(*_rows(world, scans, loans)[endpoint])
        return client.get(f"/api/v1/{endpoint}/{row.pk}/")

    check_matrix(world, VIEWERS[endpoint], get_detail)


def test_house_archive_permission_matrix(world):
    def get_archive(client, cell):
        return client.get(f"/api/v1/houses/{cell.pick(world.house_a, world.house_b).pk}/archive/")

    check_matrix(world, ARCHIVE_VIEWERS, get_archive)


def test_archive_file_download_permission_matrix(world, scans):
    def download(client, cell):
        response = client.get(f"/api/v1/archive-files/{cell.pick(scans['a'], scans['b']).pk}/download/")
        delivered = response.status_code == 200 and b"".join(response.streaming_content) == PDF
        return response, delivered and response["Content-Type"] == "application/pdf"

    check_matrix(world, ARCHIVE_VIEWERS, download)


def test_search_permission_matrix(world):
    """Persons are found only in projects where the caller may see persons."""

    def search(client, cell):
        person = cell.pick(world.person_a, world.person_b)
        return listed(client.get("/api/v1/search/", {"q": person.name}), person.pk, key="persons")

    check_matrix(world, PERSON_VIEWERS, search, refused=200)


# --- writes: persons --------------------------------------------------------------------


def test_person_create_permission_matrix(world):
    def create(client, cell):
        project = cell.pick(world.project_a, world.project_b)
        payload = {"project": project.pk, "name": "王五", "mobile": "137 0000 1234"}
        response = client.post("/api/v1/persons/", payload, format="json")
        return response, Person.objects.filter(project=project, name="王五").exists()

    check_matrix(world, DESK, create, ok=201)


def test_person_update_permission_matrix(world):
    def patch(client, cell):
        person = cell.pick(world.person_a, world.person_b)
        response = client.patch(f"/api/v1/persons/{person.pk}/", {"notes": "周末在家"}, format="json")
        return response, Person.objects.get(pk=person.pk).notes == "周末在家"

    check_matrix(world, DESK, patch)


def test_arc5_reveal_permission_matrix(world):
    def reveal(client, cell):
        person = cell.pick(world.person_a, world.person_b)
        response = client.post(f"/api/v1/persons/{person.pk}/reveal/", {"field": "mobile"}, format="json")
        return response, PiiAccess.objects.filter(person=person).exists()

    check_matrix(world, PII_REVEALERS, reveal)


# --- writes: occupancies ----------------------------------------------------------------


def test_occupancy_create_permission_matrix(world):
    def create(client, cell):
        house, person = cell.pick((world.house_a, world.person_a), (world.house_b, world.person_b))
        payload = {"house": house.pk, "person": person.pk, "role": "family", "start_date": "2024-05-01"}
        response = client.post("/api/v1/occupancies/", payload, format="json")
        return response, Occupancy.objects.filter(house=house, person=person, role="family").exists()

    check_matrix(world, DESK, create, ok=201)


def test_occupancy_end_permission_matrix(world):
    def end(client, cell):
        occupancy = cell.pick(world.owner_a, world.owner_b)
        response = client.post(f"/api/v1/occupancies/{occupancy.pk}/end/", {"end_date": "2024-06-30"}, format="json")
        return response, Occupancy.objects.get(pk=occupancy.pk).end_date == dt.date(2024, 6, 30)

    check_matrix(world, DESK, end)


def test_occupancy_primary_contact_permission_matrix(world):
    family_a = occupant_register(
        house=world.house_a, person_data={"name": "张小明"}, role="family", start_date=dt.date(2024, 1, 1)
    )
    assert not world.owner_b.is_primary_contact

    def make_primary(client, cell):
        occupancy = cell.pick(family_a, world.owner_b)
        response = client.post(f"/api/v1/occupancies/{occupancy.pk}/primary/", format="json")
        return response, Occupancy.objects.get(pk=occupancy.pk).is_primary_contact

    check_matrix(world, DESK, make_primary)


def test_occupant_register_permission_matrix(world):
    def register(client, cell):
        house = cell.pick(world.house_a, world.house_b)
        payload = {"name": "王五", "mobile": "13700001234", "role": "tenant", "start_date": "2024-05-01"}
        response = client.post(f"/api/v1/houses/{house.pk}/occupants/", payload, format="json")
        return response, Occupancy.objects.filter(house=house, person__name="王五", role="tenant").exists()

    check_matrix(world, DESK, register, ok=201)


def test_mov13_house_transfer_permission_matrix(world):
    buyers = {
        code: person_create(project=project, name="新业主") for code, project in (("a", world.project_a), ("b", world.project_b))
    }

    def transfer(client, cell):
        house, buyer = cell.pick((world.house_a, buyers["a"]), (world.house_b, buyers["b"]))
        payload = {"new_owners": [buyer.pk], "transfer_date": "2024-06-01"}
        response = client.post(f"/api/v1/houses/{house.pk}/transfer/", payload, format="json")
        return response, Occupancy.objects.filter(house=house, person=buyer, role="owner", end_date=None).exists()

    check_matrix(world, DESK, transfer, ok=201)


# --- writes: archive --------------------------------------------------------------------


def test_archive_file_upload_permission_matrix(world):
    def upload(client, cell):
        house = cell.pick(world.house_a, world.house_b)
        response = client.post("/api/v1/archive-files/", {"house": house.pk, "file": _pdf()}, format="multipart")
        return response, ArchiveFile.objects.filter(house=house).exists()

    check_matrix(world, DESK, upload, ok=201)


def test_arc2_archive_item_set_permission_matrix(world):
    def mark(client, cell):
        house = cell.pick(world.house_a, world.house_b)
        line = ArchiveItemType.objects.filter(project_id=house.project_id).first()
        payload = {"item_type": line.pk, "status": "received"}
        response = client.post(f"/api/v1/houses/{house.pk}/archive/items/", payload, format="json")
        return response, ArchiveItem.objects.filter(house=house, item_type=line, status="received").exists()

    check_matrix(world, DESK, mark)


def test_arc3_paper_archive_permission_matrix(world):
    def put_paper(client, cell):
        house = cell.pick(world.house_a, world.house_b)
        payload = {"cabinet": "A-03", "box": "12", "folder": "3-2-1201"}
        response = client.put(f"/api/v1/houses/{house.pk}/archive/paper/", payload, format="json")
        return response, PaperArchive.objects.filter(house=house, cabinet="A-03").exists()

    check_matrix(world, DESK, put_paper)


def test_archive_loan_request_permission_matrix(world):
    def request_loan(client, cell):
        house = cell.pick(world.house_a, world.house_b)
        payload = {
            "house": house.pk,
            "items": "入伙会签单",
            "borrower_name": "财务部 王芳",
            "purpose": "核对产权人信息",
            "due_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
        }
        response = client.post("/api/v1/archive-loans/", payload, format="json")
        return response, ArchiveLoan.objects.filter(house=house).exists()

    check_matrix(world, LENDERS, request_loan, ok=201)


LOAN_STEPS = {
    # action: (state before, who may, state after, body)
    "approve": ("requested", LOAN_APPROVERS, "approved", {}),
    "reject": ("requested", LOAN_APPROVERS, "rejected", {"decision_note": "非本户授权"}),
    "lend": ("approved", LENDERS, "lent", {}),
    "return": ("lent", LENDERS, "returned", {}),
}


@pytest.mark.parametrize("step", LOAN_STEPS)
def test_arc5_loan_steps_permission_matrix(world, step):
    before, allowed, after, body = LOAN_STEPS[step]
    loans = {code: _loan(world, code, before) for code in ("a", "b")}

    def take_step(client, cell):
        loan = cell.pick(loans["a"], loans["b"])
        response = client.post(f"/api/v1/archive-loans/{loan.pk}/{step}/", body, format="json")
        return response, ArchiveLoan.objects.get(pk=loan.pk).status == after

    check_matrix(world, allowed, take_step)


# --- ARC-5: masking and reveal ----------------------------------------------------------


def test_arc5_person_output_is_masked_everywhere(world):
    Person.objects.filter(pk=world.person_a.pk).update(emergency_phone="13611112222", other_phones="0755-26881234 13933334444")
    client = api_client(world, "admin")
    detail = client.get(f"/api/v1/persons/{world.person_a.pk}/")
    listing = client.get("/api/v1/persons/", {"project": world.project_a.pk})
    search = client.get("/api/v1/search/", {"q": "张三"})
    body = detail.json()
    assert body["mobile"] == MASKED_MOBILE and body["id_number"] == MASKED_ID
    assert body["emergency_phone"] == "136****2222" and body["other_phones"] == "0755-****1234 139****4444"
    assert listing.json()["results"][0]["mobile"] == MASKED_MOBILE
    assert search.json()["persons"][0]["id_number"] == MASKED_ID
    for response in (detail, listing, search):
        for secret in (FULL_MOBILE, FULL_ID, "13611112222", "26881234", "13933334444"):
            assert secret not in response.content.decode(), (response.request["PATH_INFO"], secret)


def test_arc5_created_person_is_shown_masked(world):
    payload = {"project": world.project_a.pk, "name": "王五", "mobile": "13700001234", "id_number": "11010119900307002X"}
    response = api_client(world, "assistant").post("/api/v1/persons/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["mobile"] == "137****1234" and response.json()["id_number"] == "110101********002X"


def test_arc5_reveal_is_logged(world):
    client = api_client(world, "supervisor")
    response = client.post(
        f"/api/v1/persons/{world.person_a.pk}/reveal/", {"field": "id_number"}, format="json", REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 200
    assert response.json() == {"field": "id_number", "value": FULL_ID}
    assert response["Cache-Control"] == "no-store"
    access = PiiAccess.objects.get()
    assert (access.viewer, access.person, access.field, access.address) == (
        world.supervisor,
        world.person_a,
        "id_number",
        "10.1.2.3",
    )
    assert access.project == world.project_a


def test_arc5_reveal_refused_without_pii_reveal_like_a_missing_person(world):
    client = api_client(world, "assistant")
    refused = client.post(f"/api/v1/persons/{world.person_a.pk}/reveal/", {"field": "mobile"}, format="json")
    missing = client.post("/api/v1/persons/999999/reveal/", {"field": "mobile"}, format="json")
    assert refused.status_code == missing.status_code == 404 and refused.json() == missing.json()
    assert not PiiAccess.objects.exists()


def test_reveal_only_id_number_or_mobile(world):
    response = api_client(world, "supervisor").post(
        f"/api/v1/persons/{world.person_a.pk}/reveal/", {"field": "emergency_phone"}, format="json"
    )
    body = response.json()
    assert response.status_code == 400 and body["field"] == "field" and body["message"].startswith("字段：")
    assert not PiiAccess.objects.exists()


# --- persons: rules and filters ---------------------------------------------------------


def test_gb11643_bad_id_number_is_a_field_error(world):
    payload = {"project": world.project_a.pk, "name": "王五", "id_number": "110101199003076631"}
    response = api_client(world, "assistant").post("/api/v1/persons/", payload, format="json")
    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "person_id_invalid" and body["field"] == "id_number" and body["rule"] == "GB 11643"


def test_person_name_required_names_the_field(world):
    response = api_client(world, "assistant").post("/api/v1/persons/", {"project": world.project_a.pk}, format="json")
    body = response.json()
    assert response.status_code == 400 and body["field"] == "name" and body["message"].startswith("姓名：")


def test_person_update_keeps_other_fields(world):
    response = api_client(world, "assistant").patch(f"/api/v1/persons/{world.person_a.pk}/", {"name": "张三丰"}, format="json")
    assert response.status_code == 200, response.content
    world.person_a.refresh_from_db()
    assert world.person_a.name == "张三丰" and world.person_a.mobile == FULL_MOBILE and world.person_a.id_number == FULL_ID


def test_person_filters(world):
    occupant_register(
        house=world.house_a, person_data={"name": "张伟", "mobile": "13911115678"}, role="tenant", start_date=dt.date(2024, 3, 1)
    )
    client = api_client(world, "admin")

    def names(**params):
        response = client.get("/api/v1/persons/", params)
        assert response.status_code == 200, response.content
        return sorted(row["name"] for row in response.json()["results"])

    assert names(name="张") == ["张三", "张伟"]
    assert names(mobile_last4="5678") == ["张三", "张伟"]
    assert names(mobile_last4="5678", name="张伟") == ["张伟"]
    assert names(project=world.project_b.pk) == ["李四"]


# --- occupancies: rules and filters -----------------------------------------------------


def test_mov11_ended_occupancy_stays_and_cannot_end_twice(world):
    client = api_client(world, "assistant")
    url = f"/api/v1/occupancies/{world.owner_a.pk}/end/"
    first = client.post(url, {"end_date": "2024-06-30", "end_reason": "deregistered"}, format="json")
    assert first.status_code == 200 and first.json()["is_active"] is False and first.json()["end_reason"] == "deregistered"
    second = client.post(url, {"end_date": "2024-07-01"}, format="json")
    assert second.status_code == 400 and second.json()["code"] == "occupancy_ended" and second.json()["rule"] == "MOV-11"
    assert client.get(f"/api/v1/occupancies/{world.owner_a.pk}/").status_code == 200


def test_occupancy_person_from_another_project_is_refused(world):
    """Company-wide roles see both projects; the service still refuses to mix them."""
    payload = {"house": world.house_a.pk, "person": world.person_b.pk, "role": "tenant", "start_date": "2024-01-01"}
    response = api_client(world, "admin").post("/api/v1/occupancies/", payload, format="json")
    assert response.status_code == 400 and response.json()["code"] == "occupancy_project_mismatch"


def test_occupancy_person_of_a_foreign_project_is_404(world):
    payload = {"house": world.house_a.pk, "person": world.person_b.pk, "role": "tenant", "start_date": "2024-01-01"}
    assert api_client(world, "assistant").post("/api/v1/occupancies/", payload, format="json").status_code == 404


def test_occupancy_filters(world):
    tenant = occupant_register(house=world.house_a, person_data={"name": "王五"}, role="tenant", start_date=dt.date(2024, 3, 1))
    client = api_client(world, "assistant")
    client.post(f"/api/v1/occupancies/{tenant.pk}/end/", {"end_date": "2024-09-30", "end_reason": "lease_ended"}, format="json")

    def ids(**params):
        response = client.get("/api/v1/occupancies/", params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(active="true") == {world.owner_a.pk}
    assert ids(active="false") == {tenant.pk}
    assert ids(role="tenant") == {tenant.pk}
    assert ids(house=world.house_a.pk) == {world.owner_a.pk, tenant.pk}
    assert ids(person=world.person_a.pk) == {world.owner_a.pk}
    assert ids(house=world.house_b.pk) == set()


def test_primary_contact_moves_to_the_chosen_occupancy(world):
    family = occupant_register(house=world.house_a, person_data={"name": "张小明"}, role="family", start_date=dt.date(2024, 1, 1))
    response = api_client(world, "assistant").post(f"/api/v1/occupancies/{family.pk}/primary/")
    assert response.status_code == 200 and response.json()["is_primary_contact"] is True, response.content
    world.owner_a.refresh_from_db()
    assert world.owner_a.is_primary_contact is False
    assert Occupancy.objects.filter(house=world.house_a, is_primary_contact=True).get() == family


def test_primary_contact_refused_for_an_ended_occupancy(world):
    family = occupant_register(house=world.house_a, person_data={"name": "张小明"}, role="family", start_date=dt.date(2024, 1, 1))
    occupancy_end(occupancy=family, end_date=dt.date(2024, 6, 30))
    response = api_client(world, "assistant").post(f"/api/v1/occupancies/{family.pk}/primary/")
    assert response.status_code == 400 and response.json()["code"] == "occupancy_ended"
    world.owner_a.refresh_from_db()
    assert world.owner_a.is_primary_contact is True


# --- 住户登记 (register an occupant at a house) --------------------------------------------


def test_occupant_register_creates_the_person_and_ties_them_to_the_house(world):
    payload = {"name": "王五", "mobile": "13700001234", "role": "tenant", "start_date": "2024-05-01", "is_primary_contact": True}
    response = api_client(world, "assistant").post(f"/api/v1/houses/{world.house_a.pk}/occupants/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["house_code"], body["person_name"], body["role"], body["is_primary_contact"]) == (
        "3-2-1201",
        "王五",
        "tenant",
        True,
    )
    person = Person.objects.get(pk=body["person"])
    assert person.project == world.project_a and person.mobile == "13700001234"
    world.owner_a.refresh_from_db()
    assert world.owner_a.is_primary_contact is False
    assert "13700001234" not in response.content.decode()


def test_occupant_register_finds_the_person_by_id_number(world):
    shop = house_create(project=world.project_a, building_number="9", entrance_number="1", room="101", floor=1, area=1)
    payload = {"name": "张三", "id_number": FULL_ID, "mobile": "13900002222", "role": "owner", "start_date": "2024-05-01"}
    response = api_client(world, "assistant").post(f"/api/v1/houses/{shop.pk}/occupants/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["person"] == world.person_a.pk
    world.person_a.refresh_from_db()
    assert world.person_a.mobile == "13900002222" and Person.objects.filter(project=world.project_a).count() == 1


def test_gb11643_occupant_register_refuses_a_bad_id_number(world):
    payload = {"name": "王五", "id_number": "110101199003076631", "role": "tenant", "start_date": "2024-05-01"}
    response = api_client(world, "assistant").post(f"/api/v1/houses/{world.house_a.pk}/occupants/", payload, format="json")
    body = response.json()
    assert response.status_code == 400 and (body["code"], body["field"], body["rule"]) == (
        "person_id_invalid",
        "id_number",
        "GB 11643",
    )
    assert not Person.objects.filter(name="王五").exists()


def test_occupant_register_needs_a_role(world):
    payload = {"name": "王五", "start_date": "2024-05-01"}
    response = api_client(world, "assistant").post(f"/api/v1/houses/{world.house_a.pk}/occupants/", payload, format="json")
    body = response.json()
    assert response.status_code == 400 and (body["code"], body["field"]) == ("required", "role")
    assert body["message"].startswith("身份：")


# --- MOV-13: house transfer -------------------------------------------------------------


def test_mov13_transfer_ends_the_owners_and_registers_the_new_ones(world):
    co_owner = occupant_register(
        house=world.house_a, person_data={"name": "张太"}, role="co_owner", start_date=dt.date(2024, 1, 1)
    )
    family = occupant_register(house=world.house_a, person_data={"name": "张小明"}, role="family", start_date=dt.date(2024, 1, 1))
    buyer, partner = (person_create(project=world.project_a, name=name) for name in ("赵六", "钱七"))
    payload = {"new_owners": [buyer.pk, partner.pk], "transfer_date": "2024-06-01"}
    response = api_client(world, "assistant").post(f"/api/v1/houses/{world.house_a.pk}/transfer/", payload, format="json")
    assert response.status_code == 201, response.content
    created = [(row["person_name"], row["role"], row["is_primary_contact"], row["start_date"]) for row in response.json()]
    assert created == [("赵六", "owner", True, "2024-06-01"), ("钱七", "co_owner", False, "2024-06-01")]
    for old in (world.owner_a, co_owner):
        old.refresh_from_db()
        assert (old.end_date, old.end_reason, old.is_primary_contact) == (dt.date(2024, 6, 1), "transferred", False)
    family.refresh_from_db()
    assert family.is_active


def test_mov13_transfer_needs_a_new_owner(world):
    payload = {"new_owners": [], "transfer_date": "2024-06-01"}
    response = api_client(world, "assistant").post(f"/api/v1/houses/{world.house_a.pk}/transfer/", payload, format="json")
    body = response.json()
    assert response.status_code == 400 and (body["code"], body["field"], body["rule"]) == (
        "transfer_owner_required",
        "new_owners",
        "MOV-13",
    )
    world.owner_a.refresh_from_db()
    assert world.owner_a.is_active


def test_mov13_transfer_names_each_new_owner_once(world):
    buyer = person_create(project=world.project_a, name="赵六")
    payload = {"new_owners": [buyer.pk, buyer.pk], "transfer_date": "2024-06-01"}
    response = api_client(world, "assistant").post(f"/api/v1/houses/{world.house_a.pk}/transfer/", payload, format="json")
    body = response.json()
    assert response.status_code == 400 and (body["code"], body["field"]) == ("duplicate", "new_owners")
    assert body["message"].startswith("新业主：")


def test_mov13_transfer_to_another_projects_person(world):
    """Not visible: 404, like a missing person. Visible (company-wide): the service refuses
    to mix projects, and the old owner stays."""
    payload = {"new_owners": [world.person_b.pk], "transfer_date": "2024-06-01"}
    url = f"/api/v1/houses/{world.house_a.pk}/transfer/"
    assert api_client(world, "assistant").post(url, payload, format="json").status_code == 404
    response = api_client(world, "admin").post(url, payload, format="json")
    assert response.status_code == 400 and response.json()["code"] == "occupancy_project_mismatch"
    world.owner_a.refresh_from_db()
    assert world.owner_a.is_active and world.owner_a.is_primary_contact


# --- archive ----------------------------------------------------------------------------


def test_arc2_archive_shows_every_line_and_completeness(world):
    item_types = list(ArchiveItemType.objects.filter(project=world.project_a).order_by("order"))
    client = api_client(world, "assistant")
    before = client.get(f"/api/v1/houses/{world.house_a.pk}/archive/").json()
    assert len(before["checklist"]) == 14 and {line["status"] for line in before["checklist"]} == {"missing"}
    assert before["completeness"] == {"received": 0, "applicable": 14, "percent": 0}
    assert before["paper"] is None

    upload = client.post(
        "/api/v1/archive-files/", {"house": world.house_a.pk, "item_type": item_types[0].pk, "file": _pdf()}, format="multipart"
    )
    assert upload.status_code == 201, upload.content
    assert upload.json()["item_type_name"] == item_types[0].name and upload.json()["content_type"] == "application/pdf"

    after = client.get(f"/api/v1/houses/{world.house_a.pk}/archive/").json()
    first = next(line for line in after["checklist"] if line["item_type"] == item_types[0].pk)
    assert first["status"] == "received" and first["status_display"] == "已收"
    assert after["completeness"] == {"received": 1, "applicable": 14, "percent": 7}


def test_arc2_marking_lines_updates_the_completeness(world):
    first, second = ArchiveItemType.objects.filter(project=world.project_a).order_by("order")[:2]
    client = api_client(world, "archivist")
    url = f"/api/v1/houses/{world.house_a.pk}/archive/items/"
    assert client.post(url, {"item_type": first.pk, "status": "received", "note": "原件"}, format="json").status_code == 200
    response = client.post(url, {"item_type": second.pk, "status": "na"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["completeness"] == {"received": 1, "applicable": 13, "percent": 7}
    lines = {line["item_type"]: line for line in body["checklist"]}
    assert (lines[first.pk]["status"], lines[first.pk]["note"]) == ("received", "原件")
    assert lines[second.pk]["status_display"] == "不适用"


def test_arc2_checklist_line_of_another_project(world):
    """Not visible: 404, like a missing line. Visible (company-wide): the service refuses."""
    foreign_line = ArchiveItemType.objects.filter(project=world.project_b).first()
    url = f"/api/v1/houses/{world.house_a.pk}/archive/items/"
    payload = {"item_type": foreign_line.pk, "status": "received"}
    assert api_client(world, "assistant").post(url, payload, format="json").status_code == 404
    response = api_client(world, "admin").post(url, payload, format="json")
    assert response.status_code == 400 and response.json()["code"] == "archive_type_project_mismatch"
    assert not ArchiveItem.objects.exists()


def test_arc2_unknown_line_status_names_the_field(world):
    line = ArchiveItemType.objects.filter(project=world.project_a).first()
    response = api_client(world, "assistant").post(
        f"/api/v1/houses/{world.house_a.pk}/archive/items/", {"item_type": line.pk, "status": "lost"}, format="json"
    )
    body = response.json()
    assert response.status_code == 400 and (body["code"], body["field"]) == ("invalid_choice", "status")
    assert body["message"].startswith("状态：")


def test_arc3_paper_location_is_set_and_shown_in_the_archive(world):
    client = api_client(world, "archivist")
    url = f"/api/v1/houses/{world.house_a.pk}/archive/paper/"
    response = client.put(url, {"cabinet": " A-03 ", "box": "12", "folder": "3-2-1201"}, format="json")
    assert response.status_code == 200, response.content
    paper = client.get(f"/api/v1/houses/{world.house_a.pk}/archive/").json()["paper"]
    assert (paper["cabinet"], paper["box"], paper["folder"]) == ("A-03", "12", "3-2-1201")
    moved = client.put(url, {"cabinet": "B-01"}, format="json").json()["paper"]
    assert (moved["cabinet"], moved["box"], moved["folder"]) == ("B-01", "", "")
    assert PaperArchive.objects.filter(house=world.house_a).count() == 1


def test_arc3_paper_location_is_put_only(world):
    client = api_client(world, "archivist")
    url = f"/api/v1/houses/{world.house_a.pk}/archive/paper/"
    assert client.post(url, {"cabinet": "A"}, format="json").status_code == 405
    assert client.get(url).status_code == 405


def test_arc3_upload_type_is_judged_by_content(world):
    disguised = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 this is an exe", content_type="application/pdf")
    response = api_client(world, "assistant").post(
        "/api/v1/archive-files/", {"house": world.house_a.pk, "file": disguised}, format="multipart"
    )
    body = response.json()
    assert response.status_code == 400 and body["code"] == "upload_type_refused" and body["rule"] == "ARC-3"
    assert body["field"] == "file" and not ArchiveFile.objects.exists()


def test_archive_upload_needs_a_file(world):
    response = api_client(world, "assistant").post("/api/v1/archive-files/", {"house": world.house_a.pk}, format="multipart")
    body = response.json()
    assert response.status_code == 400 and body["field"] == "file" and body["message"].startswith("扫描件：")


def test_archive_upload_with_another_projects_checklist_line_is_404(world):
    foreign_line = ArchiveItemType.objects.filter(project=world.project_b).first()
    response = api_client(world, "assistant").post(
        "/api/v1/archive-files/", {"house": world.house_a.pk, "item_type": foreign_line.pk, "file": _pdf()}, format="multipart"
    )
    assert response.status_code == 404 and not ArchiveFile.objects.exists()


def test_archive_upload_accepts_no_json(world):
    response = api_client(world, "assistant").post("/api/v1/archive-files/", {"house": world.house_a.pk}, format="json")
    assert response.status_code == 415


# --- ARC-5: loans -----------------------------------------------------------------------


def test_arc5_nobody_approves_their_own_loan(world):
    loan = _loan(world, "a")
    loan.requested_by = world.supervisor
    loan.save(update_fields=["requested_by"])
    response = api_client(world, "supervisor").post(f"/api/v1/archive-loans/{loan.pk}/approve/", {}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "loan_self_approval"


def test_arc5_only_an_approved_loan_is_lent(world):
    loan = _loan(world, "a")
    response = api_client(world, "archivist").post(f"/api/v1/archive-loans/{loan.pk}/lend/", {}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "loan_state"


def test_arc5_rejection_needs_a_note(world):
    loan = _loan(world, "a")
    response = api_client(world, "supervisor").post(f"/api/v1/archive-loans/{loan.pk}/reject/", {}, format="json")
    assert response.status_code == 400 and response.json()["field"] == "decision_note"


def test_arc5_loan_walks_its_states(world):
    client = api_client(world, "supervisor")
    loan = _loan(world, "a")
    for step, status in (("approve", "approved"), ("lend", "lent"), ("return", "returned")):
        response = client.post(f"/api/v1/archive-loans/{loan.pk}/{step}/", {}, format="json")
        assert response.status_code == 200 and response.json()["status"] == status, response.content
    body = response.json()
    assert body["decided_by"] == str(world.supervisor) and body["returned_to"] == str(world.supervisor)


def test_loan_filters_overdue_and_status(world):
    overdue = _loan(world, "a", "lent")
    ArchiveLoan.objects.filter(pk=overdue.pk).update(due_date=timezone.localdate() - dt.timedelta(days=1))
    on_time = _loan(world, "a", "lent")
    requested = _loan(world, "a")
    client = api_client(world, "supervisor")

    def ids(**params):
        response = client.get("/api/v1/archive-loans/", params)
        assert response.status_code == 200, response.content
        return {row["id"]: row for row in response.json()["results"]}

    assert set(ids(overdue="true")) == {overdue.pk} and ids(overdue="true")[overdue.pk]["is_overdue"] is True
    assert set(ids(overdue="false")) == {on_time.pk, requested.pk}
    assert set(ids(status="requested")) == {requested.pk}
    assert set(ids(house=world.house_b.pk)) == set()


def test_loan_due_date_in_the_past_is_refused(world):
    payload = {"house": world.house_a.pk, "items": "x", "borrower_name": "y", "purpose": "z", "due_date": "2020-01-01"}
    response = api_client(world, "archivist").post("/api/v1/archive-loans/", payload, format="json")
    assert response.status_code == 400 and response.json()["code"] == "loan_due_in_past"


# --- search -----------------------------------------------------------------------------


def test_search_finds_houses_by_code_and_persons_by_phone_tail(world):
    client = api_client(world, "assistant")
    by_code = client.get("/api/v1/search/", {"q": "3栋2单元1201"}).json()
    assert [h["code"] for h in by_code["houses"]] == ["3-2-1201"]
    by_tail = client.get("/api/v1/search/", {"q": "5678"}).json()
    assert [p["name"] for p in by_tail["persons"]] == ["张三"]
    assert by_tail["persons"][0]["houses"] == [
        {
            "id": world.owner_a.pk,
            "house": world.house_a.pk,
            "house_code": "3-2-1201",
            "role": "owner",
            "role_display": "业主",
            "is_primary_contact": True,
        }
    ]


def test_search_for_a_role_that_sees_houses_but_not_persons(world):
    response = api_client(world, "cleaner").get("/api/v1/search/", {"q": "3-2-1201"}).json()
    assert [h["code"] for h in response["houses"]] == ["3-2-1201"] and response["persons"] == []


def test_search_needs_a_query(world):
    response = api_client(world, "assistant").get("/api/v1/search/")
    assert response.status_code == 200 and response.json() == {"query": "", "houses": [], "persons": []}


def test_resident_account_gets_nothing_from_staff_endpoints(world):
    """A resident bound to house_a still sees no staff data, not even their own."""
    client = api_client(world, "resident")
    for endpoint in ("persons", "occupancies", "archive-files", "archive-loans", "houses", "projects"):
        response = client.get(f"/api/v1/{endpoint}/")
        assert response.status_code == 200 and response.json()["count"] == 0, endpoint
    assert client.get("/api/v1/search/", {"q": "张三"}).json()["persons"] == []
    assert client.get(f"/api/v1/persons/{world.person_a.pk}/").status_code == 404


# --- queries ----------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["persons", "occupancies", "archive-files", "archive-loans"])
def test_residents_list_query_counts_are_locked(world, django_assert_max_num_queries, endpoint):
    for index in range(20):
        occupant_register(
            house=world.house_a, person_data={"name": f"住户{index}"}, role="family", start_date=dt.date(2024, 1, 1)
        )
        archive_file_upload(house=world.house_a, upload=_pdf(), item_type=None, by=world.assistant)
        _loan(world, "a", "lent")
    client = api_client(world, "supervisor")
    with django_assert_max_num_queries(3):  # memberships, count, one page with its joins
        response = client.get(f"/api/v1/{endpoint}/")
    assert response.status_code == 200 and response.json()["count"] >= 20


def test_search_query_count_is_locked(world, django_assert_max_num_queries):
    for index in range(15):
        occupant_register(house=world.house_a, person_data={"name": f"张{index}"}, role="family", start_date=dt.date(2024, 1, 1))
    client = api_client(world, "assistant")
    # memberships, houses, persons, their active occupancies with houses
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/search/", {"q": "张"})
    assert len(response.json()["persons"]) == 16
