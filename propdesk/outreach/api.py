"""Outreach API (/api/v1/outreach-…): proactive visits (访问客户, VIS-7) — list and
record; the month's progress against the quotas and one's suggested households; care
tasks (客户关怀, ARC-6) — list, close, send the greeting.

Rows through the scoping helper: visits and care tasks need `Cap.VISIT_RECORD` in their
project (a visitor sees the visits they made or joined; `Cap.VISIT_MANAGE` sees all);
progress needs `Cap.VISIT_MANAGE`. Another project's row is 404; rules say 400
{code, message, field}.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.api import InputSerializer, ScopedViewSet, read_input
from propdesk.desk.choices import ComplaintCategory, Department
from propdesk.estate.models import House
from propdesk.outreach import care, selectors, services
from propdesk.outreach.choices import CareStatus, GreetingMethod, OpinionKind, OutreachMethod, Satisfaction
from propdesk.outreach.models import CareTask, ProactiveVisit
from propdesk.residents.models import Person

User = get_user_model()

# --- visits -----------------------------------------------------------------------------------


class OutreachVisitOutput(serializers.ModelSerializer):
    house_code = serializers.CharField(source="house.code", read_only=True)
    visitor_name = serializers.CharField(source="visitor.__str__", read_only=True)
    method_display = serializers.CharField(source="get_method_display", read_only=True)
    satisfaction_display = serializers.CharField(source="get_satisfaction_display", read_only=True)
    ticket_number = serializers.CharField(source="ticket.number", read_only=True, allow_null=True, default=None)

    class Meta:
        model = ProactiveVisit
        fields = [
            "id",
            "project",
            "house",
            "house_code",
            "person",
            "visitor",
            "visitor_name",
            "department",
            "visited_on",
            "method",
            "method_display",
            "appointment_at",
            "entered_home",
            "companion",
            "opinions",
            "opinion_kind",
            "satisfaction",
            "satisfaction_display",
            "note",
            "ticket",
            "ticket_number",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields


class VisitCreateInput(InputSerializer):
    house = serializers.IntegerField(label=_("房屋"))
    person = serializers.IntegerField(label=_("受访客户"), required=False, allow_null=True)
    visitor = serializers.IntegerField(label=_("访问人"), required=False, allow_null=True, help_text=_("留空为本人"))
    companion = serializers.IntegerField(label=_("同行人员"), required=False, allow_null=True)
    department = serializers.ChoiceField(label=_("访问部门"), choices=Department.choices, required=False, allow_blank=True)
    visited_on = serializers.DateField(label=_("访问日期"))
    method = serializers.ChoiceField(label=_("访问方式"), choices=OutreachMethod.choices)
    appointment_at = serializers.DateTimeField(label=_("预约时间"), required=False, allow_null=True)
    entered_home = serializers.BooleanField(label=_("进入室内"), required=False, default=False)
    satisfaction = serializers.ChoiceField(label=_("满意度"), choices=Satisfaction.choices)
    opinions = serializers.CharField(label=_("客户意见和建议"), required=False, allow_blank=True, default="")
    opinion_kind = serializers.ChoiceField(
        label=_("意见转为"), choices=OpinionKind.choices, required=False, allow_blank=True, default=""
    )
    opinion_category = serializers.ChoiceField(
        label=_("投诉分类"), choices=ComplaintCategory.choices, required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(label=_("访问记录"), required=False, allow_blank=True, default="")


def _user(pk):
    return None if pk is None else User.objects.filter(pk=pk).first()


@extend_schema_view(create=extend_schema(request=VisitCreateInput, responses={201: OutreachVisitOutput}))
class ProactiveVisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """主动访问记录 (VIS-7). Visitors see the visits they made or joined; managers all of the project's."""

    queryset = ProactiveVisit.objects.select_related("project", "house", "visitor", "ticket").order_by("-visited_on", "-id")
    serializer_class = OutreachVisitOutput
    view_cap = Cap.VISIT_RECORD

    def get_queryset(self):
        rows = super().get_queryset()
        managed = scoping.visible_project_ids(self.request.user, Cap.VISIT_MANAGE)
        return rows.filter(Q(project_id__in=managed) | Q(visitor=self.request.user) | Q(companion=self.request.user))

    def get_object(self):
        obj = super().get_object()
        if not (
            scoping.has_cap(self.request.user, Cap.VISIT_MANAGE, obj.project_id)
            or self.request.user.pk in (obj.visitor_id, obj.companion_id)
        ):
            from django.http import Http404

            raise Http404
        return obj

    def create(self, request):
        data = read_input(VisitCreateInput, request)
        house = scoping.access(House.objects.select_related("project"), request.user, Cap.VISIT_RECORD, pk=data.pop("house"))
        person_id = data.pop("person", None)
        person = None if person_id is None else scoping.access(Person.objects.all(), request.user, Cap.PERSON_VIEW, pk=person_id)
        visit = services.proactive_visit_record(
            project=house.project,
            house=house,
            person=person,
            by=request.user,
            visitor=_user(data.pop("visitor", None)) or request.user,
            companion=_user(data.pop("companion", None)),
            appointment_at=data.pop("appointment_at", None),
            department=data.pop("department", ""),
            **data,
        )
        return Response(OutreachVisitOutput(visit).data, status=status.HTTP_201_CREATED)


# --- progress and suggestions --------------------------------------------------------------------


class MonthQuery(InputSerializer):
    month = serializers.RegexField(r"^\d{4}-\d{2}$", label=_("月份"), required=False)
    project = serializers.IntegerField(label=_("项目"), min_value=1, required=False)


class OutreachProgressRowOutput(serializers.Serializer):
    label = serializers.CharField()
    user = serializers.IntegerField(allow_null=True)
    households = serializers.IntegerField()
    visits = serializers.IntegerField()
    quota = serializers.IntegerField(allow_null=True)
    met = serializers.BooleanField(allow_null=True)


class ProjectProgressOutput(serializers.Serializer):
    project = serializers.IntegerField()
    project_name = serializers.CharField()
    month = serializers.DateField()
    departments = OutreachProgressRowOutput(many=True)
    visitors = OutreachProgressRowOutput(many=True)


class FlagOutput(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    detail = serializers.CharField()


class SuggestionOutput(serializers.Serializer):
    project = serializers.IntegerField()
    house = serializers.IntegerField()
    house_code = serializers.CharField()
    visited = serializers.BooleanField()
    flags = FlagOutput(many=True)


def _month_and_projects(request, cap: Cap):
    query = MonthQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    month = selectors.parse_month(query.validated_data.get("month"))
    ids = scoping.visible_project_ids(request.user, cap)
    wanted = query.validated_data.get("project")
    if wanted is not None:
        ids = ids & {wanted}
    from propdesk.estate.models import Project

    return month, list(Project.objects.filter(pk__in=ids).order_by("pk"))


def _row(row, user=None) -> dict:
    return {
        "label": row.label,
        "user": getattr(user, "pk", None),
        "households": row.households,
        "visits": row.visits,
        "quota": row.quota,
        "met": row.met,
    }


_MONTH_PARAMS = [
    OpenApiParameter("month", str, description="月份 YYYY-MM，默认本月"),
    OpenApiParameter("project", int, description="只看这个项目"),
]


class OutreachViewSet(viewsets.ViewSet):
    """主动访问进度与建议名单 (VIS-7)."""

    @extend_schema(
        parameters=_MONTH_PARAMS, responses=ProjectProgressOutput(many=True), description="每月访问指标完成情况（部门、员工）。"
    )
    @action(detail=False, methods=["get"])
    def progress(self, request):
        month, projects = _month_and_projects(request, Cap.VISIT_MANAGE)
        data = [
            {
                "project": block.project_id,
                "project_name": block.project_name,
                "month": block.month,
                "departments": [_row(r) for r in block.departments],
                "visitors": [_row(r, u) for u, r in block.visitors],
            }
            for block in selectors.progress(projects, month)
        ]
        return Response(ProjectProgressOutput(data, many=True).data)

    @extend_schema(
        parameters=_MONTH_PARAMS,
        responses=SuggestionOutput(many=True),
        description="本人本月的建议访问住户（随机、按楼栋均衡、风险户优先）。",
    )
    @action(detail=False, methods=["get"])
    def suggestions(self, request):
        month, projects = _month_and_projects(request, Cap.VISIT_RECORD)
        data = []
        for project in projects:
            for s in selectors.suggested_households(project_id=project.pk, visitor=request.user, month=month):
                data.append(
                    {
                        "project": project.pk,
                        "house": s.house.pk,
                        "house_code": s.house.code,
                        "visited": s.visited,
                        "flags": [{"code": f.code, "label": f.label, "detail": f.detail} for f in s.flags],
                    }
                )
        return Response(SuggestionOutput(data, many=True).data)


# --- care tasks ---------------------------------------------------------------------------------


class CareTaskOutput(serializers.ModelSerializer):
    occasion_display = serializers.CharField(source="get_occasion_display", read_only=True)
    greeting_method = serializers.CharField(source="method", read_only=True, help_text=_("问候方式：phone/sms/wechat/visit/card"))
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    house_code = serializers.CharField(source="house.code", read_only=True)

    class Meta:
        model = CareTask
        fields = [
            "id",
            "project",
            "house",
            "house_code",
            "person",
            "person_name",
            "occasion",
            "occasion_display",
            "occasion_date",
            "status",
            "status_display",
            "done_at",
            "done_by",
            "greeting_method",
            "note",
            "message_sent_at",
        ]
        read_only_fields = fields


class CareCloseInput(InputSerializer):
    status = serializers.ChoiceField(
        label=_("状态"), choices=[(CareStatus.DONE, _("已问候")), (CareStatus.SKIPPED, _("不问候"))], default=CareStatus.DONE
    )
    greeting_method = serializers.ChoiceField(
        label=_("问候方式"), choices=GreetingMethod.choices, required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(label=_("备注"), max_length=200, required=False, allow_blank=True, default="")


class CareSendInput(InputSerializer):
    greeting_channel = serializers.ChoiceField(
        label=_("发送渠道"), choices=[(GreetingMethod.SMS, _("短信")), (GreetingMethod.WECHAT, _("微信"))]
    )


@extend_schema_view(
    close=extend_schema(request=CareCloseInput, responses=CareTaskOutput, description="记录已问候（方式）或不问候（原因）。"),
    send=extend_schema(request=CareSendInput, responses=CareTaskOutput, description="按项目模板发送短信/微信问候并记为已问候。"),
)
class CareTaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """关怀任务 (ARC-6): birthday and festival greetings, made once by the daily run."""

    queryset = CareTask.objects.select_related("project", "house", "person").order_by("occasion_date", "id")
    serializer_class = CareTaskOutput
    view_cap = Cap.VISIT_RECORD

    def get_queryset(self):
        rows = super().get_queryset()
        wanted = self.request.query_params.get("status")
        return rows.filter(status=wanted) if wanted in CareStatus.values else rows

    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        data = read_input(CareCloseInput, request)
        task = care.care_task_close(
            task=self.get_object(), by=request.user, status=data["status"], method=data["greeting_method"], note=data["note"]
        )
        return Response(CareTaskOutput(task).data)

    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        data = read_input(CareSendInput, request)
        task = care.care_greeting_send(task=self.get_object(), by=request.user, channel=data["greeting_channel"])
        return Response(CareTaskOutput(task).data)


def register(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("outreach-visits", ProactiveVisitViewSet, basename="outreach-visit")
    router.register("outreach", OutreachViewSet, basename="outreach")
    router.register("care-tasks", CareTaskViewSet, basename="care-task")
