"""Load test (issue 6 item 4): BENCH_LOAD_USERS (50) simulated staff for BENCH_LOAD_SECONDS
(600) against gunicorn (4 sync workers) + PostgreSQL + Redis + a Celery worker with beat,
all on loopback — assistants searching, logging calls, opening and updating tickets and
reading the queue; cashiers reading accounts, taking payments and reading the arrears
list (bench/load/locustfile.py, run with locust). Reported per action: requests, errors,
p50/p95/p99 and throughput; the goal is zero errors.

Database: LOAD_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/propdesk_load —
created, migrated and loaded with `seed_demo` (default scale) on the first run, reused
after (the tickets and payments the test adds accumulate; drop it to start clean).
Redis: LOAD_REDIS_URL, else redis://127.0.0.1:6379/11. Results: bench/results/load.json.

    .venv/bin/python bench/bench_load.py
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, run_child, server_version, start_child, write_result

DATABASE = os.environ.get("LOAD_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/propdesk_load")
REDIS = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/11")
USERS = int(os.environ.get("BENCH_LOAD_USERS", "50"))
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "600"))
LOCUSTFILE = ROOT / "bench" / "load" / "locustfile.py"


def main() -> dict:
    """Run the load test in a child process; write and return the result."""
    return run_child(__file__, "load", database=DATABASE)


def _prepare(tmp: Path) -> Path:
    """Migrate and seed on the first run; write what the simulated staff pick from."""
    from django.core.management import call_command

    from propdesk.core.demo import DEMO_PASSWORD
    from propdesk.desk.choices import RepairTrade, Status
    from propdesk.desk.models import Ticket
    from propdesk.estate.models import House, Project
    from propdesk.residents.models import Person

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    if not Project.objects.exists():
        print("loading seed_demo (default scale)…", flush=True)
        call_command("seed_demo")
    project = Project.objects.order_by("pk").first()
    houses = list(House.objects.filter(project=project).order_by("?").values_list("pk", "code")[:300])
    names = list(Person.objects.filter(project=project).order_by("?").values_list("name", flat=True)[:100])
    open_tickets = Ticket.objects.filter(project=project).exclude(status__in=[Status.CLOSED, Status.CANCELLED])
    data = {
        "project": project.pk,
        "password": DEMO_PASSWORD,
        "houses": [pk for pk, _code in houses],
        "queries": [code for _pk, code in houses[:100]] + [name[:2] for name in names] + [name[0] for name in names[:30]],
        "tickets": list(open_tickets.order_by("?").values_list("pk", flat=True)[:200]),
        "repair_category": RepairTrade.PLUMBING.value,
    }
    path = tmp / "load-data.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _stats(prefix: Path) -> tuple[dict, dict]:
    """Per action and aggregated figures from locust's CSV."""
    actions, total = {}, {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            figures = {
                "requests": int(row["Request Count"]),
                "errors": int(row["Failure Count"]),
                "p50_ms": float(row["50%"] or 0),
                "p95_ms": float(row["95%"] or 0),
                "p99_ms": float(row["99%"] or 0),
                "per_second": round(float(row["Requests/s"]), 2),
            }
            if row["Name"] == "Aggregated":
                total = figures
            else:
                actions[row["Name"]] = figures
    return actions, total


def _child(out: Path) -> None:
    settings = start_child()
    from propdesk.core.loopback import Cluster

    with tempfile.TemporaryDirectory(prefix="propdesk-load-") as tmp_dir:
        tmp = Path(tmp_dir)
        data = _prepare(tmp)
        cluster = Cluster(tmp, database=os.environ["DATABASE_URL"], redis=REDIS, DB_CONN_MAX_AGE="60", DEBUG="0")
        try:
            url = cluster.web("web", workers=4)
            cluster.worker("worker", beat=True)
            prefix = tmp / "locust"
            locust = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary"]
            locust += ["-u", str(USERS), "-r", "5", "-t", f"{SECONDS}s", "--host", url, "--csv", str(prefix)]
            print(f"locust: {USERS} users for {SECONDS} s against {url}", flush=True)
            subprocess.run(locust, env={**os.environ, "PROPDESK_LOAD_DATA": str(data)}, check=False, cwd=ROOT)
            actions, total = _stats(prefix)
            server_errors = cluster.log("web").count('" 500 ')
        finally:
            cluster.stop()
    columns = ["action", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "per second"]
    keys = ["requests", "errors", "p50_ms", "p95_ms", "p99_ms", "per_second"]
    result = {
        "benchmark": "load_test",
        "database": f"PostgreSQL {server_version()} ({settings['NAME']})",
        "users": USERS,
        "seconds": SECONDS,
        "processes": "gunicorn 4 sync workers, 1 Celery worker with beat, PostgreSQL, Redis — one machine",
        "requests": total.get("requests", 0),
        "errors": total.get("errors", 0),
        "server_errors_500": server_errors,
        "throughput_per_second": total.get("per_second", 0),
        "target": "zero errors",
        "target_met": total.get("errors", 1) == 0 and server_errors == 0,
        "actions": actions,
        "table": {"columns": columns, "rows": [[name, *(a[k] for k in keys)] for name, a in actions.items()]},
    }
    write_result(out, result)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        _child(Path(sys.argv[2]))
    else:
        print(json.dumps(main(), ensure_ascii=False, indent=2))
