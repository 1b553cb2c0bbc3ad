"""Fault tests on loopback (issue 6 item 5), against gunicorn, Celery workers, the test
PostgreSQL database and Redis:

- a worker killed (SIGKILL) in the middle of a monthly billing run: restarted, the run
  goes on from where the last committed batch ended — every house billed once, no
  duplicate bill or line;
- a worker killed in the middle of an SLA sweep: the next sweep finishes the work — every
  overdue clock breached and notified once, nothing lost, nothing doubled;
- the database restarts under load (every connection dropped, new ones refused for a few
  seconds, through a TCP proxy): requests fail cleanly with 503 and a Chinese message,
  never a 500, and the web node recovers by itself.

The disk-full fault is in propdesk/core/tests/test_storage_full.py. Runs only on the
server set-up (PostgreSQL + REDIS_URL), as in CI's second leg.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import urllib.error
import urllib.request
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from propdesk.celery import app as celery_app
from propdesk.core.loopback import DatabaseProxy, wait_for
from tests.deploy.cluster import database_url_for_tests, server_only

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the workers must see the rows: they are other processes
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
    server_only,
]

HOUSES = 8000
TICKETS = 150
REDELIVER_AFTER = "5"  # seconds: a dead worker's unacknowledged task returns to the queue


def _houses(world, count: int) -> None:
    from propdesk.estate.choices import HouseStatus
    from propdesk.estate.models import House

    first = world.house_a
    House.objects.filter(pk=first.pk).update(status=HouseStatus.OWNER_OCCUPIED)
    House.objects.bulk_create(
        House(
            project=first.project,
            building=first.building,
            entrance=first.entrance,
            room=f"{n:05d}",
            code=f"F-{n:05d}",
            floor=1 + n % 30,
            area=Decimal("60.00") + n % 90,
            status=HouseStatus.OWNER_OCCUPIED,
        )
        for n in range(count - 1)
    )


def _fees(world) -> None:
    from propdesk.billing import rates
    from propdesk.billing.choices import FeeKind

    admin = world.users[("admin", "*")]
    project = world.project_a
    management = rates.fee_item_create(project=project, code="wyf", name="物业管理费", kind=FeeKind.AREA, by=admin)
    shared = rates.fee_item_create(project=project, code="ggnh", name="公共能耗分摊", kind=FeeKind.FIXED, by=admin)
    start = dt.date(2026, 1, 1)
    common = {"effective_from": start, "approval_ref": "价批〔2025〕8号", "by": admin}
    rates.fee_rate_add(item=management, usage="residential", unit_price="2.00", **common)
    rates.fee_rate_add(item=shared, unit_price="10.00", **common)


def test_a_worker_killed_mid_billing_run_leaves_no_duplicate_bills(world, cluster):
    from propdesk.billing.choices import RunStatus
    from propdesk.billing.models import Bill, BillingRun, BillLine
    from propdesk.billing.run import billing_run_start
    from propdesk.billing.tasks import billing_run_continue

    _houses(world, HOUSES)
    _fees(world)
    run = billing_run_start(project=world.project_a, month=timezone.localdate(), by=world.users[("cashier", "a")])
    cluster.worker("worker1", CELERY_VISIBILITY_TIMEOUT=REDELIVER_AFTER)
    celery_app.send_task(billing_run_continue.name, args=[run.pk], queue=cluster.queue)

    def progress() -> int:
        return BillingRun.objects.values_list("houses_done", flat=True).get(pk=run.pk)

    wait_for(lambda: progress() > 0, "the first batch", every=0.05)
    cluster.kill("worker1")
    done_at_kill = progress()
    assert 0 < done_at_kill < HOUSES, "the worker must die in the middle of the run"

    cluster.worker("worker2", CELERY_VISIBILITY_TIMEOUT=REDELIVER_AFTER)  # the task comes back to it
    wait_for(lambda: BillingRun.objects.get(pk=run.pk).status == RunStatus.DONE, "the run to finish after the restart")

    run.refresh_from_db()
    lines = BillLine.objects.filter(period=run.period)
    assert run.houses_done == HOUSES
    assert Bill.objects.filter(period=run.period).count() == HOUSES
    assert lines.count() == 2 * HOUSES == run.lines_created
    assert not lines.values("house", "item").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert "billing_run_continue" in cluster.log("worker2")


def test_a_worker_killed_mid_sweep_loses_and_doubles_no_escalation(world, cluster):
    from propdesk.core.services import calendar_create_default
    from propdesk.desk.choices import Priority, TicketType
    from propdesk.notifications.models import Notification
    from propdesk.sla.choices import ClockState
    from propdesk.sla.models import SlaClock, SlaFiring
    from propdesk.sla.services import TICKING, sla_install_presets
    from propdesk.sla.tasks import sweep
    from propdesk.sla.tests.conftest import open_ticket

    calendar_create_default(name="公司默认工作日历")
    sla_install_presets(variant="002")
    for _ in range(TICKETS):
        open_ticket(world, TicketType.COMPLAINT, Priority.MINOR)
    clocks = SlaClock.objects.filter(ticket__project=world.project_a, state__in=TICKING)
    overdue = timezone.now() - dt.timedelta(hours=1)
    clocks.update(deadline_at=overdue, next_check_at=overdue)  # the deadlines have passed
    due = set(clocks.values_list("pk", flat=True))
    assert len(due) >= TICKETS

    chunk = {"SLA_SWEEP_CHUNK": str(len(due) // 6)}  # several transactions, so one dies half-way
    cluster.worker("worker1", **chunk)
    celery_app.send_task(sweep.name, queue=cluster.queue)
    wait_for(lambda: SlaFiring.objects.count() >= len(due) // 4, "the sweep to be under way", every=0.05)
    cluster.kill("worker1")
    breached_at_kill = SlaClock.objects.filter(pk__in=due, state=ClockState.BREACHED).count()
    assert 0 < breached_at_kill < len(due), "the worker must die in the middle of the sweep"

    cluster.worker("worker2", **chunk)  # beat's next sweeps
    celery_app.send_task(sweep.name, queue=cluster.queue)
    cutoff = timezone.now()
    wait_for(lambda: not SlaClock.objects.filter(pk__in=due, state__in=TICKING, next_check_at__lte=cutoff).exists(), "the sweep")

    # Nothing lost: every overdue clock is breached and has its breach firing.
    assert SlaClock.objects.filter(pk__in=due, state=ClockState.BREACHED).count() == len(due)
    breaches = SlaFiring.objects.filter(clock__in=due, key__contains="breach")
    assert breaches.values("clock").distinct().count() == len(due)
    # Nothing doubled: one firing per clock and checkpoint, one message per firing and person.
    assert not SlaFiring.objects.values("clock", "key").annotate(n=Count("id")).filter(n__gt=1).exists()
    sla_messages = Notification.objects.filter(dedupe_key__startswith="sla:")
    assert not sla_messages.values("recipient", "dedupe_key").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert sla_messages.filter(kind="sla.breach").count() == breaches.count()


def test_a_database_restart_under_load_answers_503_in_chinese_and_recovers(world, cluster):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=world.assistant).key
    proxy = DatabaseProxy(int(connection.settings_dict["PORT"] or 5432))
    try:
        url = cluster.web("web", workers=2, DATABASE_URL=_via(proxy), DB_CONN_MAX_AGE="60")
        answers: list[tuple[float, int, str]] = []
        stop = threading.Event()

        def load():
            while not stop.is_set():
                status, body = _get(f"{url}/api/v1/tickets/", token)
                answers.append((time.monotonic(), status, body))  # when the answer came

        threads = [threading.Thread(target=load) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(3)
        outage_at = time.monotonic()
        proxy.outage()  # PostgreSQL goes away: every connection dropped, new ones refused
        time.sleep(4)
        proxy.recover()
        recovered_at = time.monotonic()
        time.sleep(6)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        proxy.close()

    before = [status for at, status, _body in answers if at < outage_at]
    during = [(status, body) for at, status, body in answers if outage_at + 0.5 < at < recovered_at]
    settled = [status for at, status, _body in answers if at > recovered_at + 3]
    assert before and set(before) == {200}
    assert during and {status for status, _body in during} == {503}
    assert all("系统暂时无法连接数据库" in body for _status, body in during)
    assert settled and set(settled) == {200}  # recovered by itself, no restart
    assert 500 not in {status for _at, status, _body in answers}


def _via(proxy: DatabaseProxy) -> str:
    return database_url_for_tests(port=proxy.port)


def _get(url: str, token: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
