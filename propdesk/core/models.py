"""Shared kernel models: the project-scoped base; the working calendar (SLA clocks)."""

import datetime as dt
import functools

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _

from propdesk.core.errors import DomainError


@functools.cache
def _choice_labels(field: models.Field) -> dict:
    """{value: lazy label} of a field's (static) choices."""
    return dict(make_hashable(field.flatchoices))


class ProjectScopedModel(models.Model):
    """A row that belongs to one project (小区/项目): the unit of access (design idea 1)."""

    project = models.ForeignKey("estate.Project", on_delete=models.PROTECT, verbose_name=_("项目"), related_name="+")

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):  # Django's hook behind every get_<field>_display()
        """As Django's, with the choices' dict built once per field: Django builds it on
        every call, and hashing the lazy labels translates each — the queue page's 150
        type/priority/status labels took ~12 ms of it, the board's clock kinds more."""
        value = getattr(self, field.attname)
        return force_str(_choice_labels(field).get(make_hashable(value), value), strings_only=True)


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


# -- The working calendar ----------------------------------------------------------
# Rows only; the arithmetic lives in propdesk.core.workcalendar (WorkingCalendar.for_calendar).


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("周一")
    TUESDAY = 1, _("周二")
    WEDNESDAY = 2, _("周三")
    THURSDAY = 3, _("周四")
    FRIDAY = 4, _("周五")
    SATURDAY = 5, _("周六")
    SUNDAY = 6, _("周日")


def validate_time_zone(value: str) -> None:
    from propdesk.core.workcalendar import time_zone

    try:
        time_zone(value)
    except DomainError as error:
        raise ValidationError(error.message, code=error.code) from error


_END_HELP = _("00:00 表示当天 24:00")


def _window_constraints(prefix: str) -> list[models.BaseConstraint]:
    # End 00:00 stands for 24:00 (a window may run to midnight).
    return [
        models.CheckConstraint(condition=Q(start__lt=F("end")) | Q(end=dt.time(0)), name=f"{prefix}_start_before_end"),
    ]


class WindowRow(models.Model):
    """A working window (工作时段) of one day: start–end in the calendar's wall-clock time."""

    start = models.TimeField(_("开始时间"))
    end = models.TimeField(_("结束时间"), help_text=_END_HELP)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        end = "24:00" if self.end == dt.time(0) else f"{self.end:%H:%M}"
        return f"{self.start:%H:%M}–{end}"

    def clean(self) -> None:
        from propdesk.core.workcalendar import check_windows

        if self.start is not None and self.end is not None:
            try:
                check_windows([(self.start, self.end)])
            except DomainError as error:
                raise ValidationError({"end": error.message}) from error


class BusinessCalendar(TimestampedModel):
    """A working calendar (工作日历): weekly windows plus dated exceptions. With no
    project it is the company default; a project may have its own (e.g. DESK-9 office
    buildings)."""

    name = models.CharField(_("名称"), max_length=100)
    time_zone = models.CharField(_("时区"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone])
    project = models.ForeignKey(
        "estate.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="business_calendars",
        verbose_name=_("项目"),
        help_text=_("留空表示公司默认日历"),
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["project_id", "name"]

    def __str__(self) -> str:
        return self.name


class WorkingWindow(WindowRow):
    """A weekly working window: on `weekday`, from `start` to `end` (several per day)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="windows", verbose_name=_("工作日历"))
    weekday = models.PositiveSmallIntegerField(_("星期"), choices=Weekday.choices)

    class Meta:
        verbose_name = _("工作时段")
        verbose_name_plural = _("工作时段")
        ordering = ["calendar", "weekday", "start"]
        constraints = [
            *_window_constraints("workingwindow"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="workingwindow_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {super().__str__()}"


class CalendarException(models.Model):
    """A dated exception to the weekly pattern: a holiday (节假日), a make-up workday
    (调休上班) or special hours (特殊工作时间). One per calendar and date."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("节假日")
        WORKDAY = "workday", _("调休上班")
        HOURS = "hours", _("特殊工作时间")

    class Source(models.TextChoices):
        SEED = "seed", _("自动导入")
        OFFICIAL = "official", _("按官方通知录入")
        MANUAL = "manual", _("本地调整")

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="exceptions", verbose_name=_("工作日历")
    )
    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100, blank=True, help_text=_("例如：国庆节"))
    as_weekday = models.PositiveSmallIntegerField(
        _("按星期几上班"),
        choices=Weekday.choices,
        default=Weekday.MONDAY,
        help_text=_("仅用于调休上班日：这一天按所选星期几的工作时段上班"),
    )
    source = models.CharField(
        _("来源"),
        max_length=10,
        choices=Source.choices,
        default=Source.MANUAL,
        help_text=_("自动导入的日期重新导入时会被更新；按官方通知录入和本地调整的日期会被保留"),
    )

    class Meta:
        verbose_name = _("日历例外")
        verbose_name_plural = _("日历例外")
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendarexception_one_per_date"),
            models.CheckConstraint(condition=Q(as_weekday__lte=6), name="calendarexception_weekday_range"),
        ]

    def __str__(self) -> str:
        label = f"{self.date:%Y-%m-%d} {self.get_kind_display()}"
        return f"{label}（{self.name}）" if self.name else label


class ExceptionWindow(WindowRow):
    """A window of a special-hours day (CalendarException of kind HOURS)."""

    exception = models.ForeignKey(CalendarException, on_delete=models.CASCADE, related_name="windows", verbose_name=_("日历例外"))

    class Meta:
        verbose_name = _("特殊工作时段")
        verbose_name_plural = _("特殊工作时段")
        ordering = ["exception", "start"]
        constraints = _window_constraints("exceptionwindow")


# -- Numbering ------------------------------------------------------------------------


class Counter(models.Model):
    """A gap-free sequence per project and key (ticket numbers per year, receipt numbers…),
    advanced only through `core.numbering.next_value` inside the caller's transaction."""

    project = models.ForeignKey("estate.Project", on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=40)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "key"], name="counter_unique")]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.key}={self.value}"


class ConfigStamp(models.Model):
    """One row whose token changes, in the same transaction, with every change to the
    configuration that hot paths keep in memory (SLA policies, working calendars): each
    process compares it with the token its memo was read under (`core.configcache`)."""

    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return self.token
