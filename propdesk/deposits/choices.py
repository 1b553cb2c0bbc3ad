"""Deposit choices, declared once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DepositKind(models.TextChoices):
    DECORATION = "decoration", _("装修押金")
    KEY = "key", _("钥匙押金")  # FEE-11: keys lent to non-staff
    IC_CARD = "ic_card", _("IC卡押金")  # FEE-10: parking IC cards of monthly renters
    OTHER = "other", _("其他押金")


# FEE-9: refunding these needs the house settled as of the refund date, or the owed amount deducted.
SETTLEMENT_GATED = frozenset({DepositKind.DECORATION, DepositKind.KEY, DepositKind.IC_CARD})


class DepositStatus(models.TextChoices):
    """Where a deposit stands; derived from its refunds, never stored on the deposit."""

    HELD = "held", _("在押")
    REFUND_REQUESTED = "requested", _("退还待审批")
    REFUNDED = "refunded", _("已退还")


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", _("待审批")
    APPROVED = "approved", _("已批准退还")
    REJECTED = "rejected", _("已驳回")


class DeductionKind(models.TextChoices):
    FINE = "fine", _("罚款")  # DEC-6 fines, damage, a lost card
    FEES = "fees", _("欠缴费用")  # the house's unpaid fees, paid through billing (FEE-9)
    OTHER = "other", _("其他扣款")
