"""Benchmark: global search (the one search box) over ≥400,000 people on PostgreSQL.

`propdesk.residents.selectors.global_search` is timed over every project for each kind
of query staff type — a house code, a name prefix, pinyin initials, full pinyin, a full
mobile number, its last four digits, an ID-number tail, a full ID number — and set
beside its FLOOR: one raw indexed SQL query for the same lookup (same predicate, scope,
order and limit, minimal columns) through `connection.cursor()`. The ratio says what the
ORM, the second query (houses) and the prefetch of each person's houses cost on top.
An EXPLAIN of every query the search runs checks that each kind is served by an index
(no sequential scan of a large table).

Database: BENCH_DATABASE_URL, else DATABASE_URL if it is PostgreSQL, else
postgresql://postgres@127.0.0.1:5432/propdesk_bench. The database is created when
missing, migrated, and loaded with `seed_demo --scale large` unless it already holds
≥400,000 people (a later run reuses it: the seed takes minutes, the timings seconds).
It refuses to load demo data into a database that holds anything else.

The work runs in a child process with its own settings, so `main()` can be called from
bench/run.py whatever Django set-up that process has. Results: bench/results/search.json.

    .venv/bin/python bench/bench_search.py
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import explain, load_large, percentiles, run_child, start_child, write_result

ITERATIONS = int(os.environ.get("BENCH_SEARCH_ITERATIONS", "200"))
SAMPLES = 50  # distinct query values per kind, cycled through

_PERSON_FLOOR = "SELECT id, name FROM residents_person WHERE project_id = ANY(%s) AND {where} ORDER BY name, id LIMIT 20"
# kind → (floor SQL, its parameters after the project ids)
FLOORS = {
    "house_code": (
        "SELECT id, code FROM estate_house WHERE project_id = ANY(%s) AND code = %s ORDER BY code LIMIT 20",
        lambda v: [v],
    ),
    "name_prefix": (_PERSON_FLOOR.format(where="name LIKE %s"), lambda v: [v + "%"]),
    "pinyin_initials": (
        _PERSON_FLOOR.format(where="(name_initials LIKE %s OR name_pinyin LIKE %s)"),
        lambda v: [v + "%", v + "%"],
    ),
    "pinyin_full": (
        _PERSON_FLOOR.format(where="(name_initials LIKE %s OR name_pinyin LIKE %s)"),
        lambda v: [v + "%", v + "%"],
    ),
    "phone_full": (_PERSON_FLOOR.format(where="mobile = %s"), lambda v: [v]),
    "phone_last4": (_PERSON_FLOOR.format(where="(mobile_last4 = %s OR id_last4 = %s)"), lambda v: [v, v]),
    "id_tail": (_PERSON_FLOOR.format(where="id_last4 = %s AND id_number LIKE %s"), lambda v: [v[-4:], "%" + v]),
    "id_full": (_PERSON_FLOOR.format(where="id_number = %s"), lambda v: [v]),
}


def main() -> dict:
    """Run the benchmark in a child process; write and return the result."""
    return run_child(__file__, "search")


# --- child ---------------------------------------------------------------------------------


def _samples() -> dict[str, list[str]]:
    """SAMPLES query values per kind, drawn deterministically from the loaded data."""
    from django.db.models import Max

    from propdesk.estate.models import House
    from propdesk.residents.choices import IdType
    from propdesk.residents.models import Person

    rng = random.Random(11)
    top = Person.objects.aggregate(top=Max("id"))["top"]
    people = list(Person.objects.filter(id__in=rng.sample(range(1, top + 1), 2000)).order_by("id"))
    rng.shuffle(people)
    house_top = House.objects.aggregate(top=Max("id"))["top"]
    houses = House.objects.filter(id__in=rng.sample(range(1, house_top + 1), SAMPLES * 2)).order_by("id")
    chinese = [p for p in people if not p.name.isascii()]
    resident_ids = [p for p in people if p.id_type == IdType.RESIDENT_ID]
    with_mobile = [p for p in people if p.mobile]
    values = {
        "house_code": [h.code for h in houses],
        "name_prefix": [p.name[:2] for p in chinese],
        "pinyin_initials": [p.name_initials for p in chinese if len(p.name_initials) >= 2],
        "pinyin_full": [p.name_pinyin for p in chinese],
        "phone_full": [p.mobile for p in with_mobile],
        "phone_last4": [p.mobile_last4 for p in with_mobile],
        "id_tail": [p.id_number[-6:] for p in resident_ids],
        "id_full": [p.id_number for p in resident_ids],
    }
    return {kind: list(dict.fromkeys(vals))[:SAMPLES] for kind, vals in values.items()}


def _child(out: Path) -> None:
    settings = start_child()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from propdesk.estate.models import House, Project
    from propdesk.residents.models import Occupancy, Person
    from propdesk.residents.selectors import global_search

    began = time.monotonic()
    seed_seconds = load_large(settings)
    with connection.cursor() as cursor:
        for table in ("residents_person", "estate_house", "residents_occupancy"):
            cursor.execute(f"ANALYZE {table}")
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    project_ids = list(Project.objects.order_by("id").values_list("id", flat=True))
    samples = _samples()

    kinds: dict[str, dict] = {}
    for kind, values in samples.items():
        floor_sql, floor_params = FLOORS[kind]
        with connection.cursor() as cursor:

            def floor(value: str, cursor=cursor, floor_sql=floor_sql, floor_params=floor_params) -> list:
                cursor.execute(floor_sql, [project_ids, *floor_params(value)])
                return cursor.fetchall()

            found = 0
            for value in values:  # warm-up: every value once, both ways
                result = global_search(project_ids=project_ids, query=value)
                found += len(result.houses) + len(result.persons)
                floor(value)
            search_ms, floor_ms = [], []
            for i in range(ITERATIONS):  # interleaved, so load on the machine hits both alike
                value = values[i % len(values)]
                t0 = time.perf_counter()
                global_search(project_ids=project_ids, query=value)
                t1 = time.perf_counter()
                floor(value)
                t2 = time.perf_counter()
                search_ms.append((t1 - t0) * 1000)
                floor_ms.append((t2 - t1) * 1000)

            with CaptureQueriesContext(connection) as captured:
                global_search(project_ids=project_ids, query=values[0])
            indexes, seq_scans = [], []
            for query in captured.captured_queries:
                used, scanned = explain(cursor, query["sql"])
                indexes += used
                seq_scans += scanned
            floor_indexes, floor_seq = explain(cursor, floor_sql, [project_ids, *floor_params(values[0])])
        search_p50, search_p95 = percentiles(search_ms)
        floor_p50, floor_p95 = percentiles(floor_ms)
        kinds[kind] = {
            "example": values[0],
            "values": len(values),
            "avg_results": round(found / len(values), 1),
            "queries": len(captured.captured_queries),
            "search_p50_ms": search_p50,
            "search_p95_ms": search_p95,
            "floor_p50_ms": floor_p50,
            "floor_p95_ms": floor_p95,
            "ratio_p50": round(search_p50 / floor_p50, 1) if floor_p50 else None,
            "indexed": not seq_scans and not floor_seq,
            "indexes": sorted(set(indexes)),
            "seq_scans": sorted(set(seq_scans)),
            "floor_indexes": sorted(set(floor_indexes)),
        }
        print(f"  {kind:16} search p50 {search_p50:7.2f} ms  floor p50 {floor_p50:6.2f} ms", flush=True)

    columns = ["kind", "example", "queries", "search p50 ms", "search p95 ms", "floor p50 ms", "floor p95 ms", "× floor"]
    columns += ["indexed", "indexes (search)"]
    rows = [
        [
            kind,
            k["example"],
            k["queries"],
            k["search_p50_ms"],
            k["search_p95_ms"],
            k["floor_p50_ms"],
            k["floor_p95_ms"],
            k["ratio_p50"],
            k["indexed"],
            k["indexes"],
        ]
        for kind, k in kinds.items()
    ]
    result = {
        "benchmark": "global_search",
        "database": f"PostgreSQL {version} ({settings['NAME']})",
        "projects": len(project_ids),
        "persons": Person.objects.count(),
        "houses": House.objects.count(),
        "occupancies": Occupancy.objects.count(),
        "seed_seconds": seed_seconds,
        "iterations_per_kind": ITERATIONS,
        "all_kinds_indexed": all(k["indexed"] for k in kinds.values()),
        "seq_scan_kinds": [kind for kind, k in kinds.items() if not k["indexed"]],
        "seconds": round(time.monotonic() - began, 1),
        "kinds": kinds,
        "table": {"columns": columns, "rows": rows},
    }
    write_result(out, result)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        _child(Path(sys.argv[2]))
    else:
        print(json.dumps(main(), ensure_ascii=False, indent=2))
