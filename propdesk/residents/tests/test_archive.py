"""The house archive: ARC-2 checklist, ARC-3 scans and paper location, ARC-5 lending."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from propdesk.core.errors import DomainError
from propdesk.residents.choices import DEFAULT_ARCHIVE_CHECKLIST, ArchiveItemStatus, LoanStatus
from propdesk.residents.models import ArchiveFile, ArchiveItemType
from propdesk.residents.selectors import archive_completeness
from propdesk.residents.services import (
    archive_file_upload,
    archive_item_set,
    archive_loan_decide,
    archive_loan_lend,
    archive_loan_request,
    archive_loan_return,
    paper_archive_set,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def item_type(world, name):
    return ArchiveItemType.objects.get(project=world.project_a, name=name)


def test_arc2_new_project_gets_the_default_checklist(world):
    names = list(ArchiveItemType.objects.filter(project=world.project_a).values_list("name", flat=True))
    assert names == list(DEFAULT_ARCHIVE_CHECKLIST)
    assert "入伙会签单" in names and "房屋结构图" in names and len(names) == 14


def test_arc2_completeness_counts_received_over_applicable(world):
    assert (archive_completeness(world.house_a).received, archive_completeness(world.house_a).applicable) == (0, 14)
    archive_item_set(
        house=world.house_a, item_type=item_type(world, "入伙会签单"), status=ArchiveItemStatus.RECEIVED, by=world.assistant
    )
    archive_item_set(
        house=world.house_a, item_type=item_type(world, "装修承诺书"), status=ArchiveItemStatus.NOT_APPLICABLE, by=world.assistant
    )
    completeness = archive_completeness(world.house_a)
    assert (completeness.received, completeness.applicable, completeness.percent) == (1, 13, 7)


def test_arc2_checklist_is_configurable(world):
    extra = ArchiveItemType.objects.create(project=world.project_a, name="车位租赁合同", order=200)
    item_type(world, "房屋结构图").__class__.objects.filter(project=world.project_a, name="房屋结构图").update(active=False)
    assert archive_completeness(world.house_a).applicable == 14
    archive_item_set(house=world.house_a, item_type=extra, status=ArchiveItemStatus.RECEIVED, by=world.assistant)
    assert archive_completeness(world.house_a).received == 1


def test_arc2_checklist_line_of_other_project_refused(world):
    other = ArchiveItemType.objects.filter(project=world.project_b).first()
    with pytest.raises(DomainError):
        archive_item_set(house=world.house_a, item_type=other, status=ArchiveItemStatus.RECEIVED, by=world.assistant)


def test_arc3_scan_upload_marks_the_line_received(world):
    upload = SimpleUploadedFile("身份证.pdf", PDF, content_type="application/pdf")
    scan = archive_file_upload(
        house=world.house_a, upload=upload, item_type=item_type(world, "业主身份证复印件"), by=world.assistant
    )
    assert scan.content_type == "application/pdf" and scan.size == len(PDF) and len(scan.sha256) == 64
    assert scan.file.read() == PDF
    assert archive_completeness(world.house_a).received == 1


def test_arc3_type_is_checked_by_content_not_by_name(world):
    disguised = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 this is an exe", content_type="application/pdf")
    with pytest.raises(DomainError) as error:
        archive_file_upload(house=world.house_a, upload=disguised, item_type=None, by=world.assistant)
    assert error.value.code == "upload_type_refused" and error.value.rule == "ARC-3"
    png_named_jpg = SimpleUploadedFile("photo.jpg", PNG, content_type="image/jpeg")
    assert (
        archive_file_upload(house=world.house_a, upload=png_named_jpg, item_type=None, by=world.assistant).content_type
        == "image/png"
    )


def test_arc3_size_limit_and_nothing_half_written(world, settings):
    settings.ARCHIVE_MAX_UPLOAD_BYTES = 10
    with pytest.raises(DomainError) as error:
        archive_file_upload(house=world.house_a, upload=SimpleUploadedFile("a.pdf", PDF), item_type=None, by=world.assistant)
    assert error.value.code == "upload_too_large"
    assert not ArchiveFile.objects.exists()
    media = settings.MEDIA_ROOT
    assert not any(p.is_file() for p in media.rglob("*")) if media.exists() else True


def test_arc3_paper_location_recorded(world):
    paper = paper_archive_set(house=world.house_a, cabinet="A柜", box="3号盒", folder="3-2-1201", by=world.assistant)
    assert str(paper) == "A柜 / 3号盒 / 3-2-1201"
    paper_archive_set(house=world.house_a, cabinet="B柜", box="", folder="", by=world.assistant)
    world.house_a.refresh_from_db()
    assert str(world.house_a.paper_archive) == "B柜"


def _loan(world, by=None):
    return archive_loan_request(
        house=world.house_a,
        items="入伙会签单",
        borrower_name="王律师",
        purpose="产权纠纷取证",
        due_date=dt.date.today() + dt.timedelta(days=3),
        by=by or world.users[("archivist", "a")],
    )


def test_arc5_loan_lent_only_after_supervisor_approval(world):
    loan = _loan(world)
    with pytest.raises(DomainError) as not_yet:
        archive_loan_lend(loan=loan, by=world.users[("archivist", "a")])
    assert not_yet.value.rule == "ARC-5"
    archive_loan_decide(loan=loan, approve=True, by=world.supervisor)
    loan = archive_loan_lend(loan=loan, by=world.users[("archivist", "a")])
    assert loan.status == LoanStatus.LENT and loan.lent_at and loan.decided_by == world.supervisor
    loan = archive_loan_return(loan=loan, by=world.users[("archivist", "a")])
    assert loan.status == LoanStatus.RETURNED and loan.returned_to == world.users[("archivist", "a")]


def test_arc5_only_supervisor_roles_approve(world):
    loan = _loan(world)
    for role in ("assistant", "archivist", "engineer"):
        with pytest.raises(DomainError) as error:
            archive_loan_decide(loan=loan, approve=True, by=world.users[(role, "a")])
        assert error.value.code == "loan_approver_role"
    with pytest.raises(DomainError):
        archive_loan_decide(loan=loan, approve=True, by=world.users[("supervisor", "b")])


def test_arc5_nobody_approves_own_request(world):
    loan = _loan(world, by=world.supervisor)
    with pytest.raises(DomainError) as error:
        archive_loan_decide(loan=loan, approve=True, by=world.supervisor)
    assert error.value.code == "loan_self_approval"


def test_arc5_rejection_needs_a_reason_and_blocks_lending(world):
    loan = _loan(world)
    with pytest.raises(DomainError):
        archive_loan_decide(loan=loan, approve=False, note="", by=world.supervisor)
    loan = archive_loan_decide(loan=loan, approve=False, note="无法律文书", by=world.supervisor)
    with pytest.raises(DomainError):
        archive_loan_lend(loan=loan, by=world.users[("archivist", "a")])


def test_arc5_loan_fields_required_and_due_date_not_past(world):
    with pytest.raises(DomainError) as error:
        archive_loan_request(
            house=world.house_a, items=" ", borrower_name="x", purpose="y", due_date=dt.date.today(), by=world.assistant
        )
    assert error.value.field == "items"
    with pytest.raises(DomainError) as past:
        archive_loan_request(
            house=world.house_a, items="x", borrower_name="x", purpose="y", due_date=dt.date(2020, 1, 1), by=world.assistant
        )
    assert past.value.field == "due_date"


def test_arc1_one_archive_per_house_filed_by_building_entrance_house(world):
    """Each house has one archive (one paper location, one checklist per line), and the
    overview files houses by building → entrance → room."""
    from decimal import Decimal

    from django.db import IntegrityError, transaction

    from propdesk.estate.services import house_create
    from propdesk.residents.models import ArchiveItem, PaperArchive
    from propdesk.residents.selectors import overview_houses

    paper_archive_set(house=world.house_a, cabinet="A", box="1", folder="1", by=world.assistant)
    paper_archive_set(house=world.house_a, cabinet="B", box="2", folder="2", by=world.assistant)
    assert PaperArchive.objects.filter(house=world.house_a).count() == 1
    line = item_type(world, "入伙会签单")
    archive_item_set(house=world.house_a, item_type=line, status=ArchiveItemStatus.MISSING, by=world.assistant)
    archive_item_set(house=world.house_a, item_type=line, status=ArchiveItemStatus.RECEIVED, by=world.assistant)
    assert ArchiveItem.objects.filter(house=world.house_a, item_type=line).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        ArchiveItem.objects.create(
            project=world.project_a, house=world.house_a, item_type=line, status="missing", updated_at=world.house_a.created_at
        )
    for building, entrance, room in (("10", "1", "101"), ("2", "2", "301"), ("2", "1", "902"), ("2", "1", "101")):
        house_create(
            project=world.project_a, building_number=building, entrance_number=entrance, room=room, floor=1, area=Decimal("50")
        )
    codes = [h.code for h in overview_houses(project_ids={world.project_a.pk})]
    assert codes == ["2-1-101", "2-1-902", "2-2-301", "3-2-1201", "10-1-101"]  # as people count
