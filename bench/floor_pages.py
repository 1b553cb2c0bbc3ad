"""The floor of a console page (bench_desk): the least a page showing the same rows costs
on the same stack — a logged-in request through the whole middleware, the projects the
user sees, one raw query for the 50 rows with the names a row shows (project, house,
assignee), and a bare template that renders them. Nothing of the product's page chrome,
filters, counts or permissions. Mounted beside the product's URLs for the benchmark only.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse
from django.template import engines
from django.urls import include, path
from django.utils import timezone

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.desk.choices import OPEN_STATUSES

QUEUE_ROWS = """
    SELECT t.id, t.number, t.title, t.status, t.next_deadline_at, p.name, h.code, u.display_name
    FROM desk_ticket t
    JOIN estate_project p ON p.id = t.project_id
    LEFT JOIN estate_house h ON h.id = t.house_id
    LEFT JOIN accounts_user u ON u.id = t.assignee_id
    WHERE t.project_id = ANY(%s) AND t.status = ANY(%s)
    ORDER BY t.next_deadline_at ASC NULLS LAST, t.created_at, t.id
    LIMIT 50
"""
BOARD_ROWS = """
    (SELECT c.id, t.number, t.title, c.kind, c.deadline_at, p.name, h.code, u.display_name
     FROM sla_slaclock c JOIN desk_ticket t ON t.id = c.ticket_id JOIN estate_project p ON p.id = c.project_id
     LEFT JOIN estate_house h ON h.id = t.house_id LEFT JOIN accounts_user u ON u.id = t.assignee_id
     WHERE c.project_id = ANY(%(p)s) AND c.met_at IS NULL AND c.ended_at IS NULL
       AND c.state = 'running' AND c.warn_at <= %(now)s AND c.deadline_at > %(now)s
     ORDER BY c.deadline_at, c.id LIMIT 50)
    UNION ALL
    (SELECT c.id, t.number, t.title, c.kind, c.deadline_at, p.name, h.code, u.display_name
     FROM sla_slaclock c JOIN desk_ticket t ON t.id = c.ticket_id JOIN estate_project p ON p.id = c.project_id
     LEFT JOIN estate_house h ON h.id = t.house_id LEFT JOIN accounts_user u ON u.id = t.assignee_id
     WHERE c.project_id = ANY(%(p)s) AND c.met_at IS NULL AND c.ended_at IS NULL
       AND (c.state = 'breached' OR (c.state = 'running' AND c.deadline_at <= %(now)s))
     ORDER BY c.deadline_at, c.id LIMIT 50)
"""
TEMPLATE = engines["django"].from_string(
    "<!doctype html><html><body><table>{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>"
    "{% endfor %}</tr>{% endfor %}</table></body></html>"
)


def _page(request, sql: str, params) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return HttpResponse(TEMPLATE.render({"rows": rows}, request))


@login_required
def queue(request):
    project_ids = sorted(scoping.visible_project_ids(request.user, Cap.TICKET_VIEW))
    return _page(request, QUEUE_ROWS, [project_ids, sorted(OPEN_STATUSES)])


@login_required
def board(request):
    project_ids = sorted(scoping.visible_project_ids(request.user, Cap.TICKET_VIEW))
    return _page(request, BOARD_ROWS, {"p": project_ids, "now": timezone.now()})


urlpatterns = [
    path("bench-floor/queue/", queue, name="bench_floor_queue"),
    path("bench-floor/board/", board, name="bench_floor_board"),
    path("", include("propdesk.urls")),
]
