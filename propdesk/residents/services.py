"""Resident and archive writes: one transactional function per business operation."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.errors import DomainError
from propdesk.core.idcard import InvalidResidentId, gender_of, normalise, parse_resident_id
from propdesk.core.phones import is_mobile, is_phone, normalise_phone
from propdesk.core.pinyin import pinyin_keys
from propdesk.core.uploads import check_scan
from propdesk.estate.models import House, Project
from propdesk.residents.choices import (
    DEFAULT_ARCHIVE_CHECKLIST,
    OWNING_ROLES,
    ArchiveItemStatus,
    IdType,
    LoanStatus,
    OccupancyEnd,
    OccupantRole,
)
from propdesk.residents.models import (
    ArchiveFile,
    ArchiveItem,
    ArchiveItemType,
    ArchiveLoan,
    Occupancy,
    OverviewReview,
    PaperArchive,
    Person,
    PiiAccess,
)

PERSON_FIELDS = (
    "name",
    "gender",
    "birthday",
    "mobile",
    "other_phones",
    "id_type",
    "id_number",
    "emergency_contact",
    "emergency_phone",
    "notes",
)


def person_clean(data: dict, *, today: dt.date | None = None) -> dict:
    """Normalised person fields, or a DomainError naming the field and the rule.

    A resident ID (居民身份证) must pass the GB 11643 check digit; its embedded birth date
    fills an empty birthday and must agree with a given one; gender likewise.
    """
    cleaned = {key: data[key] for key in PERSON_FIELDS if key in data}
    name = (cleaned.get("name") or "").strip()
    if not name:
        raise DomainError("person_name_required", _("姓名不能为空"), field="name")
    cleaned["name"] = name
    id_type = cleaned.get("id_type") or IdType.RESIDENT_ID
    if id_type not in IdType.values:
        raise DomainError("person_id_type_invalid", _("证件类型无效：%(t)s") % {"t": id_type}, field="id_type")
    cleaned["id_type"] = id_type
    id_number = normalise(cleaned.get("id_number") or "")
    cleaned["id_number"] = id_number
    if id_number and id_type == IdType.RESIDENT_ID:
        try:
            birth = parse_resident_id(id_number, today=today)
        except InvalidResidentId as exc:
            raise DomainError("person_id_invalid", str(exc), field="id_number", rule="GB 11643") from None
        if cleaned.get("birthday") and cleaned["birthday"] != birth:
            raise DomainError(
                "person_birthday_mismatch",
                _("出生日期与身份证号码中的 %(d)s 不一致") % {"d": birth.isoformat()},
                field="birthday",
            )
        cleaned["birthday"] = birth
        if not cleaned.get("gender"):
            cleaned["gender"] = gender_of(id_number)
    for field in ("mobile", "emergency_phone"):
        value = normalise_phone(cleaned.get(field) or "")
        cleaned[field] = value
        if value and not (is_mobile(value) if field == "mobile" else is_phone(value)):
            label = _("手机号") if field == "mobile" else _("紧急联系电话")
            raise DomainError("phone_invalid", _("%(label)s格式不正确：%(v)s") % {"label": label, "v": value}, field=field)
    return cleaned


def person_search_keys(person: Person) -> None:
    """Fill the derived search keys (pinyin, last four digits) from the values."""
    person.name_initials, person.name_pinyin = pinyin_keys(person.name)
    person.mobile_last4 = person.mobile[-4:] if person.mobile else ""
    person.id_last4 = person.id_number[-4:] if person.id_number else ""


def _check_id_unique(*, project_id: int, cleaned: dict, exclude_pk: int | None = None) -> None:
    if not cleaned.get("id_number"):
        return
    clash = Person.objects.filter(project_id=project_id, id_type=cleaned["id_type"], id_number=cleaned["id_number"])
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise DomainError("person_id_taken", _("该证件号码已登记在本项目的其他人员名下"), field="id_number")


@transaction.atomic
def person_create(*, project: Project, by=None, **data) -> Person:
    cleaned = person_clean(data)
    _check_id_unique(project_id=project.pk, cleaned=cleaned)
    person = Person(project=project, **cleaned)
    person_search_keys(person)
    person._history_user = by
    person.save()
    return person


@transaction.atomic
def person_update(*, person: Person, by=None, photo: UploadedFile | None = None, **data) -> Person:
    """Edit a person; a new photo must be a JPEG or PNG (checked by content)."""
    current = {key: getattr(person, key) for key in PERSON_FIELDS}
    cleaned = person_clean({**current, **data})
    _check_id_unique(project_id=person.project_id, cleaned=cleaned, exclude_pk=person.pk)
    for key, value in cleaned.items():
        setattr(person, key, value)
    person_search_keys(person)
    if photo is not None:
        content_type, _digest = check_scan(photo, max_bytes=settings.ARCHIVE_MAX_UPLOAD_BYTES, field="photo")
        if content_type == "application/pdf":
            raise DomainError("photo_type_refused", _("照片只接受 JPEG 或 PNG"), field="photo")
        person.photo.save(photo.name, photo, save=False)
    person._history_user = by
    person.save()
    return person


@transaction.atomic
def occupancy_add(
    *, house: House, person: Person, role: str, start_date: dt.date, is_primary_contact: bool = False, by=None
) -> Occupancy:
    """Register a person at a house in a role (住户登记)."""
    if person.project_id != house.project_id:
        raise DomainError("occupancy_project_mismatch", _("人员与房屋不属于同一项目"), field="person")
    if role not in OccupantRole.values:
        raise DomainError("occupancy_role_invalid", _("身份无效：%(r)s") % {"r": role}, field="role")
    if Occupancy.objects.filter(house=house, person=person, role=role, end_date__isnull=True).exists():
        raise DomainError("occupancy_exists", _("%(p)s 已以该身份登记在 %(h)s") % {"p": person, "h": house}, field="person")
    if is_primary_contact:
        _clear_primary_contact(house=house, by=by)
    occupancy = Occupancy(
        project_id=house.project_id,
        house=house,
        person=person,
        role=role,
        start_date=start_date,
        is_primary_contact=is_primary_contact,
    )
    occupancy._history_user = by
    occupancy.save()
    return occupancy


def _clear_primary_contact(*, house: House, by) -> None:
    for other in Occupancy.objects.filter(house=house, end_date__isnull=True, is_primary_contact=True):
        other.is_primary_contact = False
        other._history_user = by
        other.save(update_fields=["is_primary_contact", "updated_at"])


@transaction.atomic
def occupancy_set_primary_contact(*, occupancy: Occupancy, by=None) -> Occupancy:
    if not occupancy.is_active:
        raise DomainError("occupancy_ended", _("已结束的登记不能设为主要联系人"), field="occupancy")
    _clear_primary_contact(house=occupancy.house, by=by)
    occupancy.is_primary_contact = True
    occupancy._history_user = by
    occupancy.save(update_fields=["is_primary_contact", "updated_at"])
    return occupancy


def _end(occupancy: Occupancy, *, end_date: dt.date, reason: str, by) -> None:
    if end_date < occupancy.start_date:
        raise DomainError("occupancy_end_before_start", _("结束日期不能早于起始日期"), field="end_date")
    occupancy.end_date = end_date
    occupancy.end_reason = reason
    occupancy.is_primary_contact = False
    occupancy._history_user = by
    occupancy.save(update_fields=["end_date", "end_reason", "is_primary_contact", "updated_at"])


@transaction.atomic
def occupancy_end(*, occupancy: Occupancy, end_date: dt.date, reason: str = OccupancyEnd.DEREGISTERED, by=None) -> Occupancy:
    """Deregister a resident who has moved out (MOV-11): the row is ended, never deleted."""
    occupancy = Occupancy.objects.select_for_update().get(pk=occupancy.pk)
    if not occupancy.is_active:
        raise DomainError(
            "occupancy_ended", _("该登记已于 %(d)s 结束") % {"d": occupancy.end_date}, field="occupancy", rule="MOV-11"
        )
    if reason not in OccupancyEnd.values:
        raise DomainError("occupancy_end_reason_invalid", _("结束原因无效"), field="reason")
    _end(occupancy, end_date=end_date, reason=reason, by=by)
    return occupancy


@transaction.atomic
def house_transfer(*, house: House, new_owners: list[Person], transfer_date: dt.date, by=None) -> list[Occupancy]:
    """House transfer (房屋转让, MOV-13): the old owner and co-owners are ended as
    'transferred', the new owners registered (the first as primary contact). Family
    members and tenants of the old owner stay until deregistered on their own."""
    if not new_owners:
        raise DomainError("transfer_owner_required", _("房屋转让须指定新业主"), field="new_owners", rule="MOV-13")
    for old in Occupancy.objects.select_for_update().filter(house=house, role__in=OWNING_ROLES, end_date__isnull=True):
        _end(old, end_date=transfer_date, reason=OccupancyEnd.TRANSFERRED, by=by)
    created = []
    for index, person in enumerate(new_owners):
        role = OccupantRole.OWNER if index == 0 else OccupantRole.CO_OWNER
        created.append(
            occupancy_add(house=house, person=person, role=role, start_date=transfer_date, is_primary_contact=index == 0, by=by)
        )
    return created


@transaction.atomic
def pii_reveal(*, viewer, person: Person, field: str, address: str | None = None) -> str:
    """The full ID number or phone of `person` for a viewer whose role may see it; the
    reveal is logged (ARC-5). Others get the same 404 as for a missing person."""
    scoping.require(viewer, Cap.PII_REVEAL, person.project_id)
    if field not in PiiAccess.Field.values:
        raise DomainError("pii_field_invalid", _("不支持查看该字段"), field="field")
    PiiAccess.objects.create(
        project_id=person.project_id, viewer=viewer, person=person, field=field, at=timezone.now(), address=address
    )
    return getattr(person, field)


# --- archive (ARC-1…3, ARC-5) --------------------------------------------------------


def archive_checklist_seed_defaults(*, project: Project) -> None:
    """Give a project the ARC-2 checklist, keeping any lines it already has."""
    existing = set(ArchiveItemType.objects.filter(project=project).values_list("name", flat=True))
    ArchiveItemType.objects.bulk_create(
        ArchiveItemType(project=project, name=name, order=index * 10)
        for index, name in enumerate(DEFAULT_ARCHIVE_CHECKLIST)
        if name not in existing
    )


@transaction.atomic
def archive_item_set(*, house: House, item_type: ArchiveItemType, status: str, note: str = "", by) -> ArchiveItem:
    """Mark one checklist line of a house missing / received / not applicable (ARC-2)."""
    if item_type.project_id != house.project_id:
        raise DomainError("archive_type_project_mismatch", _("档案项目不属于该房屋所在项目"), field="item_type")
    if status not in ArchiveItemStatus.values:
        raise DomainError("archive_status_invalid", _("档案状态无效"), field="status")
    item, _created = ArchiveItem.objects.update_or_create(
        house=house,
        item_type=item_type,
        defaults={"project_id": house.project_id, "status": status, "note": note, "updated_by": by, "updated_at": timezone.now()},
    )
    return item


@transaction.atomic
def archive_file_upload(*, house: House, upload: UploadedFile, item_type: ArchiveItemType | None, by) -> ArchiveFile:
    """Store a scan (ARC-3), type checked by content; a scan for a checklist line marks
    that line received."""
    content_type, sha256 = check_scan(upload, max_bytes=settings.ARCHIVE_MAX_UPLOAD_BYTES)
    if item_type is not None and item_type.project_id != house.project_id:
        raise DomainError("archive_type_project_mismatch", _("档案项目不属于该房屋所在项目"), field="item_type")
    scan = ArchiveFile(
        project_id=house.project_id,
        house=house,
        item_type=item_type,
        original_name=upload.name[:200],
        content_type=content_type,
        size=upload.size,
        sha256=sha256,
        uploaded_by=by,
        uploaded_at=timezone.now(),
    )
    scan.file.save(upload.name, upload, save=False)
    try:
        scan.save()
        if item_type is not None:
            archive_item_set(house=house, item_type=item_type, status=ArchiveItemStatus.RECEIVED, by=by)
    except Exception:
        scan.file.delete(save=False)
        raise
    return scan


@transaction.atomic
def paper_archive_set(*, house: House, cabinet: str, box: str, folder: str, by) -> PaperArchive:
    """Record where the paper file of a house is kept (双档案, ARC-3)."""
    paper, _created = PaperArchive.objects.update_or_create(
        house=house,
        defaults={
            "project_id": house.project_id,
            "cabinet": cabinet.strip(),
            "box": box.strip(),
            "folder": folder.strip(),
            "updated_by": by,
            "updated_at": timezone.now(),
        },
    )
    return paper


@transaction.atomic
def archive_loan_request(
    *, house: House, items: str, borrower_name: str, purpose: str, due_date: dt.date, borrower_department: str = "", by
) -> ArchiveLoan:
    """Register a request to borrow a house's paper archive (档案借阅, ARC-5)."""
    for field, value, label in (
        ("items", items, _("借阅材料")),
        ("borrower_name", borrower_name, _("借阅人")),
        ("purpose", purpose, _("借阅用途")),
    ):
        if not value.strip():
            raise DomainError("loan_field_required", _("%(label)s不能为空") % {"label": label}, field=field)
    if due_date < timezone.localdate():
        raise DomainError("loan_due_in_past", _("应还日期不能早于今天"), field="due_date")
    return ArchiveLoan.objects.create(
        project_id=house.project_id,
        house=house,
        items=items.strip(),
        borrower_name=borrower_name.strip(),
        borrower_department=borrower_department.strip(),
        purpose=purpose.strip(),
        due_date=due_date,
        requested_by=by,
    )


def _loan_locked(loan: ArchiveLoan, expected: str) -> ArchiveLoan:
    loan = ArchiveLoan.objects.select_for_update().get(pk=loan.pk)
    if loan.status != expected:
        raise DomainError(
            "loan_state", _("当前状态为“%(s)s”，不能执行此操作") % {"s": loan.get_status_display()}, field="status", rule="ARC-5"
        )
    return loan


@transaction.atomic
def archive_loan_decide(*, loan: ArchiveLoan, approve: bool, note: str = "", by) -> ArchiveLoan:
    """A supervisor approves or rejects a loan (ARC-5); nobody approves their own request."""
    if not scoping.has_cap(by, Cap.ARCHIVE_APPROVE_LOAN, loan.project_id):
        raise DomainError("loan_approver_role", _("档案借阅须由主管审批（ARC-5）"), field="decided_by", rule="ARC-5")
    loan = _loan_locked(loan, LoanStatus.REQUESTED)
    if loan.requested_by_id == by.pk:
        raise DomainError("loan_self_approval", _("不能审批自己登记的借阅申请（ARC-5）"), field="decided_by", rule="ARC-5")
    if not approve and not note.strip():
        raise DomainError("loan_reject_reason", _("驳回须填写审批意见"), field="decision_note")
    loan.status = LoanStatus.APPROVED if approve else LoanStatus.REJECTED
    loan.decided_by, loan.decided_at, loan.decision_note = by, timezone.now(), note.strip()
    loan.save()
    return loan


@transaction.atomic
def archive_loan_lend(*, loan: ArchiveLoan, by) -> ArchiveLoan:
    """Hand the file out — only an approved loan (ARC-5)."""
    loan = _loan_locked(loan, LoanStatus.APPROVED)
    loan.status, loan.lent_at = LoanStatus.LENT, timezone.now()
    loan.save()
    return loan


@transaction.atomic
def archive_loan_return(*, loan: ArchiveLoan, by) -> ArchiveLoan:
    loan = _loan_locked(loan, LoanStatus.LENT)
    loan.status, loan.returned_at, loan.returned_to = LoanStatus.RETURNED, timezone.now(), by
    loan.save()
    return loan


@transaction.atomic
def occupant_register(
    *, house: House, person_data: dict, role: str, start_date: dt.date, is_primary_contact: bool = False, by=None
) -> Occupancy:
    """Register a resident at a house (住户登记): the person is found by ID number in the
    project (and updated) or created, then tied to the house."""
    cleaned = person_clean(person_data)
    person = None
    if cleaned.get("id_number"):
        person = Person.objects.filter(
            project_id=house.project_id, id_type=cleaned["id_type"], id_number=cleaned["id_number"]
        ).first()
    if person is None:
        person = person_create(project=house.project, by=by, **cleaned)
    else:
        person = person_update(person=person, by=by, **{k: v for k, v in cleaned.items() if v not in ("", None)})
    return occupancy_add(
        house=house, person=person, role=role, start_date=start_date, is_primary_contact=is_primary_contact, by=by
    )


@transaction.atomic
def overview_review_record(*, project: Project, month: dt.date, note: str = "", by) -> OverviewReview:
    """Record this month's full review of the customer overview (ARC-4). One review per
    project and month; the month cannot lie in the future."""
    scoping.require(by, Cap.PERSON_CHANGE, project.pk)
    first = month.replace(day=1)
    if first > timezone.localdate():
        raise DomainError("review_month_future", _("不能核对未来的月份"), field="month", rule="ARC-4")
    review, created = OverviewReview.objects.get_or_create(
        project=project, month=first, defaults={"reviewed_by": by, "reviewed_at": timezone.now(), "note": note.strip()}
    )
    if not created:
        raise DomainError(
            "review_done",
            _("%(month)s 的客户情况一览表已由 %(who)s 核对") % {"month": first.strftime("%Y-%m"), "who": review.reviewed_by},
            field="month",
            rule="ARC-4",
        )
    return review
