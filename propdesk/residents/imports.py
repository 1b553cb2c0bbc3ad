"""Excel import of houses and residents (数据导入): template, parsing, validation, upsert.

    import_template(kind=…)                        → the .xlsx template (Chinese headers)
    import_job_create(project=…, kind=…, mode=…, upload=…, by=…)  → ImportJob, task enqueued
    import_run(job_id=…)                            → runs one job (called by tasks.run_import)

A job reads the first sheet, checks every row and reports every error as
{row, column (the Chinese header), message (Chinese, naming the rule)}. Progress is
committed chunk by chunk while checking; the writes then happen in one transaction with
bulk operations (history kept through simple_history's bulk helpers). All-or-nothing by
default; "only the valid rows" by choice. Rows are upserted — houses by house code,
people by ID number — so importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial
from io import BytesIO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.errors import DomainError
from propdesk.core.idcard import gender_of
from propdesk.core.uploads import check_size
from propdesk.estate.choices import HouseStatus, Usage
from propdesk.estate.housecode import format_house_code, parse_house_code
from propdesk.estate.models import House, HouseStatusChange, Project
from propdesk.estate.services import building_get_or_create, entrance_get_or_create
from propdesk.residents.choices import Gender, IdType, ImportKind, ImportMode, ImportStatus, OccupantRole
from propdesk.residents.models import ImportJob, Occupancy, Person
from propdesk.residents.services import person_clean, person_search_keys

# Rows checked between two progress updates, rows per bulk statement, rows per `IN (…)`.
CHUNK_ROWS = 500
BATCH_SIZE = 500
IN_CHUNK = 900
# The largest sheet accepted (data rows).
MAX_ROWS = 50_000
# A running job with no progress for this long lost its worker and may be claimed again.
STALE_AFTER = dt.timedelta(minutes=10)
# What the history rows and status changes of an import say about why.
IMPORT_REASON = "Excel导入"

XLSX_SIGNATURE = b"PK\x03\x04"
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old .xls (and other OLE2 files)


# --- columns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of an import sheet. The header is part of the file format and stays
    Chinese whatever the interface language; the hint is shown in the template."""

    key: str
    header: str
    required: bool = False
    text: bool = False  # kept as text in the template (leading zeros, 18-digit numbers)
    date: bool = False
    choices: type[models.TextChoices] | tuple[str, ...] = ()  # offered as a drop-down in the template
    hint: str | Promise = ""
    width: int = 12
    aliases: tuple[str, ...] = ()
    in_template: bool = True


@functools.cache
def chinese_labels(choices: type[models.TextChoices]) -> dict[str, str]:
    """{Chinese label: value} of a choices class whatever language is active (the labels
    are the msgids). Cached; first called after the app registry is ready."""
    with translation.override(None):
        return {str(label): value for value, label in choices.choices if value}


# Other words staff use for a listed value.
_ALIASES: dict[type[models.TextChoices], dict[str, str]] = {
    IdType: {"身份证": IdType.RESIDENT_ID.value},
    OccupantRole: {"保姆": OccupantRole.HELPER.value, "家教": OccupantRole.HELPER.value},
}
YES_NO = {
    "是": True,
    "否": False,
    "Y": True,
    "N": False,
    "YES": True,
    "NO": False,
    "TRUE": True,
    "FALSE": False,
    "1": True,
    "0": False,
}

HOUSE_COLUMNS = (
    Column("building", "楼栋", required=True, text=True, hint=gettext_lazy("楼栋号，如 3 或 A"), width=8),
    Column("entrance", "单元", required=True, text=True, hint=gettext_lazy("单元号，如 2"), width=8),
    Column("room", "房号", required=True, text=True, hint=gettext_lazy("房号，如 1201；房屋编码为 楼栋-单元-房号"), width=10),
    Column("floor", "楼层", required=True, hint=gettext_lazy("整数，地下层用负数"), width=8),
    Column("area", "建筑面积(m²)", required=True, hint=gettext_lazy("大于0，最多两位小数"), width=14, aliases=("建筑面积",)),
    Column("usage", "用途", choices=Usage, hint=gettext_lazy("不填为“住宅”"), width=10),
    Column("sold", "是否已售", choices=("是", "否"), hint=gettext_lazy("是/否，不填为“是”"), width=10),
    Column("handover_date", "交房日期", date=True, hint=gettext_lazy("日期，如 2024-01-31"), width=12),
    Column("status", "房屋状态", choices=HouseStatus, hint=gettext_lazy("不填为“未接房”"), width=14),
)

RESIDENT_COLUMNS = (
    Column(
        "house_code",
        "房屋编码",
        required=True,
        text=True,
        hint=gettext_lazy("楼栋-单元-房号，如 3-2-1201（也可写 3栋2单元1201）；房屋须已在本项目建档"),
        width=14,
    ),
    Column("name", "姓名", required=True, hint=gettext_lazy("必填"), width=10),
    Column("mobile", "手机号", text=True, hint=gettext_lazy("11位手机号"), width=14),
    Column("id_type", "证件类型", choices=IdType, hint=gettext_lazy("不填为“居民身份证”"), width=14),
    Column(
        "id_number",
        "证件号码",
        text=True,
        hint=gettext_lazy("居民身份证须通过 GB 11643 校验位检查；请以文本格式填写，以免Excel丢失末几位"),
        width=22,
    ),
    Column("gender", "性别", choices=("男", "女"), hint=gettext_lazy("男/女；不填时按身份证号码判断"), width=6),
    Column("birthday", "出生日期", date=True, hint=gettext_lazy("不填时取自身份证号码"), width=12),
    Column("role", "身份", required=True, choices=OccupantRole, hint=gettext_lazy("必填"), width=10),
    Column("start_date", "入住日期", date=True, hint=gettext_lazy("不填为导入当天"), width=12),
    Column("primary", "主要联系人", choices=("是", "否"), hint=gettext_lazy("是/否；每户最多一位"), width=10),
    Column("emergency_contact", "紧急联系人", hint=gettext_lazy("姓名"), width=10),
    Column("emergency_phone", "紧急联系电话", text=True, hint=gettext_lazy("手机或固定电话，如 010-12345678"), width=14),
    # Instead of 房屋编码, a sheet may give the house in three columns.
    Column("building", "楼栋", text=True, in_template=False),
    Column("entrance", "单元", text=True, in_template=False),
    Column("room", "房号", text=True, in_template=False),
)

COLUMNS = {ImportKind.HOUSES: HOUSE_COLUMNS, ImportKind.RESIDENTS: RESIDENT_COLUMNS}
_HOUSE_PARTS = ("building", "entrance", "room")


def _header_key(text: object) -> str:
    """A header as compared: NFKC (full-width brackets, ² → 2), no spaces, no '*'."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or ""))).strip("*")


# --- errors ----------------------------------------------------------------------------


def _error(row: int, column: str, message: str) -> dict:
    return {"row": row, "column": column, "message": message}


class ImportFileError(Exception):
    """The file cannot be read as a workbook at all; the message is Chinese."""


class _CellError(ValueError):
    """A cell's value is not acceptable; the message is Chinese and names the rule."""


# --- cells -----------------------------------------------------------------------------


def _text(value: object) -> str:
    """A cell as text: whole floats lose their '.0', dates become ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _nfkc(value: object) -> str:
    return unicodedata.normalize("NFKC", _text(value)).strip()


_PART = re.compile(r"^[0-9A-Z]{1,8}$")
_PART_SUFFIXES = {"building": ("号楼", "栋", "幢", "座"), "entrance": ("单元",), "room": ("室",)}
_PART_LABELS = {"building": gettext_lazy("楼栋"), "entrance": gettext_lazy("单元"), "room": gettext_lazy("房号")}


def _house_part(value: object, part: str) -> str:
    text = _nfkc(value).upper().replace(" ", "")
    for suffix in _PART_SUFFIXES[part]:
        text = text.removesuffix(suffix)
    if not _PART.match(text):
        raise _CellError(_("%(label)s只能是1～8位数字或字母（如 3、A、1201）") % {"label": _PART_LABELS[part]})
    return text


def _integer(value: object, *, low: int, high: int, header: str) -> int:
    refused = _CellError(_("%(header)s应为 %(low)d～%(high)d 之间的整数") % {"header": header, "low": low, "high": high})
    try:
        number = Decimal(str(value)) if isinstance(value, int | float) else Decimal(_nfkc(value))
    except InvalidOperation:
        raise refused from None
    if not number.is_finite() or number != number.to_integral_value() or not low <= number <= high:
        raise refused
    return int(number)


def _area(value: object) -> Decimal:
    try:
        area = Decimal(str(value)) if isinstance(value, int | float) else Decimal(_nfkc(value).replace(",", ""))
    except InvalidOperation:
        raise _CellError(_("建筑面积应为数字")) from None
    if not area.is_finite() or area <= 0:
        raise _CellError(_("建筑面积必须大于0"))
    if area != area.quantize(Decimal("0.01")):
        raise _CellError(_("建筑面积最多两位小数"))
    if area >= Decimal("10000000"):
        raise _CellError(_("建筑面积过大"))
    return area.quantize(Decimal("0.01"))


_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _date(value: object) -> dt.date:
    """A date from a date cell, an Excel serial number, `2024-01-31`, `2024/1/31`,
    `2024年1月31日` or `20240131`."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _nfkc(value)
    try:
        if re.fullmatch(r"\d{8}", text):
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 200_000:
            return from_excel(value).date()
        match = _DATE_TEXT.match(text)
        if match:
            date = dt.date(int(match[1]), int(match[2]), int(match[3]))
            if 1900 <= date.year <= 2100:
                return date
    except (ValueError, OverflowError):
        pass
    raise _CellError(_("日期格式不正确：%(v)s（应如 2024-01-31）") % {"v": text})


def _choice(value: object, choices: type[models.TextChoices], header: str) -> str:
    """The value of a listed label (or one of its usual aliases)."""
    labels = chinese_labels(choices)
    text = _nfkc(value)
    found = labels.get(text) or _ALIASES.get(choices, {}).get(text)
    if found is None:
        raise _CellError(
            _("%(header)s“%(v)s”无效，应为：%(allowed)s") % {"header": header, "v": text, "allowed": "、".join(labels)}
        )
    return found


def _yes_no(value: object, header: str) -> bool:
    if isinstance(value, bool):
        return value
    text = _nfkc(value).upper()
    if text not in YES_NO:
        raise _CellError(_("%(header)s“%(v)s”无效，应为：是、否") % {"header": header, "v": _text(value)})
    return YES_NO[text]


# --- reading the workbook --------------------------------------------------------------


def _read_sheet(content: bytes) -> tuple[tuple, list[tuple[int, tuple]]]:
    """(header row, [(row number, values)]) of the first sheet."""
    try:
        workbook = load_workbook(BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file
        raise ImportFileError(_("无法读取文件：不是有效的 Excel (.xlsx) 工作簿")) from None
    try:
        if not workbook.worksheets:
            raise ImportFileError(_("工作簿中没有工作表"))
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, ())
        body = [(number, values) for number, values in enumerate(rows, start=2)]
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(_("无法读取文件：不是有效的 Excel (.xlsx) 工作簿")) from None
    finally:
        workbook.close()
    return tuple(header or ()), body


def _is_empty(values: Iterable) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


# --- importers -------------------------------------------------------------------------


@dataclass
class _Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class _Importer:
    """The rules of one sheet kind: its headers, one row's checks, and the writes."""

    columns: tuple[Column, ...] = ()

    def __init__(self, *, project: Project, today: dt.date):
        self.project = project
        self.today = today
        self.index: dict[str, int] = {}

    # headers

    def header_errors(self, header: tuple) -> list[dict]:
        """Map the header row to columns; every problem is reported once, on row 1."""
        known: dict[str, Column] = {}
        for column in self.columns:
            for name in (column.header, *column.aliases):
                known[_header_key(name)] = column
        errors = []
        for position, title in enumerate(header):
            key = _header_key(title)
            if not key:
                continue
            column = known.get(key)
            if column is None:
                errors.append(_error(1, str(title), _("无法识别的列“%(h)s”：请使用导入模板中的列名") % {"h": title}))
            elif column.key in self.index:
                errors.append(_error(1, column.header, _("列“%(h)s”出现了不止一次") % {"h": column.header}))
            else:
                self.index[column.key] = position
        for column in self.columns:
            if column.required and column.key not in self.index and not self._required_column_replaced(column):
                errors.append(_error(1, column.header, _("缺少必填列“%(h)s”") % {"h": column.header}))
        return errors

    def _required_column_replaced(self, column: Column) -> bool:
        return False

    def cells(self, values: tuple) -> dict[str, object]:
        return {key: values[position] if position < len(values) else None for key, position in self.index.items()}

    def header_of(self, key: str) -> str:
        return next(column.header for column in self.columns if column.key == key)

    def _field(self, raw: dict, key: str, errors: list, row: int, parse, *, required: bool = False):
        """Parse one cell: None when empty (an error when required) or unparsable."""
        value = raw.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                errors.append(_error(row, self.header_of(key), _("%(h)s不能为空") % {"h": self.header_of(key)}))
            return None
        try:
            return parse(value)
        except _CellError as exc:
            errors.append(_error(row, self.header_of(key), str(exc)))
            return None

    def check_row(self, row: int, raw: dict) -> tuple[dict | None, list[dict]]:
        raise NotImplementedError

    def write(self, rows: list[tuple[int, dict]], *, by, now: dt.datetime) -> _Outcome:
        raise NotImplementedError


class _HouseImporter(_Importer):
    columns = HOUSE_COLUMNS

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen_codes: dict[str, int] = {}

    def check_row(self, row: int, raw: dict) -> tuple[dict | None, list[dict]]:
        errors: list[dict] = []
        parts = {
            part: self._field(raw, part, errors, row, partial(_house_part, part=part), required=True) for part in _HOUSE_PARTS
        }
        cleaned = {
            "floor": self._field(raw, "floor", errors, row, partial(_integer, low=-20, high=300, header="楼层"), required=True),
            "area": self._field(raw, "area", errors, row, _area, required=True),
            "usage": self._field(raw, "usage", errors, row, partial(_choice, choices=Usage, header="用途")),
            "sold": self._field(raw, "sold", errors, row, partial(_yes_no, header="是否已售")),
            "handover_date": self._field(raw, "handover_date", errors, row, _date),
            "status": self._field(raw, "status", errors, row, partial(_choice, choices=HouseStatus, header="房屋状态")),
        }
        if all(parts.values()):
            code = format_house_code(parts["building"], parts["entrance"], parts["room"])
            first = self.seen_codes.setdefault(code, row)
            if first != row:
                errors.append(_error(row, "房号", _("房屋编码 %(code)s 与第 %(first)d 行重复") % {"code": code, "first": first}))
            cleaned.update(parts, code=code)
        return (None if errors else cleaned), errors

    def write(self, rows: list[tuple[int, dict]], *, by, now: dt.datetime) -> _Outcome:
        """New codes become houses (building and entrance created when new, as
        house_create does); known codes are updated where a given cell differs. A new
        house or a changed status writes a HouseStatusChange (MOV-14)."""
        outcome = _Outcome()
        project = self.project
        existing = {h.code: h for h in _filter_in(House.objects.filter(project=project), "code", [r["code"] for _, r in rows])}
        new_houses: list[House] = []
        changed: list[House] = []
        changed_fields: set[str] = set()
        status_changes: list[HouseStatusChange] = []
        entrances = {}

        def status_change(house: House, from_status: str) -> HouseStatusChange:
            return HouseStatusChange(
                project=project,
                house=house,
                from_status=from_status,
                to_status=house.status,
                reason=IMPORT_REASON,
                changed_by=by,
                changed_at=now,
            )

        for _row, data in rows:
            house = existing.get(data["code"])
            if house is None:
                key = (data["building"], data["entrance"])
                if key not in entrances:
                    building = building_get_or_create(project=project, number=data["building"])
                    entrances[key] = entrance_get_or_create(building=building, number=data["entrance"])
                entrance = entrances[key]
                house = House(
                    project=project,
                    building_id=entrance.building_id,
                    entrance=entrance,
                    room=data["room"],
                    code=data["code"],
                    floor=data["floor"],
                    area=data["area"],
                    usage=data["usage"] or Usage.RESIDENTIAL,
                    sold=True if data["sold"] is None else data["sold"],
                    handover_date=data["handover_date"],
                    status=data["status"] or HouseStatus.NOT_HANDED_OVER,
                )
                new_houses.append(house)
                existing[house.code] = house
                outcome.created += 1
                continue
            fields = {
                name
                for name in ("floor", "area", "usage", "sold", "handover_date")
                if data[name] is not None and getattr(house, name) != data[name]
            }
            for name in fields:
                setattr(house, name, data[name])
            if data["status"] and data["status"] != house.status:
                from_status, house.status = house.status, data["status"]
                status_changes.append(status_change(house, from_status))
                fields.add("status")
            if fields:
                house.updated_at = now
                changed.append(house)
                changed_fields |= fields
                outcome.updated += 1
            else:
                outcome.unchanged += 1
        history = {"default_user": by, "default_change_reason": IMPORT_REASON, "default_date": now}
        if new_houses:
            bulk_create_with_history(new_houses, House, batch_size=BATCH_SIZE, **history)
            status_changes += [status_change(house, "") for house in new_houses]
        if changed:
            bulk_update_with_history(changed, House, sorted(changed_fields | {"updated_at"}), batch_size=BATCH_SIZE, **history)
        HouseStatusChange.objects.bulk_create(status_changes, batch_size=BATCH_SIZE)
        return outcome


# The person fields a resident row may give, with the column each comes from.
_PERSON_KEYS = ("name", "mobile", "id_type", "id_number", "gender", "birthday", "emergency_contact", "emergency_phone")
_PERSON_COMPARED = ("name", "mobile", "gender", "birthday", "emergency_contact", "emergency_phone")


def _clean_person(data: dict, *, today: dt.date) -> tuple[dict, list[tuple[str, str]]]:
    """person_clean, repeated so that every field error is found, not only the first:
    each failing field is blanked (a missing name stood in for) and the rest checked
    again. Returns (cleaned values without the failing fields, [(field, message)])."""
    data = dict(data)
    errors: list[tuple[str, str]] = []
    while True:
        try:
            cleaned = person_clean(data, today=today)
        except DomainError as exc:
            field = exc.field if exc.field in data else "name"
            errors.append((field, exc.message))
            if len(errors) > len(data):  # a rule that keeps failing: stop asking
                return {}, errors
            data[field] = "?" if field == "name" else _blank(field)
            continue
        return cleaned, errors


class _ResidentImporter(_Importer):
    columns = RESIDENT_COLUMNS

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.house_ids: dict[str, int] | None = None
        self.seen_people: dict[tuple, int] = {}  # (house code, who) → first row
        self.seen_ids: dict[tuple[str, str], tuple[int, dict]] = {}  # (id type, number) → (first row, person)
        self.primary_rows: dict[str, int] = {}  # house code → row naming the primary contact

    def _required_column_replaced(self, column: Column) -> bool:
        return column.key == "house_code" and all(part in self.index for part in _HOUSE_PARTS)

    def _house_code(self, raw: dict, errors: list, row: int) -> str | None:
        if "house_code" in self.index:
            value = raw.get("house_code")
            if value is None or not _text(value):
                errors.append(_error(row, "房屋编码", _("房屋编码不能为空")))
                return None
            parsed = parse_house_code(_nfkc(value))
            if parsed is None:
                errors.append(_error(row, "房屋编码", _("房屋编码“%(v)s”格式不正确，应如 3-2-1201") % {"v": _text(value)}))
                return None
            code, column = str(parsed), "房屋编码"
        else:
            parts = [self._field(raw, part, errors, row, partial(_house_part, part=part), required=True) for part in _HOUSE_PARTS]
            if not all(parts):
                return None
            code, column = format_house_code(*parts), "房号"
        if self.house_ids is None:
            self.house_ids = dict(House.objects.filter(project=self.project).values_list("code", "id"))
        if code not in self.house_ids:
            errors.append(_error(row, column, _("房屋编码 %(code)s 在本项目中不存在，请先导入或登记房屋") % {"code": code}))
            return None
        return code

    def _id_number(self, value: object) -> str:
        if isinstance(value, float):
            raise _CellError(_("证件号码被Excel存成了数字（末几位会变成0）：请把该列设为文本格式后重新填写"))
        return _text(value)

    def check_row(self, row: int, raw: dict) -> tuple[dict | None, list[dict]]:
        errors: list[dict] = []
        code = self._house_code(raw, errors, row)
        role = self._field(raw, "role", errors, row, partial(_choice, choices=OccupantRole, header="身份"), required=True)
        start_date = self._field(raw, "start_date", errors, row, _date)
        primary = self._field(raw, "primary", errors, row, partial(_yes_no, header="主要联系人"))
        person_data = {
            "name": _text(raw.get("name")),
            "mobile": _nfkc(raw.get("mobile")),
            "id_type": self._field(raw, "id_type", errors, row, partial(_choice, choices=IdType, header="证件类型"))
            or IdType.RESIDENT_ID,
            "id_number": self._field(raw, "id_number", errors, row, self._id_number) or "",
            "gender": self._field(raw, "gender", errors, row, partial(_choice, choices=Gender, header="性别")) or "",
            "birthday": self._field(raw, "birthday", errors, row, _date),
            "emergency_contact": _text(raw.get("emergency_contact")),
            "emergency_phone": _nfkc(raw.get("emergency_phone")),
        }
        person, person_errors = _clean_person(person_data, today=self.today)
        for field, message in person_errors:
            errors.append(_error(row, self.header_of(field), message))
        if person:
            if person.get("birthday") and person["birthday"] > self.today:
                errors.append(_error(row, "出生日期", _("出生日期不能晚于今天")))
            if (
                person_data["gender"]
                and person["id_type"] == IdType.RESIDENT_ID
                and person["id_number"]
                and gender_of(person["id_number"]) != person_data["gender"]
            ):
                errors.append(_error(row, "性别", _("性别与身份证号码不一致（GB 11643 第17位：奇数为男，偶数为女）")))
            errors += self._cross_row_errors(row, code, person, primary)
        if errors:
            return None, errors
        return {"house_code": code, "person": person, "role": role, "start_date": start_date, "primary": primary}, []

    def _cross_row_errors(self, row: int, code: str | None, person: dict, primary: bool | None) -> list[dict]:
        """A person twice at one house, one ID number with two names, two primary contacts."""
        errors = []
        if person["id_number"]:
            who: tuple = ("id", person["id_type"], person["id_number"])
            column = "证件号码"
            first = self.seen_ids.setdefault((person["id_type"], person["id_number"]), (row, person))
            if first[0] != row:
                for key in _PERSON_COMPARED:
                    if person[key] not in ("", None) and first[1][key] not in ("", None) and person[key] != first[1][key]:
                        errors.append(
                            _error(
                                row,
                                self.header_of(key),
                                _("与第 %(first)d 行（同一证件号码）的%(h)s不一致")
                                % {"first": first[0], "h": self.header_of(key)},
                            )
                        )
        else:
            who, column = ("name", person["name"], person["mobile"]), "姓名"
        if code is not None:
            first_row = self.seen_people.setdefault((code, *who), row)
            if first_row != row:
                errors.append(
                    _error(
                        row,
                        column,
                        _("与第 %(first)d 行重复：同一人员在房屋 %(code)s 登记了两次") % {"first": first_row, "code": code},
                    )
                )
            if primary:
                primary_row = self.primary_rows.setdefault(code, row)
                if primary_row != row:
                    errors.append(
                        _error(
                            row,
                            "主要联系人",
                            _("房屋 %(code)s 已在第 %(first)d 行指定主要联系人，每户只能有一位")
                            % {"code": code, "first": primary_row},
                        )
                    )
        return errors

    def write(self, rows: list[tuple[int, dict]], *, by, now: dt.datetime) -> _Outcome:
        codes = {data["house_code"] for _row, data in rows}
        house_ids = dict(_filter_in(House.objects.filter(project=self.project), "code", codes).values_list("code", "id"))
        if codes - set(house_ids):
            missing = sorted(codes - set(house_ids))[0]
            raise DomainError("import_house_missing", _("房屋 %(code)s 已不存在") % {"code": missing})
        active = list(
            _filter_in(
                Occupancy.objects.filter(project=self.project, end_date__isnull=True).select_related("person"),
                "house_id",
                house_ids.values(),
            )
        )
        states: dict[int, str] = {}  # row → "created" | "updated"; absent = unchanged
        history = {"default_user": by, "default_change_reason": IMPORT_REASON, "default_date": now}
        people = self._upsert_people(rows, house_ids, active, states, now=now, history=history)
        self._upsert_ties(rows, people, house_ids, active, states, now=now, history=history)
        outcome = _Outcome()
        for row, _data in rows:
            state = states.get(row, "unchanged")
            setattr(outcome, state, getattr(outcome, state) + 1)
        return outcome

    def _upsert_people(self, rows, house_ids, active, states, *, now, history) -> list[Person]:
        """The person of each row: found by ID number, else by name + mobile among the
        house's residents (an ID-less record there takes the number), else new."""
        numbers = {data["person"]["id_number"] for _row, data in rows if data["person"]["id_number"]}
        by_id = {
            (p.id_type, p.id_number): p for p in _filter_in(Person.objects.filter(project=self.project), "id_number", numbers)
        }
        by_house_name = {(o.house_id, o.person.name, o.person.mobile): o.person for o in active}
        new_people: list[Person] = []
        dirty: dict[int, Person] = {}
        dirty_fields: set[str] = set()
        people: list[Person] = []
        for row, data in rows:
            values, house_id = data["person"], house_ids[data["house_code"]]
            id_key = (values["id_type"], values["id_number"]) if values["id_number"] else None
            person = by_id.get(id_key) if id_key else None
            if person is None:
                candidate = by_house_name.get((house_id, values["name"], values["mobile"]))
                if candidate is not None and not (id_key and candidate.id_number):
                    person = candidate
            if person is None:
                person = Person(project=self.project, **{key: values.get(key) or _blank(key) for key in _PERSON_KEYS})
                person_search_keys(person)
                new_people.append(person)
                states[row] = "created"
            else:
                given = [key for key in _PERSON_KEYS if values.get(key) not in ("", None)]
                if not id_key:
                    given.remove("id_type")  # a type travels only with its number
                fields = {key for key in given if getattr(person, key) != values[key]}
                for key in fields:
                    setattr(person, key, values[key])
                if fields and person.pk:
                    person_search_keys(person)
                    person.updated_at = now
                    dirty[person.pk] = person
                    dirty_fields |= fields
                    states[row] = "updated"
            if id_key:
                by_id[id_key] = person
            by_house_name[(house_id, person.name, person.mobile)] = person
            people.append(person)
        if new_people:
            bulk_create_with_history(new_people, Person, batch_size=BATCH_SIZE, **history)
        if dirty:
            fields = sorted(dirty_fields | {"name_initials", "name_pinyin", "mobile_last4", "id_last4", "updated_at"})
            bulk_update_with_history(list(dirty.values()), Person, fields, batch_size=BATCH_SIZE, **history)
        return people

    def _upsert_ties(self, rows, people, house_ids, active, states, *, now, history) -> None:
        """One active occupancy per person, house and role; one primary contact a house
        (naming a new one clears the old, as occupancy_set_primary_contact does)."""
        by_tie = {(o.house_id, o.person_id, o.role): o for o in active}
        new_ties: list[Occupancy] = []
        dirty: dict[int, Occupancy] = {}
        primary_of: dict[int, tuple[int, Occupancy]] = {}
        for (row, data), person in zip(rows, people, strict=True):
            house_id = house_ids[data["house_code"]]
            key = (house_id, person.pk, data["role"])
            tie = by_tie.get(key)
            if tie is None:
                tie = by_tie[key] = Occupancy(
                    project=self.project,
                    house_id=house_id,
                    person=person,
                    role=data["role"],
                    start_date=data["start_date"] or self.today,
                    is_primary_contact=bool(data["primary"]),
                )
                new_ties.append(tie)
                states[row] = "created"
            else:
                changed = False
                if data["start_date"] and tie.start_date != data["start_date"]:
                    tie.start_date, changed = data["start_date"], True
                if data["primary"] is not None and tie.is_primary_contact != data["primary"]:
                    tie.is_primary_contact, changed = data["primary"], True
                if changed:
                    tie.updated_at = now
                    dirty[tie.pk] = tie
                    states.setdefault(row, "updated")
            if data["primary"]:
                primary_of[house_id] = (row, tie)
        for other in active:
            row, tie = primary_of.get(other.house_id, (0, None))
            if tie is not None and other is not tie and other.is_primary_contact:
                other.is_primary_contact = False
                other.updated_at = now
                dirty[other.pk] = other
                states.setdefault(row, "updated")
        if new_ties:
            bulk_create_with_history(new_ties, Occupancy, batch_size=BATCH_SIZE, **history)
        if dirty:
            fields = ["start_date", "is_primary_contact", "updated_at"]
            bulk_update_with_history(list(dirty.values()), Occupancy, fields, batch_size=BATCH_SIZE, **history)


def _blank(key: str):
    return None if key == "birthday" else ""


IMPORTERS: dict[str, type[_Importer]] = {ImportKind.HOUSES: _HouseImporter, ImportKind.RESIDENTS: _ResidentImporter}


def _filter_in(queryset: QuerySet, field: str, values: Iterable) -> _ChunkedIn:
    return _ChunkedIn(queryset, field, sorted(set(values)))


class _ChunkedIn:
    """`queryset.filter(field__in=values)` in chunks, so a 10,000-value list stays under
    the database's parameter limit."""

    def __init__(self, queryset: QuerySet, field: str, values: list):
        self.queryset, self.field, self.values = queryset, field, values

    def _chunks(self) -> Iterator[QuerySet]:
        for start in range(0, len(self.values), IN_CHUNK):
            yield self.queryset.filter(**{f"{self.field}__in": self.values[start : start + IN_CHUNK]})

    def __iter__(self) -> Iterator[Model]:
        for chunk in self._chunks():
            yield from chunk

    def values_list(self, *fields: str) -> Iterator[tuple]:
        for chunk in self._chunks():
            yield from chunk.values_list(*fields)


# --- the template ----------------------------------------------------------------------

_TEMPLATE_ROWS = 10_000
_REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")


def _choices_of(column: Column) -> tuple[str, ...]:
    if isinstance(column.choices, tuple):
        return column.choices
    return tuple(chinese_labels(column.choices))


def import_template(*, kind: str) -> bytes:
    """The import template: Chinese headers (required ones bold on yellow), text-formatted
    code and number columns, drop-downs for the listed values, and a 填写说明 sheet."""
    if kind not in ImportKind.values:
        raise DomainError("import_kind_invalid", _("未知的导入类型"), field="kind")
    columns = [column for column in COLUMNS[ImportKind(kind)] if column.in_template]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("房屋") if kind == ImportKind.HOUSES else _("住户")
    for position, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=position, value=column.header)
        cell.font = Font(bold=column.required)
        if column.required:
            cell.fill = _REQUIRED_FILL
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = column.width
        if column.text:
            sheet.column_dimensions[letter].number_format = "@"
        elif column.date:
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
        choices = _choices_of(column)
        if choices:
            validation = DataValidation(
                type="list",
                formula1='"{}"'.format(",".join(choices)),
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=column.header,
                error=_("请从下拉列表中选择"),
            )
            validation.add(f"{letter}2:{letter}{_TEMPLATE_ROWS + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet(_("填写说明"))
    notes.append([_("列名"), _("必填"), _("填写说明")])
    for column in columns:
        allowed = "、".join(_choices_of(column))
        hint = str(column.hint) + (f"（{_('可选')}：{allowed}）" if allowed else "")
        notes.append([column.header, _("是") if column.required else "", hint])
    notes.append([])
    notes.append(
        [
            _("说明"),
            "",
            _(
                "第一行为列名，请勿修改；数据从第二行开始，空行会被跳过。重复导入同一文件不会产生重复数据（房屋按房屋编码、人员按证件号码匹配）。"
            ),
        ]
    )
    for letter, width in (("A", 16), ("B", 6), ("C", 90)):
        notes.column_dimensions[letter].width = width
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- jobs ------------------------------------------------------------------------------


def check_xlsx_upload(upload: UploadedFile, *, max_bytes: int, field: str = "file") -> None:
    """Refuse an empty, too large or non-.xlsx upload — decided by the content (a zip
    holding a workbook), never by the name."""
    check_size(upload, max_bytes=max_bytes, field=field)
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(_OLE_SIGNATURE):
        raise DomainError("import_xls_refused", _("这是旧版 .xls 文件：请在 Excel 中“另存为” .xlsx 格式后再导入"), field=field)
    refused = DomainError("import_type_refused", _("只接受 Excel .xlsx 文件（按文件内容识别，不看扩展名）"), field=field)
    if not head.startswith(XLSX_SIGNATURE):
        raise refused
    try:
        with zipfile.ZipFile(upload) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise refused
    except zipfile.BadZipFile:
        raise refused from None
    finally:
        upload.seek(0)


@transaction.atomic
def import_job_create(*, project: Project, kind: str, mode: str, upload: UploadedFile, by) -> ImportJob:
    """Store an uploaded sheet as an import job and run it in the background once the
    job is committed. Only staff holding DATA_IMPORT in the project may (404 otherwise)."""
    scoping.require(by, Cap.DATA_IMPORT, project.pk)
    if kind not in ImportKind.values:
        raise DomainError("import_kind_invalid", _("未知的导入类型"), field="kind")
    if mode not in ImportMode.values:
        raise DomainError("import_mode_invalid", _("未知的导入方式"), field="mode")
    check_xlsx_upload(upload, max_bytes=settings.IMPORT_MAX_UPLOAD_BYTES)
    job = ImportJob(project=project, kind=kind, mode=mode, original_name=upload.name[:200], created_by=by)
    job.file.save(f"{kind}.xlsx", upload, save=False)
    try:
        job.save()
    except Exception:
        job.file.delete(save=False)
        raise
    from propdesk.residents.tasks import run_import

    transaction.on_commit(partial(run_import.delay, job.pk))
    return job


def _set(job: ImportJob, **fields) -> None:
    """Update the job row at once (committed: the progress bar reads it meanwhile)."""
    fields["updated_at"] = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)


def _finish(job: ImportJob, *, status: str, errors: list[dict], outcome: _Outcome | None = None) -> ImportJob:
    outcome = outcome or _Outcome()
    _set(
        job,
        status=status,
        errors=errors,
        error_count=len({error["row"] for error in errors}),
        created_count=outcome.created,
        updated_count=outcome.updated,
        unchanged_count=outcome.unchanged,
        finished_at=timezone.now(),
    )
    return job


def _claimable(now):
    """Pending jobs, and jobs whose worker died: no progress for STALE_AFTER. Writing is
    one transaction, so a dead run left nothing behind and the job can start over."""
    return Q(status=ImportStatus.PENDING) | Q(status=ImportStatus.RUNNING, updated_at__lt=now - STALE_AFTER)


def import_stale_job_ids() -> list[int]:
    """Jobs to hand to a worker again: queued or running with no progress for STALE_AFTER."""
    now = timezone.now()
    return list(ImportJob.objects.filter(_claimable(now), updated_at__lt=now - STALE_AFTER).values_list("pk", flat=True))


def import_run(*, job_id: int) -> ImportJob | None:
    """Run one claimable job; a job another worker is running (a repeated delivery) is left alone.

    Checking commits progress every CHUNK_ROWS rows; writing is one transaction. With
    ALL_OR_NOTHING any error leaves the data untouched (status FAILED); with VALID_ROWS
    the valid rows are written and the errors reported (status DONE)."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(_claimable(now), pk=job_id).update(status=ImportStatus.RUNNING, updated_at=now)
    if not claimed:
        return None
    job = ImportJob.objects.select_related("project", "created_by").get(pk=job_id)
    try:
        return _run(job)
    except Exception:
        _finish(job, status=ImportStatus.FAILED, errors=[_error(0, "", _("导入时发生系统错误，数据未写入，请联系系统管理员"))])
        raise


def _run(job: ImportJob) -> ImportJob:
    today = timezone.localdate()
    importer = IMPORTERS[job.kind](project=job.project, today=today)
    try:
        with job.file.open("rb") as handle:
            content = handle.read()
        header, body = _read_sheet(content)
    except (ImportFileError, OSError) as exc:
        message = str(exc) if isinstance(exc, ImportFileError) else _("上传的文件已不存在，请重新上传")
        return _finish(job, status=ImportStatus.FAILED, errors=[_error(1, "", message)])
    errors = importer.header_errors(header)
    if errors:
        return _finish(job, status=ImportStatus.FAILED, errors=errors)
    rows = [(number, values) for number, values in body if not _is_empty(values)]
    if not rows:
        return _finish(job, status=ImportStatus.FAILED, errors=[_error(2, "", _("文件中没有数据行"))])
    if len(rows) > MAX_ROWS:
        message = _("行数过多：%(n)d 行，单次最多导入 %(max)d 行，请拆分文件") % {"n": len(rows), "max": MAX_ROWS}
        return _finish(job, status=ImportStatus.FAILED, errors=[_error(1, "", message)])
    _set(job, total_rows=len(rows), processed_rows=0)

    valid: list[tuple[int, dict]] = []
    for start in range(0, len(rows), CHUNK_ROWS):
        for number, values in rows[start : start + CHUNK_ROWS]:
            cleaned, row_errors = importer.check_row(number, importer.cells(values))
            errors += row_errors
            if cleaned is not None:
                valid.append((number, cleaned))
        _set(job, processed_rows=min(start + CHUNK_ROWS, len(rows)))
    if errors and job.mode == ImportMode.ALL_OR_NOTHING:
        return _finish(job, status=ImportStatus.FAILED, errors=errors)
    try:
        with transaction.atomic():
            outcome = importer.write(valid, by=job.created_by, now=timezone.now()) if valid else _Outcome()
    except DomainError as exc:
        return _finish(job, status=ImportStatus.FAILED, errors=[*errors, _error(0, "", exc.message)])
    except IntegrityError:
        message = _("导入期间有人同时修改了相同的数据，本次未写入任何数据，请重新导入")
        return _finish(job, status=ImportStatus.FAILED, errors=[*errors, _error(0, "", message)])
    return _finish(job, status=ImportStatus.DONE, errors=errors, outcome=outcome)
