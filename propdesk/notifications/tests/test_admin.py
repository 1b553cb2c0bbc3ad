"""Admin: the record of notifications and deliveries is read only, filterable by channel
and status, shows addresses masked, and can send failed deliveries again."""

from __future__ import annotations

import pytest

from propdesk.accounts.models import User
from propdesk.notifications.choices import DeliveryStatus
from propdesk.notifications.models import Delivery
from propdesk.notifications.services import notify


@pytest.fixture
def admin_client(world, client):
    superuser = User.objects.create_superuser("root", password="pw-123456")
    client.force_login(superuser)
    return client


@pytest.fixture
def sms_delivery(world) -> Delivery:
    world.supervisor.mobile = "13812345678"
    world.supervisor.save(update_fields=["mobile"])
    [notification] = notify(recipients=[world.supervisor], kind="loan.overdue", title="档案借阅逾期", channels=("sms",))
    return notification.deliveries.get(channel="sms")


def test_delivery_list_filters_and_masks(admin_client, sms_delivery):
    for query in ("", "?channel__exact=sms", "?status__exact=pending", "?channel__exact=wechat&status__exact=failed"):
        response = admin_client.get(f"/admin/notifications/delivery/{query}")
        assert response.status_code == 200, query
    html = admin_client.get("/admin/notifications/delivery/?channel__exact=sms").content.decode()
    assert "138****5678" in html and "13812345678" not in html


def test_records_are_read_only(admin_client, sms_delivery):
    notification = sms_delivery.notification
    assert admin_client.get("/admin/notifications/notification/?deliveries__status__exact=pending").status_code == 200
    page = admin_client.get(f"/admin/notifications/notification/{notification.pk}/change/")
    assert page.status_code == 200 and "13812345678" not in page.content.decode()
    assert admin_client.get("/admin/notifications/notification/add/").status_code == 403
    assert admin_client.get(f"/admin/notifications/delivery/{sms_delivery.pk}/delete/").status_code == 403
    response = admin_client.post(f"/admin/notifications/delivery/{sms_delivery.pk}/change/", {"status": "sent"})
    assert response.status_code == 403
    sms_delivery.refresh_from_db()
    assert sms_delivery.status == DeliveryStatus.PENDING


def test_retry_action_sends_failed_deliveries_again(admin_client, sms_delivery, django_capture_on_commit_callbacks):
    Delivery.objects.filter(pk=sms_delivery.pk).update(status=DeliveryStatus.FAILED, attempts=5, error="网关超时")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/notifications/delivery/", {"action": "retry", "_selected_action": [sms_delivery.pk]})
    assert response.status_code == 302
    sms_delivery.refresh_from_db()
    assert (sms_delivery.status, sms_delivery.attempts) == (DeliveryStatus.SENT, 1)
