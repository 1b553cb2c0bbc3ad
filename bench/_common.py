"""What the PostgreSQL benchmarks share: their database (created, migrated and loaded
with the large demo data once, reused by later runs), the child process they work in,
percentiles, and the EXPLAIN check.

Database: BENCH_DATABASE_URL, else DATABASE_URL if it is PostgreSQL, else
postgresql://postgres@127.0.0.1:5432/propdesk_bench. Only that last database
(`OWN_DATABASE`) may be dropped and reloaded; another one that holds other data is
refused.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/propdesk_bench"
OWN_DATABASE = "propdesk_bench"  # the only database a benchmark may drop and reload
MIN_PERSONS = 400_000  # the large demo scale is loaded
LARGE_TABLE_ROWS = 10_000  # a sequential scan of a bigger table fails the EXPLAIN check


def database_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    return url if url.startswith(("postgres://", "postgresql://")) else DEFAULT_URL


def run_child(script: str, result_name: str, *, database: str | None = None) -> dict:
    """Run `script --child <out>` with its own settings on the benchmark database (or
    `database`); write its result to bench/results/<result_name>.json and return it."""
    with tempfile.TemporaryDirectory(prefix=f"propdesk-bench-{result_name}-") as var_dir:
        out = Path(var_dir) / "result.json"
        env = {
            **os.environ,
            "DATABASE_URL": database or database_url(),
            "DJANGO_SETTINGS_MODULE": "propdesk.settings",
            "PROPDESK_VAR_DIR": var_dir,
            "PROPDESK_ENV": "development",
            "DB_CONN_MAX_AGE": "0",
            "DEBUG": "0",  # as in production: no per-query logging in the timings
        }
        subprocess.run([sys.executable, script, "--child", str(out)], env=env, cwd=ROOT, check=True)
        result = json.loads(out.read_text(encoding="utf-8"))
    path = RESULTS / f"{result_name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return result


# --- the database (in the child) -------------------------------------------------------------


def start_child(*, create_database: bool = True) -> dict:
    """Set up a benchmark's child process: the project on sys.path, its database created
    if missing (unless `create_database` is false), Django set up; the database settings."""
    sys.path.insert(0, str(ROOT))
    settings = settings_from_env()
    if create_database:
        ensure_database(settings)
    import django

    django.setup()
    return settings


def settings_from_env() -> dict:
    import dj_database_url

    return dj_database_url.parse(os.environ["DATABASE_URL"])


def _admin_connection(settings: dict):
    import psycopg

    return psycopg.connect(
        dbname="postgres",
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        autocommit=True,
    )


def ensure_database(settings: dict, *, recreate: bool = False) -> None:
    from psycopg import sql

    name = settings["NAME"]
    with _admin_connection(settings) as admin:
        if recreate:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            print(f"creating database {name}", flush=True)
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def load_large(settings: dict) -> float | None:
    """Migrate and load `seed_demo --scale large` unless already loaded; the seconds the
    load took, or None when the data were there."""
    from django.core.management import call_command
    from django.db import connection

    from propdesk.estate.models import Project
    from propdesk.residents.models import Person

    call_command("migrate", verbosity=0, interactive=False)
    persons = Person.objects.count()
    if persons >= MIN_PERSONS:
        print(f"reusing {settings['NAME']}: {persons:,} people already loaded", flush=True)
        return None
    if Project.objects.exists():
        if settings["NAME"] != OWN_DATABASE:
            raise SystemExit(
                f"{settings['NAME']} holds {persons:,} people and other data; point BENCH_DATABASE_URL at an empty "
                f"database (or at {OWN_DATABASE}, which the benchmark may reload)."
            )
        print(f"{OWN_DATABASE} holds only {persons:,} people: reloading it", flush=True)
        connection.close()
        ensure_database(settings, recreate=True)
        call_command("migrate", verbosity=0, interactive=False)
    print("loading seed_demo --scale large (a few minutes)…", flush=True)
    return record_seed(settings)


def record_seed(settings: dict) -> float:
    """Load `seed_demo --scale large`, ANALYZE, and record how long it took — with the
    counts and the machine's load — in bench/results/seed.json; the seconds."""
    import datetime as dt

    from django.db import connection

    from propdesk.core import demo

    load_before = os.getloadavg()[0]
    started, cpu_started = time.monotonic(), _cpu_seconds()
    report = demo.seed(scale="large", progress=lambda message: print(message, flush=True))
    seconds = round(time.monotonic() - started, 1)
    cpu_seconds = round(_cpu_seconds() - cpu_started, 1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    result = {
        "benchmark": "seed_large",
        "database": f"PostgreSQL {server_version()} ({settings['NAME']})",
        "seconds": seconds,
        "target_seconds": 900,
        "within_target": seconds <= 900,
        # The generators' own CPU time, this process's and its loader children's
        # (PostgreSQL's backends work beside them): on a shared machine the wall-clock
        # seconds are mostly waiting for a core.
        "python_cpu_seconds": cpu_seconds,
        "counts": dict(sorted(report.counts.items())) if report else {},
        "load_average_1m_before": round(load_before, 2),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "load_average_15m": round(os.getloadavg()[2], 2),
        "cpus": os.cpu_count(),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "seed.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"seed_demo --scale large: {seconds:,.0f} s (load {result['load_average_1m']})", flush=True)
    return seconds


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that have exited (user + system)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


# --- measuring -------------------------------------------------------------------------------


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p95) in the samples' unit, rounded to microseconds of a millisecond."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return round(statistics.median(samples), 3), round(cuts[94], 3)


def _plan_nodes(node: dict):
    yield node
    for child in node.get("Plans", ()):
        yield from _plan_nodes(child)


def explain(cursor, sql: str, params=None) -> tuple[list[str], list[str]]:
    """(indexes used, large tables read by a sequential scan) for one query."""
    cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
    raw = cursor.fetchone()[0]
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    indexes, seq_scans = [], []
    for node in _plan_nodes(plan):
        if "Index Name" in node:
            indexes.append(node["Index Name"])
        if node.get("Node Type") == "Seq Scan":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [node["Relation Name"]])
            (rows,) = cursor.fetchone()
            if rows > LARGE_TABLE_ROWS:
                seq_scans.append(node["Relation Name"])
    return indexes, seq_scans


def timed_with_floor(fn, floor, *, iterations: int, warm_up: int) -> dict:
    """p50/p95 of `fn` and of its `floor`, interleaved so that load on the machine hits
    both alike, over `iterations` runs after `warm_up`; the ratio of the p95s."""
    for _ in range(warm_up):
        fn()
        floor()
    ms, floor_ms = [], []
    for _ in range(iterations):
        t0 = time.perf_counter()
        fn()
        t1 = time.perf_counter()
        floor()
        t2 = time.perf_counter()
        ms.append((t1 - t0) * 1000)
        floor_ms.append((t2 - t1) * 1000)
    if iterations == 1:
        ms, floor_ms = ms * 2, floor_ms * 2  # percentiles need two samples
    p50, p95 = percentiles(ms)
    f50, f95 = percentiles(floor_ms)
    return {
        "iterations": iterations,
        "p50_ms": p50,
        "p95_ms": p95,
        "floor_p50_ms": f50,
        "floor_p95_ms": f95,
        "ratio_p95": round(p95 / f95, 1) if f95 else None,
    }


def client_for(user):
    """A test Client logged in as `user`: pages go through the whole middleware stack."""
    from django.conf import settings
    from django.test import Client

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(user)
    return client


def get_ok(client, url: str) -> bytes:
    """GET `url` and return the whole body; anything but HTTP 200 is an error."""
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {response.status_code}")
    return response.content


def write_result(out: Path, result: dict) -> None:
    """Write a child's result with the machine's state beside it: timings are only
    comparable on a quiet machine."""
    result = {**result, "load_average_1m": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
