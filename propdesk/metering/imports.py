"""Excel import and export of a round's readings (抄表导入/导出).

The template is the round's sheet — one row per meter with its last reading, the
reading and date left to fill — with a 填写说明 sheet. An import is all or nothing:
every error is reported with its row and the Chinese column name, and nothing is
written unless every row passes (the rows go through `reading_record`, so usage and
anomalies are the same as typed in). A row without a reading is skipped. The cell
parsing and the workbook reading are the residents import's (`residents.imports`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from io import BytesIO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.errors import DomainError
from propdesk.metering.models import ReadingRound
from propdesk.metering.selectors import round_sheet
from propdesk.metering.services import reading_record
from propdesk.residents.imports import (
    _REQUIRED_FILL,
    ImportFileError,
    _CellError,
    _date,
    _error,
    _header_key,
    _is_empty,
    _nfkc,
    _read_sheet,
)

# (key, Chinese header — part of the file format, required, hint, width)
COLUMNS = (
    ("house", "房屋编码", False, "户表所在房屋，如 3-2-1201（仅核对，可不填）", 12),
    ("kind", "表类型", False, "水表、电表、燃气表（仅供参考）", 8),
    ("serial", "表号", True, "按表号匹配本轮的表，请勿修改", 16),
    ("last", "上次读数", False, "仅供参考，导入时不读取", 10),
    ("value", "本次读数", True, "不能为负数，最多两位小数；不填表示本次未抄", 10),
    ("read_on", "抄表日期", False, "如 2026-06-28；不填为导入当天", 12),
    ("note", "备注", False, "", 20),
)
HEADERS = {key: header for key, header, *_rest in COLUMNS}
_DOMAIN_FIELDS = {"value": "value", "read_on": "read_on", "meter": "serial", "round": "serial", "status": "value"}


def template_bytes(reading_round: ReadingRound) -> bytes:
    """The round's import template: its meters in walking order, with a 填写说明 sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("抄表")
    for position, (_key, header, required, _hint, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=position, value=header)
        cell.font = Font(bold=required)
        if required:
            cell.fill = _REQUIRED_FILL
        sheet.column_dimensions[cell.column_letter].width = width
    for row in round_sheet(reading_round):
        reading = row.reading
        sheet.append(
            [
                row.place,
                row.meter.get_kind_display(),
                row.meter.serial,
                row.last_value,
                reading.value if reading is not None else None,
                reading.read_on if reading is not None else None,
                "",
            ]
        )
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet(_("填写说明"))
    notes.append([_("列名"), _("必填"), _("填写说明")])
    for _key, header, required, hint, _width in COLUMNS:
        notes.append([header, _("是") if required else "", hint])
    notes.append([])
    notes.append(
        [
            _("说明"),
            "",
            _(
                "第一行为列名，请勿修改。本次读数低于上次、超过平均用量3倍或托管房屋用量超限（MOV-6）的读数将转为待确认，"
                "由主管确认后才出账。有任何错误时整个文件都不导入，请按提示的行号和列名修改后重新导入。"
            ),
        ]
    )
    for letter, width in (("A", 12), ("B", 6), ("C", 90)):
        notes.column_dimensions[letter].width = width
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass
class ImportResult:
    entered: int = 0
    held: int = 0
    skipped: int = 0
    errors: list[dict] = field(default_factory=list)


def _value(raw) -> Decimal:
    try:
        number = Decimal(str(raw)) if isinstance(raw, int | float) else Decimal(_nfkc(raw).replace(",", ""))
    except InvalidOperation:
        raise _CellError(_("本次读数应为数字")) from None
    if not number.is_finite():
        raise _CellError(_("本次读数应为数字"))
    if number < 0:
        raise _CellError(_("本次读数不能为负数"))
    if number != number.quantize(Decimal("0.01")):
        raise _CellError(_("本次读数最多两位小数"))
    return number


def readings_import(*, reading_round: ReadingRound, content: bytes, by) -> ImportResult:
    """Import the round's readings from a filled template, all or nothing."""
    scoping.require(by, Cap.METER_READ, reading_round.project_id)
    result = ImportResult()
    if not reading_round.is_open:
        raise DomainError("reading_round_closed", _("本轮抄表已结束"), field="file")
    try:
        header, body = _read_sheet(content)
    except ImportFileError as exc:
        result.errors.append(_error(1, "", str(exc)))
        return result
    positions = {_header_key(text): index for index, text in enumerate(header)}
    index = {key: positions.get(_header_key(text)) for key, text in HEADERS.items()}
    for key, _header, required, *_rest in COLUMNS:
        if required and index[key] is None:
            result.errors.append(_error(1, HEADERS[key], _("缺少必填列“%(h)s”") % {"h": HEADERS[key]}))
    if result.errors:
        return result
    sheet = {row.meter.serial: row for row in round_sheet(reading_round)}
    today = timezone.localdate()
    rows: list[tuple[int, object, Decimal, dt.date, str]] = []
    seen: dict[str, int] = {}
    for number, values in body:
        if _is_empty(values):
            continue

        def cell(key, values=values):
            position = index[key]
            return values[position] if position is not None and position < len(values) else None

        errors = []
        serial = _nfkc(cell("serial"))
        row = sheet.get(serial)
        if not serial:
            errors.append(_error(number, HEADERS["serial"], _("请填写表号")))
        elif row is None:
            errors.append(_error(number, HEADERS["serial"], _("表号 %(s)s 不在本轮抄表的楼栋内") % {"s": serial}))
        elif serial in seen:
            errors.append(_error(number, HEADERS["serial"], _("表号 %(s)s 与第 %(r)d 行重复") % {"s": serial, "r": seen[serial]}))
        else:
            seen[serial] = number
            house = _nfkc(cell("house")).upper()
            if house and row.meter.house_id and house != row.meter.house.code.upper():
                errors.append(
                    _error(number, HEADERS["house"], _("房屋编码与表号不符：该表属于 %(c)s") % {"c": row.meter.house.code})
                )
        raw = cell("value")
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if not errors:
                result.skipped += 1
            result.errors.extend(errors)
            continue
        value = read_on = None
        try:
            value = _value(raw)
        except _CellError as exc:
            errors.append(_error(number, HEADERS["value"], str(exc)))
        raw_date = cell("read_on")
        try:
            read_on = today if raw_date in (None, "") else _date(raw_date)
            if read_on > today:
                raise _CellError(_("抄表日期不能晚于今天"))
            if read_on < reading_round.period:
                raise _CellError(_("抄表日期早于抄表月份"))
        except _CellError as exc:
            errors.append(_error(number, HEADERS["read_on"], str(exc)))
        if errors:
            result.errors.extend(errors)
            continue
        rows.append((number, row.meter, value, read_on, _nfkc(cell("note"))[:200]))
    if result.errors:
        return result
    with transaction.atomic():
        for number, meter, value, read_on, note in rows:
            try:
                with transaction.atomic():
                    reading = reading_record(
                        reading_round=reading_round, meter=meter, value=value, read_on=read_on, note=note, by=by
                    )
            except DomainError as exc:
                column = HEADERS.get(_DOMAIN_FIELDS.get(exc.field or "", "value"), HEADERS["value"])
                result.errors.append(_error(number, column, exc.message))
                continue
            result.entered += 1
            result.held += reading.status == "held"
        if result.errors:
            transaction.set_rollback(True)
            result.entered = result.held = 0
    return result


EXPORT_HEADERS = (
    "楼栋",
    "房屋/位置",
    "表类型",
    "表号",
    "倍率",
    "上次读数",
    "本次读数",
    "用量",
    "状态",
    "异常说明",
    "抄表日期",
    "抄表人",
)


def export_rows(reading_round: ReadingRound):
    for row in round_sheet(reading_round):
        meter, reading = row.meter, row.reading
        building = meter.house.building if meter.house_id else meter.building
        yield (
            str(building or ""),
            row.place,
            meter.get_kind_display(),
            meter.serial,
            meter.multiplier,
            row.last_value,
            reading.value if reading else None,
            reading.usage if reading else None,
            reading.get_status_display() if reading else _("未抄"),
            reading.anomaly if reading else "",
            reading.read_on if reading else None,
            str(reading.read_by) if reading else "",
        )
