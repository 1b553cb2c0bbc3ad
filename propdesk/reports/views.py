"""报表 pages: the daily / weekly / monthly KPI report of the selected projects (the
project switcher; company-wide with the ranking for whoever sees several), printable,
each table exportable to Excel, and the drill-down from any number to the rows behind it.
Read by everyone who may see tickets (Cap.TICKET_VIEW) — the same people who see the
SLA board and the ticket lists these numbers are counted from. Read from the replica when
one is configured (core/replica.py). Thin: numbers in
reports.selectors, drill-downs in reports.drilldown."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from propdesk.accounts.roles import Cap
from propdesk.core.console import render_page, selected_project_ids
from propdesk.core.excel import xlsx_response
from propdesk.core.replica import replica_reads
from propdesk.estate.models import Project
from propdesk.reports import drilldown as drill
from propdesk.reports.charts import line_chart
from propdesk.reports.periods import Period, PeriodKind
from propdesk.reports.selectors import kpi_report
from propdesk.reports.tables import comparison, excel_value, report_tables

PAGE_SIZE = 50


def _shown(request) -> frozenset[int]:
    project_ids = selected_project_ids(request, Cap.TICKET_VIEW)
    if not project_ids:
        raise Http404
    return project_ids


def _period(request) -> Period:
    kind = request.GET.get("period", PeriodKind.MONTH)
    if kind not in PeriodKind.values:
        kind = PeriodKind.MONTH
    try:
        day = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = timezone.localdate()
    return Period.containing(kind, day)


def _trend_chart(report):
    if not report.trend:
        return ""
    labels = [f"{p.month:%m}" for p in report.trend]
    counts = line_chart(
        labels,
        [
            (_("来电来访"), [p.contacts for p in report.trend], "#1565c0"),
            (_("工单"), [p.tickets for p in report.trend], "#ef6c00"),
        ],
        title=_("近12个月来电来访与工单"),
    )
    timely = line_chart(
        labels, [(_("及时率"), [p.timely.rate for p in report.trend], "#067647")], title=_("近12个月及时率"), top=100, unit="%"
    )
    return counts + timely


@login_required
@require_GET
@replica_reads()
def kpi_page(request):
    project_ids = _shown(request)
    period = _period(request)
    report = kpi_report(project_ids, period)
    projects = list(Project.objects.filter(pk__in=project_ids).order_by("code"))
    context = {
        "report": report,
        "period": period,
        "previous": period.previous(),
        "following": period.following(),
        "kinds": PeriodKind.choices,
        "projects": projects,
        "tables": report_tables(report),
        "comparison": comparison(report),
        "chart": _trend_chart(report),
        "printed_at": timezone.now(),
    }
    return render_page(request, "reports/kpi.html", context)


@login_required
@require_GET
@replica_reads()
def kpi_export(request):
    """One table of the report as .xlsx (`table` = its name on the page)."""
    project_ids = _shown(request)
    period = _period(request)
    report = kpi_report(project_ids, period)
    table = next((t for t in report_tables(report) if t.name == request.GET.get("table")), None)
    if table is None:
        raise Http404
    rows = [[excel_value(value) for value in row] for row in table.rows]
    return xlsx_response(f"{table.title}-{period.slug}.xlsx", table.name, table.headers, rows)


@login_required
@require_GET
@replica_reads()
def drill_page(request):
    """The rows behind one number: ?period=&date=&report=&cell=[&project=]."""
    project_ids = _shown(request)
    if request.GET.get("project"):
        try:
            wanted = int(request.GET["project"])
        except ValueError:
            raise Http404 from None
        if wanted not in project_ids:
            raise Http404
        project_ids = frozenset({wanted})
    period = _period(request)
    try:
        report, cell = request.GET.get("report", ""), request.GET.get("cell", "")
        found = drill.drilldown(project_ids, period, report, cell, now=timezone.now())
    except drill.UnknownCell:
        raise Http404 from None
    related = {
        drill.TICKETS: ("project", "house", "assignee"),
        drill.CONTACTS: ("project", "house", "ticket", "receiver"),
        drill.CLOCKS: ("project", "ticket__house", "ticket__assignee"),
        drill.VISITS: ("project", "ticket", "house", "visitor"),
    }[found.rows]
    queryset = found.queryset.select_related(*related).order_by("pk")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    back = urlencode({k: request.GET[k] for k in ("period", "date") if k in request.GET})
    context = {
        "drill": found,
        "period": period,
        "page": page,
        "query_string": query.urlencode(),
        "back": back,
        "now": timezone.now(),
    }
    return render_page(request, "reports/drill.html", context)
