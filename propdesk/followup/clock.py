"""The visit clock (回访时限): each planned visit's due time is watched like an SLA
clock. A periodic sweep (`tasks.sweep`, Celery beat) fires, once per visit and level:

- warn — on the morning of the due day (`ReturnVisit.warn_at`), a reminder to the
  visitor (to the supervisor when nobody was assigned);
- overdue — when the due time has passed with the visit still planned, a notice to the
  project's CS supervisor (the PM when there is none).

Only planned visits whose `next_check_at` has come are read (a partial index), so the
cost follows the number of due visits. Each level is claimed by a conditional UPDATE of
its timestamp (`warned_at`, `overdue_notified_at`) and notified with a dedupe key
`visit:<id>:<level>`, so a repeated or concurrent sweep fires nothing twice. A visit
already overdue when first swept gets the overdue notice only.

"Overdue" here is the same fact reports count as late (`reports.selectors.visit_on_time_q`:
done by the due time): a visit still planned past `due_at`, or done after it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.accounts.roles import Role
from propdesk.followup.choices import VisitStatus
from propdesk.followup.models import ReturnVisit

logger = logging.getLogger("propdesk.followup")

WARN, OVERDUE = "warn", "overdue"
# Who hears of an overdue visit: the project's CS supervisor, else its PM.
OVERDUE_ROLES = (Role.SUPERVISOR, Role.MANAGER)


@dataclass
class VisitSweepReport:
    due: int = 0  # visits found with a check due
    warned: int = 0
    overdue: int = 0
    notified: int = 0  # notifications written


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%m-%d %H:%M")


def _supervisors(visit: ReturnVisit) -> list:
    from propdesk.notifications.selectors import staff_with_role

    for role in OVERDUE_ROLES:
        staff = list(staff_with_role(visit.project_id, role, company_wide=False))
        if staff:
            return staff
    return []


def _notify(visit: ReturnVisit, level: str, recipients, title: str) -> int:
    from propdesk.notifications.services import notify

    created = notify(
        recipients=recipients,
        kind=f"visit.{level}",
        title=title,
        body=_("%(subject)s（%(place)s），回访时限 %(due)s。")
        % {"subject": visit.subject, "place": visit.house.code if visit.house_id else "—", "due": _local(visit.due_at)},
        link=reverse("followup:record", args=[visit.pk]),
        project=visit.project,
        dedupe_key=f"visit:{visit.pk}:{level}",
    )
    return len(created)


def _claim(visit_id: int, field: str, now: dt.datetime) -> bool:
    """Take the level for this run: only one UPDATE sets the timestamp."""
    return bool(
        ReturnVisit.objects.filter(pk=visit_id, status=VisitStatus.PLANNED, **{f"{field}__isnull": True}).update(**{field: now})
    )


def visits_sweep(*, now: dt.datetime | None = None, batch: int = 500) -> VisitSweepReport:
    """Fire the visit reminders and overdue notices that are due, earliest first."""
    now = now or timezone.now()
    report = VisitSweepReport()
    due = list(
        ReturnVisit.objects.filter(status=VisitStatus.PLANNED, next_check_at__lte=now)
        .order_by("next_check_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    report.due = len(due)
    for visit_id in due:
        with transaction.atomic():
            visit = (
                ReturnVisit.objects.select_related("project", "house", "ticket", "occupancy__person", "visitor")
                .filter(pk=visit_id, status=VisitStatus.PLANNED)
                .first()
            )
            if visit is None:
                continue
            if visit.due_at < now:
                if visit.overdue_notified_at is None and _claim(visit.pk, "overdue_notified_at", now):
                    report.overdue += 1
                    title = _("【回访超时】%(subject)s 的回访已超过时限 %(due)s，回访人：%(who)s") % {
                        "subject": visit.subject,
                        "due": _local(visit.due_at),
                        "who": visit.visitor or _("未指定"),
                    }
                    report.notified += _notify(visit, OVERDUE, _supervisors(visit), title)
                next_check = None
            else:
                if visit.warned_at is None and visit.warn_at and visit.warn_at <= now and _claim(visit.pk, "warned_at", now):
                    report.warned += 1
                    title = _("【回访提醒】%(subject)s 须在 %(due)s 前回访") % {
                        "subject": visit.subject,
                        "due": _local(visit.due_at),
                    }
                    recipients = [visit.visitor] if visit.visitor_id else _supervisors(visit)
                    report.notified += _notify(visit, WARN, recipients, title)
                next_check = visit.due_at
            ReturnVisit.objects.filter(pk=visit.pk).update(next_check_at=next_check)
    if report.warned or report.overdue:
        logger.info("Visit sweep: %s", report)
    return report


def is_overdue(visit: ReturnVisit, now: dt.datetime) -> bool:
    """Still to do past its due time — what 回访待办 marks and reports count as late."""
    return visit.status == VisitStatus.PLANNED and visit.due_at < now
