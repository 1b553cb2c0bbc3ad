"""Demo outreach (small and default scales), so the pages are not empty:

- each project's visit quotas and care settings (the VIS-7 / ARC-6 defaults, saved);
- about fifteen proactive visits this month for the first project (阳光花园), made by its
  assistant from her suggested list — phone, on site and home visits (entering with the
  supervisor) — one raising an opinion that becomes a suggestion ticket, one unsatisfied;
- the care tasks of the coming days (the daily run for today), one already greeted.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from django.utils import timezone

from propdesk.outreach.care import care_task_close, care_tasks_build
from propdesk.outreach.choices import CareStatus, GreetingMethod, OpinionKind, OutreachMethod, Satisfaction
from propdesk.outreach.models import CareTask
from propdesk.outreach.selectors import month_start, suggested_households
from propdesk.outreach.services import outreach_policy_set, proactive_visit_record
from propdesk.residents.models import Occupancy

VISITS = 15
OPINION = "希望在3栋单元门口加装雨棚，下雨天进出不方便。"


def seed_outreach(*, projects, staff, rng: random.Random) -> Counter:
    counts: Counter = Counter()
    for index, project in enumerate(projects[:2]):
        lead = staff.get(("manager", index)) or staff.get(("supervisor", index))
        if lead is not None:
            outreach_policy_set(project=project, by=lead)
            counts["outreach.OutreachPolicy"] += 1
    if projects and ("assistant", 0) in staff:
        counts["outreach.ProactiveVisit"] += _visits(projects[0], staff, rng)
    today = timezone.localdate()
    for project in projects[:2]:
        counts["outreach.CareTask"] += care_tasks_build(project=project, today=today)
    assistant = staff.get(("assistant", 0))
    first = (
        CareTask.objects.filter(project=projects[0], status=CareStatus.OPEN).order_by("occasion_date", "pk").first()
        if projects
        else None
    )
    if first is not None and assistant is not None:
        care_task_close(
            task=first, by=assistant, status=CareStatus.DONE, method=GreetingMethod.PHONE, note="电话祝福，客户表示感谢"
        )
    return counts


def _visits(project, staff, rng: random.Random) -> int:
    assistant, partner = staff[("assistant", 0)], staff.get(("supervisor", 0))
    today = timezone.localdate()
    month = month_start(today)
    suggestions = suggested_households(project_id=project.pk, visitor=assistant, month=month)[:VISITS]
    done = 0
    for position, suggestion in enumerate(suggestions):
        house = suggestion.house
        day = month + dt.timedelta(days=rng.randrange((today - month).days + 1))
        occupancy = Occupancy.objects.filter(house=house, end_date__isnull=True).select_related("person").first()
        method = rng.choice([OutreachMethod.PHONE, OutreachMethod.PHONE, OutreachMethod.ON_SITE, OutreachMethod.HOME])
        entered = method == OutreachMethod.HOME and partner is not None
        appointment = timezone.make_aware(dt.datetime.combine(day, dt.time(15, 0))) if method == OutreachMethod.HOME else None
        satisfaction = rng.choice(
            [Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED, Satisfaction.SATISFIED, Satisfaction.FAIR]
        )
        opinion_kind, opinions = "", ""
        if position == 0:
            method, entered, appointment = OutreachMethod.ON_SITE, False, None
            opinion_kind, opinions, satisfaction = OpinionKind.SUGGESTION, OPINION, Satisfaction.FAIR
        elif position == 1:
            satisfaction, opinions = Satisfaction.UNSATISFIED, "反映楼道保洁不及时，已解释并转保洁部跟进。"
        proactive_visit_record(
            project=project,
            house=house,
            by=assistant,
            person=occupancy.person if occupancy else None,
            visited_on=day,
            method=method,
            appointment_at=appointment,
            entered_home=entered,
            companion=partner if entered else None,
            satisfaction=satisfaction,
            opinions=opinions,
            opinion_kind=opinion_kind,
            note="征询对物业服务的意见" if not opinions else "",
        )
        done += 1
    return done
