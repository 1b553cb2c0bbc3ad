"""Dunning API (/api/v1/dunning/…, FEE-7): the worklist and limitation warnings, cases with
their timeline, and recording steps, promises to pay and instalment plans.

    GET  dunning/worklist/?project=1        houses in arrears: rung, next action, follow-ups
    GET  dunning/limitation/?project=1      debts nearing (or past) the 3-year limitation
    GET  dunning/cases/  dunning/cases/{id}/     a case with steps, promises and plans
    GET  dunning/steps/?house=  POST dunning/steps/      record a step (FEE_COLLECT; legal: DUNNING_LEGAL)
    GET  dunning/promises/?house=  POST dunning/promises/
    GET  dunning/plans/?house=  POST dunning/plans/

Reads need FEE_VIEW in the object's project, writes FEE_COLLECT; a house the caller may
not act on is 404 like a missing one; a rule of the ladder is 400 {code, message, field,
rule}. Evidence files are uploaded on the console page (the API lists them).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.api import InputSerializer, ScopedViewSet, read_input
from propdesk.dunning import selectors, services
from propdesk.dunning.models import DunningCase, DunningStep, Instalment, InstalmentPlan, PaymentPromise, StepAttachment
from propdesk.estate.models import House

User = get_user_model()

# -- output ------------------------------------------------------------------------------------


class DunningAttachmentOutput(serializers.ModelSerializer):
    class Meta:
        model = StepAttachment
        fields = ["id", "original_name", "content_type", "size", "uploaded_at"]
        read_only_fields = fields


KIND_HELP = _("phone 电话提醒 / sms 短信提醒 / letter 催缴函 / visit 上门催缴 / legal 移交法务")


class DunningStepOutput(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=KIND_HELP)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    by_name = serializers.CharField(source="by.__str__", read_only=True)
    attachments = DunningAttachmentOutput(many=True, read_only=True)

    class Meta:
        model = DunningStep
        fields = [
            "id",
            "project",
            "case",
            "house",
            "kind",
            "kind_display",
            "on_date",
            "amount_demanded",
            "deadline",
            "note",
            "tracking_number",
            "message",
            "override_reason",
            "by",
            "by_name",
            "created_at",
            "attachments",
        ]
        read_only_fields = fields


class DunningPromiseOutput(serializers.ModelSerializer):
    status = serializers.SerializerMethodField(help_text=_("pending 待兑现 / kept 已兑现 / broken 未兑现，按收款判断"))

    class Meta:
        model = PaymentPromise
        fields = [
            "id",
            "project",
            "case",
            "house",
            "on_date",
            "amount",
            "promised_date",
            "follow_up_date",
            "note",
            "by",
            "status",
        ]
        read_only_fields = fields

    def get_status(self, promise) -> str:
        return selectors.promise_status(promise)


class DunningInstalmentOutput(serializers.ModelSerializer):
    class Meta:
        model = Instalment
        fields = ["seq", "due_date", "amount"]
        read_only_fields = fields


class DunningInstalmentStateOutput(serializers.Serializer):
    seq = serializers.IntegerField(source="instalment.seq")
    due_date = serializers.DateField(source="instalment.due_date")
    amount = serializers.DecimalField(source="instalment.amount", max_digits=14, decimal_places=2)
    status = serializers.CharField(help_text=_("pending 未到期 / paid 已按期缴 / late 逾期未缴"))


class DunningPlanOutput(serializers.ModelSerializer):
    instalments = serializers.SerializerMethodField()

    class Meta:
        model = InstalmentPlan
        fields = ["id", "project", "case", "house", "on_date", "total", "status", "note", "by", "instalments"]
        read_only_fields = fields

    @extend_schema_field(DunningInstalmentStateOutput(many=True))
    def get_instalments(self, plan) -> list[dict]:
        return DunningInstalmentStateOutput(selectors.instalment_states(plan), many=True).data


class DunningCaseOutput(serializers.ModelSerializer):
    house_code = serializers.CharField(source="house.code", read_only=True)
    steps = DunningStepOutput(many=True, read_only=True)
    promises = DunningPromiseOutput(many=True, read_only=True)

    class Meta:
        model = DunningCase
        fields = ["id", "project", "house", "house_code", "status", "opened_on", "closed_on", "collector", "steps", "promises"]
        read_only_fields = fields


class DunningNextActionOutput(serializers.Serializer):
    kind = serializers.CharField(help_text=_("下一步的催缴方式；空：无"))
    label = serializers.CharField()
    due = serializers.DateField(allow_null=True)


class DunningWorkRowOutput(serializers.Serializer):
    house = serializers.IntegerField(source="arrears.house.pk")
    house_code = serializers.CharField(source="arrears.house.code")
    project = serializers.IntegerField(source="arrears.house.project_id")
    owed = serializers.DecimalField(source="arrears.owed", max_digits=14, decimal_places=2)
    oldest_due = serializers.DateField(source="arrears.oldest_due")
    bucket = serializers.CharField(source="arrears.bucket", help_text=_("账龄：m1 / m3 / m6 / m12 / over12"))
    case = serializers.IntegerField(source="case.pk", allow_null=True, default=None)
    stage = serializers.CharField(source="ladder.stage", help_text=_("已到达的最高催缴阶段；空：未催缴"))
    next_action = DunningNextActionOutput(source="ladder.next")
    promises_due = serializers.SerializerMethodField(help_text=_("待跟进的缴费承诺数"))
    next_instalment_due = serializers.DateField(source="next_instalment.due_date", allow_null=True, default=None)

    def get_promises_due(self, row) -> int:
        return len(row.promises_due)


class DunningWarningOutput(serializers.Serializer):
    line = serializers.IntegerField(source="line.pk")
    house = serializers.IntegerField(source="line.house_id")
    house_code = serializers.CharField(source="line.house.code")
    project = serializers.IntegerField(source="line.project_id")
    description = serializers.CharField(source="line.description")
    open = serializers.DecimalField(max_digits=14, decimal_places=2)
    due_date = serializers.DateField()
    last_demand = serializers.DateField(allow_null=True)
    expires_on = serializers.DateField()
    days_left = serializers.IntegerField(help_text=_("负数：已届满"))


# -- input ---------------------------------------------------------------------------------------


class DunningStepInput(InputSerializer):
    house = serializers.IntegerField(label=_("房屋"))
    kind = serializers.CharField(label=_("催缴方式"), max_length=10, help_text=KIND_HELP)
    on_date = serializers.DateField(label=_("日期"), required=False, allow_null=True)
    amount_demanded = serializers.DecimalField(
        label=_("催缴金额"), max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    deadline = serializers.DateField(label=_("缴费期限"), required=False, allow_null=True)
    note = serializers.CharField(label=_("情况记录"), required=False, allow_blank=True, default="")
    tracking_number = serializers.CharField(label=_("快递单号"), max_length=40, required=False, allow_blank=True, default="")
    override_reason = serializers.CharField(label=_("越级原因"), max_length=200, required=False, allow_blank=True, default="")


class DunningPromiseInput(InputSerializer):
    house = serializers.IntegerField(label=_("房屋"))
    amount = serializers.DecimalField(label=_("承诺金额"), max_digits=14, decimal_places=2)
    promised_date = serializers.DateField(label=_("承诺缴费日"))
    follow_up_date = serializers.DateField(label=_("跟进日期"), required=False, allow_null=True)
    note = serializers.CharField(label=_("说明"), max_length=200, required=False, allow_blank=True, default="")


class DunningInstalmentInput(serializers.Serializer):
    due_date = serializers.DateField(label=_("应缴日期"))
    amount = serializers.DecimalField(label=_("金额"), max_digits=14, decimal_places=2)


class DunningPlanInput(InputSerializer):
    house = serializers.IntegerField(label=_("房屋"))
    count = serializers.IntegerField(label=_("期数"), min_value=1, max_value=services.MAX_INSTALMENTS, required=False)
    first_due = serializers.DateField(label=_("首期日期"), required=False)
    instalments = DunningInstalmentInput(many=True, required=False, help_text=_("逐期填写时：合计须等于逾期欠费"))
    note = serializers.CharField(label=_("说明"), max_length=200, required=False, allow_blank=True, default="")


class DunningProjectQuery(InputSerializer):
    project = serializers.IntegerField(label=_("项目"), min_value=1, required=False)


# -- views -------------------------------------------------------------------------------------------


def _house(request, pk: int) -> House:
    return scoping.access(House.objects.select_related("project", "project__company"), request.user, Cap.FEE_COLLECT, pk=pk)


class _HouseFiltered:
    """`?house=` narrows a list to one house."""

    def filter_queryset(self, queryset):
        house = self.request.query_params.get("house", "")
        return queryset.filter(house_id=int(house)) if house.isdigit() else queryset


_HOUSE_PARAM = OpenApiParameter("house", int, description="只看这个房屋")


@extend_schema_view(
    list=extend_schema(parameters=[_HOUSE_PARAM]),
    create=extend_schema(request=DunningStepInput, responses={201: DunningStepOutput}),
)
class StepViewSet(_HouseFiltered, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Dunning steps (催缴记录), append-only."""

    queryset = DunningStep.objects.select_related("by").prefetch_related("attachments").order_by("house", "on_date", "id")
    serializer_class = DunningStepOutput
    view_cap = Cap.FEE_VIEW
    action_caps = {"create": Cap.FEE_COLLECT}

    def create(self, request):
        data = read_input(DunningStepInput, request)
        house = _house(request, data.pop("house"))
        step = services.step_record(house=house, by=request.user, **data)
        return Response(DunningStepOutput(step).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(parameters=[_HOUSE_PARAM]),
    create=extend_schema(request=DunningPromiseInput, responses={201: DunningPromiseOutput}),
)
class PromiseViewSet(_HouseFiltered, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Promises to pay (缴费承诺), with their status read from the payments."""

    queryset = PaymentPromise.objects.order_by("house", "on_date", "id")
    serializer_class = DunningPromiseOutput
    view_cap = Cap.FEE_VIEW
    action_caps = {"create": Cap.FEE_COLLECT}

    def create(self, request):
        data = read_input(DunningPromiseInput, request)
        house = _house(request, data.pop("house"))
        promise = services.promise_record(house=house, by=request.user, **data)
        return Response(DunningPromiseOutput(promise).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(parameters=[_HOUSE_PARAM]),
    create=extend_schema(request=DunningPlanInput, responses={201: DunningPlanOutput}),
)
class PlanViewSet(_HouseFiltered, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Instalment plans (分期还款计划) with each instalment's status."""

    queryset = InstalmentPlan.objects.order_by("house", "-on_date", "-id")
    serializer_class = DunningPlanOutput
    view_cap = Cap.FEE_VIEW
    action_caps = {"create": Cap.FEE_COLLECT}

    def create(self, request):
        data = read_input(DunningPlanInput, request)
        house = _house(request, data.pop("house"))
        rows = data.pop("instalments", None)
        instalments = [(row["due_date"], row["amount"]) for row in rows] if rows else None
        plan = services.plan_record(house=house, by=request.user, instalments=instalments, **data)
        return Response(DunningPlanOutput(plan).data, status=status.HTTP_201_CREATED)


class DunningAssignInput(InputSerializer):
    collector = serializers.IntegerField(label=_("催缴负责人"))


@extend_schema_view(
    list=extend_schema(parameters=[_HOUSE_PARAM]),
    assign=extend_schema(
        request=DunningAssignInput, responses=DunningCaseOutput, description="指定催缴负责人（客服主管、项目经理）。"
    ),
)
class CaseViewSet(_HouseFiltered, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Dunning cases (催缴档案) with their steps and promises."""

    queryset = DunningCase.objects.select_related("house").prefetch_related("steps__attachments", "steps__by", "promises")
    serializer_class = DunningCaseOutput
    view_cap = Cap.FEE_VIEW
    action_caps = {"assign": Cap.FEE_APPROVE}

    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        case = self.get_object()
        data = read_input(DunningAssignInput, request)
        collector = User.objects.filter(pk=data["collector"], is_active=True).first()
        case = services.case_assign(case=case, collector=collector, by=request.user)
        return Response(DunningCaseOutput(case).data)


def _project_ids(request) -> frozenset[int]:
    query = DunningProjectQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    project_ids = scoping.visible_project_ids(request.user, Cap.FEE_VIEW)
    wanted = query.validated_data.get("project")
    return project_ids & {wanted} if wanted is not None else project_ids


class DunningViewSet(viewsets.ViewSet):
    """The dunning worklist and the limitation warnings of the projects the caller sees fees in."""

    @extend_schema(
        parameters=[OpenApiParameter("project", int, description="只看这个项目")],
        responses=DunningWorkRowOutput(many=True),
        description="催缴工作台：欠费房屋、账龄、当前阶段、下一步及日期、待跟进承诺、下期分期。",
    )
    @action(detail=False, methods=["get"])
    def worklist(self, request):
        project_ids = _project_ids(request)
        rows = selectors.worklist(project_ids=project_ids, as_of=timezone.localdate()).rows if project_ids else []
        return Response(DunningWorkRowOutput(rows, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("project", int, description="只看这个项目")],
        responses=DunningWarningOutput(many=True),
        description="诉讼时效预警：三年时效（自到期日或最近一次催缴/承诺起算）90 天内届满或已届满的欠费。",
    )
    @action(detail=False, methods=["get"])
    def limitation(self, request):
        project_ids = _project_ids(request)
        warnings = selectors.limitation_warnings(project_ids=project_ids) if project_ids else []
        return Response(DunningWarningOutput(warnings, many=True).data)


def register(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("dunning/steps", StepViewSet, basename="dunning-step")
    router.register("dunning/promises", PromiseViewSet, basename="dunning-promise")
    router.register("dunning/plans", PlanViewSet, basename="dunning-plan")
    router.register("dunning/cases", CaseViewSet, basename="dunning-case")
    router.register("dunning", DunningViewSet, basename="dunning")
