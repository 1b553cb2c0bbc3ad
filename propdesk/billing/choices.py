"""Billing choices, declared once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FeeKind(models.TextChoices):
    """How a fee item is priced (FEE-1)."""

    AREA = "area", _("按建筑面积每月")  # management fee: unit price per m² of building area per month
    FIXED = "fixed", _("按户每月")  # a fixed amount per house per month
    METERED = "metered", _("按表计量")  # water, electricity, gas: unit price, optional tiers
    ONE_OFF = "one_off", _("一次性")  # garbage removal, paid services and repairs
    DEPOSIT = "deposit", _("押金")  # decoration, key, IC card
    PARKING = "parking", _("车位租金")


# Kinds the monthly billing run issues for every house (FEE-2); metered lines come from
# readings and parking rent from rentals (phase 2).
MONTHLY_KINDS = frozenset({FeeKind.AREA, FeeKind.FIXED})
# Kinds that accrue a late fee unless the item says otherwise (FEE-3).
LATE_FEE_KINDS = frozenset({FeeKind.AREA, FeeKind.FIXED, FeeKind.METERED, FeeKind.PARKING})


class Payer(models.TextChoices):
    OWNER = "owner", _("业主")
    DEVELOPER = "developer", _("建设单位")


class Treatment(models.TextChoices):
    """How the monthly run treats an unsold or not-handed-over house."""

    DEVELOPER = "developer", _("向建设单位收取")
    OWNER = "owner", _("向业主收取")
    SKIP = "skip", _("不出账")


class BillKind(models.TextChoices):
    MONTHLY = "monthly", _("月度账单")
    ONE_OFF = "one_off", _("临时收费")


class LineSource(models.TextChoices):
    RUN = "run", _("月度出账")
    MANUAL = "manual", _("临时收费")
    LATE_FEE = "late_fee", _("违约金")


class EntryKind(models.TextChoices):
    """A credit entry: what lowers (or, for a reversal, restores) what a house owes."""

    PAYMENT = "payment", _("收款")  # money received, allocated to a line
    PREPAYMENT = "prepayment", _("预存")  # money received beyond the lines paid: held as credit
    CREDIT_APPLIED = "credit_applied", _("预存抵扣")  # credit used on a line…
    CREDIT_USED = "credit_used", _("预存减少")  # …and taken from the credit (the pair sums to zero)
    WAIVER = "waiver", _("减免")
    REVERSAL = "reversal", _("冲正")  # the mirror of a reversed payment's entry


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("现金")
    TRANSFER = "transfer", _("银行转账")
    POS = "pos", _("POS 刷卡")
    WECHAT = "wechat", _("微信")
    ALIPAY = "alipay", _("支付宝")
    BANK_COLLECTION = "bank_collection", _("银行托收")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("处理中")
    UPHELD = "upheld", _("异议成立")
    REJECTED = "rejected", _("异议不成立")


class ApprovalKind(models.TextChoices):
    """What an approval request (审批申请) asks for (FEE-3, FEE-4, FEE-5)."""

    LINE_WAIVER = "line_waiver", _("账目减免")
    LATE_FEE_WAIVER = "late_fee_waiver", _("违约金减免")
    REVERSAL = "reversal", _("收款冲正")
    EXTENSION = "extension", _("缴费延期")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
