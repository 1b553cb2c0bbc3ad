"""Household risk flags (客户风险标记) read by the house page, the suggested visit list
(VIS-7: flagged households first) and the lists:

- repeated complaints: ≥2 complaints in 90 days (REPEAT_COMPLAINTS);
- repeated repairs of one fault: ≥2 repairs of the same category in 60 days (REPEAT_REPAIRS);
- low satisfaction in the last 6 months: an unsatisfied return visit (VIS-2) or proactive
  visit (VIS-7), or an average score ≤2 (LOW_SATISFACTION).

`households_risks` computes them for many houses in a fixed number of queries;
`household_risks(house)` is the same for one.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.desk.choices import RepairTrade, Status, TicketType
from propdesk.desk.models import Ticket
from propdesk.followup.choices import VisitStatus
from propdesk.followup.models import ReturnVisit
from propdesk.outreach.choices import UNSATISFIED_AT_MOST
from propdesk.outreach.models import ProactiveVisit

COMPLAINT_DAYS, COMPLAINT_COUNT = 90, 2
REPAIR_DAYS, REPAIR_COUNT = 60, 2
SATISFACTION_MONTHS, LOW_AVERAGE = 6, 2

REPEAT_COMPLAINTS = "repeat_complaints"
REPEAT_REPAIRS = "repeat_repairs"
LOW_SATISFACTION = "low_satisfaction"


@dataclass(frozen=True)
class RiskFlag:
    code: str
    label: str
    detail: str


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` earlier (the month's last day when it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _start(on: dt.date, days: int) -> dt.datetime:
    """The aware start of the day `days` before `on` (project time is the server's)."""
    return timezone.make_aware(dt.datetime.combine(on - dt.timedelta(days=days - 1), dt.time.min))


def households_risks(
    house_ids: Iterable[int] | None = None, *, project_id: int | None = None, on: dt.date | None = None
) -> dict[int, list[RiskFlag]]:
    """{house id: its flags} for the houses that have any, as of the end of day `on`
    (today): the given houses, or every house of `project_id` (no long id list to send)."""
    if house_ids is not None:
        ids = list(house_ids)
        if not ids:
            return {}
        houses = Q(house_id__in=ids)
    elif project_id is not None:
        houses = Q(project_id=project_id, house__isnull=False)
    else:
        raise ValueError("households_risks needs house ids or a project")
    on = on or timezone.localdate()
    end = timezone.make_aware(dt.datetime.combine(on + dt.timedelta(days=1), dt.time.min))
    flags: dict[int, list[RiskFlag]] = defaultdict(list)
    live = ~Q(status=Status.CANCELLED)

    complaints = (
        Ticket.objects.filter(
            live, houses, type=TicketType.COMPLAINT, created_at__gte=_start(on, COMPLAINT_DAYS), created_at__lt=end
        )
        .values("house_id")
        .annotate(n=Count("id"))
        .filter(n__gte=COMPLAINT_COUNT)
    )
    for row in complaints:
        flags[row["house_id"]].append(
            RiskFlag(
                REPEAT_COMPLAINTS,
                _("重复投诉"),
                _("%(days)d 天内投诉 %(n)d 次") % {"days": COMPLAINT_DAYS, "n": row["n"]},
            )
        )

    repairs = (
        Ticket.objects.filter(live, houses, type=TicketType.REPAIR, created_at__gte=_start(on, REPAIR_DAYS), created_at__lt=end)
        .exclude(category="")
        .values("house_id", "category")
        .annotate(n=Count("id"))
        .filter(n__gte=REPAIR_COUNT)
        .order_by("house_id", "category")
    )
    repeated: dict[int, list[str]] = defaultdict(list)
    for row in repairs:
        label = RepairTrade(row["category"]).label if row["category"] in RepairTrade.values else row["category"]
        repeated[row["house_id"]].append(_("%(c)s %(n)d 次") % {"c": label, "n": row["n"]})
    for house_id, parts in repeated.items():
        flags[house_id].append(
            RiskFlag(REPEAT_REPAIRS, _("同一故障重复报修"), _("%(days)d 天内 ") % {"days": REPAIR_DAYS} + "、".join(parts))
        )

    since = months_before(on, SATISFACTION_MONTHS)
    since_at = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    returns = (
        ReturnVisit.objects.filter(houses, status=VisitStatus.DONE, done_at__gte=since_at, done_at__lt=end)
        .values("house_id")
        .annotate(
            unsatisfied=Count("id", filter=Q(satisfied=False)),
            n=Count("id"),
            q=Avg("score_quality"),
            r=Avg("score_result"),
            a=Avg("score_attitude"),
        )
    )
    scores: dict[int, list[tuple[float, int]]] = defaultdict(list)  # per house: (average score, visits)
    unsatisfied: dict[int, int] = defaultdict(int)
    for row in returns:
        unsatisfied[row["house_id"]] += row["unsatisfied"]
        averages = [v for v in (row["q"], row["r"], row["a"]) if v is not None]
        if averages:
            scores[row["house_id"]].append((sum(averages) / len(averages), row["n"]))
    proactive = (
        ProactiveVisit.objects.filter(houses, visited_on__gte=since, visited_on__lte=on)
        .values("house_id")
        .annotate(unsatisfied=Count("id", filter=Q(satisfaction__lte=UNSATISFIED_AT_MOST)), n=Count("id"), s=Avg("satisfaction"))
    )
    for row in proactive:
        unsatisfied[row["house_id"]] += row["unsatisfied"]
        scores[row["house_id"]].append((float(row["s"]), row["n"]))
    for house_id in sorted(set(unsatisfied) | set(scores)):
        weighted = scores.get(house_id, [])
        total = sum(n for _avg, n in weighted)
        average = sum(float(avg) * n for avg, n in weighted) / total if total else None
        if unsatisfied.get(house_id) or (average is not None and average <= LOW_AVERAGE):
            parts = []
            if unsatisfied.get(house_id):
                parts.append(_("不满意 %(n)d 次") % {"n": unsatisfied[house_id]})
            if average is not None:
                parts.append(_("平均 %(s).1f 分") % {"s": average})
            flags[house_id].append(
                RiskFlag(
                    LOW_SATISFACTION,
                    _("满意度低"),
                    _("近 %(m)d 个月：") % {"m": SATISFACTION_MONTHS} + "，".join(parts),
                )
            )
    return dict(flags)


def household_risks(house, *, on: dt.date | None = None) -> list[RiskFlag]:
    """The risk flags of one household (empty: none)."""
    return households_risks([house.pk], on=on).get(house.pk, [])
