"""Customer care (客户关怀, ARC-6): the daily run that lists the greetings to make —
birthdays 2–7 days ahead and festivals — and the greeting itself.

    care_tasks_build(project=…, today=…)   → tasks created (a repeated run creates none)
    care_task_close(task=…, by=…, status=…, method=…, note=…)
    care_greeting_send(task=…, by=…, channel="sms"|"wechat")   ← notifications.notify
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.errors import DomainError
from propdesk.core.idcard import InvalidResidentId, parse_resident_id
from propdesk.estate.models import Project
from propdesk.outreach.choices import OCCUPIED_STATUSES, CareOccasion, CareStatus, GreetingMethod
from propdesk.outreach.festivals import festivals_between
from propdesk.outreach.models import CareTask
from propdesk.outreach.services import outreach_policy
from propdesk.residents.choices import IdType, OccupantRole
from propdesk.residents.models import Occupancy, Person

# --- birthdays --------------------------------------------------------------------------------


def birth_date(person: Person) -> dt.date | None:
    """The person's birth date: the recorded one, else the one in a valid resident ID."""
    if person.birthday:
        return person.birthday
    if person.id_type == IdType.RESIDENT_ID and person.id_number:
        try:
            return parse_resident_id(person.id_number)
        except InvalidResidentId:
            return None
    return None


def birthday_in(birth: dt.date, year: int) -> dt.date:
    """The birthday in `year` (29 February is kept on the 28th in common years)."""
    try:
        return birth.replace(year=year)
    except ValueError:
        return dt.date(year, 2, 28)


def next_birthday(birth: dt.date, today: dt.date) -> dt.date:
    """The first birthday on or after `today`."""
    day = birthday_in(birth, today.year)
    return day if day >= today else birthday_in(birth, today.year + 1)


# --- the daily run ------------------------------------------------------------------------------

_GREETED_FIRST = {OccupantRole.OWNER: 0, OccupantRole.CO_OWNER: 1, OccupantRole.TENANT: 2}


def _household_contacts(project_id: int) -> dict[int, Person]:
    """{house id: the person greeted for the household} over occupied houses: the primary
    contact, else the owner, co-owner, tenant, anyone."""
    occupancies = (
        Occupancy.objects.filter(project_id=project_id, end_date__isnull=True, house__status__in=OCCUPIED_STATUSES)
        .select_related("person")
        .order_by("house_id", "pk")
    )
    best: dict[int, tuple[tuple, Person]] = {}
    for occupancy in occupancies:
        rank = (not occupancy.is_primary_contact, _GREETED_FIRST.get(occupancy.role, 9), occupancy.pk)
        if occupancy.house_id not in best or rank < best[occupancy.house_id][0]:
            best[occupancy.house_id] = (rank, occupancy.person)
    return {house_id: person for house_id, (_rank, person) in best.items()}


@transaction.atomic
def care_tasks_build(*, project: Project, today: dt.date | None = None) -> int:
    """List the greetings due (ARC-6): each resident whose birthday falls `birthday_from`–
    `birthday_to` days ahead, and each occupied household for a festival within
    `festival_ahead` days. A task is made once, ever (its key): a daily run, a repeated
    run or two runs at once never make it twice. Returns the number created."""
    today = today or timezone.localdate()
    policy = outreach_policy(project)
    first, last = today + dt.timedelta(days=policy.birthday_from), today + dt.timedelta(days=policy.birthday_to)
    wanted: dict[str, CareTask] = {}
    residents = (
        Occupancy.objects.filter(project=project, end_date__isnull=True)
        .select_related("person")
        .order_by("person_id", "-is_primary_contact", "pk")
    )
    seen: set[int] = set()
    for occupancy in residents:
        person = occupancy.person
        if person.pk in seen:
            continue
        seen.add(person.pk)
        birth = birth_date(person)
        if birth is None:
            continue
        day = next_birthday(birth, first)
        if day <= last:
            key = f"birthday:{person.pk}:{day.isoformat()}"
            wanted[key] = CareTask(
                project=project,
                key=key,
                house_id=occupancy.house_id,
                person=person,
                occasion=CareOccasion.BIRTHDAY,
                occasion_date=day,
            )
    festivals = festivals_between(today, today + dt.timedelta(days=policy.festival_ahead))
    if festivals:
        households = _household_contacts(project.pk)
        for code, day in festivals:
            for house_id, person in households.items():
                key = f"{code}:{house_id}:{day.isoformat()}"
                wanted[key] = CareTask(
                    project=project, key=key, house_id=house_id, person=person, occasion=code, occasion_date=day
                )
    existing = set(CareTask.objects.filter(project=project, key__in=list(wanted)).values_list("key", flat=True))
    new = [task for key, task in wanted.items() if key not in existing]
    CareTask.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)  # a concurrent run's rows win
    return len(new)


def care_tasks_build_all(today: dt.date | None = None) -> int:
    """The daily run over every active project (Celery beat)."""
    return sum(care_tasks_build(project=project, today=today) for project in Project.objects.filter(active=True).order_by("pk"))


# --- greeting -----------------------------------------------------------------------------------


def _lock(task: CareTask, by) -> CareTask:
    scoping.require(by, Cap.VISIT_RECORD, task.project_id)
    task = CareTask.objects.select_for_update().get(pk=task.pk)
    if task.status != CareStatus.OPEN:
        raise DomainError("care_task_closed", _("该关怀任务已处理"), field="task", rule="ARC-6")
    return task


@transaction.atomic
def care_task_close(*, task: CareTask, by, status: str = CareStatus.DONE, method: str = "", note: str = "") -> CareTask:
    """Mark a greeting made (how, by whom, when) or not to be made (with a reason)."""
    task = _lock(task, by)
    if status == CareStatus.DONE:
        if method not in GreetingMethod.values:
            raise DomainError("care_method_required", _("请选择问候方式"), field="method", rule="ARC-6")
    elif status == CareStatus.SKIPPED:
        if not note.strip():
            raise DomainError("care_skip_reason", _("不问候时请填写原因"), field="note", rule="ARC-6")
        method = ""
    else:
        raise DomainError("care_status_invalid", _("状态无效"), field="status")
    task.status, task.method, task.note = status, method, note.strip()[:200]
    task.done_at, task.done_by = timezone.now(), by
    task.save(update_fields=["status", "method", "note", "done_at", "done_by"])
    return task


def greeting_text(task: CareTask) -> str:
    policy = outreach_policy(task.project_id)
    return policy.greeting_template.format(
        name=task.person.name,
        occasion=task.get_occasion_display(),
        project=task.project.name,
        phone=task.project.service_phone,
    )


@transaction.atomic
def care_greeting_send(*, task: CareTask, by, channel: str) -> CareTask:
    """Send the greeting by SMS or WeChat through the notification service (the project's
    template) to the customer's resident account, and mark the task done."""
    from propdesk.notifications.services import notify

    task = _lock(task, by)
    if channel not in (GreetingMethod.SMS, GreetingMethod.WECHAT):
        raise DomainError("care_channel_invalid", _("只能通过短信或微信发送问候"), field="method", rule="ARC-6")
    account = task.person.account
    if account is None or not account.is_active:
        raise DomainError(
            "care_no_account", _("该客户未绑定住户账号，无法发送短信/微信问候，请电话或上门问候"), field="method", rule="ARC-6"
        )
    text = greeting_text(task)
    notify(
        recipients=[account],
        kind="care.greeting",
        title=_("%(occasion)s问候") % {"occasion": task.get_occasion_display()},
        body=text,
        project=task.project,
        channels=[channel],
        dedupe_key=f"care:{task.pk}",
        params={"name": task.person.name, "occasion": str(task.get_occasion_display())},
    )
    now = timezone.now()
    task.status, task.method, task.done_at, task.done_by, task.message_sent_at = CareStatus.DONE, channel, now, by, now
    task.save(update_fields=["status", "method", "done_at", "done_by", "message_sent_at"])
    return task
