"""Delivery: claimed by a conditional UPDATE (two runs never send twice), transient
failures retried with backoff then recorded as failed, disabled channels skipped,
deferred messages held until `not_before` and sent by the sweep, stalled claims taken
over; and the dedupe key under real concurrency on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from propdesk.core.testing import postgresql_only, race
from propdesk.notifications import services
from propdesk.notifications.choices import DeliveryStatus
from propdesk.notifications.models import Delivery, Notification
from propdesk.notifications.selectors import inbox, unread_count
from propdesk.notifications.services import delivery_attempt, delivery_retry, notify
from propdesk.notifications.tasks import deliver, deliver_due
from propdesk.notifications.tests.conftest import DownBackend, RecordingBackend, backend_path


@pytest.fixture
def supervisor(world):
    world.supervisor.mobile = "13812345678"
    world.supervisor.save(update_fields=["mobile"])
    return world.supervisor


def _sms(user, **kwargs) -> Delivery:
    """A notification by SMS whose delivery is written but not yet sent (no commit)."""
    [notification] = notify(recipients=[user], kind="loan.overdue", title="档案借阅逾期", channels=("sms",), **kwargs)
    return notification.deliveries.get(channel="sms")


def test_deliver_twice_sends_once(world, supervisor, provider):
    delivery = _sms(supervisor)
    assert deliver(delivery.pk) == DeliveryStatus.SENT
    assert deliver(delivery.pk) is None  # a repeated task message: nothing to claim
    assert len(provider) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.provider_message_id) == (DeliveryStatus.SENT, 1, "rec-1")
    message = provider[0]
    assert (message.address, message.kind, message.title, message.delivery_id) == (
        "13812345678",
        "loan.overdue",
        "档案借阅逾期",
        delivery.pk,
    )


def test_a_claimed_delivery_is_not_sent_by_a_second_worker(world, supervisor, provider, clock):
    delivery = _sms(supervisor)
    # Worker 1 has claimed it and is talking to the provider…
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENDING, claimed_at=clock.now, attempts=1)
    assert delivery_attempt(delivery_id=delivery.pk) is None  # …worker 2 gets nothing
    assert services.deliveries_due() == []  # …and the sweep leaves it alone
    assert provider == []


def test_a_stalled_claim_is_taken_over_after_the_lease(world, supervisor, provider, clock):
    """A worker that died mid-send leaves the delivery 'sending'; after the lease the
    sweep hands it to another worker (at-least-once: the provider may see it twice)."""
    delivery = _sms(supervisor)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENDING, claimed_at=clock.now, attempts=1)
    clock.advance(minutes=11)
    assert deliver_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert len(provider) == 1


def test_a_stalled_last_attempt_is_recorded_as_failed(world, supervisor, provider, clock, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    delivery = _sms(supervisor)
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENDING, claimed_at=clock.now, attempts=2)
    clock.advance(minutes=11)
    assert deliver_due() == 0
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and "最多尝试次数" in delivery.error
    assert provider == []


def test_transient_failure_retried_with_backoff_then_failed(world, supervisor, clock, settings):
    settings.NOTIFY_SMS_BACKEND = backend_path("DownBackend")
    settings.NOTIFY_MAX_ATTEMPTS = 3
    DownBackend.calls = 0
    delivery = _sms(supervisor)

    assert deliver(delivery.pk) == DeliveryStatus.PENDING
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.error == "网关超时 (504)"
    assert delivery.next_attempt_at == clock.now + services.RETRY_BACKOFF[0]
    assert deliver_due() == 0  # not before the backoff has passed
    assert deliver(delivery.pk) is None

    clock.advance(minutes=1)
    assert deliver_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 2)
    assert delivery.next_attempt_at == clock.now + services.RETRY_BACKOFF[1]

    clock.advance(minutes=5)
    assert deliver_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.error) == (DeliveryStatus.FAILED, 3, "网关超时 (504)")
    assert delivery.sent_at is None
    assert DownBackend.calls == 3

    clock.advance(hours=2)
    assert deliver_due() == 0  # failed for good: the sweep lets it be
    assert DownBackend.calls == 3


def test_failed_delivery_can_be_retried_by_hand(world, supervisor, settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_SMS_BACKEND = backend_path("RejectingBackend")
    delivery = _sms(supervisor)
    deliver(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.error) == (DeliveryStatus.FAILED, 1, "号码无效")  # permanent: no retry

    settings.NOTIFY_SMS_BACKEND = backend_path("RecordingBackend")
    RecordingBackend.sent = []
    with django_capture_on_commit_callbacks(execute=True):
        delivery = delivery_retry(delivery=delivery)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(RecordingBackend.sent)) == (DeliveryStatus.SENT, 1, 1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        delivery_retry(delivery=delivery)  # not failed: nothing to do
    assert callbacks == []


def test_unexpected_exception_counts_as_transient(world, supervisor, settings):
    settings.NOTIFY_SMS_BACKEND = backend_path("CrashingBackend")
    delivery = _sms(supervisor)
    assert deliver(delivery.pk) == DeliveryStatus.PENDING
    delivery.refresh_from_db()
    assert delivery.error == "ConnectionResetError: connection reset by peer"


def test_misconfigured_backend_path_is_a_recorded_failure(world, supervisor, settings):
    settings.NOTIFY_SMS_BACKEND = "propdesk.nowhere.SmsGateway"
    delivery = _sms(supervisor)
    assert deliver(delivery.pk) == DeliveryStatus.PENDING
    delivery.refresh_from_db()
    assert "发送渠道配置错误" in delivery.error


def test_disabled_backend_records_skipped(world, supervisor, settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_SMS_BACKEND = "disabled"
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = notify(recipients=[supervisor], kind="loan.overdue", title="档案借阅逾期", channels=("sms",))
    delivery = notification.deliveries.get(channel="sms")
    assert (delivery.status, delivery.error, delivery.attempts) == (DeliveryStatus.SKIPPED, "该渠道已停用", 1)
    assert notification.deliveries.get(channel="in_app").status == DeliveryStatus.SENT


def test_deferred_notification_waits_for_not_before_then_the_sweep_sends_it(
    world, supervisor, provider, clock, django_capture_on_commit_callbacks
):
    """A routine reminder at night waits for office hours (the caller passes the opening)."""
    opening = clock.now + dt.timedelta(hours=9)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        [notification] = notify(
            recipients=[supervisor], kind="loan.overdue", title="档案借阅逾期", channels=("sms",), not_before=opening
        )
    assert callbacks == []  # nothing handed to a worker yet
    assert {d.status for d in notification.deliveries.all()} == {DeliveryStatus.PENDING}
    assert list(inbox(supervisor)) == [] and unread_count(supervisor) == 0
    assert deliver_due() == 0 and provider == []
    assert deliver(notification.deliveries.get(channel="sms").pk) is None  # an early task does nothing

    clock.advance(hours=8, minutes=59)
    assert deliver_due() == 0 and provider == []

    clock.advance(minutes=1)
    assert deliver_due() == 1
    deliveries = {d.channel: d for d in notification.deliveries.all()}
    assert deliveries["sms"].status == DeliveryStatus.SENT and len(provider) == 1
    assert deliveries["in_app"].status == DeliveryStatus.SENT and deliveries["in_app"].sent_at == clock.now
    assert list(inbox(supervisor)) == [notification] and unread_count(supervisor) == 1


def test_not_before_in_the_past_sends_at_once(world, supervisor, provider, clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = notify(
            recipients=[supervisor],
            kind="loan.overdue",
            title="档案借阅逾期",
            channels=("sms",),
            not_before=clock.now - dt.timedelta(minutes=5),
        )
    assert {d.status for d in notification.deliveries.all()} == {DeliveryStatus.SENT}
    assert len(provider) == 1


def test_sweep_picks_up_a_lost_task(world, supervisor, provider):
    """The broker lost the message (or was down at commit): the delivery is still pending."""
    delivery = _sms(supervisor)  # written, but the on-commit enqueue never ran
    assert deliver_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and len(provider) == 1


def test_message_carries_an_absolute_link_and_params(world, supervisor, provider, settings):
    settings.NOTIFY_SITE_URL = "https://wuye.example.com/"
    delivery = _sms(supervisor)
    Notification.objects.filter(pk=delivery.notification_id).update(link="/archive/loans/", params={"loan": "J-7"})
    deliver(delivery.pk)
    assert provider[0].link == "https://wuye.example.com/archive/loans/"
    assert provider[0].params == {"loan": "J-7"}


# --- concurrency (PostgreSQL) -----------------------------------------------------------


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_dedupe_holds_under_concurrent_notify(world):
    from django.db import transaction

    supervisor = world.supervisor

    def job():
        with transaction.atomic():
            created = notify(recipients=[supervisor], kind="complaint.major", title="重大投诉", dedupe_key="cmp5:event-9")
            return len(created)

    results = race(6, job)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(results) == [0, 0, 0, 0, 0, 1]
    assert Notification.objects.filter(recipient=supervisor, dedupe_key="cmp5:event-9").count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_send_a_delivery_once(world, settings):
    settings.NOTIFY_SMS_BACKEND = backend_path("RecordingBackend")
    RecordingBackend.sent = []
    world.supervisor.mobile = "13812345678"
    world.supervisor.save(update_fields=["mobile"])
    delivery = _sms(world.supervisor)  # autocommit: sent at once, after commit
    assert len(RecordingBackend.sent) == 1
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING, attempts=0, sent_at=None)
    RecordingBackend.sent.clear()

    results = race(6, lambda: delivery_attempt(delivery_id=delivery.pk))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len([r for r in results if r is not None]) == 1
    assert len(RecordingBackend.sent) == 1
