"""Who may do what with bank collection (FEE-5): the permission matrix of every API
endpoint and console page — each staff role and a resident account, in their own project
and the other one, and nobody signed in. FEE_VIEW sees batches and mandates, FEE_COLLECT
exports, imports, downloads and records mandates, FEE_CONFIGURE keeps the bank profiles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from propdesk.bankcollect.models import BankMandate, CollectionBatch
from propdesk.bankcollect.services import batch_export, profile_save
from propdesk.billing.models import Payment
from propdesk.billing.run import billing_run
from propdesk.core.testing import cells, check_matrix, check_page_matrix, listed, page_client
from propdesk.estate.choices import HouseStatus
from propdesk.estate.services import house_change_status

from .conftest import COLUMNS, make_fees, mandate_for, return_csv

pytestmark = pytest.mark.django_db

VIEWERS = {"assistant", "supervisor", "manager", "cashier", "head_office", "admin"}  # FEE_VIEW
COLLECTORS = {"cashier", "supervisor", "manager", "admin"}  # FEE_COLLECT
CONFIGURERS = {"manager", "admin"}  # FEE_CONFIGURE


@pytest.fixture
def both(world, houses, profile, staff):
    """A batch in each project."""
    house_change_status(house=world.house_b, to_status=HouseStatus.OWNER_OCCUPIED, reason="入住", by=staff.admin)
    make_fees(world, world.project_b)
    billing_run(project=world.project_b, month=dt.date(2026, 6, 1), by=staff.admin)
    profile_b = profile_save(project=world.project_b, by=staff.admin, bank_name="工商银行", columns=COLUMNS)
    mandate_for(world.house_b, profile_b, staff.admin, number="6222020200155556666")
    world.batch_a = batch_export(profile=profile, cutoff=dt.date(2026, 6, 30), by=staff.cashier)
    world.batch_b = batch_export(profile=profile_b, cutoff=dt.date(2026, 6, 30), by=staff.admin)
    world.profile_a, world.profile_b = profile, profile_b
    return world


def test_fee5_api_batch_list_permission_matrix(both):
    def act(client, cell):
        batch = cell.pick(both.batch_a, both.batch_b)
        return listed(client.get("/api/v1/bank-batches/"), batch.pk)

    check_matrix(both, VIEWERS, act, refused=200)


def test_fee5_api_batch_detail_permission_matrix(both):
    def act(client, cell):
        batch = cell.pick(both.batch_a, both.batch_b)
        response = client.get(f"/api/v1/bank-batches/{batch.pk}/")
        if response.status_code == 200:
            assert "*" in response.json()["lines"][0]["account_number"]  # masked
        return response

    check_matrix(both, VIEWERS, act)


def test_fee5_api_export_permission_matrix(both):
    CollectionBatch.objects.filter(pk__in=[both.batch_a.pk, both.batch_b.pk]).update(status="closed")

    def act(client, cell):
        profile = cell.pick(both.profile_a, both.profile_b)
        before = CollectionBatch.objects.filter(profile=profile).count()
        response = client.post("/api/v1/bank-batches/", {"profile": profile.pk, "cutoff": "2026-06-30"}, format="json")
        return response, CollectionBatch.objects.filter(profile=profile).count() == before + 1

    check_matrix(both, COLLECTORS, act, ok=201)


def test_fee5_api_return_file_permission_matrix(both):
    def act(client, cell):
        batch = cell.pick(both.batch_a, both.batch_b)
        upload = SimpleUploadedFile("回盘.csv", return_csv(batch), content_type="text/csv")
        response = client.post(f"/api/v1/bank-batches/{batch.pk}/returns/", {"file": upload}, format="multipart")
        return response, Payment.objects.filter(house__project=batch.project, method="bank_collection").exists()

    check_matrix(both, COLLECTORS, act)


def test_fee5_api_mandate_create_permission_matrix(both):
    BankMandate.objects.filter(house__in=[both.house_a, both.house_b]).update(active_to=dt.date(2026, 6, 30))

    def act(client, cell):
        house, profile = cell.pick((both.house_a, both.profile_a), (both.house_b, both.profile_b))
        data = {"house": house.pk, "profile": profile.pk, "account_name": "王五", "account_number": "62220000111122223"}
        response = client.post("/api/v1/bank-mandates/", {**data, "active_from": "2026-07-01"}, format="json")
        if response.status_code == 201:
            assert response.json()["account_number"] == "6222*********2223"
        return response, BankMandate.objects.filter(house=house, account_name="王五").exists()

    check_matrix(both, COLLECTORS, act, ok=201)


def test_fee5_batches_page_permission_matrix(both):
    def act(client, cell):
        batch = cell.pick(both.batch_a, both.batch_b)
        response = client.get("/bankcollect/")
        return response, f'data-project="{batch.project_id}"' in response.content.decode()

    check_page_matrix(both, VIEWERS, act)


def test_fee5_mandates_page_permission_matrix(both):
    def act(client, cell):
        project = cell.pick(both.project_a, both.project_b)
        response = client.get("/bankcollect/mandates/")
        body = response.content.decode()
        assert "6222020200155556666" not in body and "6222020200112233445" not in body  # masked
        return response, f'data-project="{project.pk}"' in body

    check_page_matrix(both, VIEWERS, act)


def test_fee5_profiles_page_permission_matrix(both):
    def act(client, cell):
        project = cell.pick(both.project_a, both.project_b)
        response = client.get("/bankcollect/profiles/")
        return response, f'data-project="{project.pk}"' in response.content.decode()

    check_page_matrix(both, CONFIGURERS, act)


def _object_page_matrix(world, allowed, act):
    """A page about one object: allowed → 200; any other signed-in caller → 404;
    nobody → the login page."""
    failures = []
    for cell in cells(allowed):
        response = act(page_client(world, cell.role), cell)
        expected = 302 if cell.role is None else 200 if cell.allowed else 404
        if response.status_code != expected:
            failures.append(f"{cell}: expected {expected}, got {response.status_code}")
    assert not failures, "permission matrix:\n  " + "\n  ".join(failures)


def test_fee5_batch_page_permission_matrix(both):
    _object_page_matrix(both, VIEWERS, lambda c, cell: c.get(f"/bankcollect/batches/{cell.pick(both.batch_a, both.batch_b).pk}/"))


def test_fee5_download_permission_matrix(both):
    def act(client, cell):
        return client.get(f"/bankcollect/batches/{cell.pick(both.batch_a, both.batch_b).pk}/download/")

    _object_page_matrix(both, COLLECTORS, act)


def test_fee5_exceptions_excel_permission_matrix(both):
    def act(client, cell):
        return client.get(f"/bankcollect/batches/{cell.pick(both.batch_a, both.batch_b).pk}/exceptions.xlsx?kind=lines")

    _object_page_matrix(both, VIEWERS, act)


def test_fee5_upload_page_imports_and_shows_row_errors(both, staff):
    client = page_client(both, "cashier")
    bad = "托收编号,金额,扣款结果\n000100001,abc,成功\n".encode("gbk")
    response = client.post(f"/bankcollect/batches/{both.batch_a.pk}/upload/", {"file": SimpleUploadedFile("r.csv", bad)})
    assert response.status_code == 400 and "upload-errors" in response.content.decode()
    good = SimpleUploadedFile("r.csv", return_csv(both.batch_a))
    response = client.post(f"/bankcollect/batches/{both.batch_a.pk}/upload/", {"file": good})
    assert response.status_code == 302
    page = client.get(f"/bankcollect/batches/{both.batch_a.pk}/").content.decode()
    assert "核对一致" in page and 'data-status="paid"' in page
