"""SLA pages: the live board (服务时限看板) — due soon and breached, per department and
assignee — and the policies in force (时限策略), readable and printable."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils import timezone

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.console import render_page, selected_project_ids
from propdesk.desk.selectors import deadline_text
from propdesk.sla.selectors import board, policies_in_force

BOARD_ROWS = 50
# Handlers listed on the page, worst first: at head office hundreds hold clocks, and a
# table of all of them costs more to render than the rest of the board. The API has all.
BOARD_ASSIGNEES = 20
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

    unlisted = data.by_assignee[BOARD_ASSIGNEES:]
    context = {
        "board": data,
        "assignees": data.by_assignee[:BOARD_ASSIGNEES],
        "unlisted": {
            "count": len(unlisted),
            "due_soon": sum(row.due_soon for row in unlisted),
            "breached": sum(row.breached for row in unlisted),
        },
        "due_soon": rows(data.due_soon),
        "breached": rows(data.breached),
        "refresh": BOARD_REFRESH_SECONDS,
    }
    return render_page(request, "sla/board.html", context, fragment="sla/_board.html")


@login_required
def sla_policies(request):
    """时限策略: for the selected projects, the policy each ticket type × priority runs
    under (the project's own, else the company preset) with its targets, pause rules and
    escalation levels in words. Everyone who sees tickets may read the promises they work
    under; configurers who may enter the admin get links to edit them there."""
    project_ids = selected_project_ids(request, Cap.TICKET_VIEW)
    if not project_ids:
        raise Http404
    user = request.user
    may_configure = bool(scoping.visible_project_ids(user, Cap.SLA_CONFIGURE) & project_ids)
    context = {
        "projects": policies_in_force(project_ids),
        # The admin has its own door (staff status and model permissions): no link that would be refused.
        "admin_links": may_configure and user.is_staff and user.has_perm("sla.change_slapolicy"),
        "printed_at": timezone.now(),
    }
    return render_page(request, "sla/policies.html", context)
