"""Fees and collection. Money is a ledger (design idea 4):

- what a house owes is a **BillLine** (a charge: a month's fee, a one-off fee, a late fee),
  grouped on a **Bill** (a house's bill for a month, or a one-off bill);
- what lowers it is an **Entry** (a credit: a payment allocated to a line, prepaid credit
  and its use, a waiver, the reversal of a payment's entry);
- a house's balance is derived: Σ line amounts − Σ entry amounts. Nothing else stores it.

Ledger rows (rates, bills, lines, entries, payments, reversals, extensions, closes) are
append-only: `AppendOnlyModel` refuses to save an existing row or delete one, and its
queryset refuses `update()` and `delete()`. A correction is a new entry.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from propdesk.billing.choices import (
    ApprovalKind,
    ApprovalStatus,
    BillKind,
    DisputeStatus,
    EntryKind,
    FeeKind,
    LineSource,
    Payer,
    PaymentMethod,
    RunStatus,
    Treatment,
)
from propdesk.core.errors import DomainError
from propdesk.core.models import ProjectScopedModel
from propdesk.estate.choices import Usage

_MONEY = {"max_digits": 14, "decimal_places": 2}
_PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


def _immutable() -> DomainError:
    from django.utils.translation import gettext

    return DomainError("ledger_immutable", gettext("账目记录不能修改或删除；更正请登记新的冲正、减免或调整记录"), rule="FEE-5")


class AppendOnlyQuerySet(models.QuerySet):
    """No bulk edits of ledger rows: `update()` and `delete()` are refused."""

    def update(self, **kwargs):
        raise _immutable()

    def delete(self):
        raise _immutable()

    def bulk_update(self, objs, fields, batch_size=None):
        raise _immutable()


class AppendOnlyModel(models.Model):
    """A ledger row: written once (create or bulk_create), never saved again or deleted."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise _immutable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise _immutable()


# -- Configuration ---------------------------------------------------------------------


class FeeItem(ProjectScopedModel):
    """A fee item (收费项目) of a project (FEE-1): management fee, water, a fixed monthly
    fee, a one-off fee, a deposit, parking rent."""

    code = models.SlugField(_("编码"), max_length=20)
    name = models.CharField(_("名称"), max_length=50)
    kind = models.CharField(_("计费方式"), max_length=10, choices=FeeKind.choices)
    unit = models.CharField(_("计量单位"), max_length=10, blank=True, help_text=_("按表计量时填写，如：吨、度、立方米"))
    is_management_fee = models.BooleanField(_("物业管理费"), default=False, help_text=_("托管房屋按约定比例收取（FEE-8）"))
    late_fee_applies = models.BooleanField(_("计收违约金"), default=True, help_text=_("逾期按日千分之三计收（FEE-3）"))
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("收费项目")
        verbose_name_plural = _("收费项目")
        ordering = ["project", "code"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="feeitem_code_unique")]

    def __str__(self) -> str:
        return self.name


class FeeRate(ProjectScopedModel, AppendOnlyModel):
    """A rate of a fee item from a date on (FEE-1): never edited — a change of rate is a
    new row with its own `effective_from` and approval reference, so the history stays.
    `usage` empty means every usage without a rate of its own. Of several rows with the
    same date the one recorded last is in force."""

    item = models.ForeignKey(FeeItem, on_delete=models.PROTECT, related_name="rates", verbose_name=_("收费项目"))
    usage = models.CharField(_("房屋用途"), max_length=12, choices=Usage.choices, blank=True, help_text=_("留空表示所有用途"))
    effective_from = models.DateField(_("生效日期"))
    unit_price = models.DecimalField(_("单价"), **_MONEY, validators=[MinValueValidator(0)])
    tiers = models.JSONField(
        _("阶梯"),
        default=list,
        blank=True,
        help_text=_('按表计量的阶梯价：[{"up_to": "10", "unit_price": "3.00"}, {"up_to": null, "unit_price": "4.50"}]'),
    )
    approval_ref = models.CharField(_("批准文号"), max_length=100)
    notice_ref = models.CharField(_("公示/通知编号"), max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人"))
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("收费标准")
        verbose_name_plural = _("收费标准")
        ordering = ["item", "usage", "-effective_from", "-id"]
        indexes = [models.Index(fields=["item", "usage", "effective_from"], name="feerate_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.item} {self.unit_price} ({self.effective_from:%Y-%m-%d})"


class BillingPolicy(models.Model):
    """How a project's monthly run treats special houses (configuration, with history).
    Without a row the defaults apply: custody 70% of the management fee (FEE-8); unsold
    and not-handed-over houses billed to the developer in full (物业管理条例 第四十一条:
    the developer pays for property not yet sold or handed over); due on the 10th (FEE-2)."""

    project = models.OneToOneField(
        "estate.Project", on_delete=models.PROTECT, related_name="billing_policy", verbose_name=_("项目")
    )
    custody_percent = models.PositiveSmallIntegerField(_("托管房屋管理费比例(%)"), default=70, validators=_PERCENT)
    unsold_treatment = models.CharField(_("未售房屋"), max_length=10, choices=Treatment.choices, default=Treatment.DEVELOPER)
    unsold_percent = models.PositiveSmallIntegerField(_("未售房屋收费比例(%)"), default=100, validators=_PERCENT)
    not_handed_over_treatment = models.CharField(
        _("未交房房屋"), max_length=10, choices=Treatment.choices, default=Treatment.DEVELOPER
    )
    not_handed_over_percent = models.PositiveSmallIntegerField(_("未交房房屋收费比例(%)"), default=100, validators=_PERCENT)
    due_day = models.PositiveSmallIntegerField(
        _("次月缴费截止日"), default=10, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("出账规则")
        verbose_name_plural = _("出账规则")

    def __str__(self) -> str:
        return str(self.project)


# -- The monthly run -------------------------------------------------------------------


class BillingRun(ProjectScopedModel):
    """One monthly billing run (FEE-2): houses are processed in batches in house-id order;
    `cursor` is the last house done, so a run that stopped resumes after it. At most one
    run of a project and month is running at a time."""

    period = models.DateField(_("账期"), help_text=_("账单月份的第一天"))
    status = models.CharField(_("状态"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("发起人"))
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    houses_total = models.PositiveIntegerField(_("房屋总数"), default=0)
    houses_done = models.PositiveIntegerField(_("已处理房屋"), default=0)
    bills_created = models.PositiveIntegerField(_("新出账单"), default=0)
    lines_created = models.PositiveIntegerField(_("新出账目"), default=0)
    cursor = models.BigIntegerField(_("进度位置"), default=0)
    missing_rates = models.JSONField(_("缺少收费标准"), default=list, blank=True)

    class Meta:
        verbose_name = _("月度出账")
        verbose_name_plural = _("月度出账")
        ordering = ["-period", "-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "period"], condition=Q(status=RunStatus.RUNNING), name="billingrun_one_running"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} {self.get_status_display()}"

    @property
    def progress(self) -> int:
        """Per cent of houses done."""
        if self.status == RunStatus.DONE or not self.houses_total:
            return 100 if self.status == RunStatus.DONE else 0
        return min(99, self.houses_done * 100 // self.houses_total)


# -- The ledger: what is owed ------------------------------------------------------------


class Bill(ProjectScopedModel, AppendOnlyModel):
    """A house's bill (账单): its month's lines from the run (one per house and month), or a
    one-off bill. Its due date is moved only by a DueDateExtension (FEE-4)."""

    house = models.ForeignKey("estate.House", on_delete=models.PROTECT, related_name="bills", verbose_name=_("房屋"))
    period = models.DateField(_("账期"))
    kind = models.CharField(_("类型"), max_length=10, choices=BillKind.choices)
    payer = models.CharField(_("付款方"), max_length=10, choices=Payer.choices, default=Payer.OWNER)
    due_date = models.DateField(_("缴费截止日"))
    issued_on = models.DateField(_("出账日期"))
    run = models.ForeignKey(
        BillingRun, on_delete=models.PROTECT, null=True, blank=True, related_name="bills", verbose_name=_("出账批次")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("出账人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("账单")
        verbose_name_plural = _("账单")
        ordering = ["house", "period", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["house", "period"], condition=Q(kind=BillKind.MONTHLY), name="bill_one_monthly_per_house"
            )
        ]

    def __str__(self) -> str:
        return f"{self.house} {self.period:%Y-%m}"


class BillLine(ProjectScopedModel, AppendOnlyModel):
    """A charge (账目): a month's fee from the run, a one-off fee, or a late fee charged at
    payment for the line it belongs to (FEE-3). `house` and `period` repeat the bill's so
    the run's uniqueness — one line per house, month and fee item — is a constraint."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="lines", verbose_name=_("账单"))
    house = models.ForeignKey("estate.House", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋"))
    period = models.DateField(_("账期"))
    source = models.CharField(_("来源"), max_length=10, choices=LineSource.choices)
    item = models.ForeignKey(
        FeeItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("收费项目")
    )
    description = models.CharField(_("摘要"), max_length=100)
    quantity = models.DecimalField(_("数量"), **_MONEY)
    unit_price = models.DecimalField(_("单价"), **_MONEY)
    percent = models.PositiveSmallIntegerField(_("收费比例(%)"), default=100, validators=_PERCENT)
    amount = models.DecimalField(_("金额"), **_MONEY)
    rate = models.ForeignKey(
        FeeRate, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("收费标准")
    )
    charged_on = models.DateField(_("计费日期"))
    late_fee_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="late_fee_lines", verbose_name=_("违约金所属账目")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("操作人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("账目")
        verbose_name_plural = _("账目")
        ordering = ["house", "period", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["house", "period", "item"], condition=Q(source=LineSource.RUN), name="billline_one_per_house_period_item"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="billline_amount_positive"),
            models.CheckConstraint(
                condition=(Q(source=LineSource.LATE_FEE) & Q(late_fee_of__isnull=False) & Q(item__isnull=True))
                | (~Q(source=LineSource.LATE_FEE) & Q(late_fee_of__isnull=True) & Q(item__isnull=False)),
                name="billline_late_fee_shape",
            ),
        ]
        indexes = [models.Index(fields=["house", "charged_on"], name="billline_house_idx")]

    def __str__(self) -> str:
        return f"{self.description} {self.amount}"

    @property
    def is_late_fee(self) -> bool:
        return self.source == LineSource.LATE_FEE


# -- The ledger: what lowers it ----------------------------------------------------------


class Payment(ProjectScopedModel, AppendOnlyModel):
    """A payment received (FEE-5) and its receipt (收据, FEE-6): `number` is gap-free per
    project. `amount` is what was collected; for cash `tendered` − `amount` was given back
    as change. A retried submission carries the same `idempotency_key` and gets this row
    back. Reversed only by a PaymentReversal."""

    house = models.ForeignKey("estate.House", on_delete=models.PROTECT, related_name="payments", verbose_name=_("房屋"))
    number = models.PositiveIntegerField(_("收据号"))
    payer = models.CharField(_("付款方"), max_length=10, choices=Payer.choices, default=Payer.OWNER)
    payer_name = models.CharField(_("交款人"), max_length=50, blank=True)
    method = models.CharField(_("付款方式"), max_length=16, choices=PaymentMethod.choices)
    amount = models.DecimalField(_("实收金额"), **_MONEY)
    tendered = models.DecimalField(_("收到金额"), **_MONEY)
    change = models.DecimalField(_("找零"), **_MONEY)
    received_on = models.DateField(_("到账日期"))
    reference = models.CharField(_("交易流水号"), max_length=64, blank=True)
    idempotency_key = models.CharField(_("提交标识"), max_length=64)
    cashier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("收款人"))
    created_at = models.DateTimeField(_("收款时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("收款")
        verbose_name_plural = _("收款")
        ordering = ["project", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="payment_receipt_number_unique"),
            models.UniqueConstraint(fields=["project", "idempotency_key"], name="payment_idempotency_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(change__gte=0), name="payment_change_not_negative"),
        ]
        indexes = [models.Index(fields=["project", "cashier", "created_at"], name="payment_cashier_day_idx")]

    def __str__(self) -> str:
        return self.receipt_number

    @property
    def receipt_number(self) -> str:
        return f"{self.number:08d}"


class PaymentReversal(ProjectScopedModel, AppendOnlyModel):
    """The reversal (冲正) of a mistaken payment: a reason, who did it and the approver
    (FEE_APPROVE, not the payment's cashier). Its entries mirror the payment's."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="reversal", verbose_name=_("收款"))
    reason = models.CharField(_("冲正原因"), max_length=200)
    on_date = models.DateField(_("冲正日期"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("审批人")
    )
    created_at = models.DateTimeField(_("冲正时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("收款冲正")
        verbose_name_plural = _("收款冲正")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.payment} {self.reason}"


class Entry(ProjectScopedModel, AppendOnlyModel):
    """A credit entry (分录): lowers what a house owes by `amount` (a reversal's amount is
    negative). With a line it settles that line; without one it moves the house's prepaid
    credit (预存款). `on_date` is the day it counts: a payment's day of receipt (FEE-5)."""

    house = models.ForeignKey("estate.House", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋"))
    line = models.ForeignKey(
        BillLine, on_delete=models.PROTECT, null=True, blank=True, related_name="entries", verbose_name=_("账目")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=EntryKind.choices)
    amount = models.DecimalField(_("金额"), **_MONEY)
    on_date = models.DateField(_("日期"))
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="entries", verbose_name=_("收款")
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by", verbose_name=_("冲正的分录")
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("审批人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("分录")
        verbose_name_plural = _("分录")
        ordering = ["house", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="entry_amount_not_zero"),
            models.CheckConstraint(
                condition=Q(kind=EntryKind.REVERSAL, amount__lt=0, reverses__isnull=False)
                | Q(kind=EntryKind.CREDIT_USED, amount__lt=0, line__isnull=True)
                | Q(kind__in=[EntryKind.PAYMENT, EntryKind.CREDIT_APPLIED, EntryKind.WAIVER], amount__gt=0, line__isnull=False)
                | Q(kind=EntryKind.PREPAYMENT, amount__gt=0, line__isnull=True),
                name="entry_kind_shape",
            ),
        ]
        indexes = [models.Index(fields=["house", "on_date"], name="entry_house_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class DueDateExtension(ProjectScopedModel, AppendOnlyModel):
    """An approved extension of a bill's due date for a technical issue (FEE-4). The
    latest one is in force; the earlier ones stay as history."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="extensions", verbose_name=_("账单"))
    from_date = models.DateField(_("原截止日"))
    to_date = models.DateField(_("新截止日"))
    reason = models.CharField(_("原因"), max_length=200)
    dispute = models.ForeignKey(
        "BillDispute", on_delete=models.PROTECT, null=True, blank=True, related_name="extensions", verbose_name=_("异议")
    )
    on_date = models.DateField(_("批准日期"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("审批人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("缴费延期")
        verbose_name_plural = _("缴费延期")
        ordering = ["bill", "id"]
        constraints = [models.CheckConstraint(condition=Q(to_date__gt=models.F("from_date")), name="extension_moves_later")]

    def __str__(self) -> str:
        return f"{self.bill} → {self.to_date:%Y-%m-%d}"


class BillDispute(ProjectScopedModel):
    """A customer's dispute of a bill (FEE-4), accepted until 5 days before the due date.
    It does not postpone payment; only an approved extension moves the due date."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("账单"))
    raised_on = models.DateField(_("提出日期"))
    customer_name = models.CharField(_("提出人"), max_length=50, blank=True)
    reason = models.TextField(_("异议内容"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    status = models.CharField(_("状态"), max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    resolution = models.TextField(_("处理结果"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("处理人")
    )
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("账单异议")
        verbose_name_plural = _("账单异议")
        ordering = ["-raised_on", "-id"]

    def __str__(self) -> str:
        return f"{self.bill} {self.get_status_display()}"


class CashierClose(ProjectScopedModel, AppendOnlyModel):
    """A cashier's daily close (日结): receipts of the day by method, reversals, the cash
    expected against the cash counted. After it the cashier takes no more payments that day."""

    cashier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("收款人"))
    day = models.DateField(_("日期"))
    summary = models.JSONField(_("按付款方式汇总"), default=dict)
    receipts = models.PositiveIntegerField(_("收据张数"), default=0)
    first_number = models.PositiveIntegerField(_("起始收据号"), null=True, blank=True)
    last_number = models.PositiveIntegerField(_("截止收据号"), null=True, blank=True)
    total = models.DecimalField(_("实收合计"), **_MONEY)
    expected_cash = models.DecimalField(_("应有现金"), **_MONEY)
    counted_cash = models.DecimalField(_("清点现金"), **_MONEY)
    difference = models.DecimalField(_("长短款"), **_MONEY)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("日结人"))
    created_at = models.DateTimeField(_("日结时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("收银日结")
        verbose_name_plural = _("收银日结")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["project", "cashier", "day"], name="cashierclose_once_per_day")]

    def __str__(self) -> str:
        return f"{self.cashier} {self.day:%Y-%m-%d}"


class ReceiptPrint(ProjectScopedModel, AppendOnlyModel):
    """Each printing of a receipt (FEE-6): copy 1 is the original; every later copy is a
    re-print, marked 补打 on the paper with its number."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="prints", verbose_name=_("收款"))
    copy = models.PositiveSmallIntegerField(_("打印次数"))
    printed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("打印人"))
    printed_at = models.DateTimeField(_("打印时间"))

    class Meta:
        verbose_name = _("收据打印")
        verbose_name_plural = _("收据打印")
        ordering = ["payment", "copy"]
        constraints = [models.UniqueConstraint(fields=["payment", "copy"], name="receiptprint_copy_unique")]

    def __str__(self) -> str:
        return f"{self.payment} #{self.copy}"

    @property
    def is_reprint(self) -> bool:
        return self.copy > 1


class ApprovalRequest(ProjectScopedModel):
    """An approval request (审批申请) for a waiver, a late-fee waiver, a payment reversal
    or a due-date extension (FEE-3, FEE-4, FEE-5): recorded by one user, decided in their
    own session by another holding FEE_APPROVE. On approval the operation itself runs in
    the same transaction; `result` names the rows it wrote. Kept for good: a decided
    request changes no more."""

    kind = models.CharField(_("类型"), max_length=20, choices=ApprovalKind.choices)
    house = models.ForeignKey("estate.House", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋"))
    payload = models.JSONField(_("申请内容"), default=dict)
    summary = models.CharField(_("摘要"), max_length=200)
    reason = models.CharField(_("原因"), max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("审批人")
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    result = models.JSONField(_("处理结果"), default=dict, blank=True)

    class Meta:
        verbose_name = _("审批申请")
        verbose_name_plural = _("审批申请")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["project", "status", "requested_at"], name="approval_queue_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ApprovalStatus.PENDING, decided_by__isnull=True)
                | (~Q(status=ApprovalStatus.PENDING) & Q(decided_by__isnull=False)),
                name="approval_decided_shape",
            ),
            models.CheckConstraint(condition=~Q(decided_by=models.F("requested_by")), name="approval_not_by_requester"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.summary}"
