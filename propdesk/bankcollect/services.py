"""Bank collection (银行托收, FEE-5): profiles, mandates, exporting a batch, importing the
bank's return file, closing the batch.

- `batch_export`: every house with a mandate in force and open lines of months up to the
  cut-off, oldest first, becomes a batch line with its amount frozen (open amounts and the
  live late fee that day). A house in a batch still waiting for its return file is left
  out — it is never collected twice.
- `batch_import_return`: one transaction with the batch row locked. Each row is matched to
  a line by its reference, else by house code and amount. A success records the payment
  through billing's `payment_take` (method 银行托收, `received_on` the day of the debit,
  idempotency key of the line — importing the same file again, or two imports at once,
  record it once). If the desk took the money meanwhile the lines are no longer open and
  the whole amount becomes prepaid credit through the same service (never a second
  payment of the lines). A failure keeps the bank's reason; a row matching nothing is kept
  for manual handling, and a line the file did not mention is marked unmatched.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.accounts.roles import Cap
from propdesk.bankcollect.choices import BatchStatus, Encoding, ExportField, FileFormat, LineStatus
from propdesk.bankcollect.fileio import ReturnRow, export_bytes, parse_return
from propdesk.bankcollect.models import BankMandate, BankProfile, BatchLine, CollectionBatch, UnmatchedRow
from propdesk.billing.choices import Payer, PaymentMethod
from propdesk.billing.ledger import lock_house
from propdesk.billing.models import BillLine, Payment
from propdesk.billing.payments import credit_apply, payment_take
from propdesk.billing.selectors import line_states, open_lines
from propdesk.core import scoping
from propdesk.core.errors import DomainError
from propdesk.core.money import ZERO, money_sum
from propdesk.core.numbering import next_value
from propdesk.estate.models import House, Project

BATCH_COUNTER = "bankcollect_batch"
RESERVED_HEADERS = {"扣款结果", "失败代码", "失败原因", "扣款日期"}


# --- profiles ----------------------------------------------------------------------------------


def _check_columns(columns: list) -> list[dict]:
    if not isinstance(columns, list) or not columns:
        raise DomainError("profile_columns_required", _("请至少选择一列"), field="columns")
    cleaned, fields, headers = [], set(), set()
    for column in columns:
        name = (column or {}).get("field", "")
        header = str((column or {}).get("header", "")).strip() or (
            str(ExportField(name).label) if name in ExportField.values else ""
        )
        if name not in ExportField.values:
            raise DomainError("profile_column_unknown", _("未知的导出字段：%(f)s") % {"f": name}, field="columns")
        if name in fields or header in headers:
            raise DomainError("profile_column_duplicate", _("导出列重复：%(h)s") % {"h": header}, field="columns")
        if header in RESERVED_HEADERS or len(header) > 30:
            raise DomainError(
                "profile_header_invalid", _("列名“%(h)s”不可用（回盘结果列保留，或超过30字）") % {"h": header}, field="columns"
            )
        fields.add(name)
        headers.add(header)
        cleaned.append({"field": name, "header": header})
    if not {ExportField.AMOUNT, ExportField.ACCOUNT_NUMBER} <= fields:
        raise DomainError("profile_columns_incomplete", _("导出列须包含“金额”和“账号”"), field="columns")
    if not fields & {ExportField.REFERENCE, ExportField.HOUSE_CODE}:
        raise DomainError("profile_columns_unmatchable", _("导出列须包含“托收编号”或“房屋编码”，回盘才能匹配"), field="columns")
    return cleaned


@transaction.atomic
def profile_save(
    *,
    project: Project,
    by,
    bank_name: str,
    columns: list,
    file_format: str = FileFormat.XLSX,
    encoding: str = Encoding.GBK,
    active: bool = True,
    profile: BankProfile | None = None,
) -> BankProfile:
    """Create or change a project's bank profile (FEE_CONFIGURE)."""
    scoping.require(by, Cap.FEE_CONFIGURE, project.pk)
    if profile is not None and profile.project_id != project.pk:
        raise DomainError("profile_project_mismatch", _("配置不属于该项目"), field="project")
    bank_name = bank_name.strip()
    if not bank_name:
        raise DomainError("profile_bank_required", _("请填写银行名称"), field="bank_name")
    if file_format not in FileFormat.values:
        raise DomainError("profile_format_invalid", _("文件格式无效"), field="file_format")
    if encoding not in Encoding.values:
        raise DomainError("profile_encoding_invalid", _("文件编码无效"), field="encoding")
    taken = BankProfile.objects.filter(project=project, bank_name=bank_name)
    if profile is not None:
        taken = taken.exclude(pk=profile.pk)
    if taken.exists():
        raise DomainError("profile_bank_taken", _("该项目已有“%(b)s”的配置") % {"b": bank_name}, field="bank_name")
    profile = profile or BankProfile(project=project)
    profile.bank_name = bank_name
    profile.columns = _check_columns(columns)
    profile.file_format = file_format
    profile.encoding = encoding
    profile.active = active
    profile.save()
    return profile


# --- mandates ----------------------------------------------------------------------------------


def _account_number(value: str) -> str:
    number = "".join(str(value or "").split()).replace("-", "")
    if not number.isdigit() or not 8 <= len(number) <= 30:
        raise DomainError("mandate_account_invalid", _("账号应为8～30位数字"), field="account_number")
    return number


def _check_mandate(mandate: BankMandate) -> None:
    if not mandate.account_name.strip():
        raise DomainError("mandate_name_required", _("请填写户名"), field="account_name")
    if mandate.profile.project_id != mandate.house.project_id:
        raise DomainError("mandate_profile_mismatch", _("托收银行不属于该房屋所在项目"), field="profile")
    if mandate.active_to is not None and mandate.active_to < mandate.active_from:
        raise DomainError("mandate_dates_invalid", _("终止日期不能早于生效日期"), field="active_to")
    overlapping = BankMandate.objects.filter(house=mandate.house).exclude(pk=mandate.pk)
    overlapping = overlapping.filter(Q(active_to__isnull=True) | Q(active_to__gte=mandate.active_from))
    if mandate.active_to is not None:
        overlapping = overlapping.filter(active_from__lte=mandate.active_to)
    if overlapping.exists():
        raise DomainError("mandate_overlaps", _("该房屋在此期间已有有效的托收协议"), field="active_from")


@transaction.atomic
def mandate_save(
    *,
    by,
    house: House,
    profile: BankProfile,
    account_name: str,
    account_number: str,
    active_from: dt.date,
    active_to: dt.date | None = None,
    note: str = "",
    mandate: BankMandate | None = None,
) -> BankMandate:
    """Record or change a house's mandate (托收协议, FEE_COLLECT). One mandate in force per
    house at a time."""
    scoping.require(by, Cap.FEE_COLLECT, house.project_id)
    lock_house(house.pk)
    if mandate is None:
        mandate = BankMandate(project_id=house.project_id, house=house, created_by=by)
    elif mandate.project_id != house.project_id:
        raise DomainError("mandate_project_mismatch", _("协议不属于该项目"), field="house")
    mandate.house = house
    mandate.profile = profile
    mandate.account_name = account_name.strip()
    mandate.account_number = _account_number(account_number)
    mandate.active_from = active_from
    mandate.active_to = active_to
    mandate.note = note.strip()
    _check_mandate(mandate)
    mandate.save()
    return mandate


# --- export ------------------------------------------------------------------------------------


def _periods(states) -> str:
    months = sorted({state.line.period for state in states})
    first, last = f"{months[0]:%Y-%m}", f"{months[-1]:%Y-%m}"
    return first if first == last else f"{first}~{last}"


@transaction.atomic
def batch_export(*, profile: BankProfile, cutoff: dt.date, by) -> CollectionBatch:
    """Export a collection batch (FEE_COLLECT): each house with a mandate of this bank in
    force today and open owner lines of months up to `cutoff`, oldest first; the amount is
    frozen. Houses in a batch of the project still waiting for its return file are left
    out (no double collection). Exports of a project take turns (its profiles are locked)."""
    scoping.require(by, Cap.FEE_COLLECT, profile.project_id)
    list(BankProfile.objects.select_for_update().filter(project_id=profile.project_id).order_by("pk"))
    profile.refresh_from_db()
    if not profile.active:
        raise DomainError("profile_inactive", _("该托收银行已停用"), field="profile")
    today = timezone.localdate()
    if cutoff > today:
        raise DomainError("batch_cutoff_future", _("截止账期不能晚于今天"), field="cutoff")
    busy = BatchLine.objects.filter(batch__project_id=profile.project_id, batch__status=BatchStatus.EXPORTED)
    mandates = (
        BankMandate.objects.filter(profile=profile, active_from__lte=today)
        .filter(Q(active_to__isnull=True) | Q(active_to__gte=today))
        .exclude(house_id__in=busy.values("house_id"))
        .select_related("house")
        .order_by("house__code", "-active_from")
    )
    planned = []
    seen: set[int] = set()
    for mandate in mandates:
        if mandate.house_id in seen:
            continue
        seen.add(mandate.house_id)
        states = [s for s in open_lines(mandate.house, as_of=today, payer=Payer.OWNER) if s.line.period <= cutoff]
        amount = money_sum(s.total for s in states)
        if amount > 0:
            planned.append((mandate, states, amount))
    if not planned:
        raise DomainError(
            "batch_nothing_to_collect", _("没有需要托收的房屋（无有效协议、无欠费，或已在待回盘批次中）"), field="cutoff"
        )
    number = next_value(project_id=profile.project_id, key=BATCH_COUNTER)
    batch = CollectionBatch.objects.create(
        project_id=profile.project_id,
        profile=profile,
        number=number,
        cutoff=cutoff,
        exported_by=by,
        exported_at=timezone.now(),
        total_amount=money_sum(amount for _m, _s, amount in planned),
        line_count=len(planned),
    )
    lines = BatchLine.objects.bulk_create(
        [
            BatchLine(
                project_id=profile.project_id,
                batch=batch,
                seq=seq,
                reference=f"{number:04d}{seq:05d}",
                house=mandate.house,
                mandate=mandate,
                periods=_periods(states),
                amount=amount,
            )
            for seq, (mandate, states, amount) in enumerate(planned, start=1)
        ]
    )
    through = BatchLine.bill_lines.through
    through.objects.bulk_create(
        [
            through(batchline_id=line.pk, billline_id=state.line.pk)
            for line, (_m, states, _a) in zip(lines, planned, strict=True)
            for state in states
        ]
    )
    project_name = profile.project.name
    rows = [
        {
            ExportField.REFERENCE: line.reference,
            ExportField.HOUSE_CODE: mandate.house.code,
            ExportField.ACCOUNT_NAME: mandate.account_name,
            ExportField.ACCOUNT_NUMBER: mandate.account_number,
            ExportField.AMOUNT: f"{amount:.2f}",
            ExportField.PERIODS: line.periods,
            ExportField.PROJECT: project_name,
            ExportField.BANK: profile.bank_name,
            ExportField.SUMMARY: _("物业费 %(periods)s") % {"periods": line.periods},
        }
        for line, (mandate, _s, amount) in zip(lines, planned, strict=True)
    ]
    content, extension = export_bytes(profile, rows)
    batch.export_file.save(f"托收-{profile.project.code}-{number:04d}.{extension}", ContentFile(content), save=True)
    return batch


# --- return file -------------------------------------------------------------------------------


@dataclass
class ImportResult:
    """What one import of a return file did."""

    rows: int = 0
    paid: int = 0
    paid_amount: Decimal = ZERO
    already_paid: int = 0
    to_credit: int = 0  # paid rows whose lines the desk had settled meanwhile: credit
    failed: int = 0
    unmatched: int = 0
    not_returned: int = 0  # lines the file did not mention
    payments: list[int] = field(default_factory=list)


def _collect(line: BatchLine, row: ReturnRow, *, by, today: dt.date) -> tuple[Payment, bool]:
    """Record the bank's debit for `line` through billing (FEE-5): its bill lines still
    open are paid (oldest first, as far as the frozen amount reaches with today's late
    fees), the rest of the money is prepaid credit. Returns (payment, all became credit)."""
    received_on = row.collected_on or today
    house = lock_house(line.house_id)
    covered = set(line.bill_lines.values_list("pk", flat=True))
    states = [s for s in line_states(house.pk, as_of=today, late_fee_on=received_on, payer=Payer.OWNER) if s.total > 0]
    cost: dict[int, Decimal] = defaultdict(Decimal)
    order: list[int] = []
    for state in states:
        if state.principal_id in covered:
            if state.principal_id not in cost:
                order.append(state.principal_id)
            cost[state.principal_id] += state.total
    chosen: set[int] = set()
    spent = ZERO
    for principal in order:
        if spent + cost[principal] > line.amount:
            break
        chosen.add(principal)
        spent += cost[principal]
    pay_lines = list(BillLine.objects.filter(pk__in=[s.line.pk for s in states if s.principal_id in chosen]))
    payment = payment_take(
        house=house,
        by=by,
        method=PaymentMethod.BANK_COLLECTION,
        amount=line.amount,
        idempotency_key=line.idempotency_key,
        lines=pay_lines,
        payer_name=line.mandate.account_name,
        reference=line.reference,
        received_on=received_on,
    )
    if len(chosen) < len(order):  # today's late fees outgrew the frozen amount: the credit pays on
        credit_apply(house=house, by=by, on_date=received_on)
    return payment, not order


def _match(row: ReturnRow, by_reference: dict, by_house_amount: dict, used: set[int]) -> tuple[BatchLine | None, str]:
    line = by_reference.get(row.reference) if row.reference else None
    if line is None and row.house_code:
        candidates = [c for c in by_house_amount.get((row.house_code, row.amount), []) if c.pk not in used]
        line = candidates[0] if candidates else None
    if line is None:
        return None, _("托收编号、房屋编码与金额均未匹配到本批次明细")
    if line.amount != row.amount:
        return None, _("金额 %(got)s 与托收金额 %(want)s 不符") % {"got": row.amount, "want": line.amount}
    if line.pk in used:
        return None, _("同一笔明细在文件中出现多次")
    return line, ""


@transaction.atomic
def batch_import_return(*, batch: CollectionBatch, content: bytes, filename: str, by) -> ImportResult:
    """Import the bank's return file into `batch` (FEE_COLLECT), all or nothing. Importing
    the same file again changes nothing; two imports at once take turns on the batch row."""
    scoping.require(by, Cap.FEE_COLLECT, batch.project_id)
    batch = CollectionBatch.objects.select_for_update().select_related("profile").get(pk=batch.pk)
    if batch.status == BatchStatus.CLOSED:
        raise DomainError("batch_closed", _("批次已关闭，不能再导入回盘"), field="file")
    today = timezone.localdate()
    rows = parse_return(batch.profile, content, today=today)
    lines = list(batch.lines.select_related("house", "mandate").order_by("seq"))
    by_reference = {line.reference: line for line in lines}
    by_house_amount: dict[tuple[str, Decimal], list[BatchLine]] = defaultdict(list)
    for line in lines:
        by_house_amount[(line.house.code, line.amount)].append(line)
    result = ImportResult(rows=len(rows))
    used: set[int] = set()
    for row in rows:
        line, why = _match(row, by_reference, by_house_amount, used)
        if line is not None and line.status == LineStatus.PAID and not row.success:
            line, why = None, _("该笔已登记扣款成功，回盘结果为失败，请人工核对")
        if line is None:
            UnmatchedRow.objects.get_or_create(
                batch=batch,
                fingerprint=row.fingerprint,
                defaults={
                    "project_id": batch.project_id,
                    "row": row.row,
                    "reference": row.reference[:40],
                    "house_code": row.house_code[:30],
                    "amount": row.amount,
                    "succeeded": row.success,
                    "reason": why[:200],
                    "raw": row.raw,
                },
            )
            result.unmatched += 1
            continue
        used.add(line.pk)
        line.return_row = row.row
        if not row.success:
            line.status, line.reason_code, line.reason = LineStatus.FAILED, row.reason_code, row.reason or _("银行未说明")
            line.save(update_fields=["status", "reason_code", "reason", "return_row", "updated_at"])
            result.failed += 1
            continue
        if line.status == LineStatus.PAID:
            result.already_paid += 1
            continue
        payment, to_credit = _collect(line, row, by=by, today=today)
        line.status, line.payment, line.reason_code, line.reason = LineStatus.PAID, payment, "", ""
        line.save(update_fields=["status", "payment", "reason_code", "reason", "return_row", "updated_at"])
        result.paid += 1
        result.paid_amount += payment.amount
        result.to_credit += int(to_credit)
        result.payments.append(payment.pk)
    for line in lines:
        if line.pk not in used and line.status == LineStatus.PENDING:
            line.status, line.reason = LineStatus.UNMATCHED, _("回盘文件中没有该笔")
            line.save(update_fields=["status", "reason", "updated_at"])
            result.not_returned += 1
    batch.status = BatchStatus.RETURNED
    batch.returned_by, batch.returned_at = by, timezone.now()
    batch.imports += 1
    batch.return_file.save(
        f"回盘-{batch.project_id}-{batch.code}-{batch.imports}-{filename[-60:]}", ContentFile(content), save=False
    )
    batch.save(update_fields=["status", "returned_by", "returned_at", "imports", "return_file"])
    return result


@transaction.atomic
def batch_close(*, batch: CollectionBatch, by) -> CollectionBatch:
    """Close a returned batch (FEE_COLLECT): no more return files; its failed and
    unmatched lines are collected at the desk or in a later batch."""
    scoping.require(by, Cap.FEE_COLLECT, batch.project_id)
    batch = CollectionBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != BatchStatus.RETURNED:
        raise DomainError("batch_not_returned", _("只有已回盘的批次可以关闭"), field="status")
    batch.status, batch.closed_by, batch.closed_at = BatchStatus.CLOSED, by, timezone.now()
    batch.save(update_fields=["status", "closed_by", "closed_at"])
    return batch
