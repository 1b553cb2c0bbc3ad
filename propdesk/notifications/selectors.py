"""Reads: a user's inbox and unread count, the one door to a notification, and the staff
holding a role in a project (whom the ticket engine, reminders… notify)."""

from __future__ import annotations

import operator
from collections.abc import Iterable
from functools import reduce

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from propdesk.notifications.models import Notification


def _due(now=None) -> Q:
    """Notifications whose time has come (a deferred one shows from `not_before` on)."""
    return Q(not_before__isnull=True) | Q(not_before__lte=now or timezone.now())


def notifications_for(user) -> QuerySet[Notification]:
    """The user's own notifications that are due — nobody else's, ever."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(_due(), recipient=user)


def inbox(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The inbox: unread first, then newest first."""
    rows = notifications_for(user).select_related("project")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return rows.order_by(unread.desc(), "-created_at", "-pk")


def unread_count(user) -> int:
    return notifications_for(user).filter(read_at__isnull=True).count()


def access_notification(user, pk) -> Notification:
    """The user's own notification `pk`, else 404 — the same for a missing id and for
    another user's notification."""
    try:
        return notifications_for(user).get(pk=pk)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def staff_with_role(project, role: str | Iterable[str], *, company_wide: bool = True) -> QuerySet:
    """Active staff holding `role` (or any of several roles) in `project` (a Project, its
    id, or None for company-wide only). With `company_wide`, memberships without a
    project — which cover every project, e.g. 公司管理部 — count as well.

        notify(recipients=staff_with_role(ticket.project, [Role.SUPERVISOR, Role.MANAGER]), …)
    """
    roles = [role] if isinstance(role, str) else list(role)
    project_id = getattr(project, "pk", project)
    User = get_user_model()
    where = [Q(memberships__project_id=project_id)] if project_id is not None else []
    if company_wide:
        where.append(Q(memberships__project_id__isnull=True))
    if not where:
        return User.objects.none()
    # One filter() call: project and role are conditions on the same membership row.
    matching = User.objects.filter(reduce(operator.or_, where), memberships__role__in=roles)
    return _staff(User.objects.filter(pk__in=matching.values("pk")))


def _staff(users: QuerySet) -> QuerySet:
    return users.filter(is_active=True).exclude(kind=get_user_model().Kind.RESIDENT).order_by("pk")


class StaffByRole:
    """`staff_with_role` for many projects at once: one query, then
    `of(project_id, roles)` answers each lookup as `staff_with_role(project_id, roles)`
    would (company-wide memberships included) — for a sweep meeting hundreds of projects."""

    def __init__(self, project_ids: Iterable[int], roles: Iterable[str]):
        from propdesk.accounts.models import Membership

        self._users: dict[tuple[int | None, str], dict[int, object]] = {}
        users = _staff(get_user_model().objects.all())
        memberships = Membership.objects.filter(
            Q(project_id__in=list(project_ids)) | Q(project__isnull=True), role__in=list(roles), user__in=users
        ).select_related("user")
        for membership in memberships:
            self._users.setdefault((membership.project_id, membership.role), {})[membership.user_id] = membership.user

    def of(self, project_id: int, roles: Iterable[str]) -> list:
        found = {}
        for role in roles:
            found.update(self._users.get((project_id, role), {}))
            found.update(self._users.get((None, role), {}))
        return [found[pk] for pk in sorted(found)]
