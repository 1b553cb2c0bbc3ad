"""SLA clocks as data (design idea 3, ../shared/sla.md).

A `SlaPolicy` (project or company preset × ticket type × priority, versioned) has
`SlaTarget`s (transfer, dispatch, on site, answer, resolve: an amount in an explicit unit,
a start and a stop event in ticket terms), each with `EscalationLevel`s. A ticket gets
one `SlaClock` per target; every warning, level and breach that fired is one
`SlaFiring` row, unique per clock and key, so it fires exactly once.

Writes are in `propdesk.sla.services` (driven by desk.services.event_record and the sweep);
reads in `propdesk.sla.selectors`.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.accounts.roles import Role
from propdesk.core.models import ProjectScopedModel
from propdesk.desk.choices import Priority, TicketType, priorities_for
from propdesk.sla.choices import (
    BUSINESS_UNITS,
    Anchor,
    ClockState,
    LevelAction,
    LevelCondition,
    StartEvent,
    StopEvent,
    TargetKind,
    Unit,
)


class SlaPolicy(models.Model):
    """The time limits for one ticket type × priority, in one project (or, with no
    project, the company preset every project falls back to).

    Policies are versioned: a policy that has clocks is never edited — a new version is
    made (`services.sla_policy_new_version`) and activated, and running clocks keep the
    targets of the version they started under. At most one version is active per
    project × type × priority."""

    project = models.ForeignKey(
        "estate.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sla_policies",
        verbose_name=_("项目"),
        help_text=_("留空表示公司预设，所有未单独设置的项目都使用它"),
    )
    ticket_type = models.CharField(_("工单类型"), max_length=12, choices=TicketType.choices)
    priority = models.CharField(_("等级"), max_length=12, choices=Priority.choices)
    name = models.CharField(_("名称"), max_length=100)
    version = models.PositiveIntegerField(_("版本"), default=1)
    active = models.BooleanField(_("启用"), default=False)
    preset = models.CharField(_("预设"), max_length=10, blank=True, help_text=_("由哪套预设生成（002 / 001），手工建立的为空"))
    rules = models.CharField(_("依据规则"), max_length=100, blank=True)
    calendar = models.ForeignKey(
        "core.BusinessCalendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("工作日历"),
        help_text=_("留空则使用项目的工作日历（或公司默认日历）"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("时限策略")
        verbose_name_plural = _("时限策略")
        ordering = ["project_id", "ticket_type", "priority", "-version"]
        constraints = [
            # NULL project = company preset; NULLs never collide in a unique index, hence two.
            models.UniqueConstraint(
                fields=["project", "ticket_type", "priority"],
                condition=Q(active=True, project__isnull=False),
                name="sla_policy_one_active",
            ),
            models.UniqueConstraint(
                fields=["ticket_type", "priority"],
                condition=Q(active=True, project__isnull=True),
                name="sla_policy_one_active_preset",
            ),
            models.UniqueConstraint(
                fields=["project", "ticket_type", "priority", "version"],
                condition=Q(project__isnull=False),
                name="sla_policy_version_unique",
            ),
            models.UniqueConstraint(
                fields=["ticket_type", "priority", "version"],
                condition=Q(project__isnull=True),
                name="sla_policy_preset_version_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def clean(self) -> None:
        if self.ticket_type and self.priority and self.priority not in priorities_for(self.ticket_type):
            raise ValidationError({"priority": _("该类型工单没有这个等级")})


class SlaTarget(models.Model):
    """One promise of a policy: e.g. "transfer within 10 calendar minutes of creation"
    (DESK-3) or "resolved within 15 days" (CMP-6). One target per kind in a policy."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets", verbose_name=_("时限策略"))
    kind = models.CharField(_("时限类别"), max_length=16, choices=TargetKind.choices)
    amount = models.PositiveIntegerField(_("时限"), help_text=_("按单位计；“当日下班前”时为顺延的工作日数，0 表示当天"))
    unit = models.CharField(_("单位"), max_length=24, choices=Unit.choices)
    start_event = models.CharField(_("开始计时"), max_length=12, choices=StartEvent.choices, default=StartEvent.CREATED)
    stop_event = models.CharField(_("完成条件"), max_length=12, choices=StopEvent.choices)
    pause_when_waiting = models.BooleanField(
        _("等待时暂停"), default=True, help_text=_("工单处于等待客户、等待配件、等待预约时暂停计时")
    )
    warn_at_percent = models.PositiveSmallIntegerField(
        _("预警点(%)"),
        null=True,
        blank=True,
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("用去这一比例的时限时提醒处理人；留空不预警"),
    )
    rule = models.CharField(_("依据规则"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("时限目标")
        verbose_name_plural = _("时限目标")
        ordering = ["policy_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "kind"], name="sla_target_kind_unique"),
            models.CheckConstraint(
                condition=Q(warn_at_percent__isnull=True) | Q(warn_at_percent__gte=1, warn_at_percent__lte=99),
                name="sla_target_warn_percent",
            ),
        ]

    def __str__(self) -> str:
        if self.unit == Unit.END_OF_BUSINESS_DAY:
            return f"{self.get_kind_display()} {self.get_unit_display()}" + (f" +{self.amount}" if self.amount else "")
        return f"{self.get_kind_display()} {self.amount} {self.get_unit_display()}"

    @property
    def in_business_time(self) -> bool:
        return self.unit in BUSINESS_UNITS


class EscalationLevel(models.Model):
    """A step of escalation on a target, at an offset from the clock's start or from its
    deadline: notify roles (and the ticket's holder), or raise the priority (CMP-5).

    `code` names the step across priorities and versions: a step fires once per clock and
    code, so the CMP-5 step shared by every complaint policy does not fire again after it
    raised the ticket to major."""

    target = models.ForeignKey(SlaTarget, on_delete=models.CASCADE, related_name="levels", verbose_name=_("时限目标"))
    code = models.SlugField(_("编码"), max_length=40)
    anchor = models.CharField(_("基准"), max_length=10, choices=Anchor.choices, default=Anchor.DEADLINE)
    offset_minutes = models.IntegerField(
        _("偏移(分钟)"), default=0, help_text=_("开始后的分钟数；相对时限时负数表示到期前，0 表示超时即触发")
    )
    action = models.CharField(_("动作"), max_length=16, choices=LevelAction.choices, default=LevelAction.NOTIFY)
    raise_to = models.CharField(_("升级为"), max_length=12, choices=Priority.choices, blank=True)
    condition = models.CharField(_("条件"), max_length=24, choices=LevelCondition.choices, blank=True, default="")
    notify_roles = models.JSONField(_("通知岗位"), default=list, blank=True, help_text=_("岗位代码列表，如 supervisor、manager"))
    notify_holder = models.BooleanField(_("通知处理人"), default=False)
    urgent = models.BooleanField(_("紧急"), default=False, help_text=_("紧急通知同时发短信/微信"))
    respect_office_hours = models.BooleanField(
        _("工作时间发送"), default=False, help_text=_("例行提醒：非工作时间触发的，顺延到下一个工作时段再发送")
    )
    rule = models.CharField(_("依据规则"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("升级规则")
        verbose_name_plural = _("升级规则")
        ordering = ["target_id", "anchor", "offset_minutes", "id"]
        constraints = [models.UniqueConstraint(fields=["target", "code"], name="sla_level_code_unique")]

    def __str__(self) -> str:
        return f"{self.code}: {self.get_action_display()} ({self.get_anchor_display()} {self.offset_minutes:+d} min)"

    @property
    def key(self) -> str:
        return f"level:{self.code}"

    def clean(self) -> None:
        errors = {}
        unknown = [r for r in self.notify_roles or [] if r not in Role.values]
        if not isinstance(self.notify_roles, list) or unknown:
            errors["notify_roles"] = _("未知的岗位：%(roles)s") % {"roles": ", ".join(map(str, unknown))}
        if self.action == LevelAction.RAISE_PRIORITY and not self.raise_to:
            errors["raise_to"] = _("请选择升级后的等级")
        if self.action == LevelAction.NOTIFY and not (self.notify_roles or self.notify_holder):
            errors["notify_roles"] = _("请选择要通知的岗位或处理人")
        if errors:
            raise ValidationError(errors)


class SlaClock(ProjectScopedModel):
    """One ticket × target: when it started, when it is due, and how it ended.

    - `state`: RUNNING → (PAUSED ↔ RUNNING) → MET or CANCELLED; or BREACHED, for good,
      once the deadline passes unmet. A breached clock stays *live* (overdue) until the
      ticket reaches the stop condition (`met_at`, late) or is cancelled (`ended_at`).
    - `deadline_at` is NULL while paused; `paused_remaining` then holds the time left, in
      the target's time (business time for business units). `paused_total` /
      `paused_business` add up completed pauses in calendar and business time, so a
      severity change can recompute from the start plus the time spent paused.
    - `original_deadline_at`: the deadline first computed, kept for the record.
    - `budget`: the target's full length in its own time, for the warning point.
    - `next_check_at`: when the sweep must look at the clock next (next warning, level or
      breach); NULL whenever nothing can fire (paused, met, cancelled, ended), so the
      sweep's index holds only clocks that can fire.
    """

    ticket = models.ForeignKey("desk.Ticket", on_delete=models.PROTECT, related_name="sla_clocks", verbose_name=_("工单"))
    target = models.ForeignKey(SlaTarget, on_delete=models.PROTECT, related_name="clocks", verbose_name=_("时限目标"))
    kind = models.CharField(_("时限类别"), max_length=16, choices=TargetKind.choices)
    state = models.CharField(_("状态"), max_length=10, choices=ClockState.choices, default=ClockState.RUNNING)
    started_at = models.DateTimeField(_("开始时间"))
    deadline_at = models.DateTimeField(_("时限"), null=True, blank=True)
    original_deadline_at = models.DateTimeField(_("原始时限"))
    warn_at = models.DateTimeField(_("预警时间"), null=True, blank=True)
    budget = models.DurationField(_("时限长度"))
    paused_at = models.DateTimeField(_("暂停时间"), null=True, blank=True)
    paused_remaining = models.DurationField(_("暂停时剩余"), null=True, blank=True)
    paused_total = models.DurationField(_("累计暂停(自然时间)"), default=dt.timedelta)
    paused_business = models.DurationField(_("累计暂停(工作时间)"), default=dt.timedelta)
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    breached_at = models.DateTimeField(_("超时时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("终止时间"), null=True, blank=True, help_text=_("工单取消或等级变更使计时终止"))
    next_check_at = models.DateTimeField(_("下次检查"), null=True, blank=True)

    class Meta:
        verbose_name = _("时限计时")
        verbose_name_plural = _("时限计时")
        ordering = ["ticket_id", "started_at", "id"]
        constraints = [
            # At most one live clock per ticket and kind (a reopened ticket's fresh
            # RESOLVE clock starts after the earlier one stopped).
            models.UniqueConstraint(
                fields=["ticket", "kind"],
                condition=Q(met_at__isnull=True, ended_at__isnull=True),
                name="sla_clock_one_live_per_kind",
            ),
            models.CheckConstraint(
                condition=~Q(state=ClockState.BREACHED) | Q(breached_at__isnull=False), name="sla_clock_breach_recorded"
            ),
        ]
        indexes = [
            # The sweep: only clocks that can still fire have next_check_at.
            models.Index(fields=["state", "next_check_at"], condition=Q(next_check_at__isnull=False), name="sla_clock_due_idx"),
            # The board: live clocks per project by state and deadline.
            models.Index(
                fields=["project", "state", "deadline_at"],
                condition=Q(met_at__isnull=True, ended_at__isnull=True),
                name="sla_clock_live_idx",
            ),
            # The board over many projects (head office): its lists, in deadline order,
            # read only the ticking clocks, not every live clock of every project.
            models.Index(
                fields=["deadline_at", "id"],
                condition=Q(met_at__isnull=True, ended_at__isnull=True, state__in=["running", "breached"]),
                name="sla_clock_ticking_idx",
            ),
            # Statistics: clocks per project, kind and start.
            models.Index(fields=["project", "kind", "started_at"], name="sla_clock_stats_idx"),
            # Reports: clocks due in a period (reports.selectors.clocks_due), per project.
            models.Index(fields=["project", "deadline_at"], name="sla_clock_deadline_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_kind_display()} {self.get_state_display()}"

    @property
    def is_live(self) -> bool:
        return self.met_at is None and self.ended_at is None

    @property
    def is_overdue(self) -> bool:
        return self.state == ClockState.BREACHED and self.is_live


class SlaFiring(models.Model):
    """A warning, escalation level or breach that fired for a clock — at most once per
    clock and key ("warn:<target id>", "breach:<target id>", "level:<code>")."""

    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="firings", verbose_name=_("时限计时"))
    key = models.CharField(_("触发项"), max_length=60)
    level = models.ForeignKey(
        EscalationLevel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("升级规则")
    )
    fired_at = models.DateTimeField(_("触发时间"))
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("时限触发记录")
        verbose_name_plural = _("时限触发记录")
        ordering = ["clock_id", "fired_at", "id"]
        constraints = [models.UniqueConstraint(fields=["clock", "key"], name="sla_firing_once")]

    def __str__(self) -> str:
        return f"{self.clock_id} {self.key} {self.fired_at:%Y-%m-%d %H:%M}"
