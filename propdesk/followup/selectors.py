"""Return-visit reads: the visitor's to-do list and the PM's review list, each restricted
through the one scoping helper."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.followup.choices import VisitStatus
from propdesk.followup.models import ReturnVisit

_RELATED = ("ticket", "project", "house", "visitor", "occupancy__person", "activity")


def visits_todo(user, project_ids) -> QuerySet[ReturnVisit]:
    """回访待办: visits still to make in the selected projects — one's own, and every one
    in the projects where one manages visits (the CS supervisor) — most overdue first."""
    managed = scoping.visible_project_ids(user, Cap.VISIT_MANAGE) & frozenset(project_ids)
    return (
        ReturnVisit.objects.filter(project_id__in=project_ids, status=VisitStatus.PLANNED)
        .filter(Q(visitor=user) | Q(project_id__in=managed))
        .select_related(*_RELATED)
        .order_by("due_at", "id")
    )


def visits_to_review(project_ids) -> QuerySet[ReturnVisit]:
    """回访审核: recorded visits not yet reviewed by the PM, oldest first."""
    return (
        ReturnVisit.objects.filter(project_id__in=project_ids, status=VisitStatus.DONE, reviewed_at__isnull=True)
        .select_related(*_RELATED, "done_by", "follow_up_ticket")
        .order_by("done_at", "id")
    )
