"""Customer care (客户关怀, ARC-6): birthday greetings 2–7 days ahead, festivals, once each."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from propdesk.core.errors import DomainError
from propdesk.notifications.models import Notification
from propdesk.outreach.care import birth_date, care_greeting_send, care_task_close, care_tasks_build, next_birthday
from propdesk.outreach.choices import CareOccasion, CareStatus
from propdesk.outreach.festivals import LUNAR, festivals_between
from propdesk.outreach.models import CareTask
from propdesk.outreach.risks import months_before
from propdesk.outreach.services import outreach_policy_set
from propdesk.residents.models import Person

from .conftest import at, make_house

pytestmark = pytest.mark.django_db


def born(days_ahead: int, today=dt.date(2026, 11, 16)) -> dt.date:
    day = today + dt.timedelta(days=days_ahead)
    return day.replace(year=1980)


def test_arc6_birthday_window_is_two_to_seven_days_ahead(world, clock):
    houses = {ahead: make_house(world.project_a, "1", f"{ahead + 1}01", birthday=born(ahead)) for ahead in (0, 1, 2, 5, 7, 8)}
    assert care_tasks_build(project=world.project_a, today=dt.date(2026, 11, 16)) == 3
    tasks = CareTask.objects.filter(occasion=CareOccasion.BIRTHDAY)
    assert {t.house_id for t in tasks} == {houses[2].pk, houses[5].pk, houses[7].pk}
    assert {t.occasion_date for t in tasks} == {dt.date(2026, 11, 18), dt.date(2026, 11, 21), dt.date(2026, 11, 23)}
    outreach_policy_set(project=world.project_a, by=world.supervisor, birthday_from=0, birthday_to=1)
    assert care_tasks_build(project=world.project_a, today=dt.date(2026, 11, 16)) == 2


def test_arc6_birthday_from_the_id_number_when_no_birth_date_is_recorded(world, clock):
    Person.objects.filter(pk=world.person_a.pk).update(birthday=None)  # 110101199003076632: born 1990-03-07
    world.person_a.refresh_from_db()
    assert birth_date(world.person_a) == dt.date(1990, 3, 7)
    assert care_tasks_build(project=world.project_a, today=dt.date(2027, 3, 2)) == 1
    task = CareTask.objects.get()
    assert (task.person, task.occasion_date, task.house) == (world.person_a, dt.date(2027, 3, 7), world.house_a)


def test_arc6_next_birthday_over_the_year_end_and_29_february():
    assert next_birthday(dt.date(1980, 1, 2), dt.date(2026, 12, 30)) == dt.date(2027, 1, 2)
    assert next_birthday(dt.date(1980, 12, 30), dt.date(2026, 12, 30)) == dt.date(2026, 12, 30)
    assert next_birthday(dt.date(1992, 2, 29), dt.date(2027, 2, 20)) == dt.date(2027, 2, 28)
    assert next_birthday(dt.date(1992, 2, 29), dt.date(2028, 2, 20)) == dt.date(2028, 2, 29)


def test_arc6_daily_run_never_creates_a_task_twice(world, clock):
    make_house(world.project_a, "1", "101", birthday=born(5))
    make_house(world.project_a, "1", "201")
    make_house(world.project_a, "1", "301", status="vacant")  # nobody living there: no festival greeting
    today = dt.date(2026, 9, 20)  # 中秋 2026-09-25 and 国庆 10-01 ahead
    outreach_policy_set(project=world.project_a, by=world.supervisor, festival_ahead=14)
    first = care_tasks_build(project=world.project_a, today=today)
    festival = CareTask.objects.exclude(occasion=CareOccasion.BIRTHDAY)
    assert {(t.occasion, t.occasion_date) for t in festival} == {
        (CareOccasion.MID_AUTUMN, dt.date(2026, 9, 25)),
        (CareOccasion.NATIONAL, dt.date(2026, 10, 1)),
    }
    assert festival.count() == 4  # two occupied households × two festivals
    assert care_tasks_build(project=world.project_a, today=today) == 0
    assert care_tasks_build(project=world.project_a, today=today + dt.timedelta(days=1)) == 0
    assert CareTask.objects.count() == first
    # A task done stays done; the next run does not bring it back.
    task = festival.first()
    care_task_close(task=task, by=world.assistant, method="phone")
    assert care_tasks_build(project=world.project_a, today=today + dt.timedelta(days=2)) == 0
    assert CareTask.objects.get(pk=task.pk).status == CareStatus.DONE


def test_arc6_lunar_festival_table_agrees_with_the_statutory_holidays():
    names = {
        CareOccasion.SPRING: "Spring Festival",
        CareOccasion.DRAGON_BOAT: "Dragon Boat Festival",
        CareOccasion.MID_AUTUMN: "Mid-autumn Festival",
    }
    for code, name in names.items():
        for year, day in LUNAR[code].items():
            try:
                is_holiday, holiday = chinese_calendar.get_holiday_detail(day)
            except NotImplementedError:
                continue  # the package does not know that year yet
            assert is_holiday and holiday == name, (code, year, day, holiday)
    assert [c for c, _d in festivals_between(dt.date(2026, 12, 25), dt.date(2027, 1, 5))] == [CareOccasion.NEW_YEAR]


def test_arc6_greeting_sent_through_notify_with_the_template(world, clock):
    make_house(world.project_a, "9", "101")
    Person.objects.filter(pk=world.person_a.pk).update(birthday=born(3))
    care_tasks_build(project=world.project_a, today=dt.date(2026, 11, 16))
    task = CareTask.objects.get(person=world.person_a)
    outreach_policy_set(project=world.project_a, by=world.supervisor, greeting_template="{name}您好，{project}祝您{occasion}快乐")
    care_greeting_send(task=task, by=world.assistant, channel="sms")
    note = Notification.objects.get(recipient=world.resident_user, kind="care.greeting")
    assert note.body == "张三您好，阳光花园祝您生日快乐"
    task.refresh_from_db()
    assert (task.status, task.method, task.done_by) == (CareStatus.DONE, "sms", world.assistant) and task.message_sent_at
    with pytest.raises(DomainError) as error:
        care_greeting_send(task=task, by=world.assistant, channel="sms")
    assert error.value.code == "care_task_closed"
    stranger = Person.objects.get(project=world.project_a, name="住户9-101")  # no resident account
    other = CareTask.objects.create(
        project=world.project_a,
        key="t",
        house=world.house_a,
        person=stranger,
        occasion="birthday",
        occasion_date=dt.date(2026, 11, 20),
    )
    with pytest.raises(DomainError) as error:
        care_greeting_send(task=other, by=world.assistant, channel="sms")
    assert error.value.code == "care_no_account"
    with pytest.raises(DomainError) as error:
        outreach_policy_set(project=world.project_a, by=world.supervisor, greeting_template="{nam}")
    assert error.value.code == "care_template_invalid"


def test_arc6_skip_needs_a_reason(world, clock):
    make_house(world.project_a, "1", "101", birthday=born(4))
    care_tasks_build(project=world.project_a, today=dt.date(2026, 11, 16))
    task = CareTask.objects.get()
    with pytest.raises(DomainError):
        care_task_close(task=task, by=world.assistant, status=CareStatus.SKIPPED)
    with pytest.raises(DomainError):
        care_task_close(task=task, by=world.assistant, status=CareStatus.DONE, method="")
    done = care_task_close(task=task, by=world.assistant, status=CareStatus.SKIPPED, note="客户已搬离")
    assert done.status == CareStatus.SKIPPED and done.done_by == world.assistant


def test_arc6_daily_beat_task_builds_the_list(world, clock):
    from celery.schedules import crontab

    from propdesk.celery import app
    from propdesk.outreach.tasks import build_care_tasks

    entry = app.conf.beat_schedule["outreach-care-tasks"]
    assert entry["task"] == "propdesk.outreach.tasks.build_care_tasks" and isinstance(entry["schedule"], crontab)
    make_house(world.project_a, "1", "101", birthday=born(3))
    clock.set(at(2026, 11, 16, 6))
    assert build_care_tasks.delay().get() == 1
    assert build_care_tasks.delay().get() == 0


@given(birth=st.dates(dt.date(1920, 1, 1), dt.date(2020, 12, 31)), today=st.dates(dt.date(2021, 1, 1), dt.date(2035, 12, 31)))
def test_arc6_next_birthday_is_the_first_one_on_or_after_today(birth, today):
    day = next_birthday(birth, today)
    assert today <= day < today + dt.timedelta(days=366)
    assert (day.month, day.day) == (birth.month, birth.day) or (birth.month, birth.day, day.month, day.day) == (2, 29, 2, 28)
    # It is a fixed point, and the day after it the next one is a year on.
    assert next_birthday(birth, day) == day
    assert next_birthday(birth, day + dt.timedelta(days=1)).year == day.year + 1


@given(day=st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31)), months=st.integers(0, 24))
def test_risk_months_before_keeps_the_day_or_the_month_end(day, months):
    earlier = months_before(day, months)
    assert (day.year * 12 + day.month) - (earlier.year * 12 + earlier.month) == months
    assert earlier.day == day.day or (earlier.day < day.day and (earlier + dt.timedelta(days=1)).day == 1)
