"""The live SLA board (服务时限看板): due soon and breached, per department and assignee."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils import timezone

from propdesk.accounts.roles import Cap
from propdesk.core.console import render_page, selected_project_ids
from propdesk.desk.selectors import deadline_text
from propdesk.sla.selectors import board

BOARD_ROWS = 50
BOARD_REFRESH_SECONDS = 15


@login_required
def sla_board(request):
    """One page, refreshed in place by htmx every BOARD_REFRESH_SECONDS seconds."""
    project_ids = selected_project_ids(request, Cap.TICKET_VIEW)
    if not project_ids:
        raise Http404
    now = timezone.now()
    data = board(project_ids, now=now)

    def rows(clocks):
        return [(clock, deadline_text(clock.deadline_at, now)) for clock in clocks[:BOARD_ROWS]]

    context = {
        "board": data,
        "due_soon": rows(data.due_soon),
        "breached": rows(data.breached),
        "refresh": BOARD_REFRESH_SECONDS,
    }
    return render_page(request, "sla/board.html", context, fragment="sla/_board.html")
