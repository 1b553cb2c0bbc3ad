"""Dunning (催缴, FEE-7): the ladder of recorded steps on a house in arrears, promises to
pay, instalment plans and their follow-up.

- a **DunningCase** is a house's file while it is in arrears (one open case per house);
- a **DunningStep** is one recorded rung — phone, SMS, demand letter, home visit, legal
  referral — with its date, who, the amount demanded and evidence files; steps are
  append-only (a mistaken step is answered by a later step's note, never edited);
- a **PaymentPromise** and an **InstalmentPlan** record what the debtor agreed to; whether
  a promise was kept and an instalment paid is read from the ledger's payments
  (`dunning.selectors`), never typed in.

None of these rows is money: the ledger stays in `billing`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from propdesk.billing.models import AppendOnlyModel
from propdesk.core.models import ProjectScopedModel
from propdesk.dunning.choices import CaseStatus, PlanStatus, StepKind

_MONEY = {"max_digits": 14, "decimal_places": 2}


class DunningCase(ProjectScopedModel):
    """A house's dunning file (催缴档案): opened with its first step, closed when the
    house no longer owes anything overdue. `collector` is who follows it up (收费员)."""

    house = models.ForeignKey("estate.House", on_delete=models.PROTECT, related_name="dunning_cases", verbose_name=_("房屋"))
    status = models.CharField(_("状态"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    opened_on = models.DateField(_("立案日期"))
    closed_on = models.DateField(_("结案日期"), null=True, blank=True)
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("催缴负责人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("催缴档案")
        verbose_name_plural = _("催缴档案")
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["house"], condition=Q(status=CaseStatus.OPEN), name="dunningcase_one_open_per_house")
        ]

    def __str__(self) -> str:
        return f"{self.house} {self.get_status_display()}"


class DunningStep(ProjectScopedModel, AppendOnlyModel):
    """A recorded dunning step (催缴记录, FEE-7): what was done, on which day, by whom, the
    amount demanded and the deadline given; a demand letter's express tracking number;
    an SMS's text (sent through the notification module). `override_reason` is set when a
    supervisor recorded the step before the ladder allowed it."""

    case = models.ForeignKey(DunningCase, on_delete=models.PROTECT, related_name="steps", verbose_name=_("催缴档案"))
    house = models.ForeignKey("estate.House", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋"))
    kind = models.CharField(_("方式"), max_length=10, choices=StepKind.choices)
    on_date = models.DateField(_("日期"))
    amount_demanded = models.DecimalField(_("催缴金额"), **_MONEY)
    deadline = models.DateField(_("缴费期限"), null=True, blank=True)
    note = models.TextField(_("情况记录"), blank=True)
    tracking_number = models.CharField(_("快递单号"), max_length=40, blank=True)
    message = models.TextField(_("短信内容"), blank=True)
    override_reason = models.CharField(_("越级原因"), max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("催缴记录")
        verbose_name_plural = _("催缴记录")
        ordering = ["case", "on_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_demanded__gt=0), name="dunningstep_amount_positive"),
            models.CheckConstraint(
                condition=~Q(kind=StepKind.LETTER) | ~Q(tracking_number=""), name="dunningstep_letter_tracked"
            ),
        ]
        indexes = [models.Index(fields=["house", "on_date"], name="dunningstep_house_idx")]

    def __str__(self) -> str:
        return f"{self.house} {self.get_kind_display()} {self.on_date:%Y-%m-%d}"


class StepAttachment(ProjectScopedModel, AppendOnlyModel):
    """Evidence of a step (催缴凭证): the express receipt, a photo of the visit, the signed
    letter — PDF/JPEG/PNG checked by content, served only through a scoped view."""

    step = models.ForeignKey(DunningStep, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("催缴记录"))
    file = models.FileField(_("文件"), upload_to="dunning/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=50)
    size = models.PositiveIntegerField(_("大小(字节)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("催缴凭证")
        verbose_name_plural = _("催缴凭证")
        ordering = ["step", "id"]

    def __str__(self) -> str:
        return self.original_name


class PaymentPromise(ProjectScopedModel):
    """A promise to pay (承诺缴费): `amount` by `promised_date`, with the day to follow it
    up. Kept when the house's payments from `on_date` to the promised day reach the amount;
    broken when that day passed without them. `broken_flagged_on`: the day the daily task
    told the collector (once)."""

    case = models.ForeignKey(DunningCase, on_delete=models.PROTECT, related_name="promises", verbose_name=_("催缴档案"))
    house = models.ForeignKey("estate.House", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋"))
    on_date = models.DateField(_("承诺日期"))
    amount = models.DecimalField(_("承诺金额"), **_MONEY)
    promised_date = models.DateField(_("承诺缴费日"))
    follow_up_date = models.DateField(_("跟进日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人"))
    broken_flagged_on = models.DateField(_("未兑现提醒日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("缴费承诺")
        verbose_name_plural = _("缴费承诺")
        ordering = ["case", "on_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="paymentpromise_amount_positive"),
            models.CheckConstraint(condition=Q(promised_date__gte=models.F("on_date")), name="paymentpromise_not_before"),
        ]

    def __str__(self) -> str:
        return f"{self.house} {self.amount} @ {self.promised_date:%Y-%m-%d}"


class InstalmentPlan(ProjectScopedModel):
    """An instalment plan (分期还款计划) for the whole overdue debt as of `on_date`: its
    instalments sum exactly to `total`. A new plan for the house supersedes the active one."""

    case = models.ForeignKey(DunningCase, on_delete=models.PROTECT, related_name="plans", verbose_name=_("催缴档案"))
    house = models.ForeignKey("estate.House", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋"))
    on_date = models.DateField(_("签订日期"))
    total = models.DecimalField(_("欠费总额"), **_MONEY)
    status = models.CharField(_("状态"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("分期还款计划")
        verbose_name_plural = _("分期还款计划")
        ordering = ["case", "on_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["house"], condition=Q(status=PlanStatus.ACTIVE), name="instalmentplan_one_active"),
            models.CheckConstraint(condition=Q(total__gt=0), name="instalmentplan_total_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.house} {self.total} ({self.on_date:%Y-%m-%d})"


class Instalment(ProjectScopedModel):
    """One instalment (期) of a plan: `amount` due by `due_date`. `late_flagged_on`: the day
    the daily task told the collector it was late (once)."""

    plan = models.ForeignKey(InstalmentPlan, on_delete=models.PROTECT, related_name="instalments", verbose_name=_("分期计划"))
    seq = models.PositiveSmallIntegerField(_("期数"))
    due_date = models.DateField(_("应缴日期"))
    amount = models.DecimalField(_("金额"), **_MONEY)
    late_flagged_on = models.DateField(_("逾期提醒日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("分期")
        verbose_name_plural = _("分期")
        ordering = ["plan", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "seq"], name="instalment_seq_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} #{self.seq}"
