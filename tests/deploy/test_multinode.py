"""Several nodes, one database (issue 6 item 7): two web processes (gunicorn) and two
Celery workers on this machine, on different ports, sharing one PostgreSQL and one Redis.
Emergencies are raised through both web nodes; each raises urgent SMS and WeChat
deliveries that the workers send. Every delivery must be sent exactly once, by either
worker, even when its task is handed out a second time — and both nodes and both
workers must have taken part.

Runs only on the server set-up (PostgreSQL + REDIS_URL), as in CI's second leg.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.db import connection

from propdesk.celery import app as celery_app

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings(
        "ignore::celery.exceptions.AlwaysEagerIgnored"
    ),  # the nodes must see the rows: they are other processes
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"),
        reason="the multi-node run needs PostgreSQL and Redis (CI's server leg)",
    ),
]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EMERGENCIES = 12
WAIT_SECONDS = 90


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Cluster:
    """The processes of the run; stopped (and their logs kept) at the end."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.queue = f"multinode-{uuid.uuid4().hex[:8]}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "propdesk.settings",
            "DATABASE_URL": _database_url(),
            "DB_CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": os.environ["REDIS_URL"],
            "CELERY_QUEUE": self.queue,
            "PROPDESK_VAR_DIR": str(tmp / "var"),
            "NOTIFY_SMS_BACKEND": "console",
            "NOTIFY_WECHAT_BACKEND": "console",
        }
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.ports: list[int] = []

    def start(self, name: str, *command: str) -> None:
        log = (self.tmp / f"{name}.log").open("w")
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append((name, process))

    def web(self, name: str) -> str:
        port = _free_port()
        self.start(
            name,
            str(BIN / "gunicorn"),
            "propdesk.wsgi",
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "5",
        )
        self.ports.append(port)
        return f"http://127.0.0.1:{port}"

    def worker(self, name: str) -> None:
        self.start(name, str(BIN / "celery"), "-A", "propdesk", "worker", "--pool=solo", "-n", f"{name}@multinode", "-l", "INFO")

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for _name, process in self.processes:
            process.terminate()
        for _name, process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_for(check, what: str, timeout: float = WAIT_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/login/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _finished_tasks(cluster: Cluster) -> int:
    done = re.compile(r"Task propdesk\.notifications\.tasks\.deliver\[[^\]]+\] succeeded")
    return sum(len(done.findall(cluster.log(name))) for name in ("worker1", "worker2"))


def _post(url: str, token: str, payload: dict) -> dict:
    request = urllib.request.Request(
        f"{url}/api/v1/tickets/",
        data=json.dumps(payload).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        return json.loads(response.read())


@pytest.fixture
def staff():
    from rest_framework.authtoken.models import Token

    from propdesk.accounts.models import Membership, User
    from propdesk.accounts.roles import Role
    from propdesk.desk.emergency_plans import emergency_plans_install
    from propdesk.estate.models import Company
    from propdesk.estate.services import project_create

    emergency_plans_install()
    project = project_create(company=Company.objects.create(name="示例物业"), code="a", name="阳光花园")
    people = {}
    for n, role in enumerate((Role.ASSISTANT, Role.SUPERVISOR, Role.MANAGER, Role.ENGINEER)):
        user = User.objects.create_user(role.value, password="pw-123456", mobile=f"1380000000{n}")
        Membership.objects.create(user=user, project=project, role=role)
        people[role.value] = user
    return project, Token.objects.create(user=people["assistant"]).key


@pytest.fixture
def cluster(tmp_path):
    nodes = Cluster(tmp_path)
    yield nodes
    nodes.stop()


def test_two_web_nodes_and_two_workers_run_every_job_exactly_once(staff, cluster):
    from propdesk.desk.choices import EmergencyKind, TicketType
    from propdesk.notifications.choices import DeliveryStatus
    from propdesk.notifications.models import Delivery
    from propdesk.notifications.tasks import deliver

    project, token = staff
    urls = [cluster.web("web1"), cluster.web("web2")]
    cluster.worker("worker1")
    cluster.worker("worker2")
    for url in urls:
        _wait_for(lambda url=url: _answers(url), f"web node {url}")

    opened = [
        _post(
            urls[n % 2],
            token,
            {
                "project": project.pk,
                "type": TicketType.EMERGENCY,
                "category": EmergencyKind.BURST_PIPE,
                "title": f"地下室给水管爆管 {n}",
                "location": "3栋地下室水泵房",
                "reporter_name": "巡逻保安",
                "reporter_phone": "13800001111",
            },
        )
        for n in range(EMERGENCIES)
    ]
    assert len({ticket["number"] for ticket in opened}) == EMERGENCIES  # numbers stay unique across nodes

    external = Delivery.objects.filter(notification__kind="emergency").exclude(channel="in_app")
    # Every alarm reaches the supervisor, the PM and the engineering staff by SMS (and WeChat:
    # no openid bound, so recorded as skipped without a worker's attempt).
    sms = external.filter(channel="sms")
    assert sms.count() == EMERGENCIES * 3

    def all_sent():
        return not sms.exclude(status=DeliveryStatus.SENT).exists()

    _wait_for(all_sent, "every SMS delivery to be sent")
    # A task handed out a second time (a redelivered message, a retry) sends nothing again.
    # send_task goes through the broker even though this test process runs tasks eagerly.
    for delivery_id in sms.values_list("pk", flat=True):
        celery_app.send_task(deliver.name, args=[delivery_id], queue=cluster.queue)
    _wait_for(lambda: _finished_tasks(cluster) >= 2 * sms.count(), "the workers to take the repeated tasks")

    assert set(sms.values_list("attempts", flat=True)) == {1}
    assert set(sms.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    for name in ("worker1", "worker2"):
        assert "succeeded" in cluster.log(name), f"{name} ran no job: both workers share the queue"
    for name in ("web1", "web2"):
        assert cluster.log(name).count('"POST /api/v1/tickets/ HTTP/1.1" 201') == EMERGENCIES // 2
