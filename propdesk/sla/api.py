"""SLA API (/api/v1/sla/): the live board (服务时限看板) as the console shows it — clocks
due soon and breached, and the counts per department and per assignee — for the
projects where the caller sees tickets (`Cap.TICKET_VIEW`, through the scoping helper).

    GET sla/board/?project=1

A project the caller may not see is left out as if it had nothing on the board; a
caller who sees no tickets anywhere (a resident account) gets an empty board.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.api import InputSerializer
from propdesk.desk.selectors import deadline_text
from propdesk.sla.models import SlaClock
from propdesk.sla.selectors import board

# The lists are the most urgent rows, as on the console board; the counts are complete.
BOARD_ROWS = 50


class BoardQuery(InputSerializer):
    project = serializers.IntegerField(label=_("项目"), min_value=1, required=False)


class BoardClockOutput(serializers.ModelSerializer):
    """One clock on the board: the ticket it times, the promise (kind), its deadline and
    the time left or overdue in words."""

    ticket_number = serializers.CharField(source="ticket.number", read_only=True)
    ticket_title = serializers.CharField(source="ticket.title", read_only=True)
    ticket_type = serializers.CharField(source="ticket.type", read_only=True)
    ticket_type_display = serializers.CharField(source="ticket.get_type_display", read_only=True)
    priority = serializers.CharField(source="ticket.priority", read_only=True)
    priority_display = serializers.CharField(source="ticket.get_priority_display", read_only=True)
    place = serializers.CharField(source="ticket.place", read_only=True)
    department = serializers.CharField(source="ticket.department", read_only=True)
    department_display = serializers.CharField(source="ticket.get_department_display", read_only=True)
    assignee = serializers.IntegerField(source="ticket.assignee_id", read_only=True, allow_null=True)
    assignee_name = serializers.SerializerMethodField()
    kind = serializers.CharField(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    state = serializers.CharField(read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    deadline_text = serializers.SerializerMethodField(help_text=_("剩余或已超时的时间"))

    class Meta:
        model = SlaClock
        fields = [
            "id",
            "project",
            "ticket",
            "ticket_number",
            "ticket_title",
            "ticket_type",
            "ticket_type_display",
            "priority",
            "priority_display",
            "place",
            "department",
            "department_display",
            "assignee",
            "assignee_name",
            "kind",
            "kind_display",
            "state",
            "state_display",
            "started_at",
            "warn_at",
            "deadline_at",
            "breached_at",
            "deadline_text",
        ]
        read_only_fields = fields

    def get_assignee_name(self, clock: SlaClock) -> str:
        return str(clock.ticket.assignee) if clock.ticket.assignee_id else ""

    def get_deadline_text(self, clock: SlaClock) -> str:
        return deadline_text(clock.deadline_at, self.context["now"])[0]


class DepartmentRowOutput(serializers.Serializer):
    department = serializers.CharField(source="key", help_text=_("空：未指定部门"))
    label = serializers.CharField()
    due_soon = serializers.IntegerField()
    breached = serializers.IntegerField()


class AssigneeRowOutput(serializers.Serializer):
    assignee = serializers.IntegerField(source="key", allow_null=True, help_text=_("空：未派单"))
    label = serializers.CharField()
    due_soon = serializers.IntegerField()
    breached = serializers.IntegerField()


class BoardOutput(serializers.Serializer):
    """The board: `due_soon` (past the warning point, earliest deadline first) and
    `breached` (overdue and unmet, most overdue first), at most BOARD_ROWS each; the
    counts of tickets in each, in total and per department and assignee, worst first."""

    now = serializers.DateTimeField()
    projects = serializers.ListField(child=serializers.IntegerField())
    due_soon_count = serializers.IntegerField()
    breached_count = serializers.IntegerField()
    due_soon = serializers.SerializerMethodField()
    breached = serializers.SerializerMethodField()
    by_department = DepartmentRowOutput(many=True)
    by_assignee = AssigneeRowOutput(many=True)

    @extend_schema_field(BoardClockOutput(many=True))
    def get_due_soon(self, data) -> list[dict]:
        return BoardClockOutput(data["due_soon"][:BOARD_ROWS], many=True, context=self.context).data

    @extend_schema_field(BoardClockOutput(many=True))
    def get_breached(self, data) -> list[dict]:
        return BoardClockOutput(data["breached"][:BOARD_ROWS], many=True, context=self.context).data


class SlaViewSet(viewsets.ViewSet):
    """The SLA board (服务时限看板)."""

    @extend_schema(
        parameters=[OpenApiParameter("project", int, description="只看这个项目")],
        responses=BoardOutput,
        description="服务时限看板：即将超时与已超时的工单，按部门、按处理人计数。",
    )
    @action(detail=False, methods=["get"])
    def board(self, request):
        query = BoardQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        project_ids = scoping.visible_project_ids(request.user, Cap.TICKET_VIEW)
        wanted = query.validated_data.get("project")
        if wanted is not None:
            project_ids = project_ids & {wanted}
        now = timezone.now()
        data = board(project_ids, now=now)
        payload = {
            "now": now,
            "projects": sorted(project_ids),
            "due_soon_count": data.due_soon_count,
            "breached_count": data.breached_count,
            "due_soon": data.due_soon,
            "breached": data.breached,
            "by_department": data.by_department,
            "by_assignee": data.by_assignee,
        }
        return Response(BoardOutput(payload, context={"now": now}).data)


def register(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("sla", SlaViewSet, basename="sla")
