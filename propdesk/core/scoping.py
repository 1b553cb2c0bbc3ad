"""The one scoping helper (design idea 1): every page, API call and export asks here
which projects a user may act in, and gets "not found" for anything outside them.

    visible_project_ids(user, Cap.HOUSE_VIEW)      → frozenset of project ids
    held_caps(user)                                → capabilities held in some project
    restrict(House.objects.all(), user, Cap.HOUSE_VIEW)
    access(House.objects.all(), user, Cap.HOUSE_VIEW, pk=42)   → House or Http404
    require(user, Cap.PII_REVEAL, project_id)       → None or Http404
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from propdesk.accounts.roles import Cap, caps_of

M = TypeVar("M", bound=Model)
_CACHE_ATTR = "_propdesk_project_caps"
_ALL_PROJECTS_ATTR = "_propdesk_all_project_ids"


def project_caps(user) -> dict[int | None, frozenset[Cap]]:
    """{project id (None = every project): capabilities}, read once per request."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    caps: dict[int | None, set[Cap]] = {}
    if user.is_authenticated and user.is_active and not user.is_resident:
        for project_id, role in user.memberships.values_list("project_id", "role"):
            caps.setdefault(project_id, set()).update(caps_of(role))
    frozen = {key: frozenset(value) for key, value in caps.items()}
    setattr(user, _CACHE_ATTR, frozen)
    return frozen


def forget(user) -> None:
    """Drop the cached capabilities (after memberships change)."""
    for attr in (_CACHE_ATTR, _ALL_PROJECTS_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)


def _all_project_ids(user) -> frozenset[int]:
    """Every active project — what company-wide capabilities reach — read once per
    request like `project_caps` (a page asks for several capabilities)."""
    cached = getattr(user, _ALL_PROJECTS_ATTR, None)
    if cached is None:
        from propdesk.estate.models import Project

        cached = frozenset(Project.objects.filter(active=True).values_list("id", flat=True))
        setattr(user, _ALL_PROJECTS_ATTR, cached)
    return cached


def visible_project_ids(user, cap: Cap) -> frozenset[int]:
    """The projects in which `user` holds `cap`."""
    caps = project_caps(user)
    if cap in caps.get(None, frozenset()):
        return _all_project_ids(user)
    return frozenset(pid for pid, held in caps.items() if pid is not None and cap in held)


def held_caps(user) -> frozenset[Cap]:
    """The capabilities `user` holds in at least one project — what the menu asks, in
    one read (company-wide ones count only while there is an active project, as in
    `visible_project_ids`)."""
    caps = project_caps(user)
    held = frozenset().union(*(value for key, value in caps.items() if key is not None))
    company_wide = caps.get(None, frozenset())
    if company_wide and _all_project_ids(user):
        held |= company_wide
    return held


def has_cap(user, cap: Cap, project_id: int) -> bool:
    caps = project_caps(user)
    return cap in caps.get(None, frozenset()) or cap in caps.get(project_id, frozenset())


def restrict(queryset: QuerySet[M], user, cap: Cap, *, field: str = "project") -> QuerySet[M]:
    """`queryset` narrowed to rows whose project the user holds `cap` in."""
    return queryset.filter(**{f"{field}__in": visible_project_ids(user, cap)})


def access(queryset: QuerySet[M], user, cap: Cap, *, field: str = "project", **lookup) -> M:
    """The one row matching `lookup` that the user may act on with `cap`, else 404 —
    the same 404 whether the row is missing or belongs to another project."""
    try:
        return restrict(queryset, user, cap, field=field).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def require(user, cap: Cap, project_id: int) -> None:
    """Refuse (404) when `user` lacks `cap` in the project of an object already in hand."""
    if not has_cap(user, cap, project_id):
        raise Http404


def resident_house_ids(user) -> frozenset[int]:
    """Houses a resident account is bound to through an active occupancy."""
    if not (user.is_authenticated and user.is_resident):
        return frozenset()
    from propdesk.residents.models import Occupancy

    return frozenset(Occupancy.objects.filter(person__account=user, end_date__isnull=True).values_list("house_id", flat=True))
