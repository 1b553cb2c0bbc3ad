"""Billing API (/api/v1/billing/…): fee items and their rates (FEE-1), a house's account —
open lines with the live late fee and the settlement check (FEE-3, FEE-9) —, bills,
payments with their receipts (FEE-5/6: a retried submission with the same idempotency key
never charges twice), the monthly runs (FEE-2: preview, start, progress), the arrears list
(FEE-7) and the approval requests for waivers, reversals and extensions (FEE-3/4/5).

Same shape as `desk.api`: rows through the scoping helper (`core.api.ScopedViewSet`), input
through a `…Input` serializer, writes through the billing services, results through a
`…Output` serializer. A caller without the capability gets the same 404 as for a missing
row; a rule that says no is 400 {code, message, field, rule}.

    GET  billing/fee-items/            GET billing/fee-items/{id}/rates/
    POST billing/fee-items/            POST billing/fee-items/{id}/rates/      (FEE_CONFIGURE)
    GET  billing/accounts/{house id}/  balance, credit, open lines, settlement
    GET  billing/bills/?house=&period=
    GET  billing/payments/             GET billing/payments/{id}/receipt/
    POST billing/payments/             (FEE_COLLECT; Idempotency-Key header or field)
    GET  billing/runs/{id}/            POST billing/runs/   POST billing/runs/preview/  (FEE_BILL)
    GET  billing/arrears/?project=&building=
    GET  billing/approvals/            POST billing/approvals/                 (FEE_COLLECT)
    POST billing/approvals/{id}/approve/  …/reject/                            (FEE_APPROVE)
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from propdesk.accounts.roles import Cap
from propdesk.billing import approvals, arrears, rates
from propdesk.billing.choices import ApprovalKind, ApprovalStatus
from propdesk.billing.forms import parse_month
from propdesk.billing.models import (
    ApprovalRequest,
    Bill,
    BillDispute,
    BillingRun,
    BillLine,
    FeeItem,
    Payment,
)
from propdesk.billing.payments import payment_take
from propdesk.billing.prints import receipt_of
from propdesk.billing.run import billing_run_launch, billing_run_preview
from propdesk.billing.selectors import credit_balance, house_balance, open_lines, settlement
from propdesk.billing.serializers import (
    AccountOutput,
    ApprovalCreateInput,
    ApprovalOutput,
    ArrearsOutput,
    BillOutput,
    DecisionInput,
    FeeItemCreateInput,
    FeeItemOutput,
    FeeRateCreateInput,
    FeeRateOutput,
    PaymentCreateInput,
    PaymentOutput,
    PreviewOutput,
    ReceiptOutput,
    RunInput,
    RunOutput,
)
from propdesk.core import scoping
from propdesk.core.api import ScopedViewSet, read_input
from propdesk.core.errors import DomainError
from propdesk.estate.models import Building, House, Project


def _project(request, cap: Cap, pk: int) -> Project:
    return scoping.access(Project.objects.all(), request.user, cap, field="id", pk=pk)


# --- fee items and rates (FEE-1) ------------------------------------------------------------


class FeeItemFilter(filters.FilterSet):
    project = filters.NumberFilter(label=_("项目"))
    active = filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = FeeItem
        fields = ["project", "active"]


@extend_schema_view(
    create=extend_schema(request=FeeItemCreateInput, responses={201: FeeItemOutput}),
)
class FeeItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Fee items (收费项目) of the caller's projects (FEE-1)."""

    queryset = FeeItem.objects.all()
    serializer_class = FeeItemOutput
    filterset_class = FeeItemFilter
    view_cap = Cap.FEE_VIEW
    action_caps = {"create": Cap.FEE_CONFIGURE, "rate_add": Cap.FEE_CONFIGURE}

    def create(self, request):
        data = read_input(FeeItemCreateInput, request)
        project = _project(request, Cap.FEE_CONFIGURE, data.pop("project"))
        item = rates.fee_item_create(project=project, by=request.user, **data)
        return Response(FeeItemOutput(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=FeeRateOutput(many=True), description="收费标准历史（最新在前），含适用用途与批准文号。")
    @action(detail=True, methods=["get"])
    def rates(self, request, pk=None):
        item = self.get_object()
        history = item.rates.select_related("created_by").order_by("-effective_from", "-id")
        return Response(FeeRateOutput(history, many=True).data)

    @extend_schema(
        request=FeeRateCreateInput,
        responses={201: FeeRateOutput},
        description="新增收费标准（自生效日期起执行，原标准保留；已出账月份不能追溯，FEE-1）。",
    )
    @rates.mapping.post
    def rate_add(self, request, pk=None):
        item = self.get_object()
        data = read_input(FeeRateCreateInput, request)
        rate = rates.fee_rate_add(item=item, by=request.user, **data)
        return Response(FeeRateOutput(rate).data, status=status.HTTP_201_CREATED)


# --- a house's account (FEE-3, FEE-9) ---------------------------------------------------------


@extend_schema_view(
    retrieve=extend_schema(
        responses=AccountOutput,
        description="房屋账户：账面欠费、预存款、未结账目（含截至今日的违约金，FEE-3）与结清检查（FEE-9）。",
    )
)
class AccountViewSet(ScopedViewSet):
    """A house's account (房屋账户), by house id."""

    queryset = House.objects.select_related("project")
    serializer_class = AccountOutput
    view_cap = Cap.FEE_VIEW

    def retrieve(self, request, pk=None):
        house = self.get_object()
        today = timezone.localdate()
        data = {
            "house": house.pk,
            "house_code": house.code,
            "project": house.project_id,
            "balance": house_balance(house, as_of=today),
            "credit": credit_balance(house, as_of=today),
            "lines": open_lines(house, as_of=today),
            "settlement": settlement(house, as_of=today),
        }
        return Response(AccountOutput(data).data)


# --- bills ---------------------------------------------------------------------------------


class BillFilter(filters.FilterSet):
    project = filters.NumberFilter(label=_("项目"))
    house = filters.NumberFilter(label=_("房屋"))
    period = filters.CharFilter(label=_("账期（YYYY-MM）"), method="filter_period")

    class Meta:
        model = Bill
        fields = ["project", "house", "period"]

    def filter_period(self, queryset, name, value):
        month = parse_month(value)
        return queryset.filter(period=month) if month else queryset.none()


class BillViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Bills (账单) with their lines and the due date in force (FEE-2, FEE-4)."""

    queryset = (
        Bill.objects.select_related("house")
        .prefetch_related(Prefetch("lines", queryset=BillLine.objects.order_by("id")), "extensions")
        .order_by("-period", "-id")
    )
    serializer_class = BillOutput
    filterset_class = BillFilter
    view_cap = Cap.FEE_VIEW


# --- payments and receipts (FEE-5, FEE-6) -------------------------------------------------------


class PaymentFilter(filters.FilterSet):
    project = filters.NumberFilter(label=_("项目"))
    house = filters.NumberFilter(label=_("房屋"))
    received_on = filters.DateFilter(label=_("到账日期"))

    class Meta:
        model = Payment
        fields = ["project", "house", "received_on"]


@extend_schema_view(
    create=extend_schema(
        request=PaymentCreateInput,
        responses={201: PaymentOutput, 200: PaymentOutput},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, description="提交标识（或字段 idempotency_key）"
            )
        ],
        description="收款（FEE-5）：同一提交标识重复提交只收一次，返回第一次的收款（200）。",
    ),
    receipt=extend_schema(responses=ReceiptOutput, description="收据内容（不记为打印）。"),
)
class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Payments (收款) and their receipts, newest first."""

    queryset = Payment.objects.select_related("house", "cashier", "reversal").order_by("-created_at", "-id")
    serializer_class = PaymentOutput
    filterset_class = PaymentFilter
    view_cap = Cap.FEE_VIEW
    action_caps = {"create": Cap.FEE_COLLECT}

    def create(self, request):
        data = read_input(PaymentCreateInput, request)
        house = scoping.access(House.objects.select_related("project"), request.user, Cap.FEE_COLLECT, pk=data.pop("house"))
        key = (request.headers.get("Idempotency-Key") or data.pop("idempotency_key") or "").strip()
        data.pop("idempotency_key", None)
        line_ids = data.pop("lines")
        lines = None
        if line_ids is not None:
            lines = list(BillLine.objects.filter(pk__in=set(line_ids), house=house))
            if len(lines) != len(set(line_ids)):
                raise DomainError(
                    "payment_line_not_open", _("所选账目不属于该房屋或已结清，请刷新后重试"), field="lines", rule="FEE-6"
                )
        replay = bool(key) and Payment.objects.filter(project_id=house.project_id, idempotency_key=key).exists()
        payment = payment_take(house=house, by=request.user, idempotency_key=key, lines=lines, **data)
        payment = self.queryset.get(pk=payment.pk)
        return Response(PaymentOutput(payment).data, status=status.HTTP_200_OK if replay else status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def receipt(self, request, pk=None):
        receipt = receipt_of(self.get_object())
        lines = [
            {
                "description": line.description,
                "period": line.period,
                "amount": line.amount,
                "is_late_fee": line.is_late_fee,
                "is_credit": line.is_credit,
            }
            for line in receipt.lines
        ]
        data = {"payment": receipt.payment, "lines": lines, "total": receipt.total, "words": receipt.words}
        return Response(ReceiptOutput(data).data)


# --- monthly runs (FEE-2) ------------------------------------------------------------------------


@extend_schema_view(
    retrieve=extend_schema(description="出账进度（进行中时轮询）。"),
    create=extend_schema(
        request=RunInput, responses={201: RunOutput}, description="开始（或继续）该月出账，后台分批执行（FEE-2）。"
    ),
    preview=extend_schema(request=RunInput, responses=PreviewOutput, description="出账预览：只计算不写入。"),
)
class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Monthly billing runs (月度出账)."""

    queryset = BillingRun.objects.order_by("-period", "-started_at")
    serializer_class = RunOutput
    view_cap = Cap.FEE_BILL

    def _input(self, request):
        data = read_input(RunInput, request)
        return _project(request, Cap.FEE_BILL, data["project"]), data["month"]

    def create(self, request):
        project, month = self._input(request)
        run = billing_run_launch(project=project, month=month, by=request.user)
        return Response(RunOutput(run).data, status=status.HTTP_201_CREATED)

    @action(detail=False, methods=["post"])
    def preview(self, request):
        project, month = self._input(request)
        preview = billing_run_preview(project=project, month=month, by=request.user)
        data = {
            **{k: getattr(preview, k) for k in ("period", "due_date", "houses", "houses_billed", "lines", "total")},
            "already_issued": preview.already_issued,
            "by_item": [{"code": code, **row} for code, row in preview.by_item.items()],
            "skipped": preview.skipped,
            "missing_rates": [list(pair) for pair in preview.missing_rates],
        }
        return Response(PreviewOutput(data).data)


# --- arrears (FEE-7) ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        responses=ArrearsOutput,
        parameters=[
            OpenApiParameter("project", OpenApiTypes.INT, description="项目"),
            OpenApiParameter("building", OpenApiTypes.INT, description="楼栋"),
        ],
        description="欠费清单：逾期未缴的房屋，按最早到期日计账龄（FEE-7）。",
    )
)
class ArrearsViewSet(viewsets.GenericViewSet):
    """The arrears list (欠费清单) of the caller's projects."""

    serializer_class = ArrearsOutput
    pagination_class = None
    filter_backends = []

    def list(self, request):
        project_ids = scoping.visible_project_ids(request.user, Cap.FEE_VIEW)
        chosen = request.query_params.get("project", "")
        if chosen.isdigit():
            project_ids = project_ids & {int(chosen)}
        building_id = request.query_params.get("building", "")
        building = None
        if building_id.isdigit():
            building = scoping.access(Building.objects.all(), request.user, Cap.FEE_VIEW, pk=int(building_id))
        result = arrears.arrears_list(project_ids=project_ids, building_id=building.pk if building else None)
        data = {"as_of": result.as_of, "total": result.total, "houses_total": result.houses_total, "rows": result.rows}
        return Response(ArrearsOutput(data).data)


# --- approval requests (FEE-3, FEE-4, FEE-5) ---------------------------------------------------------


class ApprovalFilter(filters.FilterSet):
    project = filters.NumberFilter(label=_("项目"))
    house = filters.NumberFilter(label=_("房屋"))
    status = filters.ChoiceFilter(label=_("状态"), choices=ApprovalStatus.choices)
    kind = filters.ChoiceFilter(label=_("类型"), choices=ApprovalKind.choices)

    class Meta:
        model = ApprovalRequest
        fields = ["project", "house", "status", "kind"]


@extend_schema_view(
    create=extend_schema(
        request=ApprovalCreateInput,
        responses={201: ApprovalOutput},
        description="提交审批申请：line_waiver / late_fee_waiver（line, amount 可空=全部）、reversal（payment）、"
        "extension（bill, to_date, dispute 可空）。",
    ),
    approve=extend_schema(
        request=DecisionInput,
        responses=ApprovalOutput,
        description="批准（FEE_APPROVE，且不是申请人）：在同一事务中执行减免、冲正或延期。",
    ),
    reject=extend_schema(request=DecisionInput, responses=ApprovalOutput, description="驳回，须填写审批意见。"),
)
class ApprovalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Approval requests (审批申请), newest first."""

    queryset = ApprovalRequest.objects.select_related("house", "requested_by", "decided_by")
    serializer_class = ApprovalOutput
    filterset_class = ApprovalFilter
    view_cap = Cap.FEE_COLLECT
    action_caps = {"approve": Cap.FEE_APPROVE, "reject": Cap.FEE_APPROVE}

    def create(self, request):
        data = read_input(ApprovalCreateInput, request)
        kwargs = {"kind": data["kind"], "reason": data["reason"], "amount": data["amount"], "to_date": data["to_date"]}
        for name, model in (("line", BillLine), ("payment", Payment), ("bill", Bill)):
            if data[name] is not None:
                kwargs[name] = scoping.access(model.objects.select_related("house"), request.user, Cap.FEE_COLLECT, pk=data[name])
        if data["dispute"] is not None:
            kwargs["dispute"] = scoping.access(BillDispute.objects.all(), request.user, Cap.FEE_COLLECT, pk=data["dispute"])
        approval = approvals.approval_request(by=request.user, **kwargs)
        return Response(ApprovalOutput(approval).data, status=status.HTTP_201_CREATED)

    def _decide(self, request, approve: bool):
        approval = self.get_object()
        data = read_input(DecisionInput, request)
        approval = approvals.approval_decide(approval=approval, approve=approve, by=request.user, note=data["note"])
        return Response(ApprovalOutput(self.queryset.get(pk=approval.pk)).data)

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, True)

    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, False)


def register(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("billing/fee-items", FeeItemViewSet, basename="billing-fee-item")
    router.register("billing/accounts", AccountViewSet, basename="billing-account")
    router.register("billing/bills", BillViewSet, basename="billing-bill")
    router.register("billing/payments", PaymentViewSet, basename="billing-payment")
    router.register("billing/runs", RunViewSet, basename="billing-run")
    router.register("billing/arrears", ArrearsViewSet, basename="billing-arrears")
    router.register("billing/approvals", ApprovalViewSet, basename="billing-approval")
