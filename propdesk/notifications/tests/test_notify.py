"""`notify`: one notification per recipient, one delivery per channel (in-app always),
external deliveries sent after commit through the configured backend, every outcome
recorded; dedupe keys; recipients by role."""

from __future__ import annotations

import logging

import pytest

from propdesk.accounts.models import Membership, User
from propdesk.accounts.roles import Role
from propdesk.notifications.choices import DeliveryChannel, DeliveryStatus, Severity
from propdesk.notifications.models import ChannelAddress, Delivery, Notification
from propdesk.notifications.selectors import StaffByRole, staff_with_role, unread_count
from propdesk.notifications.services import channel_address_set, notify

OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


def _with_addresses(user, mobile="13812345678", openid=OPENID):
    user.mobile = mobile
    user.save(update_fields=["mobile"])
    if openid:
        channel_address_set(user=user, channel=DeliveryChannel.WECHAT, address=openid)
    return user


def _notify(world, **kwargs):
    defaults = {
        "recipients": [world.supervisor],
        "kind": "ticket.escalated",
        "title": "工单 T-001 超时未派工",
        "body": "3 栋 2 单元 1201 报修已超时 10 分钟。",
        "link": "/tickets/1/",
        "project": world.project_a,
    }
    return notify(**(defaults | kwargs))


def test_notify_in_app_only_is_delivered_at_once(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        [notification] = _notify(world)
    assert callbacks == []  # nothing for a worker to do
    assert notification.recipient == world.supervisor and notification.project == world.project_a
    assert notification.severity == Severity.NORMAL and notification.is_unread
    [delivery] = notification.deliveries.all()
    assert (delivery.channel, delivery.status, delivery.attempts) == (DeliveryChannel.IN_APP, DeliveryStatus.SENT, 1)
    assert delivery.sent_at is not None
    assert unread_count(world.supervisor) == 1 and unread_count(world.assistant) == 0


def test_notify_sms_and_wechat_console_backend_records_sent(world, django_capture_on_commit_callbacks, caplog):
    _with_addresses(world.supervisor)
    caplog.set_level(logging.INFO, logger="propdesk.notifications")
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = _notify(world, channels=("sms", "wechat"), urgent=True)
    deliveries = {d.channel: d for d in notification.deliveries.all()}
    assert set(deliveries) == {"in_app", "sms", "wechat"}  # in-app always
    for channel in ("sms", "wechat"):
        delivery = deliveries[channel]
        assert delivery.status == DeliveryStatus.SENT, delivery.error
        assert delivery.attempts == 1 and delivery.sent_at and delivery.error == ""
        assert delivery.provider_message_id == f"console-{delivery.pk}"
    assert deliveries["sms"].address == "13812345678"
    assert deliveries["sms"].masked_address == "138****5678"
    assert deliveries["wechat"].address == OPENID and deliveries["wechat"].masked_address == "oUpF****eS6o"
    assert notification.severity == Severity.URGENT
    log = caplog.text
    assert "138****5678" in log and "13812345678" not in log  # the log masks the address
    assert "工单 T-001 超时未派工" in log and "【紧急】" in log


def test_external_deliveries_wait_for_the_commit(world, django_capture_on_commit_callbacks):
    """Nothing is sent while the caller's transaction may still roll back."""
    _with_addresses(world.supervisor)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        [notification] = _notify(world, channels=["sms"])
    assert len(callbacks) == 1
    assert notification.deliveries.get(channel="sms").status == DeliveryStatus.PENDING
    callbacks[0]()
    assert notification.deliveries.get(channel="sms").status == DeliveryStatus.SENT


def test_recipient_without_address_is_recorded_as_skipped(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        [notification] = _notify(world, channels=("sms", "wechat"))
    assert callbacks == []
    deliveries = {d.channel: d for d in notification.deliveries.all()}
    assert deliveries["sms"].status == DeliveryStatus.SKIPPED and deliveries["sms"].error == "未登记手机号"
    assert deliveries["wechat"].status == DeliveryStatus.SKIPPED and deliveries["wechat"].error == "未绑定微信"
    assert deliveries["in_app"].status == DeliveryStatus.SENT


def test_each_recipient_once_and_inactive_users_left_out(world):
    gone = world.users[("supervisor", "b")]
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    created = _notify(world, recipients=[world.supervisor, world.supervisor, world.users[("manager", "a")], gone])
    assert sorted(n.recipient.username for n in created) == ["manager_a", "supervisor_a"]
    assert Notification.objects.count() == 2 and Delivery.objects.count() == 2
    assert _notify(world, recipients=[]) == []


def test_unknown_channel_and_naive_time_are_refused(world):
    import datetime as dt

    with pytest.raises(ValueError, match="unknown notification channel"):
        _notify(world, channels=("fax",))
    with pytest.raises(ValueError, match="aware"):
        _notify(world, not_before=dt.datetime(2030, 1, 1, 8, 30))
    with pytest.raises(ValueError, match="at most"):
        _notify(world, dedupe_key="k" * 201)
    assert not Notification.objects.exists()


def test_same_dedupe_key_twice_makes_one_notification(world, django_capture_on_commit_callbacks):
    """One alert per SLA clock × escalation level: a re-run sweep sends nothing twice."""
    _with_addresses(world.supervisor)
    key = "sla:41:level-2"
    with django_capture_on_commit_callbacks(execute=True):
        first = _notify(world, dedupe_key=key, channels=("sms",))
        second = _notify(world, dedupe_key=key, channels=("sms",))
    assert len(first) == 1 and second == []
    assert Notification.objects.filter(recipient=world.supervisor, dedupe_key=key).count() == 1
    assert Delivery.objects.filter(channel="sms").count() == 1


def test_dedupe_key_is_per_recipient(world):
    key = "complaint-major:7"
    assert len(_notify(world, dedupe_key=key)) == 1
    # The manager has not had it yet; the supervisor has.
    created = _notify(world, dedupe_key=key, recipients=[world.supervisor, world.users[("manager", "a")]])
    assert [n.recipient for n in created] == [world.users[("manager", "a")]]
    # No key: every call is a new notification.
    _notify(world)
    _notify(world)
    assert Notification.objects.filter(recipient=world.supervisor).count() == 3


def test_staff_with_role_in_a_project(world):
    supervisors = staff_with_role(world.project_a, Role.SUPERVISOR)
    assert list(supervisors) == [world.supervisor]
    both = staff_with_role(world.project_a, [Role.SUPERVISOR, Role.MANAGER])
    assert {u.username for u in both} == {"supervisor_a", "manager_a"}
    # Head office holds its role company-wide (membership without a project).
    head_office = world.users[("head_office", "*")]
    assert list(staff_with_role(world.project_a, Role.HEAD_OFFICE)) == [head_office]
    assert list(staff_with_role(world.project_b.pk, Role.HEAD_OFFICE)) == [head_office]
    assert list(staff_with_role(world.project_a, Role.HEAD_OFFICE, company_wide=False)) == []
    assert list(staff_with_role(None, Role.HEAD_OFFICE)) == [head_office]
    assert list(staff_with_role(None, Role.HEAD_OFFICE, company_wide=False)) == []


def test_staff_with_role_leaves_out_inactive_residents_and_other_roles(world):
    manager_a = world.users[("manager", "a")]
    # A user with two roles in the project is listed once; another role of a user does not leak.
    Membership.objects.create(user=manager_a, project=world.project_a, role=Role.SUPERVISOR)
    Membership.objects.create(user=manager_a, project=world.project_b, role=Role.ENGINEER)
    assert {u.username for u in staff_with_role(world.project_a, [Role.SUPERVISOR, Role.MANAGER])} == {
        "supervisor_a",
        "manager_a",
    }
    assert manager_a not in staff_with_role(world.project_b, Role.MANAGER)
    world.supervisor.is_active = False
    world.supervisor.save(update_fields=["is_active"])
    assert world.supervisor not in staff_with_role(world.project_a, Role.SUPERVISOR)
    resident = User.objects.create_user("odd", kind=User.Kind.RESIDENT)
    Membership.objects.create(user=resident, project=world.project_a, role=Role.SUPERVISOR)
    assert resident not in staff_with_role(world.project_a, Role.SUPERVISOR)


def test_staff_by_role_answers_every_lookup_as_staff_with_role_in_one_query(world, django_assert_num_queries):
    manager_a = world.users[("manager", "a")]
    Membership.objects.create(user=manager_a, project=world.project_a, role=Role.SUPERVISOR)  # listed once
    Membership.objects.create(user=manager_a, project=world.project_b, role=Role.ENGINEER)
    resident = User.objects.create_user("odd", kind=User.Kind.RESIDENT)
    Membership.objects.create(user=resident, project=world.project_a, role=Role.SUPERVISOR)
    world.supervisor.is_active = False
    world.supervisor.save(update_fields=["is_active"])
    projects = [world.project_a.pk, world.project_b.pk]
    lookups = [
        (project, roles)
        for project in projects
        for roles in ((Role.SUPERVISOR,), (Role.SUPERVISOR, Role.MANAGER), (Role.HEAD_OFFICE,), (Role.ENGINEER, Role.MANAGER))
    ]
    with django_assert_num_queries(1):
        found = StaffByRole(projects, {role for _p, roles in lookups for role in roles})
        answers = {lookup: found.of(*lookup) for lookup in lookups}
    for (project, roles), users in answers.items():
        assert users == list(staff_with_role(project, roles)), (project, roles)
    assert answers[(world.project_a.pk, (Role.SUPERVISOR, Role.MANAGER))] == [manager_a]


def test_staff_with_role_feeds_notify(world, django_assert_max_num_queries):
    recipients = staff_with_role(world.project_a, [Role.SUPERVISOR, Role.MANAGER])
    with django_assert_max_num_queries(12):
        created = notify(recipients=recipients, kind="complaint.major", title="重大投诉", urgent=True, channels=("sms", "wechat"))
    assert len(created) == 2


def test_channel_address_set_replaces_and_removes(world):
    channel_address_set(user=world.supervisor, channel="wechat", address=" openid-1 ")
    channel_address_set(user=world.supervisor, channel="wechat", address="openid-2")
    assert ChannelAddress.objects.get(user=world.supervisor).address == "openid-2"
    channel_address_set(user=world.supervisor, channel="wechat", address="")
    assert not ChannelAddress.objects.exists()
    with pytest.raises(ValueError):
        channel_address_set(user=world.supervisor, channel="sms", address="13812345678")
