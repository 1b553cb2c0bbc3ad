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
import urllib.request

import pytest

from propdesk.celery import app as celery_app
from propdesk.core.loopback import wait_for
from tests.deploy.cluster import server_only

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the nodes must see the rows: they are other processes
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
    server_only,
]

EMERGENCIES = 12


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


def test_two_web_nodes_and_two_workers_run_every_job_exactly_once(staff, cluster):
    from propdesk.desk.choices import EmergencyKind, TicketType
    from propdesk.notifications.choices import DeliveryStatus
    from propdesk.notifications.models import Delivery
    from propdesk.notifications.tasks import deliver

    project, token = staff
    urls = [cluster.web("web1"), cluster.web("web2")]
    cluster.worker("worker1")
    cluster.worker("worker2")

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

    wait_for(all_sent, "every SMS delivery to be sent")
    # A task handed out a second time (a redelivered message, a retry) sends nothing again.
    # send_task goes through the broker even though this test process runs tasks eagerly.
    for delivery_id in sms.values_list("pk", flat=True):
        celery_app.send_task(deliver.name, args=[delivery_id], queue=cluster.queue)
    workers = ("worker1", "worker2")
    wait_for(lambda: cluster.tasks_done(deliver.name, *workers) >= 2 * sms.count(), "the workers to take the repeated tasks")

    assert set(sms.values_list("attempts", flat=True)) == {1}
    assert set(sms.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    for name in ("worker1", "worker2"):
        assert "succeeded" in cluster.log(name), f"{name} ran no job: both workers share the queue"
    for name in ("web1", "web2"):
        assert cluster.log(name).count('"POST /api/v1/tickets/ HTTP/1.1" 201') == EMERGENCIES // 2
