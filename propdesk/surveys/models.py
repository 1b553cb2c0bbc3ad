"""Satisfaction surveys (满意度调查, SUR-1…4): the questionnaire (满意度调查表) and its
questions per department; the schedule a project runs rounds on; a round with its
announcement, distribution to households, responses (typed in from paper or answered
online) and publication; and the rectification reply (客户意见回复表) to unsatisfied items.

Writes are in `propdesk.surveys.services`; reads (progress, tabulation) in
`propdesk.surveys.selectors`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.core.models import ProjectScopedModel
from propdesk.surveys.choices import (
    Channel,
    Department,
    QuestionKind,
    RectificationStatus,
    RoundStatus,
    SchedulePreset,
)

_PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class SurveySchedule(ProjectScopedModel):
    """When a project runs its rounds — 调查计划 (SUR-1): a preset, or the project's own
    windows as [["MM-DD", "MM-DD"], …] (each a start and end day in a year)."""

    preset = models.CharField(_("调查频次"), max_length=12, choices=SchedulePreset.choices, default=SchedulePreset.HALF_YEARLY)
    windows = models.JSONField(_("自定义调查时段"), default=list, blank=True)
    distribution_target = models.PositiveSmallIntegerField(_("发放率目标(%)"), default=60, validators=_PERCENT)
    return_target = models.PositiveSmallIntegerField(_("回收率目标(%)"), default=50, validators=_PERCENT)

    class Meta:
        verbose_name = _("调查计划")
        verbose_name_plural = _("调查计划")
        constraints = [models.UniqueConstraint(fields=["project"], name="survey_schedule_one_per_project")]


class Questionnaire(models.Model):
    """A questionnaire — 满意度调查表: a project's own, or a company template (no
    project) that projects copy. Frozen once a round using it has been announced."""

    project = models.ForeignKey(
        "estate.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("项目"),
        help_text=_("留空表示公司模板"),
    )
    title = models.CharField(_("问卷名称"), max_length=100)
    intro = models.TextField(_("卷首语"), blank=True)
    copied_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("满意度调查表")
        verbose_name_plural = _("满意度调查表")
        ordering = ["project_id", "-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """One question — 调查项目: about one department, a four-step rating, a 1–5 score or
    free text; asked in `position` order."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("序号"))
    department = models.CharField(_("部门"), max_length=20, choices=Department.choices)
    text = models.CharField(_("题目"), max_length=200)
    kind = models.CharField(_("题型"), max_length=8, choices=QuestionKind.choices, default=QuestionKind.RATING)

    class Meta:
        verbose_name = _("调查项目")
        verbose_name_plural = _("调查项目")
        ordering = ["questionnaire", "position", "id"]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"

    @property
    def is_text(self) -> bool:
        return self.kind == QuestionKind.TEXT


class SurveyRound(ProjectScopedModel):
    """One round — 一次书面意见调查: the questionnaire asked of the project's households
    in a period; announced beforehand (SUR-2), open, closed, then published (SUR-4)."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("问卷"))
    name = models.CharField(_("名称"), max_length=100)
    preset = models.CharField(_("调查频次"), max_length=12, choices=SchedulePreset.choices, default=SchedulePreset.HALF_YEARLY)
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("截止日期"))
    status = models.CharField(_("状态"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    distribution_target = models.PositiveSmallIntegerField(_("发放率目标(%)"), default=60, validators=_PERCENT)
    return_target = models.PositiveSmallIntegerField(_("回收率目标(%)"), default=50, validators=_PERCENT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    announcement = models.TextField(_("调查公告"), blank=True)
    announced_at = models.DateTimeField(_("公告时间"), null=True, blank=True)
    announced_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    opened_at = models.DateTimeField(_("开始调查时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("结果公布时间"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    result_notice = models.TextField(_("结果公告"), blank=True)

    class Meta:
        verbose_name = _("调查轮次")
        verbose_name_plural = _("调查轮次")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_start__lte=models.F("period_end")), name="survey_round_period"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(announced_at__isnull=False), name="survey_round_announced_first"
            ),
        ]
        indexes = [models.Index(fields=["project", "status"], name="survey_round_status_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def accepts_answers(self) -> bool:
        return self.status == RoundStatus.OPEN


class Distribution(ProjectScopedModel):
    """A questionnaire handed to one household — 发放登记 (SUR-2): when, by whom, how."""

    round = models.ForeignKey(SurveyRound, on_delete=models.PROTECT, related_name="distributions")
    house = models.ForeignKey("estate.House", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋"))
    channel = models.CharField(_("方式"), max_length=8, choices=Channel.choices, default=Channel.PAPER)
    distributed_on = models.DateField(_("发放日期"))
    distributed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("发放人")
    )

    class Meta:
        verbose_name = _("问卷发放")
        verbose_name_plural = _("问卷发放")
        constraints = [models.UniqueConstraint(fields=["round", "house"], name="survey_distribution_once")]


class Response(ProjectScopedModel):
    """One household's answers — 回收的调查表: typed in by staff from paper, or answered
    online by a resident bound to the house. One per house per round."""

    round = models.ForeignKey(SurveyRound, on_delete=models.PROTECT, related_name="responses")
    house = models.ForeignKey("estate.House", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋"))
    channel = models.CharField(_("方式"), max_length=8, choices=Channel.choices)
    respondent_name = models.CharField(_("填表人"), max_length=50, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人/提交人")
    )
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    class Meta:
        verbose_name = _("调查答卷")
        verbose_name_plural = _("调查答卷")
        constraints = [models.UniqueConstraint(fields=["round", "house"], name="survey_response_once_per_house")]


class Answer(models.Model):
    """The answer to one question: `value` for ratings (1 满意 … 4 不满意) and scores
    (1–5), `text` for free text (and remarks)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("答案")
        verbose_name_plural = _("答案")
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="survey_answer_once")]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.value if self.value is not None else self.text}"


class Rectification(ProjectScopedModel):
    """The written reply to an unsatisfied item — 客户意见回复表 (SUR-4): the problem,
    the rectification and prevention measures, the reply to residents; approved by the
    PM, who is not the person who wrote it."""

    round = models.ForeignKey(SurveyRound, on_delete=models.PROTECT, related_name="rectifications", verbose_name=_("调查轮次"))
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("调查项目")
    )
    department = models.CharField(_("责任部门"), max_length=20, choices=Department.choices)
    issue = models.TextField(_("不满意事项"))
    measures = models.TextField(_("整改措施"))
    prevention = models.TextField(_("预防措施"))
    reply = models.TextField(_("书面回复"))
    status = models.CharField(_("状态"), max_length=10, choices=RectificationStatus.choices, default=RectificationStatus.DRAFT)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("填写人"))
    written_at = models.DateTimeField(_("填写时间"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("批准人")
    )
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    approval_note = models.CharField(_("审批意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("整改回复")
        verbose_name_plural = _("整改回复")
        ordering = ["round", "department", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(approved_by__isnull=False) & ~Q(approved_by=models.F("written_by"))),
                name="survey_rectification_approved_by_other",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_department_display()} · {self.issue[:20]}"
