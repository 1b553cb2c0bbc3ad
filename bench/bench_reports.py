"""Benchmark: the monthly KPI report (issue 4 item 7) over 2,000,000 tickets on PostgreSQL.

`propdesk.reports.selectors.kpi_report(...)` — contacts, tickets, complaints (CMP-11),
SLA timely rates and breaches, repairs (REP-9) for the month and the previous month,
the company ranking and the 12-month trend — is timed (p50/p95 over ITERATIONS runs
after a warm-up) for one project (a supervisor's) and company-wide (head office: every
project), and set beside its FLOOR: one raw GROUP BY query through `connection.cursor()`
— the month's tickets of the same projects counted by type and category — so the ratio
says what the report's other grouped queries (about twenty) cost on top of one.

The report reads whole past days from the daily fact table (reports.models, sla.md
"Statistics") and only the rest live, so the benchmark first builds the facts of the
days the report reads (from the trend's first month to yesterday) with
`reports.services.facts_rebuild(since=…)` — timed on its own ("facts_rebuild") — and
then times the report. The month is the busiest month of the loaded data; `now` is the
day after it, so every clock due in it is decided. Target (reported, not asserted):
p95 ≤ 1 s.

Database: the benchmark database of bench/_common.py (propdesk_bench), already loaded
with the 2,000,000 tickets by `seed_demo --scale large`; this benchmark writes only the
facts (and the schema's new tables) and refuses to run (rather than load anything) when
the tickets are not there.
Results: bench/results/reports.json.

    .venv/bin/python bench/bench_reports.py
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, run_child, server_version, start_child, timed_with_floor, write_result

ITERATIONS = int(os.environ.get("BENCH_REPORTS_ITERATIONS", "20"))
WARM_UP = 2
MIN_TICKETS = int(os.environ.get("BENCH_REPORTS_MIN_TICKETS", "2000000"))
REBUILD = os.environ.get("BENCH_REPORTS_REBUILD", "1") != "0"  # 0: read the facts an earlier run built
TARGET_P95_MS = 1000.0

NOTES = [
    "The report reads the daily facts (reports.DailyFact: per day, project and the dimensions the sections group "
    "by; reports.ProjectDay: per day and project, for the ranking and the 12-month trend) of every whole day before "
    "`now`, and computes the other days from the live rows; the facts are built first by "
    "reports.services.facts_rebuild (timed apart: facts_rebuild).",
    "The floor is one raw GROUP BY of the month's tickets of the same projects by type and category — what a "
    "single section costs read live; with the facts the whole report may cost less than it.",
]

FLOOR = """
    SELECT type, category, count(*) FROM desk_ticket
    WHERE project_id = ANY(%s) AND created_at >= %s AND created_at < %s
    GROUP BY type, category
"""


def main() -> dict:
    """Run the benchmark in a child process; write and return the result."""
    return run_child(__file__, "reports")


def _timed(fn, floor) -> dict:
    timings = timed_with_floor(fn, floor, iterations=ITERATIONS, warm_up=WARM_UP)
    return {**timings, "p95_target_met": timings["p95_ms"] <= TARGET_P95_MS}


def _child(out: Path) -> None:
    settings = start_child(create_database=False)
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.db.models.functions import TruncMonth
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0, interactive=False)  # the schema only: new modules' tables, indexes
    from propdesk.desk.models import Ticket
    from propdesk.estate.models import Project
    from propdesk.reports.models import FactDay
    from propdesk.reports.periods import Period, PeriodKind
    from propdesk.reports.selectors import kpi_report
    from propdesk.reports.services import facts_rebuild

    tickets = Ticket.objects.count()
    if tickets < MIN_TICKETS:
        raise SystemExit(
            f"{settings['NAME']} holds {tickets:,} tickets; load them first: .venv/bin/python bench/bench_desk.py --prepare"
        )
    busiest = Ticket.objects.annotate(m=TruncMonth("created_at")).values("m").annotate(n=Count("id")).order_by("-n").first()
    month = Period.containing(PeriodKind.MONTH, busiest["m"].date())
    now = month.end + dt.timedelta(days=1)
    if REBUILD:
        started = time.perf_counter()
        fact_rows = facts_rebuild(since=month.months_back(12)[0].first)  # the days the report reads
        seconds = time.perf_counter() - started
        days = FactDay.objects.count()
        rebuild = {
            "seconds": round(seconds, 1),
            "days": days,
            "ms_per_day": round(seconds * 1000 / max(days, 1)),
            "fact_rows": fact_rows,
        }
    else:  # the facts of an earlier run are read as they are; its rebuild figures are kept
        earlier = json.loads((RESULTS / "reports.json").read_text(encoding="utf-8")).get("facts_rebuild", {})
        rebuild = {**earlier, "this_run": "not rebuilt (BENCH_REPORTS_REBUILD=0)"}
    everyone = list(Project.objects.values_list("id", flat=True))
    largest = (
        Ticket.objects.filter(created_at__gte=month.start, created_at__lt=month.end)
        .values("project_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    scopes = {"one_project": [largest["project_id"]], "company_wide": everyone}
    scenarios = {}
    for name, ids in scopes.items():
        with connection.cursor() as cursor:

            def floor(cursor=cursor, ids=ids) -> list:
                cursor.execute(FLOOR, [ids, month.start, month.end])
                return cursor.fetchall()

            def report(ids=ids) -> None:
                kpi_report(ids, month, now=now)

            with CaptureQueriesContext(connection) as captured:
                report()
            month_tickets = sum(row[2] for row in floor())
            scenarios[name] = {
                "projects": len(ids),
                "month_tickets": month_tickets,
                "queries": len(captured.captured_queries),
                **_timed(report, floor),
            }
    columns = ["scenario", "projects", "tickets in month", "queries", "p50 ms", "p95 ms", "floor p50 ms", "floor p95 ms"]
    columns += ["× floor (p95)", "p95 ≤ 1 s"]
    keys = ["projects", "month_tickets", "queries", "p50_ms", "p95_ms", "floor_p50_ms", "floor_p95_ms", "ratio_p95"]
    rows = [[name, *(s[k] for k in keys), s["p95_target_met"]] for name, s in scenarios.items()]
    result = {
        "benchmark": "reports_monthly_kpi",
        "database": f"PostgreSQL {server_version()} ({settings['NAME']})",
        "tickets": tickets,
        "month": month.label,
        "target": f"p95 ≤ {TARGET_P95_MS:.0f} ms",
        "notes": NOTES,
        "facts_rebuild": rebuild,
        "scenarios": scenarios,
        "table": {"columns": columns, "rows": rows},
    }
    write_result(out, result)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        _child(Path(sys.argv[2]))
    else:
        print(json.dumps(main(), ensure_ascii=False, indent=2))
