"""Console pages: the permission matrix (role × own project / other project / no login),
ARC-5 masking and reveal logging, search, and the ARC-4 overview with its export."""

import datetime as dt
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from propdesk.accounts.roles import ROLE_CAPS, Cap, Role
from propdesk.residents.models import ArchiveItemType, ArchiveLoan, PiiAccess
from propdesk.residents.services import archive_loan_request

STAFF_ROLES = [r.value for r in Role if r not in (Role.HEAD_OFFICE, Role.ADMIN)]


def holds(role: str, cap: Cap) -> bool:
    return cap in ROLE_CAPS[role]


def page_urls(world, house, person):
    """(url name, url, capability that grants it) for each object page built so far."""
    item_type = ArchiveItemType.objects.filter(project=house.project).first()
    return [
        ("house", reverse("estate:house", args=[house.pk]), Cap.HOUSE_VIEW),
        ("house-history", reverse("estate:house-history", args=[house.pk]), Cap.HOUSE_VIEW),
        ("person", reverse("residents:person", args=[person.pk]), Cap.PERSON_VIEW),
        ("loan-new", reverse("residents:loan-new", args=[house.pk]), Cap.ARCHIVE_LEND),
        ("house-print", reverse("estate:house-print", args=[house.pk]), Cap.PERSON_VIEW),
        ("person-edit", reverse("residents:person-edit", args=[person.pk]), Cap.PERSON_CHANGE),
        ("archive-item", reverse("residents:archive-item", args=[house.pk, item_type.pk]), None),
    ]


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_object_pages_permission_matrix(world, client, role):
    """Own project: allowed by capability; other project: the same 404 as a missing id."""
    client.force_login(world.users[(role, "a")])
    for name, url, cap in page_urls(world, world.house_a, world.person_a):
        if cap is None:
            continue
        expected = 200 if holds(role, cap) else 404
        assert client.get(url).status_code == expected, (role, name, "own")
    for name, url, cap in page_urls(world, world.house_b, world.person_b):
        if cap is None:
            continue
        assert client.get(url).status_code == 404, (role, name, "other project")
    assert client.get(reverse("estate:house", args=[999999])).status_code == 404


def test_object_pages_need_login(world, client):
    for _name, url, _cap in page_urls(world, world.house_a, world.person_a):
        response = client.get(url)
        assert response.status_code in (302, 405) and (response.status_code == 405 or "/login/" in response["Location"])


@pytest.mark.parametrize("who", [("head_office", "*"), ("admin", "*")])
def test_company_wide_roles_see_both_projects(world, client, who):
    client.force_login(world.users[who])
    assert client.get(reverse("estate:house", args=[world.house_a.pk])).status_code == 200
    assert client.get(reverse("estate:house", args=[world.house_b.pk])).status_code == 200


def test_resident_account_gets_no_staff_pages(world, client):
    client.force_login(world.resident_user)
    assert client.get(reverse("estate:house", args=[world.house_a.pk])).status_code == 404
    assert client.get(reverse("residents:person", args=[world.person_a.pk])).status_code == 404


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_writes_permission_matrix(world, client, role):
    """Status change, archive line, paper location: allowed by capability in own project,
    404 in the other project."""
    client.force_login(world.users[(role, "a")])
    item_a = ArchiveItemType.objects.filter(project=world.project_a).first()
    item_b = ArchiveItemType.objects.filter(project=world.project_b).first()
    own = [
        (reverse("estate:house-status", args=[world.house_a.pk]), {"status": "vacant", "reason": "核查"}, Cap.HOUSE_CHANGE),
        (reverse("residents:archive-item", args=[world.house_a.pk, item_a.pk]), {"status": "received"}, Cap.ARCHIVE_CHANGE),
        (reverse("residents:archive-paper", args=[world.house_a.pk]), {"cabinet": "A"}, Cap.ARCHIVE_CHANGE),
    ]
    for url, data, cap in own:
        status = client.post(url, data).status_code
        assert (status == 302) if holds(role, cap) else (status == 404), (role, url, status)
    other = [
        reverse("estate:house-status", args=[world.house_b.pk]),
        reverse("residents:archive-item", args=[world.house_b.pk, item_b.pk]),
        reverse("residents:archive-paper", args=[world.house_b.pk]),
    ]
    for url in other:
        assert client.post(url, {"status": "received", "reason": "x"}).status_code == 404, (role, url)


def test_arc5_house_page_shows_masked_personal_data(world, client):
    client.force_login(world.assistant)
    html = client.get(reverse("estate:house", args=[world.house_a.pk])).content.decode()
    assert "138****5678" in html and "110101********6632" in html
    assert "13812345678" not in html and world.person_a.id_number not in html


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_arc5_reveal_allowed_roles_and_logged(world, client, role):
    client.force_login(world.users[(role, "a")])
    url = reverse("residents:person-reveal", args=[world.person_a.pk, "id_number"])
    response = client.post(url)
    if holds(role, Cap.PII_REVEAL):
        assert response.status_code == 200 and response.content.decode() == world.person_a.id_number
        log = PiiAccess.objects.get()
        assert (log.viewer, log.person, log.field) == (world.users[(role, "a")], world.person_a, "id_number")
    else:
        assert response.status_code == 404
        assert not PiiAccess.objects.exists()
    assert client.post(reverse("residents:person-reveal", args=[world.person_b.pk, "mobile"])).status_code == 404


@pytest.mark.parametrize(
    "query",
    ["5678", "zs", "zhangsan", "张", "张三", "13812345678", "6632", "3-2-1201", "3栋2单元1201", "199003076632"],
)
def test_search_finds_by_every_key(world, client, query):
    client.force_login(world.assistant)
    html = client.get(reverse("core:search"), {"q": query}).content.decode()
    assert ("张三" in html) or ("3-2-1201" in html), query


def test_search_never_crosses_projects(world, client):
    client.force_login(world.outsider)
    html = client.get(reverse("core:search"), {"q": "5678"}).content.decode()
    assert "张三" not in html
    html = client.get(reverse("core:search"), {"q": "3-2-1201"}).content.decode()
    assert reverse("estate:house", args=[world.house_a.pk]) not in html and "没有找到" in html


def test_search_htmx_returns_fragment_only(world, client):
    client.force_login(world.assistant)
    html = client.get(reverse("core:search"), {"q": "zs"}, HTTP_HX_REQUEST="true").content.decode()
    assert "张三" in html and "<html" not in html


def test_arc4_overview_filters_and_exports_what_is_shown(world, client):
    client.force_login(world.assistant)
    url = reverse("residents:overview")
    html = client.get(url).content.decode()
    assert "3-2-1201" in html and "1-1-101" not in html  # the other project's house is not listed
    assert "3-2-1201" not in client.get(url, {"status": "rented"}).content.decode()
    assert "3-2-1201" in client.get(url, {"role": "owner"}).content.decode()
    response = client.get(reverse("residents:overview-export"), {"role": "owner"})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("项目", "房号")
    assert [row[1] for row in rows[1:]] == ["3-2-1201"]
    assert rows[1][9] == "138****5678"  # exports stay masked
    response = client.get(reverse("residents:overview-export"), {"status": "rented"})
    assert len(list(load_workbook(BytesIO(response.content)).active.iter_rows())) == 1


def test_overview_export_refused_without_export_capability(world, client):
    client.force_login(world.users[("engineer", "a")])
    response = client.get(reverse("residents:overview-export"))
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1  # header only: no project in which the engineer may export


def test_overview_query_count_is_bounded(world, client, django_assert_max_num_queries):
    client.force_login(world.assistant)
    with django_assert_max_num_queries(12):
        client.get(reverse("residents:overview"))


def test_loan_register_overdue_list(world, client):
    loan = archive_loan_request(
        house=world.house_a,
        items="入伙会签单",
        borrower_name="王律师",
        purpose="取证",
        due_date=dt.date.today() + dt.timedelta(days=1),
        by=world.users[("archivist", "a")],
    )
    ArchiveLoan.objects.filter(pk=loan.pk).update(status="lent", due_date=dt.date.today() - dt.timedelta(days=2))
    client.force_login(world.supervisor)
    html = client.get(reverse("residents:loans"), {"show": "overdue"}).content.decode()
    assert "王律师" in html
    client.force_login(world.users[("supervisor", "b")])
    assert "王律师" not in client.get(reverse("residents:loans")).content.decode()


def test_project_switcher_narrows_lists(world, client):
    client.force_login(world.users[("head_office", "*")])
    url = reverse("residents:overview")
    html = client.get(url).content.decode()
    assert "3-2-1201" in html and "1-1-101" in html
    client.post(reverse("core:project-switch"), {"project": world.project_b.pk, "next": url})
    html = client.get(url).content.decode()
    assert "3-2-1201" not in html and "1-1-101" in html


def test_house_print_masks_unless_role_may_reveal(world, client):
    url = reverse("estate:house-print", args=[world.house_a.pk])
    client.force_login(world.assistant)
    html = client.get(url).content.decode()
    assert "住户成员情况登记表" in html and "138****5678" in html and "13812345678" not in html
    client.force_login(world.supervisor)
    assert "13812345678" in client.get(url).content.decode()


def test_person_edit_keeps_masked_values_for_roles_without_reveal(world, client):
    client.force_login(world.assistant)
    url = reverse("residents:person-edit", args=[world.person_a.pk])
    form_html = client.get(url).content.decode()
    assert "13812345678" not in form_html and world.person_a.id_number not in form_html
    response = client.post(url, {"name": "张叁", "id_type": "resident_id", "mobile": "", "id_number": ""})
    assert response.status_code == 302
    world.person_a.refresh_from_db()
    assert (world.person_a.name, world.person_a.mobile, world.person_a.name_initials) == ("张叁", "13812345678", "zs")


def test_person_edit_reports_rule_errors_on_the_field(world, client):
    client.force_login(world.supervisor)
    url = reverse("residents:person-edit", args=[world.person_a.pk])
    html = client.post(url, {"name": "张三", "id_type": "resident_id", "id_number": "110101199003076631"}).content.decode()
    assert "校验位" in html
    world.person_a.refresh_from_db()
    assert world.person_a.id_number == "110101199003076632"


def test_person_photo_must_be_an_image_and_is_served_scoped(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.assistant)
    url = reverse("residents:person-edit", args=[world.person_a.pk])
    pdf = SimpleUploadedFile("photo.png", b"%PDF-1.4 fake", content_type="image/png")
    html = client.post(url, {"name": "张三", "id_type": "resident_id", "photo": pdf}).content.decode()
    assert "JPEG" in html
    png = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32, content_type="image/png")
    assert client.post(url, {"name": "张三", "id_type": "resident_id", "photo": png}).status_code == 302
    assert client.get(reverse("residents:person-photo", args=[world.person_a.pk])).status_code == 200
    client.force_login(world.outsider)
    assert client.get(reverse("residents:person-photo", args=[world.person_a.pk])).status_code == 404


def test_house_new_only_in_projects_where_allowed(world, client):
    client.force_login(world.assistant)
    data = {
        "project": world.project_a.pk,
        "building_number": "5",
        "entrance_number": "1",
        "room": "0301",
        "floor": 3,
        "area": "88.80",
        "usage": "residential",
        "sold": "on",
        "status": "vacant",
    }
    response = client.post(reverse("estate:house-new"), data)
    assert response.status_code == 302
    house = world.project_a.__class__.objects.get(pk=world.project_a.pk)
    from propdesk.estate.models import House

    created = House.objects.get(project=house, code="5-1-0301")
    assert created.status_changes.get().to_status == "vacant"
    refused = client.post(reverse("estate:house-new"), {**data, "project": world.project_b.pk, "room": "0302"})
    assert refused.status_code == 200 and not House.objects.filter(code="5-1-0302").exists()
    client.force_login(world.users[("engineer", "a")])
    assert client.get(reverse("estate:house-new")).status_code == 404


def test_arc5_loan_register_exports_what_is_shown(world, client):
    loan = archive_loan_request(
        house=world.house_a,
        items="入伙会签单",
        borrower_name="王律师",
        purpose="取证",
        due_date=dt.date.today() + dt.timedelta(days=1),
        by=world.users[("archivist", "a")],
    )
    archive_loan_request(
        house=world.house_a,
        items="房屋结构图",
        borrower_name="李工",
        purpose="维修",
        due_date=dt.date.today() + dt.timedelta(days=5),
        by=world.users[("archivist", "a")],
    )
    ArchiveLoan.objects.filter(pk=loan.pk).update(status="lent", due_date=dt.date.today() - dt.timedelta(days=2))
    client.force_login(world.supervisor)
    response = client.get(reverse("residents:loans-export"), {"show": "overdue"})
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("房号", "借阅材料", "借阅人") and [r[2] for r in rows[1:]] == ["王律师"]
    client.force_login(world.users[("supervisor", "b")])
    rows = list(load_workbook(BytesIO(client.get(reverse("residents:loans-export")).content)).active.iter_rows(values_only=True))
    assert len(rows) == 1


def test_arc4_monthly_review_recorded_once_per_month(world, client):
    from django.utils import timezone

    from propdesk.core.errors import DomainError
    from propdesk.residents.models import OverviewReview
    from propdesk.residents.services import overview_review_record

    client.force_login(world.assistant)
    assert "未核对" in client.get(reverse("residents:overview")).content.decode()
    assert (
        client.post(reverse("residents:overview-review"), {"project": world.project_a.pk, "note": "全部核对"}).status_code == 302
    )
    review = OverviewReview.objects.get()
    assert (review.reviewed_by, review.note, review.month.day) == (world.assistant, "全部核对", 1)
    assert "已由" in client.get(reverse("residents:overview")).content.decode()
    with pytest.raises(DomainError) as again:
        overview_review_record(project=world.project_a, month=timezone.localdate(), by=world.supervisor)
    assert again.value.rule == "ARC-4"
    with pytest.raises(DomainError) as future:
        overview_review_record(
            project=world.project_b, month=dt.date.today() + dt.timedelta(days=40), by=world.users[("supervisor", "b")]
        )
    assert future.value.field == "month"
    # Another project's id, or a role without the right, gets the same 404.
    assert client.post(reverse("residents:overview-review"), {"project": world.project_b.pk}).status_code == 404
    client.force_login(world.users[("guard", "a")])
    assert client.post(reverse("residents:overview-review"), {"project": world.project_a.pk}).status_code == 404
