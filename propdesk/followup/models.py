"""Return visits (回访): the policy that says which closed tickets are visited, when and
by whom (VIS-1…5, CMP-9, CMP-10, REP-8); the draw that decided it for each closed ticket
(deterministic quota sampling); and the visit itself with its record (VIS-2, VIS-6).

Writes are in `propdesk.followup.services`; reads in `propdesk.followup.selectors`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.core.models import ProjectScopedModel
from propdesk.followup.choices import (
    DELAY_UNIT_CHOICES,
    POLICY_SUBJECTS,
    SCORE_MAX,
    SCORE_MIN,
    VisitMethod,
    VisitorRule,
    VisitPurpose,
    VisitStatus,
)
from propdesk.sla.choices import Unit

_PERCENT = [MinValueValidator(0), MaxValueValidator(100)]
_SCORE = [MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)]


class ReturnVisitPolicy(models.Model):
    """Which closed tickets of one type (and category, or every category) — or which
    move-ins (`ticket_type` "move_in", VIS-3 new residents) — are visited:
    the delay after closing, the share visited (coverage, exact by quota sampling), the
    share of visits to be made in person, and who visits. Company-wide when `project` is
    empty; a project's own policy for a type × category wins over the company's, and a
    category's policy over the type's catch-all (empty category).

    Complaint policies may add the quality sample (CMP-10): `audit_percent` of the
    complaints get an audit visit, `audit_in_person_percent` of those in person."""

    project = models.ForeignKey(
        "estate.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("项目"),
        help_text=_("留空表示公司预设，所有未单独设置的项目都使用它"),
    )
    ticket_type = models.CharField(_("工单类型"), max_length=12, choices=POLICY_SUBJECTS)
    category = models.CharField(_("分类"), max_length=20, blank=True, help_text=_("留空表示该类型的所有分类"))
    name = models.CharField(_("名称"), max_length=100)
    delay = models.PositiveSmallIntegerField(_("回访时限"), help_text=_("关闭后多少天内回访"))
    delay_unit = models.CharField(_("单位"), max_length=24, choices=DELAY_UNIT_CHOICES, default=Unit.BUSINESS_DAYS)
    coverage_percent = models.PositiveSmallIntegerField(_("回访率(%)"), default=100, validators=_PERCENT)
    in_person_percent = models.PositiveSmallIntegerField(_("上门回访比例(%)"), default=0, validators=_PERCENT)
    visitor = models.CharField(_("回访人"), max_length=12, choices=VisitorRule.choices, default=VisitorRule.ASSISTANT)
    rework_days = models.PositiveSmallIntegerField(
        _("返工期限(工作日)"), default=2, help_text=_("回访不满意或未处理时，责任人须在此期限内重新处理（VIS-6）")
    )
    midterm_after_days = models.PositiveSmallIntegerField(
        _("中期回访(服务期超过天数)"),
        null=True,
        blank=True,
        help_text=_("特约服务的预约服务期超过这么多天时，在服务期中点另做一次中期回访（VIS-3）；留空表示不做"),
    )
    audit_percent = models.PositiveSmallIntegerField(_("质检抽查比例(%)"), default=0, validators=_PERCENT)
    audit_in_person_percent = models.PositiveSmallIntegerField(_("质检上门比例(%)"), default=0, validators=_PERCENT)
    preset = models.CharField(_("预设"), max_length=20, blank=True)
    rules = models.CharField(_("依据规则"), max_length=100, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("回访策略")
        verbose_name_plural = _("回访策略")
        ordering = ["project_id", "ticket_type", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "ticket_type", "category"],
                condition=Q(active=True, project__isnull=False),
                name="visit_policy_one_active",
            ),
            models.UniqueConstraint(
                fields=["ticket_type", "category"],
                condition=Q(active=True, project__isnull=True),
                name="visit_policy_one_active_preset",
            ),
            models.CheckConstraint(condition=Q(coverage_percent__lte=100), name="visit_policy_coverage"),
            models.CheckConstraint(condition=Q(in_person_percent__lte=100), name="visit_policy_in_person"),
            models.CheckConstraint(condition=Q(audit_percent__lte=100), name="visit_policy_audit"),
            models.CheckConstraint(condition=Q(audit_in_person_percent__lte=100), name="visit_policy_audit_in_person"),
        ]

    def __str__(self) -> str:
        return self.name


class VisitDraw(ProjectScopedModel):
    """The draw for one closed ticket and purpose: its place `seq` in the project's
    sequence for the policy (or the audit sample), and whether it was drawn. Kept for
    every closed ticket, drawn or not, so that closing again after a reopen never draws
    twice and the rate can be checked against the sequence. A move-in (VIS-3) is drawn
    by its occupancy instead of a ticket; a community activity's household (VIS-4) by the
    activity and the house."""

    ticket = models.ForeignKey("desk.Ticket", on_delete=models.PROTECT, related_name="+", null=True)
    occupancy = models.ForeignKey("residents.Occupancy", on_delete=models.PROTECT, related_name="+", null=True)
    activity = models.ForeignKey("followup.CommunityActivity", on_delete=models.PROTECT, related_name="+", null=True)
    house = models.ForeignKey("estate.House", on_delete=models.PROTECT, related_name="+", null=True)
    purpose = models.CharField(_("目的"), max_length=10, choices=VisitPurpose.choices)
    policy = models.ForeignKey(ReturnVisitPolicy, on_delete=models.PROTECT, related_name="+", null=True)
    seq = models.PositiveIntegerField(_("序号"))
    drawn = models.BooleanField(_("抽中"))
    drawn_at = models.DateTimeField(_("抽取时间"), default=timezone.now)

    class Meta:
        verbose_name = _("回访抽取")
        verbose_name_plural = _("回访抽取")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "purpose"], name="visit_draw_once"),
            models.UniqueConstraint(
                fields=["occupancy", "purpose"], condition=Q(occupancy__isnull=False), name="visit_draw_once_per_move_in"
            ),
            models.UniqueConstraint(
                fields=["activity", "house", "purpose"],
                condition=Q(activity__isnull=False),
                name="visit_draw_once_per_activity_house",
            ),
            models.CheckConstraint(
                condition=Q(ticket__isnull=False) | Q(occupancy__isnull=False) | Q(activity__isnull=False, house__isnull=False),
                name="visit_draw_has_subject",
            ),
        ]


class ReturnVisit(ProjectScopedModel):
    """One return visit of a ticket — or of a household that moved in (VIS-3, `occupancy`,
    no ticket), or of a household that took part in a community activity (VIS-4,
    `activity` and `house`, no ticket): due by `due_at` (the policy's delay on the project's working calendar),
    assigned to `visitor`, and, once made, its record: method, the three questions, the
    three scores, signature (not for phone visits), what was sent back to the responsible
    person and what new matter it opened, and the PM's review.

    The due time is a clock (回访时限): the sweep (`services.visits_sweep`) warns the
    visitor on the morning of the due day (`warn_at`, once: `warned_at`) and tells the
    supervisor once when it has passed (`overdue_notified_at`); `next_check_at` is the
    next of those still to fire while the visit is planned."""

    ticket = models.ForeignKey(
        "desk.Ticket", on_delete=models.PROTECT, null=True, blank=True, related_name="return_visits", verbose_name=_("工单")
    )
    occupancy = models.ForeignKey(
        "residents.Occupancy",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="return_visits",
        verbose_name=_("入住登记"),
    )
    activity = models.ForeignKey(
        "followup.CommunityActivity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="return_visits",
        verbose_name=_("社区活动"),
    )
    purpose = models.CharField(_("目的"), max_length=10, choices=VisitPurpose.choices, default=VisitPurpose.ROUTINE)
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    policy = models.ForeignKey(
        ReturnVisitPolicy, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("回访策略")
    )
    house = models.ForeignKey(
        "estate.House", on_delete=models.PROTECT, null=True, blank=True, related_name="return_visits", verbose_name=_("房屋")
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="return_visits",
        verbose_name=_("回访人"),
    )
    in_person_required = models.BooleanField(_("须上门并由客户签名"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=VisitStatus.choices, default=VisitStatus.PLANNED)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    due_at = models.DateTimeField(_("回访时限"))
    rules = models.CharField(_("依据规则"), max_length=100, blank=True)
    # The clock (回访时限): warn the visitor, then tell the supervisor once overdue.
    warn_at = models.DateTimeField(_("到期提醒时间"), null=True, blank=True)
    warned_at = models.DateTimeField(_("已提醒回访人"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(_("已通知超时"), null=True, blank=True)
    next_check_at = models.DateTimeField(_("下次检查"), null=True, blank=True)
    # The record (VIS-2, VIS-6)
    done_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("记录人")
    )
    method = models.CharField(_("回访方式"), max_length=10, choices=VisitMethod.choices, blank=True)
    contact_name = models.CharField(_("受访客户"), max_length=50, blank=True)
    handled = models.BooleanField(_("是否已处理"), null=True, blank=True)
    satisfied = models.BooleanField(_("是否满意"), null=True, blank=True)
    other_matters = models.TextField(_("其他意见或建议"), blank=True)
    score_quality = models.PositiveSmallIntegerField(_("质量评分"), null=True, blank=True, validators=_SCORE)
    score_result = models.PositiveSmallIntegerField(_("效果评分"), null=True, blank=True, validators=_SCORE)
    score_attitude = models.PositiveSmallIntegerField(_("态度评分"), null=True, blank=True, validators=_SCORE)
    note = models.TextField(_("回访记录"), blank=True)
    signature = models.FileField(_("客户签名"), upload_to="visit-signatures/%Y/%m/", blank=True)
    signed_sheet = models.FileField(_("客户签字回访单扫描件"), upload_to="visit-sheets/%Y/%m/", blank=True)
    sent_back_at = models.DateTimeField(_("退回责任人时间"), null=True, blank=True)
    rework_due_at = models.DateTimeField(_("返工期限"), null=True, blank=True)
    follow_up_ticket = models.ForeignKey(
        "desk.Ticket",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="raised_in_visits",
        verbose_name=_("回访中提出的新工单"),
    )
    # The PM's review (VIS-6)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("审核人")
    )
    review_note = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "purpose", "round"], name="visit_once_per_purpose"),
            models.UniqueConstraint(
                fields=["occupancy", "purpose"], condition=Q(occupancy__isnull=False), name="visit_once_per_move_in"
            ),
            models.UniqueConstraint(
                fields=["activity", "house", "purpose"],
                condition=Q(activity__isnull=False),
                name="visit_once_per_activity_house",
            ),
            models.CheckConstraint(
                condition=Q(ticket__isnull=False) | Q(occupancy__isnull=False) | Q(activity__isnull=False, house__isnull=False),
                name="visit_has_subject",
            ),
            models.CheckConstraint(
                condition=Q(score_quality__isnull=True) | Q(score_quality__gte=SCORE_MIN, score_quality__lte=SCORE_MAX),
                name="visit_score_quality",
            ),
            models.CheckConstraint(
                condition=Q(score_result__isnull=True) | Q(score_result__gte=SCORE_MIN, score_result__lte=SCORE_MAX),
                name="visit_score_result",
            ),
            models.CheckConstraint(
                condition=Q(score_attitude__isnull=True) | Q(score_attitude__gte=SCORE_MIN, score_attitude__lte=SCORE_MAX),
                name="visit_score_attitude",
            ),
            models.CheckConstraint(condition=~Q(status=VisitStatus.DONE) | Q(done_at__isnull=False), name="visit_done_recorded"),
        ]
        indexes = [
            # 回访待办: planned visits per project (and visitor) in due order.
            models.Index(fields=["project", "status", "due_at"], name="visit_todo_idx"),
            models.Index(fields=["visitor", "status", "due_at"], name="visit_visitor_idx"),
            # 回访审核: recorded, not yet reviewed.
            models.Index(
                fields=["project", "done_at"],
                condition=Q(status="done", reviewed_at__isnull=True),
                name="visit_review_idx",
            ),
            # The visit-clock sweep: planned visits with a warning or overdue notice to fire.
            models.Index(fields=["next_check_at"], condition=Q(status="planned"), name="visit_clock_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.ticket_id or self.occupancy_id or self.activity_id}"

    @property
    def subject(self) -> str:
        """What the visit is about, in words: the ticket's number and title, the move-in,
        or the community activity."""
        if self.ticket_id:
            return f"{self.ticket.number} {self.ticket.title}"
        if self.activity_id:
            return str(_("社区活动：%(title)s") % {"title": self.activity.title})
        return str(_("新入住：%(who)s") % {"who": self.occupancy.person.name if self.occupancy_id else ""})

    @property
    def is_done(self) -> bool:
        return self.status == VisitStatus.DONE

    def overdue_at(self, now) -> bool:
        """Still to do past its due time (or done after it)."""
        return (self.done_at or now) > self.due_at

    @property
    def is_overdue(self) -> bool:
        return self.overdue_at(timezone.now())


class CommunityActivity(ProjectScopedModel):
    """A community activity — 社区活动 — of one project (VIS-1): what, when, who organised
    it, and the households that took part. Closing it (`services.activity_close`) draws
    ≥30% of those households for a return visit within a month (VIS-3, VIS-4)."""

    title = models.CharField(_("活动名称"), max_length=100)
    held_on = models.DateField(_("活动日期"))
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("组织人"))
    note = models.TextField(_("备注"), blank=True)
    houses = models.ManyToManyField("estate.House", through="ActivityParticipant", related_name="+", verbose_name=_("参与住户"))
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("结束人")
    )

    class Meta:
        verbose_name = _("社区活动")
        verbose_name_plural = _("社区活动")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["project", "held_on"], name="activity_project_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class ActivityParticipant(models.Model):
    """A household that took part in a community activity (参与住户): the house and,
    when known, the person who came."""

    activity = models.ForeignKey(CommunityActivity, on_delete=models.CASCADE, related_name="participants")
    house = models.ForeignKey("estate.House", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋"))
    person = models.ForeignKey(
        "residents.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("参与人")
    )
    added_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("参与住户")
        verbose_name_plural = _("参与住户")
        constraints = [models.UniqueConstraint(fields=["activity", "house"], name="activity_house_once")]

    def __str__(self) -> str:
        return f"{self.activity_id}:{self.house_id}"
