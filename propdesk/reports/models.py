"""The daily fact table of the KPI reports (sla.md, Statistics).

`DailyFact` holds, per local day (Asia/Shanghai) and project, the counts the report's
sections fold, grouped by exactly the dimensions they group by; `ProjectDay` the same
day's per-project totals that the company ranking and the 12-month trend read (a year of
them is ~70,000 rows at 200 projects, where the detailed facts would be millions);
`FactDay` marks a day whose facts were computed after it had ended — the report reads
facts only for such days and computes every other day, today included, from the live
rows (reports.selectors.report_facts). Written only by reports.services.facts_refresh.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from propdesk.reports.choices import FactSubject

_COUNT = {"default": 0}


class DailyFact(models.Model):
    day = models.DateField(_("日期"))
    project = models.ForeignKey("estate.Project", on_delete=models.CASCADE, related_name="+", verbose_name=_("项目"))
    subject = models.CharField(_("对象"), max_length=10, choices=FactSubject.choices)
    # dimensions ("" where the subject has none)
    ticket_type = models.CharField(_("工单类型"), max_length=12, blank=True)
    category = models.CharField(_("分类"), max_length=20, blank=True)
    department = models.CharField(_("责任部门"), max_length=20, blank=True)
    channel = models.CharField(_("渠道"), max_length=10, blank=True)
    outcome = models.CharField(_("结果"), max_length=10, blank=True)
    target_kind = models.CharField(_("时限类别"), max_length=16, blank=True)
    # measures (reports.selectors.MEASURES says which subject fills which)
    count = models.PositiveIntegerField(_("数量"), **_COUNT)
    done = models.PositiveIntegerField(_("已完成"), **_COUNT)
    effective = models.PositiveIntegerField(_("有效投诉"), **_COUNT)
    invalid = models.PositiveIntegerField(_("无效投诉"), **_COUNT)
    met = models.PositiveIntegerField(_("按时"), **_COUNT)
    breached = models.PositiveIntegerField(_("超时"), **_COUNT)
    pending = models.PositiveIntegerField(_("未到期"), **_COUNT)
    on_time = models.PositiveIntegerField(_("按时回访"), **_COUNT)
    answered = models.PositiveIntegerField(_("有满意度答复"), **_COUNT)
    satisfied = models.PositiveIntegerField(_("满意"), **_COUNT)
    sent_back = models.PositiveIntegerField(_("退回"), **_COUNT)
    scored = models.PositiveIntegerField(_("已评分"), **_COUNT)
    score_quality = models.PositiveIntegerField(_("质量评分合计"), **_COUNT)
    score_result = models.PositiveIntegerField(_("效果评分合计"), **_COUNT)
    score_attitude = models.PositiveIntegerField(_("态度评分合计"), **_COUNT)
    income = models.DecimalField(_("收入(元)"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("日报事实")
        verbose_name_plural = verbose_name
        constraints = [
            # One row a day, project and dimensions: two refreshes of a day that overlap
            # cannot both insert it (the second fails and is retried by the next run).
            models.UniqueConstraint(
                fields=[
                    "day",
                    "project",
                    "subject",
                    "ticket_type",
                    "category",
                    "department",
                    "channel",
                    "outcome",
                    "target_kind",
                ],
                name="reports_fact_unique",
            )
        ]
        indexes = [models.Index(fields=["project", "day"], name="reports_fact_project_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.project_id} {self.subject}"


class ProjectDay(models.Model):
    day = models.DateField(_("日期"))
    project = models.ForeignKey("estate.Project", on_delete=models.CASCADE, related_name="+", verbose_name=_("项目"))
    contacts = models.PositiveIntegerField(_("来电来访"), **_COUNT)
    tickets = models.PositiveIntegerField(_("工单"), **_COUNT)
    effective = models.PositiveIntegerField(_("有效投诉"), **_COUNT)
    classified = models.PositiveIntegerField(_("已定性投诉"), **_COUNT)
    met = models.PositiveIntegerField(_("按时"), **_COUNT)
    breached = models.PositiveIntegerField(_("超时"), **_COUNT)
    pending = models.PositiveIntegerField(_("未到期"), **_COUNT)
    visits_due = models.PositiveIntegerField(_("应回访"), **_COUNT)
    visits_done = models.PositiveIntegerField(_("已回访"), **_COUNT)
    visits_answered = models.PositiveIntegerField(_("有满意度答复"), **_COUNT)
    visits_satisfied = models.PositiveIntegerField(_("满意"), **_COUNT)

    class Meta:
        verbose_name = _("项目日汇总")
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["day", "project"], name="reports_project_day_unique")]
        indexes = [models.Index(fields=["project", "day"], name="reports_project_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.project_id}"


class FactDay(models.Model):
    day = models.DateField(_("日期"), primary_key=True)
    refreshed_at = models.DateTimeField(_("汇总时间"))

    class Meta:
        verbose_name = _("已汇总日期")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return str(self.day)
