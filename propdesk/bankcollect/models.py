"""Bank collection (银行托收/代收, issue 5 item 9): a house's standing mandate with its bank
account, the bank's file layout per project, and the collection batches sent to the bank
and matched back from its return file. Payments themselves are billing's: a paid batch
line records one through `billing.payments.payment_take` (method 银行托收), keyed by the
line so a return file imported twice never charges twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from propdesk.bankcollect.choices import BatchStatus, Encoding, ExportField, FileFormat, LineStatus
from propdesk.bankcollect.masking import mask_account
from propdesk.core.models import ProjectScopedModel

_MONEY = {"max_digits": 14, "decimal_places": 2}


class BankProfile(ProjectScopedModel):
    """BankProfile — 托收银行配置: a bank the project collects through and the layout of
    the file it takes — CSV or .xlsx, GBK or UTF-8, and the ordered columns chosen from
    `ExportField` with the bank's own header labels ([{"field", "header"}, …])."""

    bank_name = models.CharField(_("银行名称"), max_length=50)
    file_format = models.CharField(_("文件格式"), max_length=8, choices=FileFormat.choices, default=FileFormat.XLSX)
    encoding = models.CharField(_("文件编码"), max_length=8, choices=Encoding.choices, default=Encoding.GBK)
    columns = models.JSONField(_("导出列"), default=list)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("托收银行配置")
        verbose_name_plural = _("托收银行配置")
        ordering = ["project", "bank_name"]
        constraints = [models.UniqueConstraint(fields=["project", "bank_name"], name="bankprofile_bank_unique")]

    def __str__(self) -> str:
        return self.bank_name

    def column_labels(self) -> list[tuple[str, str]]:
        """[(field, header)] in the file's order."""
        return [(c["field"], c["header"]) for c in self.columns if c.get("field") in ExportField.values]


class BankMandate(ProjectScopedModel):
    """BankMandate — 托收协议: the owner's authorisation to debit an account for a house's
    fees, in force from `active_from` to `active_to` (open-ended when empty). The account
    number is personal data: pages and the API show it masked; only the bank file holds
    it in full."""

    house = models.ForeignKey("estate.House", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋"))
    profile = models.ForeignKey(BankProfile, on_delete=models.PROTECT, related_name="mandates", verbose_name=_("托收银行"))
    account_name = models.CharField(_("户名"), max_length=50)
    account_number = models.CharField(_("账号"), max_length=32)
    active_from = models.DateField(_("生效日期"))
    active_to = models.DateField(_("终止日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("托收协议")
        verbose_name_plural = _("托收协议")
        ordering = ["project", "house", "-active_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(active_to__isnull=True) | Q(active_to__gte=models.F("active_from")), name="mandate_dates_ordered"
            )
        ]
        indexes = [models.Index(fields=["project", "active_from"], name="mandate_active_idx")]

    def __str__(self) -> str:
        return f"{self.account_name} {self.masked_account}"

    @property
    def masked_account(self) -> str:
        return mask_account(self.account_number)


class CollectionBatch(ProjectScopedModel):
    """CollectionBatch — 托收批次: the houses with an active mandate and open lines up to
    the cut-off, each a BatchLine with its amount frozen at export; the file sent to the
    bank; then the bank's return file. Status: exported → returned → closed."""

    profile = models.ForeignKey(BankProfile, on_delete=models.PROTECT, related_name="batches", verbose_name=_("托收银行"))
    number = models.PositiveIntegerField(_("批次号"))
    cutoff = models.DateField(_("截止账期"), help_text=_("收取该日所在月份及以前的账目"))
    status = models.CharField(_("状态"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.EXPORTED)
    export_file = models.FileField(_("托收文件"), upload_to="bankcollect/exports/%Y/%m/")
    return_file = models.FileField(_("回盘文件"), upload_to="bankcollect/returns/%Y/%m/", blank=True)
    total_amount = models.DecimalField(_("托收金额"), **_MONEY, default=0)
    line_count = models.PositiveIntegerField(_("托收笔数"), default=0)
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("导出人")
    )
    exported_at = models.DateTimeField(_("导出时间"))
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("回盘导入人")
    )
    returned_at = models.DateTimeField(_("回盘时间"), null=True, blank=True)
    imports = models.PositiveSmallIntegerField(_("回盘导入次数"), default=0)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("关闭人")
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("托收批次")
        verbose_name_plural = _("托收批次")
        ordering = ["-exported_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="collectionbatch_number_unique")]

    def __str__(self) -> str:
        return f"{self.profile} #{self.number:04d}"

    @property
    def code(self) -> str:
        return f"{self.number:04d}"


class BatchLine(ProjectScopedModel):
    """BatchLine — 托收明细: one house in a batch, the bill lines it covers and the amount
    frozen at export (open amounts and live late fees that day). Matched to a row of the
    return file by its reference (else house code and amount): paid (a payment recorded),
    failed (the bank's reason), or unmatched (the file did not settle it)."""

    batch = models.ForeignKey(CollectionBatch, on_delete=models.PROTECT, related_name="lines", verbose_name=_("托收批次"))
    seq = models.PositiveIntegerField(_("序号"))
    reference = models.CharField(_("托收编号"), max_length=20)
    house = models.ForeignKey("estate.House", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋"))
    mandate = models.ForeignKey(BankMandate, on_delete=models.PROTECT, related_name="+", verbose_name=_("托收协议"))
    bill_lines = models.ManyToManyField("billing.BillLine", related_name="+", verbose_name=_("账目"))
    periods = models.CharField(_("账期"), max_length=40)
    amount = models.DecimalField(_("托收金额"), **_MONEY)
    status = models.CharField(_("状态"), max_length=10, choices=LineStatus.choices, default=LineStatus.PENDING)
    reason_code = models.CharField(_("失败代码"), max_length=20, blank=True)
    reason = models.CharField(_("失败原因"), max_length=200, blank=True)
    payment = models.OneToOneField(
        "billing.Payment", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("收款")
    )
    return_row = models.PositiveIntegerField(_("回盘行号"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("托收明细")
        verbose_name_plural = _("托收明细")
        ordering = ["batch", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "reference"], name="batchline_reference_unique"),
            models.UniqueConstraint(fields=["batch", "house"], name="batchline_one_per_house"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="batchline_amount_positive"),
        ]
        indexes = [models.Index(fields=["house", "status"], name="batchline_house_idx")]

    def __str__(self) -> str:
        return self.reference

    @property
    def idempotency_key(self) -> str:
        """The payment's key: one per batch line, so a re-import finds the payment made."""
        return f"bankcollect-{self.pk}"


class UnmatchedRow(ProjectScopedModel):
    """UnmatchedRow — 回盘未匹配记录: a row of a return file that matches no line of the
    batch (or whose amount differs), kept as the bank wrote it for manual handling. The
    same row imported again is the same record (`fingerprint`)."""

    batch = models.ForeignKey(CollectionBatch, on_delete=models.PROTECT, related_name="unmatched", verbose_name=_("托收批次"))
    row = models.PositiveIntegerField(_("行号"))
    fingerprint = models.CharField(_("行标识"), max_length=64)
    reference = models.CharField(_("托收编号"), max_length=40, blank=True)
    house_code = models.CharField(_("房屋编码"), max_length=30, blank=True)
    amount = models.DecimalField(_("金额"), **_MONEY, null=True, blank=True)
    succeeded = models.BooleanField(_("银行扣款成功"), default=False)
    reason = models.CharField(_("未匹配原因"), max_length=200)
    raw = models.JSONField(_("原始内容"), default=dict)
    created_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("回盘未匹配记录")
        verbose_name_plural = _("回盘未匹配记录")
        ordering = ["batch", "row"]
        constraints = [models.UniqueConstraint(fields=["batch", "fingerprint"], name="unmatchedrow_once")]

    def __str__(self) -> str:
        return f"{self.batch} #{self.row}"
