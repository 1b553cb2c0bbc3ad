"""Benchmark: the monthly billing run (FEE-2) for 200,000 houses on PostgreSQL (issue 5,
"What must be shown"), beside its floor — one hand-written INSERT…SELECT producing the
same bill and line rows.

`propdesk.billing.run.billing_run(project=…, month=…)` — houses in batches of 500, per
batch the status history, the plan in Python, the existing-lines, bills and credit checks
by the batch's house-id range, and two COPYs (bills, lines) — is
timed for one month over REPEAT repetitions, each inside a transaction rolled back
afterwards (so every repetition bills the same fresh month and the database keeps its
size; the rollback is not timed). The FLOOR is one statement: a CTE inserting the
month's bills (one per house) and, from them, the lines (one per house and monthly fee
item at the rate in force), also rolled back. The first repetition checks that both
produce the same rows (count, total and a digest of house, item, amount, description).

Database: its own, BENCH_BILLING_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/
propdesk_bench_billing. It is built once — migrated, one project with HOUSES houses
(COPY, 200 per building), a management fee per m² (2.00 homes, 3.50 shops) and a fixed
monthly fee (10.00) — and reused while it holds that many houses; with another count it is
dropped and rebuilt (it holds nothing else). Results: bench/results/billing.json.

    .venv/bin/python bench/bench_billing.py                  # 200,000 houses
    .venv/bin/python bench/bench_billing.py --houses 20000   # a smaller run
    .venv/bin/python bench/run.py billing                    # through the runner (BENCH_BILLING_HOUSES)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, ROOT, ensure_database, percentiles, server_version, start_child, write_result

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/propdesk_bench_billing"
OWN_DATABASE = "propdesk_bench_billing"
HOUSES = int(os.environ.get("BENCH_BILLING_HOUSES", "200000"))
REPEAT = int(os.environ.get("BENCH_BILLING_REPEAT", "3"))
PER_BUILDING = 200  # 2 entrances × 25 floors × 4 rooms
MONTH = dt.date(2026, 1, 1)
PROJECT_CODE = "bench-billing"

FLOOR = """
WITH bills AS (
    INSERT INTO billing_bill (project_id, house_id, period, kind, payer, due_date, issued_on, run_id,
                              created_by_id, created_at)
    SELECT h.project_id, h.id, %(period)s, 'monthly', 'owner', %(due)s, %(today)s, %(run)s, %(user)s, now()
    FROM estate_house h WHERE h.project_id = %(project)s
    RETURNING id, house_id
)
INSERT INTO billing_billline (project_id, bill_id, house_id, period, source, item_id, description, quantity,
                              unit_price, percent, amount, rate_id, charged_on, late_fee_of_id, created_by_id,
                              created_at)
SELECT h.project_id, b.id, h.id, %(period)s, 'run', i.id, i.name || %(label)s,
       CASE WHEN i.kind = 'area' THEN h.area ELSE 1 END, r.unit_price, 100,
       round(CASE WHEN i.kind = 'area' THEN h.area ELSE 1 END * r.unit_price, 2), r.id, %(today)s, NULL,
       %(user)s, now()
FROM bills b
JOIN estate_house h ON h.id = b.house_id
CROSS JOIN billing_feeitem i
CROSS JOIN LATERAL (
    SELECT fr.id, fr.unit_price FROM billing_feerate fr
    WHERE fr.item_id = i.id AND fr.effective_from <= %(period)s AND fr.usage IN (h.usage, '')
    ORDER BY (fr.usage = h.usage) DESC, fr.effective_from DESC, fr.id DESC LIMIT 1
) r
WHERE i.project_id = %(project)s AND i.active AND i.kind IN ('area', 'fixed')
"""

DIGEST = """
SELECT count(*), coalesce(sum(amount), 0),
       md5(string_agg(house_id || ':' || item_id || ':' || amount || ':' || description, ',' ORDER BY house_id, item_id))
FROM billing_billline WHERE project_id = %s AND period = %s
"""


def database_url() -> str:
    return os.environ.get("BENCH_BILLING_DATABASE_URL") or DEFAULT_URL


def main(houses: int = HOUSES, repeat: int = REPEAT) -> dict:
    """Run the benchmark in a child process on its own database; write and return the result."""
    with tempfile.TemporaryDirectory(prefix="propdesk-bench-billing-") as var_dir:
        out = Path(var_dir) / "result.json"
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "propdesk.settings",
            "PROPDESK_VAR_DIR": var_dir,
            "PROPDESK_ENV": "development",
            "DB_CONN_MAX_AGE": "0",
            "DEBUG": "0",
            "BENCH_BILLING_HOUSES": str(houses),
            "BENCH_BILLING_REPEAT": str(repeat),
        }
        subprocess.run([sys.executable, __file__, "--child", str(out)], env=env, cwd=ROOT, check=True)
        result = json.loads(out.read_text(encoding="utf-8"))
    path = RESULTS / "billing.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return result


# --- the data (in the child) -----------------------------------------------------------------


def _build(settings: dict, houses: int) -> float | None:
    """Migrate and load `houses` houses with their fee items and rates unless already there;
    the seconds the load took, or None when reused."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    from propdesk.estate.models import House, Project

    project = Project.objects.filter(code=PROJECT_CODE).first()
    if project is not None and House.objects.filter(project=project).count() == houses:
        print(f"reusing {settings['NAME']}: {houses:,} houses already loaded", flush=True)
        return None
    if Project.objects.exists():
        if settings["NAME"] != OWN_DATABASE:
            raise SystemExit(f"{settings['NAME']} holds other data; point BENCH_BILLING_DATABASE_URL at {OWN_DATABASE}")
        print(f"{OWN_DATABASE} holds another data set: rebuilding it", flush=True)
        connection.close()
        ensure_database(settings, recreate=True)
        call_command("migrate", verbosity=0, interactive=False)
    started = time.monotonic()
    _load(houses)
    return round(time.monotonic() - started, 1)


def _load(houses: int) -> None:
    from decimal import Decimal

    from django.db import connection, transaction
    from django.utils import timezone

    from propdesk.accounts.models import Membership, User
    from propdesk.accounts.roles import Role
    from propdesk.billing import rates
    from propdesk.billing.choices import FeeKind
    from propdesk.estate.choices import HouseStatus, Usage
    from propdesk.estate.models import Building, Company, Entrance
    from propdesk.estate.services import project_create

    print(f"loading {houses:,} houses…", flush=True)
    with transaction.atomic():
        company = Company.objects.create(name="基准测试物业")
        project = project_create(company=company, code=PROJECT_CODE, name="基准小区")
        user = User.objects.create_user("bench-cashier", password=None, display_name="出账员")
        Membership.objects.create(user=user, project=None, role=Role.ADMIN)
        buildings = -(-houses // PER_BUILDING)
        Building.objects.bulk_create(
            [Building(project=project, number=str(n), name=f"{n}栋", floors=25) for n in range(1, buildings + 1)],
            batch_size=2000,
        )
        building_ids = dict(Building.objects.filter(project=project).values_list("number", "id"))
        Entrance.objects.bulk_create(
            [Entrance(project=project, building_id=bid, number=str(e)) for bid in building_ids.values() for e in (1, 2)],
            batch_size=5000,
        )
        entrance_ids = {
            (b, n): pk for b, n, pk in Entrance.objects.filter(project=project).values_list("building_id", "number", "id")
        }
        now = timezone.now()
        with connection.cursor() as cursor:
            columns = (
                "project_id, building_id, entrance_id, room, code, floor, area, usage, sold, status, notes, created_at, "
                "updated_at"
            )
            with cursor.cursor.copy(f"COPY estate_house ({columns}) FROM STDIN") as copy:
                for n in range(houses):
                    b, k = divmod(n, PER_BUILDING)
                    entrance, k = divmod(k, 100)
                    floor, room = divmod(k, 4)
                    number = str(b + 1)
                    room_no = f"{floor + 1}{room + 1:02d}"
                    usage = Usage.SHOP if n % 20 == 0 else Usage.RESIDENTIAL
                    area = Decimal(60 + (n * 37) % 90) + Decimal((n * 13) % 100) / 100
                    copy.write_row(
                        (
                            project.pk,
                            building_ids[number],
                            entrance_ids[(building_ids[number], str(entrance + 1))],
                            room_no,
                            f"{number}-{entrance + 1}-{room_no}",
                            floor + 1,
                            area,
                            usage,
                            True,
                            HouseStatus.OWNER_OCCUPIED,
                            "",
                            now,
                            now,
                        )
                    )
        start = dt.date(2025, 1, 1)
        management = rates.fee_item_create(project=project, code="wyf", name="物业管理费", kind=FeeKind.AREA, by=user)
        fixed = rates.fee_item_create(project=project, code="ggnh", name="公共能耗分摊", kind=FeeKind.FIXED, by=user)
        for usage, price in ((Usage.RESIDENTIAL, "2.00"), (Usage.SHOP, "3.50")):
            rates.fee_rate_add(item=management, usage=usage, unit_price=price, effective_from=start, approval_ref="价批", by=user)
        rates.fee_rate_add(item=fixed, unit_price="10.00", effective_from=start, approval_ref="业委会决议", by=user)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- measuring (in the child) ----------------------------------------------------------------


def _digest(project_id: int) -> tuple:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(DIGEST, [project_id, MONTH])
        count, total, digest = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM billing_bill WHERE project_id = %s AND period = %s", [project_id, MONTH])
        return cursor.fetchone()[0], count, str(total), digest


def _child(out: Path) -> None:
    houses = int(os.environ["BENCH_BILLING_HOUSES"])
    repeat = int(os.environ["BENCH_BILLING_REPEAT"])
    settings = start_child()
    from django.db import connection, transaction
    from django.utils import timezone

    from propdesk.accounts.models import User
    from propdesk.billing.models import BillingRun
    from propdesk.billing.run import BATCH_SIZE, billing_run, due_date_for
    from propdesk.estate.models import Project

    load_seconds = _build(settings, houses)
    project = Project.objects.get(code=PROJECT_CODE)
    user = User.objects.get(username="bench-cashier")
    label = f" {MONTH.year}年{MONTH.month}月"
    run_ms, floor_ms = [], []
    same_rows, produced = None, None
    for repetition in range(repeat):
        with transaction.atomic():
            t0 = time.perf_counter()
            run = billing_run(project=project, month=MONTH, by=user)
            run_ms.append((time.perf_counter() - t0) * 1000)
            if repetition == 0:
                produced = _digest(project.pk)
            transaction.set_rollback(True)
        with transaction.atomic():
            floor_run = BillingRun.objects.create(
                project=project, period=MONTH, started_by=user, started_at=timezone.now(), houses_total=houses
            )
            params = {
                "project": project.pk,
                "period": MONTH,
                "due": due_date_for(project, MONTH),
                "today": timezone.localdate(),
                "run": floor_run.pk,
                "user": user.pk,
                "label": label,
            }
            t0 = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(FLOOR, params)
            floor_ms.append((time.perf_counter() - t0) * 1000)
            if repetition == 0:
                floor_rows = _digest(project.pk)
                same_rows = produced == floor_rows
                print(f"run: {produced}\nfloor: {floor_rows}", flush=True)
            transaction.set_rollback(True)
        print(f"repetition {repetition + 1}: run {run_ms[-1]:.0f} ms, floor {floor_ms[-1]:.0f} ms", flush=True)
    p50 = percentiles(run_ms)[0] if len(run_ms) > 1 else round(run_ms[0], 3)
    f50 = percentiles(floor_ms)[0] if len(floor_ms) > 1 else round(floor_ms[0], 3)
    bills, lines, total, _hex = produced
    result = {
        "benchmark": "billing_monthly_run",
        "database": f"PostgreSQL {server_version()} ({settings['NAME']})",
        "houses": houses,
        "month": f"{MONTH:%Y-%m}",
        "bills": bills,
        "lines": lines,
        "total_amount": total,
        "batches": -(-houses // BATCH_SIZE),
        "run_status": run.status,
        "repetitions": repeat,
        "load_seconds": load_seconds,
        "run_ms": [round(v, 1) for v in run_ms],
        "floor_ms": [round(v, 1) for v in floor_ms],
        "p50_ms": p50,
        "floor_p50_ms": f50,
        "ratio_p50": round(p50 / f50, 1) if f50 else None,
        "houses_per_second": round(houses / (p50 / 1000)),
        "same_rows_as_floor": same_rows,
        "notes": [
            "Each repetition runs in a transaction rolled back afterwards (not timed), so every repetition bills the "
            "same fresh month; the run's per-batch transactions are savepoints inside it.",
            "The floor is one INSERT…SELECT (a CTE inserting the bills, then the lines from them); the run adds per "
            "batch the houses and status-history reads, the plan in Python (money rounding, descriptions), the "
            "existing lines, bills and credit reads, the bill ids reserved from the sequence, two COPYs and the run "
            "row's lock and progress update.",
        ],
        "table": {
            "columns": ["houses", "lines", "run p50 ms", "floor p50 ms", "× floor (p50)", "same rows"],
            "rows": [[houses, lines, p50, f50, round(p50 / f50, 1) if f50 else None, same_rows]],
        },
    }
    write_result(out, result)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        _child(Path(sys.argv[2]))
    else:
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument("--houses", type=int, default=HOUSES)
        parser.add_argument("--repeat", type=int, default=REPEAT)
        args = parser.parse_args()
        print(json.dumps(main(args.houses, args.repeat), ensure_ascii=False, indent=2))
