"""Proactive customer visits (访问客户, VIS-7) and customer care (客户关怀, ARC-6).

- `OutreachPolicy` — a project's monthly visit quotas, the recent-visit window of the
  suggested list, the greeting windows and the greeting template;
- `ProactiveVisit` — one visit made on the centre's own initiative, with what the
  customer said and the ticket an opinion opened;
- `CareTask` — one greeting to make (a birthday or a festival), created once by the daily
  run and marked done by whoever greeted.

Writes are in `propdesk.outreach.services` and `propdesk.outreach.care`; reads in
`propdesk.outreach.selectors` and `propdesk.outreach.risks`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.core.models import ProjectScopedModel
from propdesk.desk.choices import Department
from propdesk.outreach.choices import CareOccasion, CareStatus, GreetingMethod, OpinionKind, OutreachMethod, Satisfaction

DEFAULT_DEPARTMENT_QUOTA = 10  # VIS-7: a department visits ≥10 customers a month
DEFAULT_ASSISTANT_QUOTA = 20  # VIS-7: each assistant ≥20
DEFAULT_RECENT_DAYS = 90
DEFAULT_BIRTHDAY_FROM, DEFAULT_BIRTHDAY_TO = 2, 7  # ARC-6: 2–7 days before the birthday
DEFAULT_FESTIVAL_AHEAD = 7
DEFAULT_GREETING = "尊敬的{name}，{project}客户服务中心祝您{occasion}快乐！如有需要请致电{phone}。"


class OutreachPolicy(ProjectScopedModel):
    """访问与关怀设置 of one project: the monthly quotas of proactive visits (VIS-7), how
    long a visited household stays off the suggested list, and the greeting windows and
    template of customer care (ARC-6). A project without a row uses the defaults."""

    department_quota = models.PositiveSmallIntegerField(
        _("部门每月访问户数"), default=DEFAULT_DEPARTMENT_QUOTA, validators=[MinValueValidator(1)]
    )
    assistant_quota = models.PositiveSmallIntegerField(
        _("客户助理每月访问户数"), default=DEFAULT_ASSISTANT_QUOTA, validators=[MinValueValidator(1)]
    )
    recent_days = models.PositiveSmallIntegerField(
        _("近期已访问不再推荐(天)"), default=DEFAULT_RECENT_DAYS, validators=[MinValueValidator(1), MaxValueValidator(730)]
    )
    birthday_from = models.PositiveSmallIntegerField(
        _("生日提前(起，天)"), default=DEFAULT_BIRTHDAY_FROM, validators=[MaxValueValidator(60)]
    )
    birthday_to = models.PositiveSmallIntegerField(
        _("生日提前(止，天)"), default=DEFAULT_BIRTHDAY_TO, validators=[MaxValueValidator(60)]
    )
    festival_ahead = models.PositiveSmallIntegerField(
        _("节日提前(天)"), default=DEFAULT_FESTIVAL_AHEAD, validators=[MaxValueValidator(60)]
    )
    greeting_template = models.CharField(
        _("问候短信模板"),
        max_length=300,
        default=DEFAULT_GREETING,
        help_text=_("可用占位符：{name} 姓名、{occasion} 节日/生日、{project} 项目、{phone} 客服电话"),
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("访问与关怀设置")
        verbose_name_plural = _("访问与关怀设置")
        constraints = [
            models.UniqueConstraint(fields=["project"], name="outreach_policy_one_per_project"),
            models.CheckConstraint(
                condition=Q(birthday_from__lte=models.F("birthday_to")),
                name="outreach_birthday_window",
                violation_error_message=_("生日提前天数：起始不能大于截止（ARC-6）"),
            ),
        ]

    def __str__(self) -> str:
        return str(self.project)


class ProactiveVisit(ProjectScopedModel):
    """访问客户记录 (VIS-7): a visit to a household on the centre's own initiative — when,
    how (a home visit by appointment, by phone, on site), the second staff member when
    the visitor entered the home, what the customer raised, how satisfied they were, and
    the complaint or suggestion ticket the opinion opened."""

    house = models.ForeignKey("estate.House", on_delete=models.PROTECT, related_name="proactive_visits", verbose_name=_("房屋"))
    person = models.ForeignKey(
        "residents.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("受访客户")
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proactive_visits", verbose_name=_("访问人")
    )
    department = models.CharField(_("访问部门"), max_length=20, choices=Department.choices)
    visited_on = models.DateField(_("访问日期"))
    method = models.CharField(_("访问方式"), max_length=10, choices=OutreachMethod.choices)
    appointment_at = models.DateTimeField(_("预约时间"), null=True, blank=True)
    entered_home = models.BooleanField(_("进入室内"), default=False)
    companion = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("同行人员"),
    )
    opinions = models.TextField(_("客户意见和建议"), blank=True)
    opinion_kind = models.CharField(_("意见转为"), max_length=12, choices=OpinionKind.choices, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("满意度"), choices=Satisfaction.choices)
    note = models.TextField(_("访问记录"), blank=True)
    ticket = models.ForeignKey(
        "desk.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proactive_visits",
        verbose_name=_("转出工单"),
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("主动访问")
        verbose_name_plural = _("主动访问")
        ordering = ["-visited_on", "-id"]
        constraints = [
            # VIS-7: two staff when entering a home.
            models.CheckConstraint(
                condition=Q(entered_home=False) | Q(companion__isnull=False),
                name="outreach_home_needs_companion",
                violation_error_message=_("进入住户室内须两名员工同行（VIS-7）"),
            ),
            models.CheckConstraint(condition=Q(satisfaction__gte=1, satisfaction__lte=5), name="outreach_satisfaction_range"),
        ]
        indexes = [
            models.Index(fields=["project", "visited_on"], name="outreach_visit_month_idx"),
            models.Index(fields=["house", "visited_on"], name="outreach_visit_house_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.house} {self.visited_on}"


class CareTask(ProjectScopedModel):
    """关怀任务 (ARC-6): greet `person` of `house` for `occasion` falling on
    `occasion_date`. `key` makes the daily run idempotent: one task per person and
    birthday, per household and festival day."""

    key = models.CharField(max_length=80, editable=False)
    house = models.ForeignKey("estate.House", on_delete=models.PROTECT, related_name="care_tasks", verbose_name=_("房屋"))
    person = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("客户"))
    occasion = models.CharField(_("事由"), max_length=16, choices=CareOccasion.choices)
    occasion_date = models.DateField(_("日期"))
    status = models.CharField(_("状态"), max_length=10, choices=CareStatus.choices, default=CareStatus.OPEN)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    done_at = models.DateTimeField(_("问候时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("问候人")
    )
    method = models.CharField(_("问候方式"), max_length=10, choices=GreetingMethod.choices, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    message_sent_at = models.DateTimeField(_("短信/微信发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("关怀任务")
        verbose_name_plural = _("关怀任务")
        ordering = ["occasion_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "key"], name="care_task_once"),
            models.CheckConstraint(condition=~Q(status="done") | Q(done_at__isnull=False), name="care_task_done_recorded"),
        ]
        indexes = [models.Index(fields=["project", "status", "occasion_date"], name="care_task_list_idx")]

    def __str__(self) -> str:
        return f"{self.get_occasion_display()} {self.person}"
