"""Emergencies (DESK-7, INC-2, INC-4) and the duty roster: the one click that notifies
whoever is on duty and the line above, the plan's checklist copied onto the ticket, the
caller kept informed, the written summary before the emergency is done."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from propdesk.core.errors import DomainError
from propdesk.desk import emergencies
from propdesk.desk.choices import Department, EmergencyKind, EmergencyStep, EventKind, Status, TicketType
from propdesk.desk.emergency_plans import PRESET_PLANS, emergency_plans_install
from propdesk.desk.models import DutyShift, EmergencyCheck, EmergencyPlan, TicketEvent
from propdesk.desk.services import ticket_assign, ticket_open, ticket_transition
from propdesk.notifications.models import Delivery, Notification
from propdesk.sla.models import SlaClock

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans(db):
    """The shipped plans, as the migration installs them (again if a test flushed them)."""
    emergency_plans_install()


def _raise(world, kind=EmergencyKind.BURST_PIPE, **fields):
    fields.setdefault("location", "3栋地下室水泵房")
    return ticket_open(
        project=world.project_a,
        type=TicketType.EMERGENCY,
        category=kind,
        title="地下室给水管爆管",
        by=world.assistant,
        reporter_name="巡逻保安",
        reporter_phone="13800001111",
        **fields,
    )


def _shift(world, role, department, *, start=-1, hours=8, project="a"):
    now = timezone.now()
    return emergencies.duty_shift_add(
        project=world.project_a if project == "a" else world.project_b,
        department=department,
        user=world.users[(role, project)],
        starts_at=now + dt.timedelta(hours=start),
        ends_at=now + dt.timedelta(hours=start + hours),
        by=world.supervisor if project == "a" else world.users[("supervisor", "b")],
    )[0]


# --- plans (INC-4) ---------------------------------------------------------------------------


def test_inc4_every_listed_event_has_a_shipped_plan(plans):
    assert set(PRESET_PLANS) == set(EmergencyKind.values)
    assert EmergencyPlan.objects.filter(project=None).count() == len(EmergencyKind.values)
    fire = EmergencyPlan.objects.get(kind=EmergencyKind.FIRE)
    assert fire.department == Department.SECURITY and any("119" in step for step in fire.step_list)
    assert emergency_plans_install() == 0  # installing again creates nothing


def test_inc4_installing_never_overwrites_an_edited_plan(plans):
    EmergencyPlan.objects.filter(kind=EmergencyKind.FIRE).update(steps="本公司自定步骤")
    emergency_plans_install()
    assert EmergencyPlan.objects.get(kind=EmergencyKind.FIRE).step_list == ["本公司自定步骤"]


def test_inc4_a_projects_own_plan_replaces_the_company_plan_there(world, plans):
    EmergencyPlan.objects.create(
        project=world.project_a, kind=EmergencyKind.ELEVATOR, department=Department.ENGINEERING, steps="通知维保单位\n盘车放人"
    )
    assert emergencies.plan_for(world.project_a.pk, EmergencyKind.ELEVATOR).project_id == world.project_a.pk
    assert emergencies.plan_for(world.project_b.pk, EmergencyKind.ELEVATOR).project_id is None


# --- the one click (DESK-7) ------------------------------------------------------------------


def test_desk7_emergency_needs_its_kind(world, plans):
    with pytest.raises(DomainError) as exc:
        _raise(world, kind="")
    assert exc.value.field == "category" and exc.value.rule == "INC-4"


def test_desk7_one_click_notifies_whoever_is_on_duty_and_the_line_above(world, plans):
    _shift(world, "engineer", Department.ENGINEERING)
    _shift(world, "guard", Department.ENGINEERING, start=-10, hours=8)  # shift over: not notified
    ticket = _raise(world)
    notified = set(Notification.objects.filter(kind="emergency").values_list("recipient", flat=True))
    # the engineer on duty; INC-2: supervisor and PM at once
    assert notified == {world.users[(r, "a")].pk for r in ("engineer", "supervisor", "manager")}
    assert ticket.department == Department.ENGINEERING  # from the plan
    urgent = Notification.objects.filter(kind="emergency").first()
    assert urgent.severity == "urgent"
    channels = set(Delivery.objects.filter(notification__kind="emergency").values_list("channel", flat=True))
    assert channels == {"in_app", "sms", "wechat"}
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.EMERGENCY)
    assert event.after["step"] == EmergencyStep.NOTIFIED and str(world.users[("engineer", "a")]) in event.note


def test_desk7_with_nobody_on_the_roster_the_departments_people_are_alarmed(world, plans):
    _raise(world, kind=EmergencyKind.FIRE)  # a security plan; no guard on duty
    notified = set(Notification.objects.filter(kind="emergency").values_list("recipient", flat=True))
    assert world.users[("guard", "a")].pk in notified
    assert world.users[("guard", "b")].pk not in notified  # never another project's guards


def test_desk7_the_clock_starts_with_the_emergency(world, plans, settings):
    from propdesk.sla.services import sla_install_presets

    sla_install_presets(variant="002")
    ticket = _raise(world)
    assert SlaClock.objects.filter(ticket=ticket).exists()
    ticket.refresh_from_db()
    assert ticket.next_deadline_at is not None


def test_inc4_the_plans_checklist_is_copied_onto_the_ticket(world, plans):
    ticket = _raise(world)
    steps = list(EmergencyCheck.objects.filter(ticket=ticket).values_list("text", flat=True))
    assert steps == list(PRESET_PLANS[EmergencyKind.BURST_PIPE][1])
    EmergencyPlan.objects.filter(kind=EmergencyKind.BURST_PIPE).update(steps="改过的步骤")
    assert EmergencyCheck.objects.filter(ticket=ticket).count() == len(steps)  # what was asked then stays


def test_inc4_a_step_is_ticked_once_with_who_and_when(world, plans):
    engineer = world.users[("engineer", "a")]
    ticket = _raise(world)
    check = emergencies.emergency_check(ticket=ticket, position=1, by=engineer)  # an alarmed responder
    assert check.done_by == engineer and check.done_at is not None
    first = check.done_at
    again = emergencies.emergency_check(ticket=ticket, position=1, by=world.supervisor)
    assert again.done_at == first and again.done_by == engineer
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.EMERGENCY, after__step=EmergencyStep.CHECKED).count() == 1
    with pytest.raises(DomainError) as exc:
        emergencies.emergency_check(ticket=ticket, position=99, by=engineer)
    assert exc.value.field == "position"


def test_desk7_someone_not_involved_cannot_tick_steps(world, plans):
    ticket = _raise(world, kind=EmergencyKind.FIRE)  # engineering is not alarmed for a fire
    with pytest.raises(DomainError) as exc:
        emergencies.emergency_check(ticket=ticket, position=1, by=world.users[("cleaner", "a")])
    assert exc.value.code == "emergency_not_yours"


def test_desk7_the_caller_is_kept_informed(world, plans):
    ticket = _raise(world)
    with pytest.raises(DomainError) as exc:
        emergencies.emergency_inform_caller(ticket=ticket, note=" ", by=world.assistant)
    assert exc.value.rule == "DESK-7"
    emergencies.emergency_inform_caller(
        ticket=ticket, note="已告知业主：工程部已关阀抢修，预计 2 小时恢复供水", by=world.assistant
    )
    event = TicketEvent.objects.filter(ticket=ticket, after__step=EmergencyStep.CALLER_INFORMED).get()
    assert "2 小时" in event.note


def test_inc4_no_emergency_is_done_without_its_written_summary(world, plans):
    engineer = world.users[("engineer", "a")]
    ticket = _raise(world)
    ticket_assign(ticket=ticket, assignee=engineer, by=world.assistant)
    ticket_transition(ticket=ticket, to_status=Status.IN_PROGRESS, by=engineer)
    with pytest.raises(DomainError) as exc:
        ticket_transition(ticket=ticket, to_status=Status.RESOLVED, by=engineer)
    assert exc.value.rule == "INC-4"
    with pytest.raises(DomainError):
        emergencies.emergency_summarise(ticket=ticket, summary="已处理", by=engineer)  # too short to say what happened
    emergencies.emergency_summarise(
        ticket=ticket,
        summary="22:10 巡逻发现 3 栋地下室给水管爆管，22:15 关阀，更换管段 1.5 米，次日 01:30 恢复供水。",
        by=engineer,
    )
    with pytest.raises(DomainError) as exc:
        emergencies.emergency_summarise(ticket=ticket, summary="再写一遍总结内容，不允许覆盖。", by=engineer)
    assert exc.value.code == "emergency_summary_exists"
    ticket = ticket_transition(ticket=ticket, to_status=Status.RESOLVED, by=engineer)
    assert ticket.status == Status.RESOLVED


def test_emergency_actions_refuse_other_ticket_types(world, plans):
    ticket = ticket_open(project=world.project_a, type=TicketType.INQUIRY, title="咨询停水", by=world.assistant)
    with pytest.raises(DomainError) as exc:
        emergencies.emergency_inform_caller(ticket=ticket, note="x", by=world.assistant)
    assert exc.value.code == "not_an_emergency"


# --- the duty roster ---------------------------------------------------------------------------


def test_duty_shift_repeats_the_same_hours_on_following_days(world):
    start = timezone.now().replace(hour=8, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    shifts = emergencies.duty_shift_add(
        project=world.project_a,
        department=Department.SECURITY,
        user=world.users[("guard", "a")],
        starts_at=start,
        ends_at=start + dt.timedelta(hours=12),
        by=world.supervisor,
        repeat_days=7,
    )
    assert [s.starts_at for s in shifts] == [start + dt.timedelta(days=d) for d in range(7)]
    assert all(s.ends_at - s.starts_at == dt.timedelta(hours=12) for s in shifts)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hours": -1}, "ends_at"),
        ({"hours": 25}, "ends_at"),
        ({"repeat_days": 0}, "repeat_days"),
        ({"department": "nowhere"}, "department"),
        ({"user": ("guard", "b")}, "user"),  # another project's guard
    ],
)
def test_duty_shift_bad_input_names_the_field(world, change, field):
    start = timezone.now() + dt.timedelta(hours=1)
    user = world.users[change.get("user", ("guard", "a"))]
    with pytest.raises(DomainError) as exc:
        emergencies.duty_shift_add(
            project=world.project_a,
            department=change.get("department", Department.SECURITY),
            user=user,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=change.get("hours", 8)),
            by=world.supervisor,
            repeat_days=change.get("repeat_days", 1),
        )
    assert exc.value.field == field
    assert not DutyShift.objects.exists()


def test_duty_roster_is_kept_by_dispatchers_only(world):
    start = timezone.now() + dt.timedelta(hours=1)
    with pytest.raises(Http404):
        emergencies.duty_shift_add(
            project=world.project_a,
            department=Department.SECURITY,
            user=world.users[("guard", "a")],
            starts_at=start,
            ends_at=start + dt.timedelta(hours=8),
            by=world.users[("guard", "a")],
        )


def test_a_shift_that_has_begun_stays_on_the_roster(world):
    running = _shift(world, "guard", Department.SECURITY, start=-1)
    later = _shift(world, "guard", Department.SECURITY, start=24)
    with pytest.raises(DomainError):
        emergencies.duty_shift_remove(shift=running, by=world.supervisor)
    emergencies.duty_shift_remove(shift=later, by=world.supervisor)
    assert list(DutyShift.objects.all()) == [running]
