"""The files exchanged with the bank: the collection file written in the profile's layout
(CSV or .xlsx, GBK or UTF-8, its columns and header labels in its order) and the bank's
return file read back (the same columns plus 扣款结果/失败代码/失败原因/扣款日期).

A return file is checked in full before anything is written: every problem is reported
as {row, column (the Chinese header), message}, row 1 being the header row.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from propdesk.bankcollect.choices import (
    COLLECTED_ON_HEADER,
    REASON_CODE_HEADER,
    REASON_HEADER,
    RESULT_HEADER,
    ExportField,
    FileFormat,
)
from propdesk.core.errors import DomainError
from propdesk.core.excel import workbook_bytes
from propdesk.core.money import money

MAX_ROWS = 50_000
SUCCESS = {"成功", "扣款成功", "已扣款", "S", "Y", "0000", "00", "SUCCESS", "OK"}
FAILURE = {"失败", "扣款失败", "未扣款", "F", "N", "FAIL", "FAILED"}


class ReturnFileError(DomainError):
    """The return file has errors; `errors` lists them, each {row, column, message}."""

    def __init__(self, errors: list[dict]):
        first = errors[0]
        message = _("回盘文件有 %(n)d 处错误，未导入任何记录。第 %(row)s 行“%(column)s”：%(message)s") % {
            "n": len(errors),
            "row": first["row"],
            "column": first["column"],
            "message": first["message"],
        }
        super().__init__("return_file_invalid", message, field="file", rule="FEE-5")
        self.errors = errors


def _error(row: int, column: str, message: str) -> dict:
    return {"row": row, "column": column, "message": message}


# --- writing -----------------------------------------------------------------------------------


def export_bytes(profile, rows: list[dict]) -> tuple[bytes, str]:
    """The collection file's content and extension: `rows` are {field: value} dicts."""
    columns = profile.column_labels()
    headers = [header for _field, header in columns]
    values = [[row.get(field, "") for field, _header in columns] for row in rows]
    if profile.file_format == FileFormat.XLSX:
        return workbook_bytes(_("托收"), headers, values), "xlsx"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([[str(v) for v in row] for row in values])
    try:
        return buffer.getvalue().encode(profile.encoding), "csv"
    except UnicodeEncodeError as exc:
        raise DomainError(
            "export_encoding",
            _("有字符无法用 %(enc)s 编码（%(chars)s），请改用 UTF-8 或修改户名")
            % {"enc": profile.encoding.upper(), "chars": exc.object[exc.start : exc.end]},
            field="encoding",
        ) from None


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnRow:
    """One row of the return file, checked."""

    row: int
    reference: str
    house_code: str
    amount: Decimal
    success: bool
    reason_code: str
    reason: str
    collected_on: dt.date | None
    raw: dict
    fingerprint: str


def _key(text: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or ""))).strip("*")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    try:
        if re.fullmatch(r"\d{8}", text):
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        match = _DATE.match(text)
        if match:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        pass
    raise ValueError(_("日期格式不正确：%(v)s（应如 2026-07-31 或 20260731）") % {"v": text})


def _rows_of(content: bytes, encoding: str) -> list[list]:
    """The cells of the first sheet (.xlsx, told by its content) or of the CSV text."""
    if content.startswith(b"PK\x03\x04"):
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            try:
                return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
            finally:
                workbook.close()
        except Exception:  # openpyxl raises many kinds for a broken file
            raise DomainError(
                "return_file_unreadable", _("无法读取回盘文件：不是有效的 Excel (.xlsx) 工作簿"), field="file"
            ) from None
    for candidate in dict.fromkeys(["utf-8-sig", encoding, "gb18030"]):
        try:
            text = content.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
        return [row for row in csv.reader(io.StringIO(text))]
    raise DomainError("return_file_unreadable", _("无法读取回盘文件：既不是 Excel 也不是 GBK/UTF-8 文本"), field="file")


def parse_return(profile, content: bytes, *, today: dt.date | None = None) -> list[ReturnRow]:
    """The checked rows of a return file, or ReturnFileError listing every problem."""
    today = today or timezone.localdate()
    table = _rows_of(content, profile.encoding)
    if not table or not any(_text(v) for v in table[0]):
        raise ReturnFileError([_error(1, "", _("文件为空或缺少表头行"))])
    header = [_key(v) for v in table[0]]
    labels = dict(profile.column_labels())
    wanted = {
        "reference": labels.get(ExportField.REFERENCE),
        "house_code": labels.get(ExportField.HOUSE_CODE),
        "amount": labels.get(ExportField.AMOUNT) or str(ExportField.AMOUNT.label),
        "result": RESULT_HEADER,
        "reason_code": REASON_CODE_HEADER,
        "reason": REASON_HEADER,
        "collected_on": COLLECTED_ON_HEADER,
    }
    position = {name: header.index(_key(label)) for name, label in wanted.items() if label and _key(label) in header}
    errors = []
    for name in ("amount", "result"):
        if name not in position:
            errors.append(_error(1, wanted[name], _("缺少必需的列“%(c)s”") % {"c": wanted[name]}))
    if "reference" not in position and "house_code" not in position:
        column = wanted["reference"] or wanted["house_code"] or str(ExportField.REFERENCE.label)
        errors.append(_error(1, column, _("缺少托收编号列或房屋编码列，无法匹配")))
    if errors:
        raise ReturnFileError(errors)
    body = [(number, values) for number, values in enumerate(table[1:], start=2) if any(_text(v) for v in values)]
    if len(body) > MAX_ROWS:
        raise ReturnFileError([_error(1, "", _("行数超过上限 %(n)d") % {"n": MAX_ROWS})])

    def cell(values: list, name: str) -> object:
        index = position.get(name)
        return values[index] if index is not None and index < len(values) else None

    rows = []
    for number, values in body:
        row_errors = []
        raw = {str(table[0][i] or ""): _text(v) for i, v in enumerate(values) if i < len(table[0])}
        reference, house_code = _text(cell(values, "reference")), _text(cell(values, "house_code")).upper()
        if not reference and not house_code:
            column = wanted["reference"] or wanted["house_code"]
            row_errors.append(_error(number, column, _("托收编号和房屋编码不能都为空")))
        amount = None
        amount_text = _text(cell(values, "amount")).replace(",", "").replace("¥", "")
        try:
            amount = money(amount_text)
            if amount <= 0:
                raise ValueError
        except ValueError:
            row_errors.append(_error(number, wanted["amount"], _("金额应为大于零的数字：%(v)s") % {"v": amount_text}))
        result = _text(cell(values, "result")).upper()
        success = result in SUCCESS
        if not success and result not in FAILURE:
            row_errors.append(
                _error(number, RESULT_HEADER, _("扣款结果“%(v)s”无效，应为：成功、失败") % {"v": _text(cell(values, "result"))})
            )
        collected_on = None
        if _text(cell(values, "collected_on")):
            try:
                collected_on = _date(cell(values, "collected_on"))
                if collected_on > today:
                    row_errors.append(_error(number, COLLECTED_ON_HEADER, _("扣款日期不能晚于今天")))
            except ValueError as exc:
                row_errors.append(_error(number, COLLECTED_ON_HEADER, str(exc)))
        if row_errors:
            errors += row_errors
            continue
        fingerprint = hashlib.sha256("\x1f".join(f"{k}={v}" for k, v in raw.items()).encode()).hexdigest()
        rows.append(
            ReturnRow(
                row=number,
                reference=reference,
                house_code=house_code,
                amount=amount,
                success=success,
                reason_code=_text(cell(values, "reason_code"))[:20],
                reason=_text(cell(values, "reason"))[:200],
                collected_on=collected_on,
                raw=raw,
                fingerprint=fingerprint,
            )
        )
    if errors:
        raise ReturnFileError(errors)
    return rows
