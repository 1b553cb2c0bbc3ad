"""Console pages: the inbox, mark read / mark all read (POST, htmx), and the top bar's bell.

Notifications are per user: every row comes through `selectors.access_notification` /
`selectors.inbox`, so another user's notification is a 404 like a missing one.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from propdesk.core.console import render_page
from propdesk.notifications import selectors, services

PAGE_SIZE = 30
CHANGED = "notifications-changed"  # htmx event: the bell refreshes its count
HTMX_STOP_POLLING = 286


def _inbox_context(request) -> dict:
    show = request.GET.get("show", "")
    rows = selectors.inbox(request.user, unread_only=show == "unread")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "page": page,
        "show": show,
        "query_string": f"show={show}" if show else "",
        "unread": selectors.unread_count(request.user),
    }


@login_required
@require_GET
def inbox(request):
    """The user's notifications, unread first (通知)."""
    return render_page(request, "notifications/inbox.html", _inbox_context(request), fragment="notifications/_list.html")


@login_required
@require_POST
def mark_read(request, pk: int):
    notification = selectors.access_notification(request.user, pk)
    services.notification_mark_read(notification=notification)
    if request.htmx:
        context = {"n": notification, "unread": selectors.unread_count(request.user)}
        response = render(request, "notifications/_row_read.html", context)
        response["HX-Trigger"] = CHANGED
        return response
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    marked = services.notifications_mark_all_read(user=request.user)
    if request.htmx:
        response = render(request, "notifications/_list.html", _inbox_context(request))
        response["HX-Trigger"] = CHANGED
        return response
    if marked:
        messages.success(request, _("已将 %(n)d 条通知标为已读") % {"n": marked})
    return redirect("notifications:inbox")


@login_required
@require_GET
def open_link(request, pk: int):
    """Follow a notification's link, marking it read on the way."""
    notification = selectors.access_notification(request.user, pk)
    services.notification_mark_read(notification=notification)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(link)
    return redirect("notifications:inbox")


@require_GET
def bell(request):
    """The bell's fragment, polled every 30 s. Once the session has ended it answers 286,
    which tells htmx to stop polling (instead of swapping a login page into the bar)."""
    if not request.user.is_authenticated:
        return HttpResponse(status=HTMX_STOP_POLLING)
    response = render(request, "notifications/_bell.html", {"unread": selectors.unread_count(request.user)})
    response["Cache-Control"] = "no-store"
    return response
