"""Deposits API (/api/v1/): deposits (押金) with their status, taking one, requesting a
refund with itemised deductions, and approving or rejecting a refund (FEE-9/10/11).

Same shape as `desk.api`: rows through the scoping helper (`core.api.ScopedViewSet`),
input through an `…Input` serializer, writes through `deposits.services`, results through
an `…Output` serializer. Reading needs FEE_VIEW, taking and requesting FEE_COLLECT,
deciding FEE_APPROVE; without it the caller gets the same 404 as for a missing row.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from propdesk.accounts.roles import Cap
from propdesk.billing.choices import PaymentMethod
from propdesk.core import scoping
from propdesk.core.api import InputSerializer, ScopedViewSet, read_input
from propdesk.deposits import services
from propdesk.deposits.choices import DeductionKind, DepositKind, DepositStatus, RefundStatus
from propdesk.deposits.models import Deposit, DepositDeduction, DepositRefund
from propdesk.deposits.selectors import deposits_with_status
from propdesk.estate.models import House, Project

_METHODS = PaymentMethod.choices  # the service refuses bank collection for deposits


class DepositFilter(filters.FilterSet):
    project = filters.NumberFilter(label=_("项目"))
    kind = filters.ChoiceFilter(label=_("押金类型"), choices=DepositKind.choices)
    status = filters.ChoiceFilter(label=_("状态"), choices=DepositStatus.choices, method="filter_status")
    house = filters.NumberFilter(label=_("房屋"))

    class Meta:
        model = Deposit
        fields = ["project", "kind", "house"]

    def filter_status(self, queryset, name, value):
        return deposits_with_status(queryset, status=value)


class RefundFilter(filters.FilterSet):
    project = filters.NumberFilter(label=_("项目"))
    status = filters.ChoiceFilter(label=_("状态"), choices=RefundStatus.choices)
    deposit = filters.NumberFilter(label=_("押金"))

    class Meta:
        model = DepositRefund
        fields = ["project", "status", "deposit"]


class DeductionOutput(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = DepositDeduction
        fields = ["id", "kind", "kind_display", "reason", "amount"]


class RefundOutput(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    slip_number = serializers.CharField(read_only=True)
    deductions = DeductionOutput(many=True, read_only=True)

    class Meta:
        model = DepositRefund
        fields = [
            "id",
            "project",
            "deposit",
            "status",
            "status_display",
            "deductions",
            "deductions_total",
            "net_amount",
            "method",
            "note",
            "requested_by",
            "requested_on",
            "decided_by",
            "decided_at",
            "refunded_on",
            "rejection_reason",
            "slip_number",
            "fee_payment",
        ]


class DepositOutput(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    receipt_number = serializers.CharField(read_only=True)
    house_code = serializers.CharField(source="house.code", read_only=True, allow_null=True, default=None)
    status = serializers.SerializerMethodField()

    class Meta:
        model = Deposit
        fields = [
            "id",
            "project",
            "receipt_number",
            "kind",
            "kind_display",
            "house",
            "house_code",
            "payer_name",
            "amount",
            "taken_on",
            "method",
            "reference",
            "purpose",
            "taken_by",
            "created_at",
            "status",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=DepositStatus.choices))
    def get_status(self, deposit) -> str:
        return services.deposit_status(deposit)


class DepositTakeInput(InputSerializer):
    project = serializers.IntegerField(label=_("项目"), min_value=1)
    house = serializers.IntegerField(label=_("房屋"), min_value=1, required=False, allow_null=True)
    kind = serializers.ChoiceField(label=_("押金类型"), choices=DepositKind.choices)
    payer_name = serializers.CharField(label=_("交款人"), max_length=50)
    amount = serializers.DecimalField(label=_("押金金额"), max_digits=12, decimal_places=2)
    method = serializers.ChoiceField(label=_("付款方式"), choices=_METHODS)
    reference = serializers.CharField(label=_("交易流水号"), max_length=64, required=False, default="", allow_blank=True)
    purpose = serializers.CharField(label=_("事由"), max_length=200, required=False, default="", allow_blank=True)
    idempotency_key = serializers.CharField(label=_("提交标识"), max_length=64)


class DeductionInput(InputSerializer):
    kind = serializers.ChoiceField(label=_("扣款类型"), choices=DeductionKind.choices)
    reason = serializers.CharField(label=_("扣款原因"), max_length=200, required=False, default="", allow_blank=True)
    amount = serializers.DecimalField(
        label=_("扣款金额"),
        max_digits=12,
        decimal_places=2,
        required=False,
        default=0,
        help_text=_("欠缴费用由系统计算，无需填写"),
    )


class RefundRequestInput(InputSerializer):
    deductions = DeductionInput(many=True, required=False, default=list)
    method = serializers.ChoiceField(label=_("退款方式"), choices=_METHODS, default=PaymentMethod.CASH)
    note = serializers.CharField(label=_("说明"), max_length=200, required=False, default="", allow_blank=True)


class RejectInput(InputSerializer):
    reason = serializers.CharField(label=_("驳回原因"), max_length=200)


@extend_schema_view(
    create=extend_schema(request=DepositTakeInput, responses={201: DepositOutput}, description="收取押金（押金收据单独编号）。"),
    refund=extend_schema(
        request=RefundRequestInput,
        responses={201: RefundOutput},
        description="申请退还押金：逐项扣款（罚款须写原因；kind=fees 抵扣房屋欠费，金额由系统按结清检查计算，FEE-9）。",
    ),
)
class DepositViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Deposits (押金) of the caller's projects, newest first."""

    queryset = Deposit.objects.select_related("house").prefetch_related("refunds").order_by("-taken_on", "-id")
    serializer_class = DepositOutput
    filterset_class = DepositFilter
    view_cap = Cap.FEE_VIEW
    action_caps = {"create": Cap.FEE_COLLECT, "refund": Cap.FEE_COLLECT}

    def create(self, request):
        data = read_input(DepositTakeInput, request)
        project = scoping.access(Project.objects.all(), request.user, Cap.FEE_COLLECT, field="id", pk=data.pop("project"))
        house_id = data.pop("house", None)
        house = None
        if house_id is not None:
            house = scoping.access(House.objects.all(), request.user, Cap.FEE_COLLECT, pk=house_id)
        deposit = services.deposit_take(project=project, house=house, by=request.user, **data)
        return Response(DepositOutput(deposit).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def refund(self, request, pk=None):
        deposit = self.get_object()
        data = read_input(RefundRequestInput, request)
        deductions = [services.Deduction(d["kind"], d["reason"], d["amount"]) for d in data.pop("deductions")]
        refund = services.refund_request(deposit=deposit, by=request.user, deductions=deductions, **data)
        return Response(RefundOutput(refund).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    approve=extend_schema(
        request=None,
        responses=RefundOutput,
        description="批准退还（收费审批权限，且不是申请人）；抵扣的欠费计入房屋账目（FEE-9）。",
    ),
    reject=extend_schema(request=RejectInput, responses=RefundOutput, description="驳回退还申请，须写原因。"),
)
class DepositRefundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Refund requests of deposits (押金退还) with their itemised deductions."""

    queryset = DepositRefund.objects.prefetch_related("deductions").order_by("-requested_on", "-id")
    serializer_class = RefundOutput
    filterset_class = RefundFilter
    view_cap = Cap.FEE_VIEW
    action_caps = {"approve": Cap.FEE_APPROVE, "reject": Cap.FEE_APPROVE}

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        refund = services.refund_approve(refund=self.get_object(), approver=request.user)
        return Response(RefundOutput(refund).data)

    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        refund = self.get_object()
        data = read_input(RejectInput, request)
        refund = services.refund_reject(refund=refund, approver=request.user, reason=data["reason"])
        return Response(RefundOutput(refund).data)


def register(router) -> None:
    router.register("deposits", DepositViewSet, basename="deposit")
    router.register("deposit-refunds", DepositRefundViewSet, basename="deposit-refund")
