"""A peer side by side (issue 6): django-helpdesk, the best-known open-source Django
help desk, on the same machine, the same PostgreSQL server and the same Python, loaded
with as many tickets as our benchmark database holds — its ticket list and its ticket
creation measured in the same run as ours, ratios printed.

- Peer: django-helpdesk (PEER_PACKAGE) installed from PyPI into its own virtualenv
  (PEER_VENV, created on the first run and reused), run by gunicorn with a minimal
  settings/urls module this script writes into a temporary directory (nothing of the
  peer enters the repository). Its database `propdesk_peer` is migrated and bulk-loaded
  by one server-side INSERT … SELECT (faster than COPY fed from Python): one queue per
  project of ours, five staff per queue, and as many tickets as propdesk_bench holds
  (BENCH_PEER_TICKETS overrides for a quick run) spread over 24 months, with our share of
  open tickets; reused while the counts match. No follow-ups are loaded (see NOTES).
- List page: ours /desk/tickets/ for head office (every project, open tickets, 50 a page)
  against the peer's /helpdesk/tickets/ for its superuser (every queue, open and
  reopened tickets) plus the datatables request that loads its rows (length=50) — both
  over HTTP through their gunicorn, p50/p95 (ours BENCH_PEER_ITERATIONS times, the peer's as
  often as fits in PEER_LIST_SECONDS — seconds a request at 2 M tickets). Floors: the one
  query for each page's 50 rows.
- Creation: BENCH_PEER_CONCURRENCY (8) clients with keep-alive connections POST new
  tickets for BENCH_PEER_SECONDS (30) against gunicorn with WORKERS (4) sync workers on
  PostgreSQL — ours POST /api/v1/tickets/ (a plumbing repair in a random house of any
  project, as the company-wide admin), the peer POST /helpdesk/api/tickets/ (its
  REST API, which validates and saves through the same TicketForm as its staff form).
  Both authenticate with a DRF token. Creations/second, p50/p95 latency, errors. Floor:
  the same clients each doing one INSERT … COMMIT into the tickets table on their own
  connection. Target: ours ≥ 2× the peer's rate.

Our creations (and the floor's rows) go into propdesk_bench and are removed at the end:
every table's highest id is noted before and every newer row deleted after, the ticket
number counters restored, the token created for the run deleted and the touched tables
vacuumed — the database other benchmarks read is left as it was.

    .venv/bin/python bench/bench_peer.py
    BENCH_PEER_TICKETS=20000 BENCH_PEER_SECONDS=10 .venv/bin/python bench/bench_peer.py
"""

from __future__ import annotations

import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ensure_database, percentiles, run_child, server_version, start_child, write_result
from bench_desk import QUEUE_FLOOR

PEER_PACKAGE = "django-helpdesk==2.6.1"  # the newest release; supports Django 5.2 on Python ≥ 3.10
PEER_DJANGO = "Django>=5.2,<5.3"  # the series we run
PEER_VENV = Path(os.environ.get("BENCH_PEER_VENV", Path(tempfile.gettempdir()) / "propdesk-peer-venv"))
PEER_DATABASE = os.environ.get("BENCH_PEER_DATABASE", "propdesk_peer")
TICKETS = int(os.environ.get("BENCH_PEER_TICKETS", "0"))  # 0: as many as propdesk_bench holds
SECONDS = int(os.environ.get("BENCH_PEER_SECONDS", "30"))
CONCURRENCY = int(os.environ.get("BENCH_PEER_CONCURRENCY", "8"))
ITERATIONS = int(os.environ.get("BENCH_PEER_ITERATIONS", "30"))
PEER_LIST_SECONDS = 120  # the peer's list takes seconds a request at 2 M tickets
WORKERS = 4
WARM_UP = 3
FLOOR_SECONDS = 5
PAGE = 50
STAFF_PER_QUEUE = 5
PASSWORD = "peer-bench-Passw0rd"
TARGET_RATE_RATIO = 2.0
# What ticket creation (and the INSERT floor) write — the only tables cleaned afterwards.
OURS_WRITES = ("desk_ticket", "desk_ticketevent", "sla_slaclock", "sla_slafiring", "notifications_notification")
PEER_WRITES = ("helpdesk_ticket", "helpdesk_followup", "helpdesk_ticketchange")
REDIS = os.environ.get("BENCH_PEER_REDIS_URL", "redis://127.0.0.1:6379/13")
NOTES = [
    "Both servers: gunicorn, 4 sync workers, persistent database connections (CONN_MAX_AGE 60), DEBUG off, same "
    "PostgreSQL server and Python; the client threads run on the same 2 cores, so the rates include their cost alike.",
    "Peer creation is its REST API (POST /helpdesk/api/tickets/, token auth, admin user), the closest equivalent "
    "of ours: it validates and saves through TicketForm exactly as its staff form does (a ticket and its "
    "'opened' follow-up; e-mail goes to Django's dummy backend). Ours: POST /api/v1/tickets/ — a plumbing repair "
    "in a random house, which numbers the ticket, writes its timeline event and starts its SLA clocks.",
    "Peer list: the page itself, then the datatables JSON it loads its rows with (length=50, its default query: "
    "open and reopened tickets, oldest first); its time is the sum of the two requests. django-helpdesk has no "
    "index on status or created, so its row query and its two counts read the whole tickets table.",
    "App CPU per creation: the CPU time the server's gunicorn workers used during the run divided by the tickets "
    "created — the application's own cost per creation, without the database's or the client's.",
    "The peer's tickets are loaded without follow-ups (a real one has at least the 'opened' follow-up per "
    "ticket); its list annotates each ticket's last follow-up, so an empty follow-up table flatters it.",
]

# --- the peer's project, written at run time -------------------------------------------------

PEER_SETTINGS = """\
import os

SECRET_KEY = "propdesk-peer-benchmark"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "django.contrib.staticfiles", "django.contrib.sites", "django.contrib.humanize",
    "rest_framework", "rest_framework.authtoken", "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "peer_urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {**json.loads(os.environ["PEER_DATABASE"]), "CONN_MAX_AGE": 60}}
SITE_ID = 1
STATIC_URL = "/static/"
LOGIN_URL = "/helpdesk/login/"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
HELPDESK_API_ENABLED = True
HELPDESK_TEAMS_MODE_ENABLED = False
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": [
    "rest_framework.authentication.TokenAuthentication",
    "rest_framework.authentication.SessionAuthentication",
]}
""".replace("import os\n", "import json\nimport os\n", 1)

PEER_URLS = """\
from django.urls import include, path

urlpatterns = [path("helpdesk/", include("helpdesk.urls", namespace="helpdesk"))]
"""

PEER_WSGI = """\
from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
"""

# Run by the peer's Python: migrate, then (unless already loaded) queues, staff, the admin
# and the tickets by COPY. Its last line: the admin's API token and the queue ids.
PEER_SETUP = """\
import datetime as dt
import json
import sys

import django

django.setup()
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction
from helpdesk.models import Queue, Ticket
from rest_framework.authtoken.models import Token

# Server-side, in one statement: faster than COPY fed row by row from Python. Open tickets
# (our share) are from the last 45 days, the others over 24 months; statuses, priorities and
# assignees (none for one in ten) as a real desk has them.
LOAD = '''
INSERT INTO helpdesk_ticket (title, created, modified, submitter_email, status, on_hold, description, resolution,
                             priority, due_date, assigned_to_id, queue_id, secret_key)
SELECT 'Ticket ' || n || ': leaking pipe in unit ' || (101 + n %% 3000), created, created + interval '1 hour' * r_mod * 72,
       'resident' || (n %% 400000) || '@example.com', status, false,
       'The kitchen pipe under the sink has been leaking since this morning.',
       CASE WHEN status IN (1, 2) THEN '' ELSE 'Fixed on site.' END,
       CASE WHEN r_pri < 0.02 THEN 1 WHEN r_pri < 0.10 THEN 2 WHEN r_pri < 0.80 THEN 3 WHEN r_pri < 0.95 THEN 4 ELSE 5 END,
       created + interval '3 days',
       CASE WHEN r_assign < 0.1 THEN NULL ELSE (%(staff)s::int[])[q * %(per)s + 1 + floor(r_assign * 1000)::int %% %(per)s] END,
       (%(queues)s::int[])[q + 1], md5(n::text || r_mod::text)::uuid::text
FROM (
    SELECT n, r_mod, r_pri, r_assign, q,
           CASE WHEN r_open < %(open_share)s THEN CASE WHEN r_status < 0.9 THEN 1 ELSE 2 END
                ELSE CASE WHEN r_status < 0.38 THEN 3 WHEN r_status < 0.98 THEN 4 ELSE 5 END END AS status,
           now() - interval '1 day' * r_age * CASE WHEN r_open < %(open_share)s THEN 45 ELSE 730 END AS created
    FROM (
        SELECT n, random() AS r_open, random() AS r_status, random() AS r_age, random() AS r_mod, random() AS r_pri,
               random() AS r_assign, floor(random() * cardinality(%(queues)s::int[]))::int AS q
        FROM generate_series(1, %(tickets)s) n
    ) r
) t
'''

spec = json.loads(sys.argv[1])
call_command("migrate", verbosity=0, interactive=False)
have = Ticket.objects.count()
if have != spec["tickets"] or Queue.objects.count() != spec["queues"]:
    print(f"peer: loading {spec['tickets']:,} tickets in {spec['queues']} queues (had {have:,})", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE helpdesk_ticket, helpdesk_queue, auth_user, authtoken_token RESTART IDENTITY CASCADE")
    admin = User.objects.create_superuser("admin", "admin@example.com", spec["password"])
    hashed = make_password(spec["password"])
    with transaction.atomic():
        queues = Queue.objects.bulk_create(
            Queue(title=f"Project {n:03d}", slug=f"project-{n:03d}", allow_public_submission=False)
            for n in range(spec["queues"])
        )
        staff = User.objects.bulk_create(
            User(username=f"staff{q.pk}-{i}", password=hashed, is_staff=True, email=f"staff{q.pk}-{i}@example.com")
            for q in queues for i in range(spec["staff_per_queue"])
        )
    started = dt.datetime.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.6)")
        cursor.execute(LOAD, {
            "tickets": spec["tickets"], "open_share": spec["open_share"], "per": spec["staff_per_queue"],
            "queues": [q.pk for q in queues], "staff": [u.pk for u in staff],
        })
    print(f"peer: loaded in {(dt.datetime.now() - started).total_seconds():.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE helpdesk_ticket")
admin = User.objects.get(username="admin")
token = Token.objects.get_or_create(user=admin)[0].key
print(json.dumps({"token": token, "queues": list(Queue.objects.order_by("pk").values_list("pk", flat=True))}))
"""


def main() -> dict:
    """Run the benchmark in a child process; write and return the result."""
    return run_child(__file__, "peer")


# --- a minimal HTTP client (keep-alive, cookies) ---------------------------------------------


class Client:
    def __init__(self, base: str):
        url = urllib.parse.urlsplit(base)
        self.host, self.port, self.prefix = url.hostname, url.port, url.path.rstrip("/")
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=120)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.connection.request(method, self.prefix + path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
            return 0, b""
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, data

    def login(self, path: str, username: str, password: str) -> None:
        self.request("GET", path)
        token = self.cookies["csrftoken"]
        form = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
        status, _ = self.request("POST", path, form.encode(), {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login {self.prefix}{path} as {username}: HTTP {status}")

    def get_ok(self, path: str) -> bytes:
        status, data = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {self.prefix}{path}: HTTP {status}")
        return data


# --- measuring ---------------------------------------------------------------------------------


def _hammer(work, concurrency: int, seconds: float) -> dict:
    """`concurrency` threads, each calling `work(state, rng) -> ok` for `seconds`; `state`
    is the thread's own (made by `work.setup()`). Completions, rate, latency, errors."""
    stop = time.monotonic() + seconds
    lock = threading.Lock()
    latencies, errors, samples = [], [0], []

    def run(seed: int) -> None:
        state, rng, mine, failed = work.setup(), random.Random(seed), [], 0
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            ok, detail = work(state, rng)
            if ok:
                mine.append((time.perf_counter() - t0) * 1000)
            else:
                failed += 1
                if len(samples) < 3:
                    samples.append(detail)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    began = time.monotonic()
    threads = [threading.Thread(target=run, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    p50, p95 = percentiles(latencies) if len(latencies) > 1 else (None, None)
    return {
        "concurrency": concurrency,
        "seconds": round(elapsed, 1),
        "created": len(latencies),
        "errors": errors[0],
        "per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": p50,
        "p95_ms": p95,
        "error_samples": samples,
    }


class ApiCreate:
    """POST a new ticket to an API with a token; ok is HTTP 201."""

    def __init__(self, base: str, path: str, token: str, body):
        self.base, self.path, self.body = base, path, body
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json", "Accept": "application/json"}

    def setup(self) -> Client:
        return Client(self.base)

    def __call__(self, client: Client, rng: random.Random) -> tuple[bool, str]:
        status, data = client.request("POST", self.path, json.dumps(self.body(rng)).encode(), self.headers)
        return status == 201, f"HTTP {status}: {data[:300].decode(errors='replace')}"


class InsertFloor:
    """One INSERT … COMMIT on the thread's own connection."""

    def __init__(self, conninfo: str, sql: str, params):
        self.conninfo, self.sql, self.params = conninfo, sql, params

    def setup(self):
        import psycopg

        return psycopg.connect(self.conninfo, autocommit=True)

    def __call__(self, connection, rng: random.Random) -> tuple[bool, str]:
        connection.execute(self.sql, self.params(rng))
        return True, ""


def _list_pages(ours: Client, peer: Client, ours_floor, peer_floor) -> dict:
    """p50/p95 of both list pages and their floors: ours and both floors interleaved
    ITERATIONS times; the peer's page + data as many times as fit in PEER_LIST_SECONDS
    (at least 3: at 2 M tickets one takes seconds)."""
    page = peer.get_ok("/tickets/").decode()
    marker = "/helpdesk/datatables_ticket_list/"
    start = page.index(marker) + len(marker)
    query = page[start : page.index('"', start)]
    data_url = f"/datatables_ticket_list/{query}?draw=1&start=0&length={PAGE}"
    t0 = time.perf_counter()
    rows = json.loads(peer.get_ok(data_url))["data"]
    once = time.perf_counter() - t0
    if len(rows) != PAGE:
        raise RuntimeError(f"peer datatables returned {len(rows)} rows")
    timings: dict[str, list[float]] = {k: [] for k in ("ours", "ours_floor", "peer_page", "peer_data", "peer", "peer_floor")}

    def timed(key: str, fn, *args) -> None:
        t0 = time.perf_counter()
        fn(*args)
        timings[key].append((time.perf_counter() - t0) * 1000)

    for _ in range(WARM_UP):
        ours.get_ok("/desk/tickets/")
        ours_floor()
        peer_floor()
    for _ in range(ITERATIONS):
        timed("ours", ours.get_ok, "/desk/tickets/")
        timed("ours_floor", ours_floor)
        timed("peer_floor", peer_floor)
    peer_iterations = max(3, min(ITERATIONS, int(PEER_LIST_SECONDS / max(once, 0.001))))
    for _ in range(peer_iterations):
        timed("peer_page", peer.get_ok, "/tickets/")
        timed("peer_data", peer.get_ok, data_url)
        timings["peer"].append(timings["peer_page"][-1] + timings["peer_data"][-1])
    result = {}
    for key, samples in timings.items():
        p50, p95 = percentiles(samples)
        result[key] = {"iterations": len(samples), "p50_ms": p50, "p95_ms": p95}
    return result


def _cpu_seconds(master: int) -> float:
    """CPU time (user + system) the gunicorn master's workers have used so far."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:  # ppid
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


# --- our side's clean-up -------------------------------------------------------------------------


def _id_marks(cursor, tables: tuple[str, ...]) -> dict[str, int]:
    """The highest id now of each of `tables` that exists. Only the tables this benchmark
    writes: others may fill other tables of the shared database meanwhile."""
    cursor.execute(
        """
        SELECT c.table_name FROM information_schema.columns c
        JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = 'public' AND c.column_name = 'id' AND t.table_type = 'BASE TABLE'
          AND c.data_type IN ('integer', 'bigint') AND c.table_name = ANY(%s)
        """,
        [list(tables)],
    )
    tables = [row[0] for row in cursor.fetchall()]
    marks = {}
    for table in tables:
        cursor.execute(f'SELECT coalesce(max(id), 0) FROM "{table}"')
        marks[table] = cursor.fetchone()[0]
    return marks


def _delete_newer(cursor, marks: dict[str, int]) -> dict[str, int]:
    """Delete every row newer than its table's mark (foreign keys not checked: the rows
    removed together reference each other); the rows deleted per table."""
    deleted = {}
    cursor.execute("SET session_replication_role = replica")
    try:
        for table, mark in marks.items():
            cursor.execute(f'DELETE FROM "{table}" WHERE id > %s', [mark])
            if cursor.rowcount:
                deleted[table] = cursor.rowcount
    finally:
        cursor.execute("SET session_replication_role = DEFAULT")
    return deleted


# --- the peer ---------------------------------------------------------------------------------


def _peer_python() -> Path:
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {PEER_VENV}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", PEER_PACKAGE, PEER_DJANGO, "psycopg[binary]", "gunicorn"]
    subprocess.run(pip, check=True)
    return python


def _peer_database(settings: dict) -> dict:
    peer = {**settings, "NAME": PEER_DATABASE}
    ensure_database(peer)
    return {k: peer[k] for k in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")}


def _conninfo(db: dict) -> str:
    from propdesk.core.loopback import database_url

    return database_url(db)


def _version(python: Path, package: str) -> str:
    out = subprocess.run([str(python), "-m", "pip", "show", package], capture_output=True, text=True, check=True).stdout
    return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Version:"))


# --- child --------------------------------------------------------------------------------------


def _child(out: Path) -> None:
    settings = start_child()
    import psycopg
    from django.db import connection
    from django.db.models.sql import InsertQuery
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from propdesk.accounts.models import User
    from propdesk.accounts.roles import Cap
    from propdesk.core import scoping
    from propdesk.core.demo import DEMO_PASSWORD
    from propdesk.core.loopback import Cluster, answers, free_port, wait_for
    from propdesk.core.models import Counter
    from propdesk.desk.choices import OPEN_STATUSES, RepairTrade
    from propdesk.desk.models import Ticket
    from propdesk.estate.models import House, Project

    began = time.monotonic()
    ours_tickets = Ticket.objects.count()
    open_share = Ticket.objects.filter(status__in=OPEN_STATUSES).count() / max(ours_tickets, 1)
    projects = Project.objects.count()
    peer_tickets = TICKETS or ours_tickets
    python = _peer_python()
    peer_db = _peer_database(settings)
    peer_conninfo = _conninfo(peer_db)

    with tempfile.TemporaryDirectory(prefix="propdesk-peer-") as tmp_dir:
        tmp = Path(tmp_dir)
        (tmp / "peer_settings.py").write_text(PEER_SETTINGS, encoding="utf-8")
        (tmp / "peer_urls.py").write_text(PEER_URLS, encoding="utf-8")
        (tmp / "peer_setup.py").write_text(PEER_SETUP, encoding="utf-8")
        (tmp / "peer_wsgi.py").write_text(PEER_WSGI, encoding="utf-8")
        peer_vars = {"PYTHONPATH": str(tmp), "DJANGO_SETTINGS_MODULE": "peer_settings", "PEER_DATABASE": json.dumps(peer_db)}
        peer_env = {**os.environ, **peer_vars}
        spec = {
            "tickets": peer_tickets,
            "queues": projects,
            "staff_per_queue": STAFF_PER_QUEUE,
            "open_share": open_share,
            "password": PASSWORD,
        }
        setup = subprocess.run(
            [str(python), str(tmp / "peer_setup.py"), json.dumps(spec)],
            env=peer_env,
            cwd=tmp,
            check=True,
            capture_output=True,
            text=True,
        )
        print(setup.stdout.rstrip(), flush=True)
        peer = json.loads(setup.stdout.strip().splitlines()[-1])

        # Ours: the users, the token, what the clients post; the marks to clean up after.
        admin, headoffice = User.objects.get(username="admin"), User.objects.get(username="headoffice")
        token, token_created = Token.objects.get_or_create(user=admin)
        houses = list(House.objects.order_by("?").values_list("pk", flat=True)[:5000])
        counters = dict(Counter.objects.values_list("pk", "value"))
        with connection.cursor() as cursor:
            marks = _id_marks(cursor, OURS_WRITES)
        with psycopg.connect(peer_conninfo) as peer_connection:
            peer_marks = _id_marks(peer_connection.cursor(), PEER_WRITES)

        project_ids = sorted(scoping.visible_project_ids(headoffice, Cap.TICKET_VIEW))
        open_statuses = sorted(OPEN_STATUSES)
        sample = Ticket.objects.filter(house__isnull=False).order_by("-pk").first()
        insert = InsertQuery(Ticket)
        fields = [f for f in Ticket._meta.concrete_fields if not f.primary_key]
        floor_ticket = Ticket(**{f.attname: getattr(sample, f.attname) for f in fields})
        insert.insert_values(fields, [floor_ticket])
        ours_insert_sql, ours_insert_params = insert.get_compiler(connection=connection).as_sql()[0]
        ours_insert_params = list(ours_insert_params)
        number_at = [f.attname for f in fields].index("number")
        peer_insert_sql = (
            "INSERT INTO helpdesk_ticket (title, created, modified, submitter_email, status, on_hold, description,"
            " resolution, priority, queue_id, secret_key) VALUES (%s, now(), now(), %s, 1, false, %s, '', 3, %s,"
            " gen_random_uuid()::text)"
        )

        def ours_body(rng: random.Random) -> dict:
            return {
                "type": "repair",
                "category": RepairTrade.PLUMBING.value,
                "title": "厨房水管漏水",
                "description": "厨房水槽下水管漏水，请尽快上门查看。",
                "house": rng.choice(houses),
            }

        def peer_body(rng: random.Random) -> dict:
            return {
                "queue": rng.choice(peer["queues"]),
                "title": "Kitchen pipe leaking",
                "description": "The pipe under the kitchen sink leaks; please send someone.",
                "submitter_email": f"resident{rng.randint(1, 400000)}@example.com",
                "priority": 3,
            }

        def ours_insert_params_for(rng: random.Random) -> list:
            params = list(ours_insert_params)
            params[number_at] = f"F{rng.getrandbits(40)}"
            return params

        ours_client = Client("http://127.0.0.1:1")  # pointed at the server once it runs
        cluster = Cluster(tmp, database=os.environ["DATABASE_URL"], redis=REDIS, DB_CONN_MAX_AGE="60", DEBUG="0")
        try:
            ours_url = cluster.web("web", workers=WORKERS)
            ours_client = Client(ours_url)
            port = free_port()
            gunicorn = [str(python.parent / "gunicorn"), "peer_wsgi"]
            gunicorn += ["-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--chdir", str(tmp), "--access-logfile", "-"]
            cluster.start("peer", *gunicorn, **peer_vars)
            peer_url = f"http://127.0.0.1:{port}/helpdesk"
            wait_for(lambda: answers(peer_url), "the peer's gunicorn")
            peer_client = Client(peer_url)

            # The list pages.
            ours_client.login("/login/", "headoffice", DEMO_PASSWORD)
            peer_client.login("/login/", "admin", PASSWORD)
            with connection.cursor() as cursor, psycopg.connect(peer_conninfo) as peer_connection:

                def ours_floor() -> list:
                    cursor.execute(QUEUE_FLOOR, [project_ids, open_statuses])
                    return cursor.fetchall()

                def peer_floor() -> list:
                    return peer_connection.execute(
                        "SELECT id, title, queue_id, status, priority, created, assigned_to_id, submitter_email, due_date"
                        " FROM helpdesk_ticket WHERE status IN (1, 2) ORDER BY created LIMIT 50"
                    ).fetchall()

                print(f"list pages: ours {ITERATIONS} times, the peer's within {PEER_LIST_SECONDS} s", flush=True)
                lists = _list_pages(ours_client, peer_client, ours_floor, peer_floor)
            print(json.dumps(lists), flush=True)

            # Creation under concurrency, then the floors.
            ours_work = ApiCreate(ours_url, "/api/v1/tickets/", token.key, ours_body)
            peer_work = ApiCreate(peer_url, "/api/tickets/", peer["token"], peer_body)
            for work in (ours_work, peer_work):  # warm every worker up
                _hammer(work, WORKERS, 2)
            print(f"creation: {CONCURRENCY} clients × {SECONDS} s each", flush=True)
            creation = {}
            for name, work, server in (("ours", ours_work, "web"), ("peer", peer_work, "peer")):
                cpu = _cpu_seconds(cluster.processes[server].pid)
                creation[name] = _hammer(work, CONCURRENCY, SECONDS)
                cpu = _cpu_seconds(cluster.processes[server].pid) - cpu
                creation[name]["app_cpu_ms_per_creation"] = round(cpu * 1000 / max(creation[name]["created"], 1), 1)
                print(json.dumps(creation[name]), flush=True)
            ours_conninfo = _conninfo(settings)
            creation["ours_floor"] = _hammer(
                InsertFloor(ours_conninfo, ours_insert_sql, ours_insert_params_for), CONCURRENCY, FLOOR_SECONDS
            )
            creation["peer_floor"] = _hammer(
                InsertFloor(
                    peer_conninfo,
                    peer_insert_sql,
                    lambda rng: ["Floor ticket", "floor@example.com", "floor", rng.choice(peer["queues"])],
                ),
                CONCURRENCY,
                FLOOR_SECONDS,
            )
            server_errors = {name: cluster.log(name).count('" 500 ') for name in ("web", "peer")}
        finally:
            cluster.stop()
            import redis

            redis.Redis.from_url(REDIS).delete(cluster.queue)  # tasks our creations queued for no worker
            # Leave propdesk_bench (and the peer's ticket count) as they were.
            with connection.cursor() as cursor:
                cleaned = _delete_newer(cursor, marks)
                for pk, value in counters.items():
                    Counter.objects.filter(pk=pk).update(value=value)
                if token_created:
                    token.delete()
                cursor.execute("DELETE FROM django_session WHERE session_key = %s", [ours_client.cookies.get("sessionid")])
                for table in cleaned:
                    cursor.execute(f'VACUUM ANALYZE "{table}"')
            with psycopg.connect(peer_conninfo, autocommit=True) as peer_connection:
                peer_cleaned = _delete_newer(peer_connection.cursor(), peer_marks)
                peer_connection.execute("VACUUM ANALYZE helpdesk_ticket")
            print(f"cleaned up: ours {cleaned}, peer {peer_cleaned}", flush=True)

    ours_rate, peer_rate = creation["ours"]["per_second"], creation["peer"]["per_second"]
    rate_ratio = round(ours_rate / peer_rate, 2) if peer_rate else None
    columns = ["scenario", "ours", "peer", "ours floor", "peer floor", "ours ÷ peer"]
    rows = [
        [
            "list page p50 ms",
            lists["ours"]["p50_ms"],
            lists["peer"]["p50_ms"],
            lists["ours_floor"]["p50_ms"],
            lists["peer_floor"]["p50_ms"],
            round(lists["ours"]["p50_ms"] / lists["peer"]["p50_ms"], 3),
        ],
        [
            "list page p95 ms",
            lists["ours"]["p95_ms"],
            lists["peer"]["p95_ms"],
            lists["ours_floor"]["p95_ms"],
            lists["peer_floor"]["p95_ms"],
            round(lists["ours"]["p95_ms"] / lists["peer"]["p95_ms"], 3),
        ],
        [
            "creations / s",
            ours_rate,
            peer_rate,
            creation["ours_floor"]["per_second"],
            creation["peer_floor"]["per_second"],
            rate_ratio,
        ],
        [
            "creation p50 ms",
            creation["ours"]["p50_ms"],
            creation["peer"]["p50_ms"],
            creation["ours_floor"]["p50_ms"],
            creation["peer_floor"]["p50_ms"],
            None,
        ],
        [
            "creation p95 ms",
            creation["ours"]["p95_ms"],
            creation["peer"]["p95_ms"],
            creation["ours_floor"]["p95_ms"],
            creation["peer_floor"]["p95_ms"],
            None,
        ],
        ["creation errors", creation["ours"]["errors"], creation["peer"]["errors"], None, None, None],
        [
            "app CPU ms / creation",
            creation["ours"]["app_cpu_ms_per_creation"],
            creation["peer"]["app_cpu_ms_per_creation"],
            None,
            None,
            round(creation["ours"]["app_cpu_ms_per_creation"] / creation["peer"]["app_cpu_ms_per_creation"], 2),
        ],
    ]
    result = {
        "benchmark": "peer_django_helpdesk",
        "database": f"PostgreSQL {server_version()} ({settings['NAME']} and {PEER_DATABASE})",
        "peer": f"django-helpdesk {_version(python, 'django-helpdesk')} on Django {_version(python, 'Django')}",
        "tickets_ours": ours_tickets,
        "tickets_peer": peer_tickets,
        "open_share": round(open_share, 3),
        "projects_and_queues": projects,
        "gunicorn_workers": WORKERS,
        "concurrency": CONCURRENCY,
        "seconds_per_side": SECONDS,
        "creation_rate_ratio": rate_ratio,
        "target": f"creations/s ours ≥ {TARGET_RATE_RATIO:.0f}× the peer's",
        "target_met": bool(rate_ratio and rate_ratio >= TARGET_RATE_RATIO),
        "server_errors_500": server_errors,
        "notes": NOTES,
        "seconds": round(time.monotonic() - began, 1),
        "list": lists,
        "creation": creation,
        "cleaned_up": {"ours": cleaned, "peer": peer_cleaned},
        "measured_at": timezone.now().isoformat(timespec="seconds"),
        "table": {"columns": columns, "rows": rows},
    }
    write_result(out, result)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        _child(Path(sys.argv[2]))
    else:
        print(json.dumps(main(), ensure_ascii=False, indent=2))
