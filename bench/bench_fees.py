"""Benchmark: the arrears list (欠费清单, FEE-7) and the Excel exports staff run most, on
PostgreSQL at the large scale (200 projects, a year of bills and payments).

Arrears — for one project (the one with the most owner bill lines) and company-wide
(head office, every project), each timed (p50/p95 after a warm-up) and set beside its
FLOOR, one aggregate SQL query that yields the list's rows (house, owed, lines, oldest
due date; what is open is each line's amount less its entries by the day, the due date
the latest approved extension's or the bill's):

- the page /billing/arrears/ through Django's test Client (session, auth, htmx
  middleware, the full template), head office with the project switcher set to the
  project, or unset for company-wide;
- `billing.arrears.arrears_list(...)` alone;
- the page's Excel export (?export=xlsx): floor = the same aggregate query and an
  openpyxl write-only workbook of the same cells;
- the dunning worklist /dunning/ (催缴工作台), which is the arrears list with each
  house's case, rung, promises and plan.

Excel export of EXPORT_ROWS (10,000) rows — the ticket list export /desk/tickets/export.xlsx
(工单, as filtered on screen: all statuses) of the largest project, its queryset narrowed
to the project's newest EXPORT_ROWS tickets (no on-screen filter selects an exact count
at every scale, so the benchmark patches `desk.selectors.ticket_list` with a created_at
bound); and the customer overview export /residents/overview/export.xlsx (客户情况一览表,
houses with their residents, main contact and archive count) company-wide, narrowed
likewise to the first EXPORT_ROWS houses. Floor = one query for the same rows and columns
and an openpyxl write-only workbook of the same cells. Seconds, rows/s, the
peak of Python's allocations during one run (tracemalloc, a separate untimed run) and
the ratio are reported.

An EXPLAIN of every query the selector runs and of the floor lists the indexes used and
any large table read by a sequential scan (company-wide, reading every bill line of every
project is the work itself, so a scan there is reported, not a failure).

Database: the benchmark database of bench/_common.py (propdesk_bench, loaded with
`seed_demo --scale large`, bills included); it is only read. Any other PostgreSQL database
with bills (e.g. a `seed_demo --scale default` one, with BENCH_FEES_EXPORT_ROWS=10)
works too through BENCH_DATABASE_URL. Results: bench/results/fees.json.

    .venv/bin/python bench/run.py fees
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
import tracemalloc
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    client_for,
    explain,
    get_ok,
    run_child,
    server_version,
    start_child,
    timed_with_floor,
    write_result,
)

ITERATIONS = int(os.environ.get("BENCH_FEES_ITERATIONS", "20"))  # one project
WIDE_ITERATIONS = int(os.environ.get("BENCH_FEES_WIDE_ITERATIONS", "3"))  # company-wide: seconds a run
EXPORT_ITERATIONS = int(os.environ.get("BENCH_FEES_EXPORT_ITERATIONS", "5"))
EXPORT_ROWS = int(os.environ.get("BENCH_FEES_EXPORT_ROWS", "10000"))  # a power of ten
WARM_UP = 1
SCOPES = os.environ.get("BENCH_FEES_SCOPES", "one_project,company_wide").split(",")  # company-wide takes minutes
TARGET_P95_MS = 1000.0
TARGET_RATIO = 10.0

NOTES = [
    "One project: head office with the project switcher set to it; company-wide: head office with it unset. "
    "The pages' ratio includes the fixed cost of a request and its template.",
    "Arrears floor: one statement — the owner's bill lines due before the day, less their entries by the "
    "day (grouped per line), the due date moved by the latest extension, the open overdue ones grouped per "
    "house — with each house's code, building and project, oldest debt first.",
    "Export floors: the floor query's rows written as they come to an openpyxl write-only workbook (no "
    "labels, no masking), so the ratio is what the view's labels, masking, ORM objects and chunked "
    "reading cost on top.",
    "Ticket export: the queue's queryset (all statuses) of the largest project, narrowed by the benchmark to "
    "its newest tickets (created_at at or after the 10,000th newest's), since no on-screen filter selects an "
    "exact count at every scale.",
]

ARREARS_FLOOR = """
    WITH paid AS (
        SELECT line_id, sum(amount) AS paid FROM billing_entry
        WHERE project_id = ANY(%(p)s) AND line_id IS NOT NULL AND on_date <= %(d)s
        GROUP BY line_id
    ), extended AS (
        SELECT DISTINCT ON (bill_id) bill_id, to_date FROM billing_duedateextension
        WHERE project_id = ANY(%(p)s) AND on_date <= %(d)s
        ORDER BY bill_id, id DESC
    ), owed AS (
        SELECT l.house_id, sum(l.amount - coalesce(paid.paid, 0)) AS owed, count(*) AS lines,
               min(coalesce(extended.to_date, b.due_date)) AS oldest
        FROM billing_billline l
        JOIN billing_bill b ON b.id = l.bill_id
        LEFT JOIN paid ON paid.line_id = l.id
        LEFT JOIN extended ON extended.bill_id = l.bill_id
        WHERE l.project_id = ANY(%(p)s) AND l.charged_on <= %(d)s AND b.payer = 'owner' AND b.due_date < %(d)s
          AND l.amount > coalesce(paid.paid, 0) AND coalesce(extended.to_date, b.due_date) < %(d)s
        GROUP BY l.house_id
    )
    SELECT p.name, bu.number, h.code, owed.owed, owed.lines, owed.oldest
    FROM owed
    JOIN estate_house h ON h.id = owed.house_id
    JOIN estate_project p ON p.id = h.project_id
    JOIN estate_building bu ON bu.id = h.building_id
    ORDER BY owed.oldest, owed.owed DESC, h.code
"""

TICKET_FLOOR = """
    SELECT t.number, p.name, t.type, t.category, t.priority, t.status, t.title, coalesce(h.code, t.location),
           t.reporter_name, t.reporter_phone, t.department, coalesce(nullif(u.display_name, ''), u.username, ''),
           to_char(t.created_at AT TIME ZONE %(tz)s, 'YYYY-MM-DD HH24:MI'),
           coalesce(to_char(t.next_deadline_at AT TIME ZONE %(tz)s, 'YYYY-MM-DD HH24:MI'), '')
    FROM desk_ticket t
    JOIN estate_project p ON p.id = t.project_id
    LEFT JOIN estate_house h ON h.id = t.house_id
    LEFT JOIN accounts_user u ON u.id = t.assignee_id
    WHERE t.project_id = %(p)s AND t.created_at >= %(since)s
    ORDER BY t.next_deadline_at ASC NULLS LAST, t.created_at, t.id
"""

ROSTER_FLOOR = """
    SELECT p.name, h.code, h.floor, h.area, h.usage, h.status, h.sold,
           (SELECT string_agg(pe.name || '(' || o.role || ')', '，' ORDER BY o.is_primary_contact DESC, o.role, o.id)
            FROM residents_occupancy o JOIN residents_person pe ON pe.id = o.person_id
            WHERE o.house_id = h.id AND o.end_date IS NULL),
           main.name, main.mobile,
           (SELECT count(*) FROM residents_archiveitem a WHERE a.house_id = h.id AND a.status = 'received')
    FROM estate_house h
    JOIN estate_project p ON p.id = h.project_id
    JOIN estate_building b ON b.id = h.building_id
    JOIN estate_entrance e ON e.id = h.entrance_id
    LEFT JOIN LATERAL (
        SELECT pe.name, pe.mobile FROM residents_occupancy o JOIN residents_person pe ON pe.id = o.person_id
        WHERE o.house_id = h.id AND o.end_date IS NULL ORDER BY o.is_primary_contact DESC, o.role, o.id LIMIT 1
    ) main ON true
    WHERE h.id <= %(last)s
    ORDER BY p.code, length(b.number), b.number, length(e.number), e.number, length(h.room), h.room
"""


def main() -> dict:
    """Run the benchmark in a child process; write and return the result."""
    return run_child(__file__, "fees")


# --- child: measuring ------------------------------------------------------------------------


def _timed(fn, floor, iterations: int) -> dict:
    return timed_with_floor(fn, floor, iterations=iterations, warm_up=WARM_UP)


def _peak_mib(fn) -> float:
    """The peak of Python's allocations during one run of `fn`, in MiB."""
    tracemalloc.start()
    try:
        fn()
        return round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    finally:
        tracemalloc.stop()


def _plans(fn, floor_sql: str, floor_params) -> dict:
    """EXPLAIN every SELECT `fn` runs and the floor: indexes used, large tables scanned."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    queries = [q["sql"] for q in captured.captured_queries]
    indexes, seq_scans = [], []
    with connection.cursor() as cursor:
        for sql in queries:
            if sql.lstrip().upper().startswith(("SELECT", "WITH")):
                used, scanned = explain(cursor, sql)
                indexes += used
                seq_scans += scanned
        floor_indexes, floor_seq = explain(cursor, floor_sql, floor_params)
    return {
        "queries": len(queries),
        "indexes": sorted(set(indexes)),
        "seq_scans": sorted(set(seq_scans)),
        "floor_indexes": sorted(set(floor_indexes)),
        "floor_seq_scans": sorted(set(floor_seq)),
    }


def _workbook(title: str, headers, rows) -> bytes:
    """The floor's workbook: rows as they come, write-only."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append(list(headers))
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_rows(content: bytes) -> int:
    """Data rows in an exported workbook (its header row not counted)."""
    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(content), read_only=True).active  # a streamed sheet records no dimensions
    return sum(1 for _row in sheet.iter_rows(values_only=True)) - 1


# --- child: scenarios ------------------------------------------------------------------------


def _busiest_project() -> int:
    from django.db.models import Count

    from propdesk.billing.choices import Payer
    from propdesk.billing.models import BillLine

    top = (
        BillLine.objects.filter(bill__payer=Payer.OWNER)
        .values("project_id")
        .annotate(n=Count("id"))
        .order_by("-n", "project_id")
        .first()
    )
    if top is None:
        raise SystemExit("no bills in this database: load them first (seed_demo)")
    return top["project_id"]


def _arrears(headoffice, scopes: dict[str, list[int]], as_of: dt.date) -> dict:
    from django.db import connection
    from django.urls import reverse

    from propdesk.billing.arrears import arrears_list
    from propdesk.billing.views import EXPORT_HEADERS
    from propdesk.core.console import SESSION_KEY

    arrears_url, worklist_url = reverse("billing:arrears"), reverse("dunning:worklist")
    export_url = arrears_url + "?export=xlsx"
    scenarios = {}
    for scope, ids in scopes.items():
        client = client_for(headoffice)
        if len(ids) == 1:
            session = client.session
            session[SESSION_KEY] = ids[0]
            session.save()
        iterations = ITERATIONS if len(ids) == 1 else WIDE_ITERATIONS
        params = {"p": ids, "d": as_of}
        with connection.cursor() as cursor:

            def floor(cursor=cursor, params=params) -> list:
                cursor.execute(ARREARS_FLOOR, params)
                return cursor.fetchall()

            def floor_export(floor=floor) -> bytes:
                return _workbook("欠费清单", EXPORT_HEADERS, floor())

            def selector(ids=ids) -> None:
                arrears_list(project_ids=ids, as_of=as_of)

            floor_rows = floor()
            listed = arrears_list(project_ids=ids, as_of=as_of)
            same = [(r.house.code, r.owed, r.lines, r.oldest_due) for r in listed.rows] == [
                (code, owed, lines, oldest) for _p, _b, code, owed, lines, oldest in floor_rows
            ]
            exported = _xlsx_rows(get_ok(client, export_url))
            cases = {
                "arrears_page": (lambda client=client: get_ok(client, arrears_url), floor),
                "arrears_selector": (selector, floor),
                "arrears_export": (lambda client=client: get_ok(client, export_url), floor_export),
                "dunning_worklist_page": (lambda client=client: get_ok(client, worklist_url), floor),
            }
            for name, (fn, floor_fn) in cases.items():
                result = {
                    "projects": len(ids),
                    "houses_in_arrears": len(floor_rows),
                    "same_rows_as_floor": same,
                    **_timed(fn, floor_fn, iterations),
                }
                if name == "arrears_selector":
                    result.update(_plans(fn, ARREARS_FLOOR, params))
                if name == "arrears_export":
                    result.update(_export_figures(result, len(floor_rows), fn, floor_fn), exported_rows=exported)
                scenarios[f"{name} ({scope})"] = result
                print(
                    f"  {name:22} {scope:12} p50 {result['p50_ms']:9.1f} ms  p95 {result['p95_ms']:9.1f} ms  "
                    f"floor p95 {result['floor_p95_ms']:8.1f} ms  ×{result['ratio_p95']}",
                    flush=True,
                )
    return scenarios


def _export_figures(timing: dict, rows: int, fn, floor) -> dict:
    return {
        "rows": rows,
        "seconds_p50": round(timing["p50_ms"] / 1000, 2),
        "rows_per_second": round(rows / (timing["p50_ms"] / 1000)) if timing["p50_ms"] else None,
        "floor_rows_per_second": round(rows / (timing["floor_p50_ms"] / 1000)) if timing["floor_p50_ms"] else None,
        "peak_mib": _peak_mib(fn),
        "floor_peak_mib": _peak_mib(floor),
    }


def _newest_tickets() -> tuple[int, dt.datetime]:
    """(project, moment) such that exactly EXPORT_ROWS of the project's tickets were created
    at or after the moment: its newest ones, in the largest project where that is exact."""
    from django.db.models import Count

    from propdesk.desk.models import Ticket

    sizes = Ticket.objects.values("project_id").annotate(n=Count("id")).filter(n__gte=EXPORT_ROWS).order_by("-n")
    for project_id in sizes.values_list("project_id", flat=True)[:10]:
        newest = Ticket.objects.filter(project_id=project_id).order_by("-created_at").values_list("created_at", flat=True)
        edge = list(newest[EXPORT_ROWS - 1 : EXPORT_ROWS + 1])
        if len(edge) == 1 or edge[0] != edge[1]:
            return project_id, edge[0]
    raise SystemExit(f"no project has {EXPORT_ROWS:,} tickets; set BENCH_FEES_EXPORT_ROWS lower")


def _ticket_export(headoffice) -> dict:
    from unittest import mock

    from django.conf import settings
    from django.db import connection
    from django.urls import reverse

    from propdesk.core.console import SESSION_KEY
    from propdesk.desk import selectors

    project_id, since = _newest_tickets()
    client = client_for(headoffice)
    session = client.session
    session[SESSION_KEY] = project_id
    session.save()
    url = f"{reverse('desk:tickets-export')}?group=all"
    queue = selectors.ticket_list

    def newest(project_ids):  # the screen's queryset, narrowed to the newest EXPORT_ROWS
        return queue(project_ids).filter(created_at__gte=since)

    params = {"p": project_id, "since": since, "tz": settings.TIME_ZONE}
    headers = ["工单号", "项目", "类型", "分类", "等级", "状态", "摘要", "房号/位置", "报告人", "联系电话"]
    headers += ["责任部门", "处理人", "受理时间", "最近时限"]
    with connection.cursor() as cursor, mock.patch.object(selectors, "ticket_list", newest):

        def floor(cursor=cursor) -> bytes:
            cursor.execute(TICKET_FLOOR, params)
            return _workbook("工单", headers, cursor.fetchall())

        def export() -> bytes:
            return get_ok(client, url)

        rows = _xlsx_rows(export())
        cursor.execute(TICKET_FLOOR, params)
        floor_rows = len(cursor.fetchall())
        result = {"projects": 1, "since": since.isoformat(), "exported_rows": rows, "floor_rows": floor_rows}
        result.update(_timed(export, floor, EXPORT_ITERATIONS))
        result.update(_export_figures(result, rows, export, floor))
        result.update(_plans(export, TICKET_FLOOR, params))
    print(
        f"  ticket_export          {rows:,} rows  p50 {result['p50_ms']:9.1f} ms  floor p50 {result['floor_p50_ms']:8.1f} ms"
        f"  ×{result['ratio_p95']}  {result['peak_mib']} MiB (floor {result['floor_peak_mib']} MiB)",
        flush=True,
    )
    return {f"ticket_export ({rows:,} rows)": result}


def _roster_export(headoffice) -> dict:
    """The customer overview export (客户情况一览表) company-wide, narrowed to the first
    EXPORT_ROWS houses by id (about ten projects' worth)."""
    from unittest import mock

    from django.db import connection
    from django.urls import reverse

    from propdesk.estate.models import House
    from propdesk.residents import selectors

    last = House.objects.order_by("id").values_list("id", flat=True)[EXPORT_ROWS - 1]
    client = client_for(headoffice)
    url = reverse("residents:overview-export")
    overview = selectors.overview_houses

    def first_houses(**filters):  # the screen's queryset, narrowed to the first EXPORT_ROWS houses
        return overview(**filters).filter(pk__lte=last)

    params = {"last": last}
    headers = ["项目", "房号", "楼层", "建筑面积(m²)", "用途", "房屋状态", "已售", "住户", "主要联系人", "联系电话"]
    headers += ["档案已收项数"]
    with connection.cursor() as cursor, mock.patch.object(selectors, "overview_houses", first_houses):

        def floor(cursor=cursor) -> bytes:
            cursor.execute(ROSTER_FLOOR, params)
            return _workbook("客户情况一览表", headers, cursor.fetchall())

        def export() -> bytes:
            return get_ok(client, url)

        rows = _xlsx_rows(export())
        result = {"projects": House.objects.filter(pk__lte=last).values("project_id").distinct().count(), "exported_rows": rows}
        result.update(_timed(export, floor, EXPORT_ITERATIONS))
        result.update(_export_figures(result, rows, export, floor))
        result.update(_plans(export, ROSTER_FLOOR, params))
    print(
        f"  roster_export          {rows:,} rows  p50 {result['p50_ms']:9.1f} ms  floor p50 {result['floor_p50_ms']:8.1f} ms"
        f"  ×{result['ratio_p95']}  {result['peak_mib']} MiB (floor {result['floor_peak_mib']} MiB)",
        flush=True,
    )
    return {f"roster_export ({rows:,} rows)": result}


def _child(out: Path) -> None:
    settings = start_child(create_database=False)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0, interactive=False)  # the schema only
    from propdesk.accounts.models import User
    from propdesk.billing.models import Bill, BillLine, Entry
    from propdesk.estate.models import House, Project

    began = time.monotonic()
    with connection.cursor() as cursor:
        for table in ("billing_bill", "billing_billline", "billing_entry", "billing_duedateextension"):
            cursor.execute(f"ANALYZE {table}")
    as_of = timezone.localdate()  # the pages' day
    headoffice = User.objects.get(username="headoffice")
    project = _busiest_project()
    everyone = sorted(Project.objects.values_list("id", flat=True))
    scopes = {"one_project": [project], "company_wide": everyone}
    scenarios = _arrears(headoffice, {scope: ids for scope, ids in scopes.items() if scope in SCOPES}, as_of)
    scenarios.update(_ticket_export(headoffice))
    scenarios.update(_roster_export(headoffice))

    columns = ["scenario", "rows", "queries", "p50 ms", "p95 ms", "floor p50 ms", "floor p95 ms", "× floor (p95)"]
    columns += ["rows/s", "peak MiB", "p95 ≤ 1 s", f"≤ {TARGET_RATIO:.0f}× floor"]
    rows = []
    for name, s in scenarios.items():
        s.update(p95_target_met=s["p95_ms"] <= TARGET_P95_MS, ratio_target_met=(s["ratio_p95"] or 0) <= TARGET_RATIO)
        rows.append(
            [
                name,
                s.get("rows", s.get("houses_in_arrears")),
                s.get("queries"),
                s["p50_ms"],
                s["p95_ms"],
                s["floor_p50_ms"],
                s["floor_p95_ms"],
                s["ratio_p95"],
                s.get("rows_per_second"),
                s.get("peak_mib"),
                s["p95_target_met"],
                s["ratio_target_met"],
            ]
        )
    result = {
        "benchmark": "fees_arrears_and_exports",
        "database": f"PostgreSQL {server_version()} ({settings['NAME']})",
        "as_of": as_of.isoformat(),
        "projects": len(everyone),
        "houses": House.objects.count(),
        "bills": Bill.objects.count(),
        "bill_lines": BillLine.objects.count(),
        "entries": Entry.objects.count(),
        "one_project_houses": House.objects.filter(project_id=project).count(),
        "targets": f"p95 ≤ {TARGET_P95_MS:.0f} ms or ≤ {TARGET_RATIO:.0f}× floor, else explained",
        "notes": NOTES,
        "seconds": round(time.monotonic() - began, 1),
        "scenarios": scenarios,
        "table": {"columns": columns, "rows": rows},
    }
    write_result(out, result)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        _child(Path(sys.argv[2]))
    else:
        print(json.dumps(main(), ensure_ascii=False, indent=2))
