"""Deposits (押金, FEE-9/FEE-10/FEE-11): money held for the company's decoration, key
and IC-card undertakings — not income, so never a billing line. A deposit is taken with
its own gap-free receipt series (押金收据) and is held until refunded; it is never edited.
A refund is requested with itemised deductions and approved by another person holding
FEE_APPROVE; deducting the house's unpaid fees pays those lines through billing's payment
service, so the ledger stays the one record of what a house owes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from propdesk.billing.choices import PaymentMethod
from propdesk.core.models import ProjectScopedModel
from propdesk.deposits.choices import DeductionKind, DepositKind, RefundStatus

_MONEY = {"max_digits": 14, "decimal_places": 2}


class Deposit(ProjectScopedModel):
    """A deposit taken — 押金. `number` is the project's next 押金收据 number (a series of
    its own, gap-free). Written once: what changes later is told by its refunds."""

    number = models.PositiveIntegerField(_("押金收据号"))
    kind = models.CharField(_("押金类型"), max_length=12, choices=DepositKind.choices)
    house = models.ForeignKey(
        "estate.House", on_delete=models.PROTECT, null=True, blank=True, related_name="deposits", verbose_name=_("房屋")
    )
    payer_name = models.CharField(_("交款人"), max_length=50)
    amount = models.DecimalField(_("押金金额"), **_MONEY)
    taken_on = models.DateField(_("收取日期"))
    method = models.CharField(_("付款方式"), max_length=16, choices=PaymentMethod.choices)
    reference = models.CharField(_("交易流水号"), max_length=64, blank=True)
    purpose = models.CharField(_("事由"), max_length=200, blank=True)
    idempotency_key = models.CharField(_("提交标识"), max_length=64)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("收款人"))
    created_at = models.DateTimeField(_("收取时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("押金")
        verbose_name_plural = _("押金")
        ordering = ["project", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="deposit_number_unique"),
            models.UniqueConstraint(fields=["project", "idempotency_key"], name="deposit_idempotency_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="deposit_amount_positive"),
        ]
        indexes = [models.Index(fields=["project", "kind", "taken_on"], name="deposit_kind_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.receipt_number}"

    @property
    def receipt_number(self) -> str:
        return f"Y{self.number:07d}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            from propdesk.deposits.services import deposit_immutable

            raise deposit_immutable()
        super().save(*args, **kwargs)


class DepositRefund(ProjectScopedModel):
    """A request to refund a deposit — 押金退还: itemised deductions, the net refund
    (deposit − deductions, never below zero), who asked and who approved (FEE_APPROVE,
    not the requester). At most one request per deposit is pending or approved; a
    rejected one stays as history. `number` (退款单号) is given on approval, gap-free."""

    deposit = models.ForeignKey(Deposit, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("押金"))
    status = models.CharField(_("状态"), max_length=10, choices=RefundStatus.choices, default=RefundStatus.REQUESTED)
    deductions_total = models.DecimalField(_("扣款合计"), **_MONEY)
    net_amount = models.DecimalField(_("实退金额"), **_MONEY)
    method = models.CharField(_("退款方式"), max_length=16, choices=PaymentMethod.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    requested_on = models.DateField(_("申请日期"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("审批人")
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    refunded_on = models.DateField(_("退还日期"), null=True, blank=True)
    rejection_reason = models.CharField(_("驳回原因"), max_length=200, blank=True)
    number = models.PositiveIntegerField(_("退款单号"), null=True, blank=True)
    fee_payment = models.ForeignKey(
        "billing.Payment", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("抵扣欠费收款")
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("押金退还")
        verbose_name_plural = _("押金退还")
        ordering = ["-requested_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deposit"], condition=~Q(status=RefundStatus.REJECTED), name="depositrefund_one_live_per_deposit"
            ),
            models.UniqueConstraint(fields=["project", "number"], name="depositrefund_number_unique"),
            models.CheckConstraint(condition=Q(net_amount__gte=0), name="depositrefund_net_not_negative"),
            models.CheckConstraint(condition=Q(deductions_total__gte=0), name="depositrefund_deductions_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.deposit} {self.get_status_display()}"

    @property
    def slip_number(self) -> str:
        return f"T{self.number:07d}" if self.number else ""


class DepositDeduction(ProjectScopedModel):
    """One deduction from a refund — 押金扣款: a fine with its reason, the house's unpaid
    fees (paid on approval through billing), or another charge."""

    refund = models.ForeignKey(DepositRefund, on_delete=models.PROTECT, related_name="deductions", verbose_name=_("押金退还"))
    kind = models.CharField(_("扣款类型"), max_length=8, choices=DeductionKind.choices)
    reason = models.CharField(_("扣款原因"), max_length=200)
    amount = models.DecimalField(_("扣款金额"), **_MONEY)

    class Meta:
        verbose_name = _("押金扣款")
        verbose_name_plural = _("押金扣款")
        ordering = ["refund", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="depositdeduction_amount_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class DepositPrint(ProjectScopedModel):
    """Each printing of a deposit receipt (押金收据): copy 1 is the original, later copies
    are marked 补打 with their number."""

    deposit = models.ForeignKey(Deposit, on_delete=models.PROTECT, related_name="prints", verbose_name=_("押金"))
    copy = models.PositiveSmallIntegerField(_("打印次数"))
    printed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("打印人"))
    printed_at = models.DateTimeField(_("打印时间"))

    class Meta:
        verbose_name = _("押金收据打印")
        verbose_name_plural = _("押金收据打印")
        ordering = ["deposit", "copy"]
        constraints = [models.UniqueConstraint(fields=["deposit", "copy"], name="depositprint_copy_unique")]

    def __str__(self) -> str:
        return f"{self.deposit} #{self.copy}"

    @property
    def is_reprint(self) -> bool:
        return self.copy > 1
