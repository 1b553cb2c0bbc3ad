"""Console helpers: the project switcher's selection and htmx-aware rendering."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from django.core.cache import caches
from django.shortcuts import render

from propdesk.accounts.roles import Cap
from propdesk.core import scoping

SESSION_KEY = "propdesk_project_id"
OPTIONS_SECONDS = 60


def cached_options(name: str, project_ids: Iterable[int], build: Callable[[], Iterable]) -> list[tuple[int, str]]:
    """The (value, label) pairs of a long select list over `project_ids` — head office's
    project switcher (200 projects) and handler filter (~1,400 staff) — built by `build`
    and kept a minute in this process's cache.

    Timeout, not invalidation: the key holds the project ids, so a membership change that
    alters what a user sees gets its own list at once; what may lag by up to a minute is
    a rename or a handler joining or leaving a project — these lists only offer choices,
    the views check whatever is picked against the user's projects."""
    ids = ",".join(str(pk) for pk in sorted(project_ids))
    key = f"options:{name}:{hashlib.blake2b(ids.encode(), digest_size=16).hexdigest()}"
    return caches["local"].get_or_set(key, lambda: list(build()), OPTIONS_SECONDS)


def selected_project_ids(request, cap: Cap) -> frozenset[int]:
    """The projects a list shows: the one picked in the switcher, else all the user may see."""
    visible = scoping.visible_project_ids(request.user, cap)
    chosen = request.session.get(SESSION_KEY)
    return frozenset({chosen}) if chosen in visible else visible


def render_page(request, template: str, context: dict, *, fragment: str | None = None, status: int = 200):
    """One view serves the whole page and, for htmx requests, only its fragment."""
    if fragment and getattr(request, "htmx", False) and not request.htmx.boosted:
        return render(request, fragment, context, status=status)
    return render(request, template, context, status=status)
