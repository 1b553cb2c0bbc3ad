"""Special-service pages (DESK-8): the catalogue and providers (read by staff, kept by
supervisors and PMs), the Excel export, the monthly statistics, and the referral as a
way a call ends on the contact form."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from propdesk.desk import catalogue
from propdesk.desk.choices import ContactOutcome, Department, PriceKind
from propdesk.desk.models import Contact, PriceItem, ServiceProvider

pytestmark = pytest.mark.django_db

STAFF = ["assistant", "supervisor", "manager", "engineer", "guard", "cleaner", "cashier", "archivist"]
KEEPERS = {"supervisor", "manager"}  # Cap.CATALOGUE_MANAGE, written out


def _client(world, role, project="a"):
    client = Client()
    client.force_login(world.users[(role, project)])
    return client


def _item(world, project="a", name="开荒保洁"):
    return catalogue.price_item_add(
        project=world.project_a if project == "a" else world.project_b,
        kind=PriceKind.SERVICE,
        name=name,
        unit="平方米",
        unit_price="6.00",
        department=Department.CLEANING,
        by=world.users[("supervisor", project)],
    )


@pytest.mark.parametrize("role", STAFF)
def test_catalogue_is_read_by_staff_and_kept_by_supervisors_and_managers(world, role):
    _item(world)
    _item(world, project="b", name="外项目服务")
    client = _client(world, role)
    page = client.get(reverse("services:catalogue")).content.decode()
    assert "开荒保洁" in page and "外项目服务" not in page
    assert ('id="service-form"' in page) == (role in KEEPERS)
    response = client.post(
        reverse("services:catalogue"),
        {
            "form": "service",
            "project": world.project_a.pk,
            "name": "家政保洁",
            "unit": "次",
            "unit_price": "100",
            "department": "cleaning",
        },
    )
    assert PriceItem.objects.filter(name="家政保洁").exists() == (role in KEEPERS)
    assert response.status_code == (302 if role in KEEPERS else 404)


def test_catalogue_refuses_anonymous_and_residents(world, client):
    assert client.get(reverse("services:catalogue")).status_code == 302
    client.force_login(world.resident_user)
    assert client.get(reverse("services:catalogue")).status_code == 404


def test_catalogue_keeper_cannot_publish_in_another_project(world):
    client = _client(world, "supervisor")
    response = client.post(
        reverse("services:catalogue"),
        {
            "form": "service",
            "project": world.project_b.pk,
            "name": "越权",
            "unit": "次",
            "unit_price": "1",
            "department": "cleaning",
        },
    )
    assert response.status_code == 404 and not PriceItem.objects.exists()


def test_catalogue_bad_input_is_shown_on_its_form(world):
    client = _client(world, "manager")
    response = client.post(
        reverse("services:catalogue"),
        {
            "form": "service",
            "project": world.project_a.pk,
            "name": "家政",
            "unit": "次",
            "unit_price": "-5",
            "department": "cleaning",
        },
    )
    assert response.status_code == 400 and "单价须为不小于 0 的金额" in response.content.decode()
    response = client.post(
        reverse("services:catalogue"),
        {"form": "provider", "project": world.project_a.pk, "name": "某公司", "services": "搬家", "phone": ""},
    )
    assert response.status_code == 400 and "有效的联系电话" in response.content.decode()
    assert not PriceItem.objects.exists() and not ServiceProvider.objects.exists()


def test_withdrawn_service_leaves_the_published_list(world):
    item = _item(world)
    client = _client(world, "manager")
    client.post(reverse("services:item-toggle", args=[item.pk]))
    assert not PriceItem.objects.get(pk=item.pk).active
    assert _client(world, "engineer").post(reverse("services:item-toggle", args=[item.pk])).status_code == 404


def test_catalogue_export_has_the_published_prices(world):
    _item(world)
    response = _client(world, "assistant").get(reverse("services:catalogue-export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "服务项目" and rows[1][1] == "开荒保洁" and rows[1][4] in ("6.00", 6, 6.0)


def test_stats_page_and_export(world):
    client = _client(world, "supervisor")
    page = client.get(reverse("services:stats")).content.decode()
    assert "特约服务月度统计" in page and timezone.localdate().strftime("%Y-%m") in page
    response = client.get(reverse("services:stats-export"), {"month": timezone.localdate().strftime("%Y-%m")})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[-1][0] == "合计"


def test_contact_form_refers_a_caller_to_a_nearby_provider(world):
    provider = catalogue.provider_add(
        project=world.project_a, name="小张家电维修", services="家电维修", phone="13958001122", by=world.supervisor
    )
    client = _client(world, "assistant")
    form = {
        "channel": "phone",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "content": "业主询问物业能否修洗衣机",
        "house": world.house_a.pk,
        "outcome": ContactOutcome.REFERRED,
    }
    response = client.post(reverse("desk:contact-new"), form)
    assert response.status_code == 400 and "请选择转介的周边服务商" in response.content.decode()
    read_back = client.post(reverse("desk:read-back"), {**form, "referred_to": provider.pk}).content.decode()
    assert "小张家电维修" in read_back and "13958001122" in read_back
    response = client.post(reverse("desk:contact-new"), {**form, "referred_to": provider.pk})
    contact = Contact.objects.get()
    assert response.status_code == 302 and contact.outcome == ContactOutcome.REFERRED and contact.referred_to == provider
    assert "小张家电维修" in contact.read_back


def test_a_service_request_is_worked_on_its_work_order_page(world):
    from propdesk.desk.choices import TicketType
    from propdesk.desk.services import ticket_open

    service = ticket_open(
        project=world.project_a, type=TicketType.SERVICE, title="预约开荒保洁", house=world.house_a, by=world.assistant
    )
    inquiry = ticket_open(project=world.project_a, type=TicketType.INQUIRY, title="咨询", by=world.assistant)
    client = _client(world, "assistant")
    assert client.get(reverse("repairs:order", args=[service.pk])).status_code == 200
    assert client.get(reverse("repairs:order", args=[inquiry.pk])).status_code == 404
    assert reverse("repairs:order", args=[service.pk]) in client.get(reverse("desk:ticket", args=[service.pk])).content.decode()
