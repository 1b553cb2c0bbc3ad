"""Console helpers: the project switcher's selection and htmx-aware rendering."""

from __future__ import annotations

from django.shortcuts import render

from propdesk.accounts.roles import Cap
from propdesk.core import scoping

SESSION_KEY = "propdesk_project_id"


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
