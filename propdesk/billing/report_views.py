"""收费报表 (FEE-12): the month's collection — receivable, received and 收缴率 per project,
building and fee item; arrears recovery; income by fee item and method; arrears by aging —
on screen, printable (A4 landscape) and as an Excel workbook (one sheet per table). Thin:
every figure comes from `billing.collection`."""

from __future__ import annotations

from io import BytesIO
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from propdesk.accounts.roles import Cap
from propdesk.billing import collection
from propdesk.billing.forms import parse_month
from propdesk.core import scoping
from propdesk.core.console import render_page, selected_project_ids
from propdesk.core.excel import XLSX
from propdesk.estate.models import Building

COLLECTION_HEADERS = ("{}", "应收", "减免", "实收", "未收", "收缴率(%)")
RECOVERY_HEADERS = ("项目", "期初欠费", "本月清欠", "清欠率(%)")
AGING_HEADERS = ("项目", "楼栋", "房号", "欠费金额", "最早到期日", "欠费月数", "账龄")


def _collection_rows(rows, total=None):
    out = [(r.label, r.receivable, r.waived, r.received, r.outstanding, r.rate) for r in rows]
    if total is not None:
        out.append((total.label, total.receivable, total.waived, total.received, total.outstanding, total.rate))
    return out


def _sheet(workbook, title: str, headers, rows) -> None:
    sheet = workbook.create_sheet(title[:31])
    bold = Font(bold=True)
    cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=str(header))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append(list(row))


def _workbook(report: collection.CollectionReport) -> bytes:
    workbook = Workbook(write_only=True)
    _sheet(
        workbook,
        "按项目",
        [COLLECTION_HEADERS[0].format("项目"), *COLLECTION_HEADERS[1:]],
        _collection_rows(report.by_project, report.total),
    )
    _sheet(
        workbook,
        "按楼栋",
        [COLLECTION_HEADERS[0].format("楼栋"), *COLLECTION_HEADERS[1:]],
        _collection_rows(report.by_building, report.total),
    )
    _sheet(
        workbook,
        "按收费项目",
        [COLLECTION_HEADERS[0].format("收费项目"), *COLLECTION_HEADERS[1:]],
        _collection_rows(report.by_item, report.total),
    )
    recovery = [(r.label, r.opening, r.recovered, r.rate) for r in [*report.recovery, report.recovery_total]]
    _sheet(workbook, "往期清欠", RECOVERY_HEADERS, recovery)
    methods = [label for _code, label in report.income_methods]
    income = collection.income_table(report)
    income.append(["合计", *[report.income_by_method[code] for code, _l in report.income_methods], report.income_total])
    _sheet(workbook, "收入明细", ["收费项目", *methods, "合计"], income)
    labels = {key: str(label) for key, label, _b in collection.BUCKETS}
    aging = [
        (r.house.project.name, r.house.building.number, r.house.code, r.owed, r.oldest_due, r.months, labels[r.bucket])
        for r in report.aging.rows
    ]
    _sheet(workbook, "欠费账龄", AGING_HEADERS, aging)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@login_required
def collection_view(request):
    """收费报表 for a month (?month=YYYY-MM, default this month) and optionally one
    building; ?export=xlsx for the workbook (DATA_EXPORT), ?print=1 for the A4 page."""
    project_ids = selected_project_ids(request, Cap.FEE_VIEW)
    if not project_ids:
        raise Http404
    month = parse_month(request.GET.get("month")) or timezone.localdate().replace(day=1)
    building_id = request.GET.get("building", "")
    building = None
    if building_id.isdigit():
        building = scoping.access(Building.objects.select_related("project"), request.user, Cap.FEE_VIEW, pk=int(building_id))
    report = collection.collection_report(project_ids=project_ids, month=month, building_id=building.pk if building else None)
    if request.GET.get("export") == "xlsx":
        if not any(scoping.has_cap(request.user, Cap.DATA_EXPORT, pid) for pid in project_ids):
            raise Http404
        response = HttpResponse(_workbook(report), content_type=XLSX)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'收费报表-{month:%Y%m}.xlsx')}"
        return response
    buildings = Building.objects.filter(project_id__in=project_ids).select_related("project").order_by("project", "number")
    context = {
        "report": report,
        "income_rows": collection.income_table(report),
        "tables": [
            (_("按项目"), report.by_project, "collection-projects"),
            (_("按楼栋"), report.by_building, "collection-buildings"),
            (_("按收费项目"), report.by_item, "collection-items"),
        ],
        "labels": {key: label for key, label, _b in collection.BUCKETS},
        "buildings": buildings,
        "building": building,
        "month": month,
        "printing": request.GET.get("print") == "1",
        "now": timezone.now(),
    }
    template = "billing/collection_print.html" if context["printing"] else "billing/collection.html"
    return render_page(request, template, context)
