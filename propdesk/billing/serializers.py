"""Billing API shapes (style practice 7): `…Input` what a call takes — its shape only, the
rules live in the services — and `…Output` what it returns. Amounts leave as strings with
two decimals (Decimal, never float). Choice fields leave as their code plus a `…_display`
label."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from propdesk.billing.choices import ApprovalKind, FeeKind, PaymentMethod
from propdesk.billing.models import ApprovalRequest, Bill, BillingRun, FeeItem, FeeRate, Payment
from propdesk.core.api import InputSerializer
from propdesk.estate.choices import Usage

_MONEY = {"max_digits": 14, "decimal_places": 2}


# --- fee items and rates (FEE-1) ------------------------------------------------------------


class FeeRateOutput(serializers.ModelSerializer):
    usage = serializers.CharField(read_only=True, help_text=_("空：所有用途"))
    created_by_name = serializers.CharField(source="created_by.__str__", read_only=True)

    class Meta:
        model = FeeRate
        fields = [
            "id",
            "item",
            "usage",
            "effective_from",
            "unit_price",
            "tiers",
            "approval_ref",
            "notice_ref",
            "created_by_name",
            "created_at",
        ]


class FeeItemOutput(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = FeeItem
        fields = [
            "id",
            "project",
            "code",
            "name",
            "kind",
            "kind_display",
            "unit",
            "is_management_fee",
            "late_fee_applies",
            "active",
        ]


class FeeItemCreateInput(InputSerializer):
    project = serializers.IntegerField(label=_("项目"))
    code = serializers.SlugField(label=_("编码"), max_length=20)
    name = serializers.CharField(label=_("名称"), max_length=50)
    kind = serializers.ChoiceField(label=_("计费方式"), choices=FeeKind.choices)
    unit = serializers.CharField(label=_("计量单位"), max_length=10, required=False, default="", allow_blank=True)
    is_management_fee = serializers.BooleanField(label=_("物业管理费"), required=False, allow_null=True, default=None)
    late_fee_applies = serializers.BooleanField(label=_("计收违约金"), required=False, allow_null=True, default=None)


class TierInput(serializers.Serializer):
    up_to = serializers.DecimalField(max_digits=14, decimal_places=3, allow_null=True, coerce_to_string=True)
    unit_price = serializers.DecimalField(**_MONEY, coerce_to_string=True)


class FeeRateCreateInput(InputSerializer):
    usage = serializers.ChoiceField(label=_("房屋用途"), choices=Usage.choices, required=False, default="", allow_blank=True)
    effective_from = serializers.DateField(label=_("生效日期"))
    unit_price = serializers.DecimalField(label=_("单价"), **_MONEY)
    tiers = TierInput(many=True, required=False, label=_("阶梯"))
    approval_ref = serializers.CharField(label=_("批准文号"), max_length=100)
    notice_ref = serializers.CharField(label=_("公示/通知编号"), max_length=100, required=False, default="", allow_blank=True)

    def validate_tiers(self, tiers):
        return [{"up_to": t["up_to"], "unit_price": t["unit_price"]} for t in tiers]


# --- a house's account (FEE-3, FEE-9) ------------------------------------------------------


class LineStateOutput(serializers.Serializer):
    """An open line with its live late fee (FEE-3)."""

    line = serializers.IntegerField(source="line.pk")
    bill = serializers.IntegerField(source="line.bill_id")
    period = serializers.DateField(source="line.period")
    description = serializers.CharField(source="line.description")
    is_late_fee = serializers.BooleanField()
    payer = serializers.CharField()
    due_date = serializers.DateField()
    overdue_days = serializers.IntegerField()
    amount = serializers.DecimalField(source="line.amount", **_MONEY)
    paid = serializers.DecimalField(**_MONEY)
    open = serializers.DecimalField(**_MONEY)
    late_fee = serializers.DecimalField(**_MONEY, help_text=_("截至今日的违约金，收款时计收"))
    total = serializers.DecimalField(**_MONEY)


class SettlementOutput(serializers.Serializer):
    """FEE-9: whether the house is settled."""

    as_of = serializers.DateField()
    settled = serializers.BooleanField()
    owed = serializers.DecimalField(**_MONEY)
    late_fees = serializers.DecimalField(**_MONEY)
    total = serializers.DecimalField(**_MONEY)
    credit = serializers.DecimalField(**_MONEY)
    net_due = serializers.DecimalField(**_MONEY)


class AccountOutput(serializers.Serializer):
    house = serializers.IntegerField()
    house_code = serializers.CharField()
    project = serializers.IntegerField()
    balance = serializers.DecimalField(**_MONEY, help_text=_("账面欠费（不含未计收的违约金）"))
    credit = serializers.DecimalField(**_MONEY, help_text=_("预存款余额"))
    lines = LineStateOutput(many=True)
    settlement = SettlementOutput()


# --- bills -----------------------------------------------------------------------------------


class BillLineOutput(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    source = serializers.CharField()
    item = serializers.IntegerField(source="item_id", allow_null=True)
    quantity = serializers.DecimalField(**_MONEY)
    unit_price = serializers.DecimalField(**_MONEY)
    percent = serializers.IntegerField()
    amount = serializers.DecimalField(**_MONEY)
    late_fee_of = serializers.IntegerField(source="late_fee_of_id", allow_null=True)


class BillOutput(serializers.ModelSerializer):
    house_code = serializers.CharField(source="house.code", read_only=True)
    kind = serializers.CharField(read_only=True)
    payer = serializers.CharField(read_only=True)
    due_date_in_force = serializers.SerializerMethodField(help_text=_("经批准延期后的截止日（FEE-4）"))
    lines = BillLineOutput(many=True, read_only=True)

    class Meta:
        model = Bill
        fields = [
            "id",
            "project",
            "house",
            "house_code",
            "period",
            "kind",
            "payer",
            "due_date",
            "due_date_in_force",
            "issued_on",
            "lines",
        ]

    def get_due_date_in_force(self, bill) -> str:
        extensions = list(bill.extensions.all())
        return (max(e.to_date for e in extensions) if extensions else bill.due_date).isoformat()


# --- payments and receipts (FEE-5, FEE-6) ------------------------------------------------------


class ReceiptLineOutput(serializers.Serializer):
    description = serializers.CharField()
    period = serializers.DateField(allow_null=True)
    amount = serializers.DecimalField(**_MONEY)
    is_late_fee = serializers.BooleanField()
    is_credit = serializers.BooleanField()


class PaymentOutput(serializers.ModelSerializer):
    receipt_number = serializers.CharField(read_only=True)
    house_code = serializers.CharField(source="house.code", read_only=True)
    method = serializers.CharField(read_only=True)
    method_display = serializers.CharField(source="get_method_display", read_only=True)
    payer = serializers.CharField(read_only=True)
    cashier_name = serializers.CharField(source="cashier.__str__", read_only=True)
    reversed = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = [
            "id",
            "project",
            "house",
            "house_code",
            "receipt_number",
            "payer",
            "payer_name",
            "method",
            "method_display",
            "amount",
            "tendered",
            "change",
            "received_on",
            "reference",
            "idempotency_key",
            "cashier_name",
            "created_at",
            "reversed",
        ]

    def get_reversed(self, payment) -> bool:
        return hasattr(payment, "reversal")


class ReceiptOutput(serializers.Serializer):
    payment = PaymentOutput()
    lines = ReceiptLineOutput(many=True)
    total = serializers.DecimalField(**_MONEY)
    words = serializers.CharField(help_text=_("大写金额"))


class PaymentCreateInput(InputSerializer):
    house = serializers.IntegerField(label=_("房屋"))
    method = serializers.ChoiceField(label=_("付款方式"), choices=PaymentMethod.choices)
    amount = serializers.DecimalField(label=_("实收金额"), **_MONEY)
    tendered = serializers.DecimalField(label=_("收到现金"), **_MONEY, required=False, allow_null=True, default=None)
    lines = serializers.ListField(
        child=serializers.IntegerField(),
        label=_("账目"),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("所选账目 id；不填按账龄从早到晚冲抵，空列表全部计入预存款"),
    )
    payer_name = serializers.CharField(label=_("交款人"), max_length=50, required=False, default="", allow_blank=True)
    reference = serializers.CharField(label=_("交易流水号"), max_length=64, required=False, default="", allow_blank=True)
    received_on = serializers.DateField(label=_("到账日期"), required=False, allow_null=True, default=None)
    idempotency_key = serializers.CharField(
        label=_("提交标识"),
        max_length=64,
        required=False,
        default="",
        allow_blank=True,
        help_text=_("或请求头 Idempotency-Key；同一标识重复提交只收一次"),
    )


# --- billing runs (FEE-2) ----------------------------------------------------------------------


class RunOutput(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    progress = serializers.IntegerField(read_only=True, help_text=_("进度百分比"))

    class Meta:
        model = BillingRun
        fields = [
            "id",
            "project",
            "period",
            "status",
            "status_display",
            "progress",
            "houses_total",
            "houses_done",
            "bills_created",
            "lines_created",
            "missing_rates",
            "started_at",
            "finished_at",
        ]


class RunInput(InputSerializer):
    project = serializers.IntegerField(label=_("项目"))
    month = serializers.DateField(label=_("账期"), help_text=_("账单月份任一天，如 2026-06-01"))


class PreviewItemOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    lines = serializers.IntegerField()
    total = serializers.DecimalField(**_MONEY)


class PreviewOutput(serializers.Serializer):
    period = serializers.DateField()
    due_date = serializers.DateField()
    houses = serializers.IntegerField()
    houses_billed = serializers.IntegerField()
    lines = serializers.IntegerField()
    total = serializers.DecimalField(**_MONEY)
    already_issued = serializers.IntegerField()
    by_item = PreviewItemOutput(many=True)
    skipped = serializers.DictField(child=serializers.IntegerField())
    missing_rates = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))


# --- arrears (FEE-7) -----------------------------------------------------------------------------


class ArrearsRowOutput(serializers.Serializer):
    house = serializers.IntegerField(source="house.pk")
    house_code = serializers.CharField(source="house.code")
    project = serializers.IntegerField(source="house.project_id")
    owed = serializers.DecimalField(**_MONEY)
    lines = serializers.IntegerField()
    oldest_due = serializers.DateField()
    months = serializers.IntegerField()
    bucket = serializers.CharField()


class ArrearsOutput(serializers.Serializer):
    as_of = serializers.DateField()
    total = serializers.DecimalField(**_MONEY)
    houses_total = serializers.IntegerField()
    rows = ArrearsRowOutput(many=True)


# --- approval requests (FEE-3, FEE-4, FEE-5) -------------------------------------------------------


class ApprovalOutput(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    house_code = serializers.CharField(source="house.code", read_only=True)
    requested_by_name = serializers.CharField(source="requested_by.__str__", read_only=True)
    decided_by_name = serializers.SerializerMethodField()

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "project",
            "kind",
            "kind_display",
            "house",
            "house_code",
            "payload",
            "summary",
            "reason",
            "status",
            "status_display",
            "requested_by",
            "requested_by_name",
            "requested_at",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "decision_note",
            "result",
        ]

    def get_decided_by_name(self, approval) -> str:
        return str(approval.decided_by) if approval.decided_by_id else ""


class ApprovalCreateInput(InputSerializer):
    kind = serializers.ChoiceField(label=_("类型"), choices=ApprovalKind.choices)
    reason = serializers.CharField(label=_("原因"), max_length=200)
    line = serializers.IntegerField(label=_("账目"), required=False, allow_null=True, default=None)
    amount = serializers.DecimalField(label=_("金额"), **_MONEY, required=False, allow_null=True, default=None)
    payment = serializers.IntegerField(label=_("收款"), required=False, allow_null=True, default=None)
    bill = serializers.IntegerField(label=_("账单"), required=False, allow_null=True, default=None)
    to_date = serializers.DateField(label=_("新的缴费截止日"), required=False, allow_null=True, default=None)
    dispute = serializers.IntegerField(label=_("异议"), required=False, allow_null=True, default=None)


class DecisionInput(InputSerializer):
    note = serializers.CharField(label=_("审批意见"), max_length=200, required=False, default="", allow_blank=True)
