"""Every write of the notifications module.

    notify(recipients=…, kind="ticket.escalated", title=…, body=…, link=…, project=…,
           urgent=True, channels=("in_app", "sms", "wechat"),
           dedupe_key=f"sla:{clock.pk}:{level.pk}", not_before=None)   → [Notification]
    notify_many([Message(recipients=…, kind=…, title=…, …), …])      → [[Notification], …]

`notify` writes, in the caller's transaction, one `Notification` per recipient and one
`Delivery` per channel (in-app always), and hands the external deliveries to a worker
once the transaction commits. Deliveries are sent by `delivery_attempt` (the `deliver`
task), which claims a delivery with a conditional UPDATE, so two workers never send the
same message; a transient failure is tried again with backoff up to NOTIFY_MAX_ATTEMPTS,
then recorded as failed with its error. The periodic sweep (`deliveries_due`, task
`deliver_due`) picks up deferred deliveries whose time has come, retries, deliveries
whose task was lost, and claims that stalled.

Calendar: this module does not know office hours. A caller that wants a routine reminder
to wait for them passes `not_before` (the next opening, from the working calendar); an
urgent alert passes none and goes out at once, night or day.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.notifications import selectors
from propdesk.notifications.channels import ChannelResult, get_channel
from propdesk.notifications.choices import DeliveryChannel, DeliveryStatus, Severity
from propdesk.notifications.models import ChannelAddress, Delivery, Notification

logger = logging.getLogger("propdesk.notifications")

# A worker holds its claim on a delivery this long; after that the sweep may try again.
CLAIM_LEASE = dt.timedelta(minutes=10)
# The wait before attempt n + 1 after a failed attempt n (the last value repeats).
RETRY_BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=15),
    dt.timedelta(hours=1),
)
SWEEP_BATCH = 500


def max_attempts() -> int:
    return max(1, int(getattr(settings, "NOTIFY_MAX_ATTEMPTS", 5)))


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait after `attempts` failed attempts."""
    return RETRY_BACKOFF[min(max(attempts, 1), len(RETRY_BACKOFF)) - 1]


# --- notify -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One notification to write for each of its recipients (the arguments of `notify`)."""

    recipients: Iterable
    kind: str
    title: str
    body: str = ""
    link: str = ""
    project: object = None  # a Project or its id
    urgent: bool = False
    channels: Sequence[str] = (DeliveryChannel.IN_APP,)
    dedupe_key: str | None = None
    not_before: dt.datetime | None = None
    params: dict | None = None


def notify(
    *,
    recipients: Iterable,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    project=None,
    urgent: bool = False,
    channels: Sequence[str] = (DeliveryChannel.IN_APP,),
    dedupe_key: str | None = None,
    not_before: dt.datetime | None = None,
    params: dict | None = None,
) -> list[Notification]:
    """Notify each of `recipients` (users; inactive ones and repeats are left out) and
    return the notifications created.

    - `channels`: any of "in_app", "sms", "wechat"; in-app is always added. A recipient
      without an address on a channel gets a delivery recorded as skipped.
    - `dedupe_key`: at most one notification per recipient and key, ever — a repeated
      call (a re-run sweep, two workers racing) creates nothing for that recipient. Make
      it specific: "sla:<clock id>:<level id>", "loan-overdue:<loan id>:<date>".
    - `not_before`: an aware datetime; until then the notification is not in the inbox
      and nothing is sent (the sweep delivers it within a minute of that time).
    - `params`: structured values for a provider's message template (SMS / WeChat).
    """
    message = Message(
        recipients=recipients,
        kind=kind,
        title=title,
        body=body,
        link=link,
        project=project,
        urgent=urgent,
        channels=channels,
        dedupe_key=dedupe_key,
        not_before=not_before,
        params=params,
    )
    return notify_many([message])[0]


@transaction.atomic
def notify_many(messages: Sequence[Message]) -> list[list[Notification]]:
    """`notify` for many messages at once (the SLA sweep's batch), in a fixed number of
    queries however many messages and recipients: the notifications created for each
    message, in order. A message that would be refused by `notify` refuses the lot."""
    for message in messages:
        _check(message)
    now = timezone.now()
    plans = [(message, _channel_codes(message.channels), _active_unique(message.recipients)) for message in messages]
    addresses = _addresses(plans)
    taken = _taken({(user.pk, message.dedupe_key) for message, _codes, users in plans if message.dedupe_key for user in users})
    rows: list[tuple[int, Notification]] = []
    for index, (message, _codes, users) in enumerate(plans):
        fields = _fields(message, now)
        for user in users:
            if message.dedupe_key:
                if (user.pk, message.dedupe_key) in taken:
                    continue
                taken.add((user.pk, message.dedupe_key))
            rows.append((index, Notification(recipient=user, dedupe_key=message.dedupe_key or "", **fields)))
    created: list[list[Notification]] = [[] for _ in messages]
    deliveries: list[Delivery] = []
    for index, notification in _insert(rows):
        message, codes, _users = plans[index]
        created[index].append(notification)
        deferred = message.not_before is not None and message.not_before > now
        due_at = message.not_before if deferred else now
        for code in codes:
            address = "" if code == DeliveryChannel.IN_APP else addresses[code][notification.recipient_id]
            deliveries.append(_new_delivery(notification, code, address, now=now, due_at=due_at, deferred=deferred))
    Delivery.objects.bulk_create(deliveries)
    to_send = [d.pk for d in deliveries if d.status == DeliveryStatus.PENDING and d.next_attempt_at <= now]
    if to_send:
        transaction.on_commit(partial(_enqueue, to_send), robust=True)
    return created


def _check(message: Message) -> None:
    if not message.kind or not message.title:
        raise ValueError("notify() needs a kind and a title")
    if len(message.kind) > 64 or len(message.dedupe_key or "") > 200:
        raise ValueError("kind is at most 64 characters and dedupe_key at most 200")
    if message.not_before is not None and timezone.is_naive(message.not_before):
        raise ValueError("not_before must be an aware datetime")


def _fields(message: Message, now: dt.datetime) -> dict:
    return {
        "project_id": getattr(message.project, "pk", message.project),
        "kind": message.kind,
        "title": message.title[:200],
        "body": message.body,
        "link": message.link,
        "params": message.params or {},
        "severity": Severity.URGENT if message.urgent else Severity.NORMAL,
        "not_before": message.not_before,
        "created_at": now,
    }


def _addresses(plans) -> dict[str, dict[int, str]]:
    """{external channel: {user id: address}} for every recipient of every message, one
    look-up per channel."""
    users_by_code: dict[str, dict[int, object]] = {}
    for _message, codes, users in plans:
        for code in codes:
            if code != DeliveryChannel.IN_APP:
                users_by_code.setdefault(code, {}).update((user.pk, user) for user in users)
    return {code: get_channel(code).addresses(list(users.values())) for code, users in users_by_code.items()}


def _taken(keys: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """The (recipient id, dedupe key) pairs among `keys` that exist already."""
    if not keys:
        return set()
    found = Notification.objects.filter(
        recipient_id__in={user_id for user_id, _key in keys}, dedupe_key__in={key for _user_id, key in keys}
    ).values_list("recipient_id", "dedupe_key")
    return set(found) & keys


def _insert(rows: list[tuple[int, Notification]]) -> list[tuple[int, Notification]]:
    """Write the notifications in one statement; when a concurrent call wrote one of the
    same recipient and key meanwhile, one by one instead, leaving that one out."""
    try:
        with transaction.atomic():
            Notification.objects.bulk_create([notification for _index, notification in rows])
        return rows
    except IntegrityError:
        written = []
        for index, notification in rows:
            fields = {f.name: getattr(notification, f.name) for f in Notification._meta.concrete_fields if not f.primary_key}
            recipient, dedupe_key = fields.pop("recipient"), fields.pop("dedupe_key")
            again = _create(recipient=recipient, dedupe_key=dedupe_key, fields=fields)
            if again is not None:
                written.append((index, again))
        return written


def _channel_codes(channels: Sequence[str]) -> list[str]:
    if isinstance(channels, str):
        channels = [channels]
    codes = [DeliveryChannel.IN_APP.value]
    for code in channels:
        get_channel(code)  # refuses an unknown channel
        if str(code) not in codes:
            codes.append(str(code))
    return codes


def _active_unique(recipients: Iterable) -> list:
    seen: set[int] = set()
    users = []
    for user in recipients:
        if user is None or not user.is_active or user.pk in seen:
            continue
        seen.add(user.pk)
        users.append(user)
    return users


def _create(*, recipient, dedupe_key: str, fields: dict) -> Notification | None:
    """A new notification, or None when `recipient` already has one with `dedupe_key`.

    The unique constraint (recipient, dedupe_key) decides: a concurrent insert of the
    same key waits for the other transaction and then fails inside the savepoint, so
    exactly one survives on PostgreSQL as on SQLite."""
    if not dedupe_key:
        return Notification.objects.create(recipient=recipient, **fields)
    if Notification.objects.filter(recipient=recipient, dedupe_key=dedupe_key).exists():
        return None
    try:
        with transaction.atomic():
            return Notification.objects.create(recipient=recipient, dedupe_key=dedupe_key, **fields)
    except IntegrityError:
        if Notification.objects.filter(recipient=recipient, dedupe_key=dedupe_key).exists():
            return None
        raise


def _new_delivery(notification, code: str, address: str, *, now, due_at, deferred: bool) -> Delivery:
    delivery = Delivery(
        notification=notification,
        channel=code,
        address=address,
        next_attempt_at=due_at,
        created_at=now,
        updated_at=now,
    )
    if code == DeliveryChannel.IN_APP and not deferred:
        # The row is the inbox: delivered as it is written.
        delivery.status, delivery.attempts, delivery.sent_at = DeliveryStatus.SENT, 1, now
    elif code != DeliveryChannel.IN_APP and not address:
        delivery.status, delivery.error = DeliveryStatus.SKIPPED, get_channel(code).missing_address()
    return delivery


def _enqueue(delivery_ids: list[int]) -> None:
    """Hand deliveries to workers (after commit). A lost message is not lost work: the
    sweep finds the delivery still pending."""
    from propdesk.notifications.tasks import deliver

    for delivery_id in delivery_ids:
        deliver.delay(delivery_id)


# --- reading ----------------------------------------------------------------------------


def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark one notification read (once; the first read time stays)."""
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    """Mark every due unread notification of `user` read; the number marked."""
    return selectors.notifications_for(user).filter(read_at__isnull=True).update(read_at=timezone.now())


# --- delivery ---------------------------------------------------------------------------


def _claimable(now: dt.datetime) -> Q:
    """Pending deliveries whose time has come, and claims that stalled (the worker died
    mid-send) with attempts left."""
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - CLAIM_LEASE, attempts__lt=max_attempts()
    )


def delivery_attempt(*, delivery_id: int) -> Delivery | None:
    """Claim delivery `delivery_id` and send it once; None when it is not claimable (sent
    already, another worker holds it, or its time has not come)."""
    now = timezone.now()
    claimed = Delivery.objects.filter(_claimable(now), pk=delivery_id).update(
        status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
    )
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("notification").get(pk=delivery_id)
    result = get_channel(delivery.channel).send(delivery)
    return event_record(delivery, result)


def event_record(delivery: Delivery, result: ChannelResult) -> Delivery:
    """Write the outcome of the attempt the caller claimed (and only that attempt)."""
    now = timezone.now()
    changes: dict = {"updated_at": now, "error": result.error}
    if result.status == DeliveryStatus.SENT:
        changes.update(status=DeliveryStatus.SENT, sent_at=now, provider_message_id=result.provider_message_id[:128])
    elif result.status == DeliveryStatus.SKIPPED:
        changes.update(status=DeliveryStatus.SKIPPED)
    elif result.retry and delivery.attempts < max_attempts():
        changes.update(status=DeliveryStatus.PENDING, next_attempt_at=now + retry_delay(delivery.attempts))
        logger.info("notification delivery %s failed (attempt %s), will retry: %s", delivery.pk, delivery.attempts, result.error)
    else:
        changes.update(status=DeliveryStatus.FAILED)
        logger.warning(
            "notification delivery %s failed for good after %s attempts: %s", delivery.pk, delivery.attempts, result.error
        )
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING, attempts=delivery.attempts).update(**changes)
    delivery.refresh_from_db()
    return delivery


def deliveries_due(*, limit: int = SWEEP_BATCH) -> list[int]:
    """The sweep: deliver due in-app rows at once (they need no worker), give up on
    stalled claims without attempts left, and return the external deliveries to hand to
    workers — deferred ones whose time has come, retries, lost tasks, stalled claims."""
    now = timezone.now()
    Delivery.objects.filter(channel=DeliveryChannel.IN_APP, status=DeliveryStatus.PENDING, next_attempt_at__lte=now).update(
        status=DeliveryStatus.SENT, sent_at=now, attempts=F("attempts") + 1, updated_at=now
    )
    Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - CLAIM_LEASE, attempts__gte=max_attempts()).update(
        status=DeliveryStatus.FAILED, error=_("发送中断，已达最多尝试次数"), updated_at=now
    )
    due = Delivery.objects.filter(_claimable(now)).order_by("next_attempt_at", "pk")
    return list(due.values_list("pk", flat=True)[:limit])


@transaction.atomic
def delivery_retry(*, delivery: Delivery) -> Delivery:
    """Send a failed delivery again with a fresh set of attempts (e.g. after a provider
    outage); other statuses are left alone."""
    now = timezone.now()
    changed = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, updated_at=now
    )
    if changed:
        transaction.on_commit(partial(_enqueue, [delivery.pk]), robust=True)
    delivery.refresh_from_db()
    return delivery


# --- addresses --------------------------------------------------------------------------


@transaction.atomic
def channel_address_set(*, user, channel: str, address: str) -> ChannelAddress | None:
    """Record (or, with an empty address, remove) `user`'s address on `channel` — e.g.
    the WeChat openid once the user has followed the service account."""
    if channel not in (DeliveryChannel.WECHAT,):
        raise ValueError(f"addresses on {channel!r} are not kept in ChannelAddress")
    address = address.strip()
    if not address:
        ChannelAddress.objects.filter(user=user, channel=channel).delete()
        return None
    row, _created = ChannelAddress.objects.update_or_create(user=user, channel=channel, defaults={"address": address})
    return row
