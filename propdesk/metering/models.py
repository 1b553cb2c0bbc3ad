"""Meters and readings (FEE-1 metered items, FEE-2, MOV-6).

- a **Meter** belongs to a house (billed through its metered fee item) or is a common
  meter of a building or of the whole project (recorded, not billed to a house);
- a **ReadingRound** is one month's reading of one or more buildings;
- a **Reading** is one value read off a meter. It is never edited: a correction is a new
  reading that supersedes it (the old one stays, `current` False). A reading with an
  anomaly is held until a supervisor confirms it; only confirmed readings are billed.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from propdesk.core.models import ProjectScopedModel
from propdesk.metering.choices import MeterKind, ReadingPurpose, ReadingStatus, RoundStatus

_READING = {"max_digits": 14, "decimal_places": 2}


class Meter(ProjectScopedModel):
    """Meter — 水电表. A house meter (户表) has a house and the metered fee item it is
    billed by; a common meter (公共表) has a building, or neither (the whole project).

    A replacement (换表) closes the old meter with its final reading and opens the new one
    with its initial reading; the old meter's use after its last reading (final − last)
    is carried into the new meter's first usage, so no month is lost and none is negative."""

    house = models.ForeignKey(
        "estate.House", on_delete=models.PROTECT, null=True, blank=True, related_name="meters", verbose_name=_("房屋")
    )
    building = models.ForeignKey(
        "estate.Building", on_delete=models.PROTECT, null=True, blank=True, related_name="meters", verbose_name=_("楼栋")
    )
    kind = models.CharField(_("表类型"), max_length=12, choices=MeterKind.choices)
    item = models.ForeignKey(
        "billing.FeeItem", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("收费项目")
    )
    serial = models.CharField(_("表号"), max_length=40)
    name = models.CharField(_("名称"), max_length=50, blank=True, help_text=_("公共表填写，如：1栋公共照明"))
    multiplier = models.DecimalField(
        _("倍率"), max_digits=8, decimal_places=2, default=1, validators=[MinValueValidator(Decimal("0.01"))]
    )
    digits = models.PositiveSmallIntegerField(_("整数位数"), default=5, help_text=_("表盘走满后归零（翻转）时用"))
    installed_on = models.DateField(_("安装日期"))
    initial_reading = models.DecimalField(_("起始读数"), **_READING, default=0)
    carry_over = models.DecimalField(_("旧表结转用量"), **_READING, default=0)
    replaced_on = models.DateField(_("换表日期"), null=True, blank=True)
    final_reading = models.DecimalField(_("拆表读数"), **_READING, null=True, blank=True)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by", verbose_name=_("所换旧表")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("水电表")
        verbose_name_plural = _("水电表")
        ordering = ["project", "house__building__number", "house__entrance__number", "house__floor", "house__room", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["project", "serial"], name="meter_serial_unique"),
            models.CheckConstraint(condition=Q(house__isnull=True) | Q(building__isnull=True), name="meter_house_or_building"),
            models.CheckConstraint(
                condition=Q(replaced_on__isnull=True) | Q(final_reading__isnull=False), name="meter_replaced_has_final"
            ),
        ]

    def __str__(self) -> str:
        where = self.house.code if self.house_id else (self.name or str(self.building or _("公共")))
        return f"{where} {self.get_kind_display()} {self.serial}"

    @property
    def is_common(self) -> bool:
        return self.house_id is None

    @property
    def active(self) -> bool:
        return self.replaced_on is None


class ReadingRound(ProjectScopedModel):
    """ReadingRound — 抄表轮次: one month's reading of one or more buildings. Readings are
    entered while it is open; it closes when no reading is held any more."""

    period = models.DateField(_("抄表月份"), help_text=_("月份的第一天"))
    buildings = models.ManyToManyField("estate.Building", related_name="reading_rounds", verbose_name=_("楼栋"))
    status = models.CharField(_("状态"), max_length=8, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人"))
    opened_at = models.DateTimeField(_("创建时间"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("结束人")
    )
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("抄表轮次")
        verbose_name_plural = _("抄表轮次")
        ordering = ["-period", "-id"]
        indexes = [models.Index(fields=["project", "period"], name="readinground_period_idx")]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == RoundStatus.OPEN


class Reading(ProjectScopedModel):
    """Reading — 抄表读数: one value read off a meter, in a round (or at the start of a
    custody, MOV-6). `usage` = value − `previous_value` (+ the old meter's carry-over on a
    new meter's first reading; + the dial's wrap when confirmed as a rollover). Never
    edited: a correction supersedes it (`supersedes`), the old row kept with `current`
    False. Only the status moves: held → confirmed / rejected, by a supervisor."""

    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="readings", verbose_name=_("水电表"))
    round = models.ForeignKey(
        ReadingRound, on_delete=models.PROTECT, null=True, blank=True, related_name="readings", verbose_name=_("抄表轮次")
    )
    purpose = models.CharField(_("类型"), max_length=16, choices=ReadingPurpose.choices, default=ReadingPurpose.ROUND)
    value = models.DecimalField(_("读数"), **_READING, validators=[MinValueValidator(0)])
    read_on = models.DateField(_("抄表日期"))
    read_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("抄表人"))
    previous_value = models.DecimalField(_("上次读数"), **_READING, null=True, blank=True)
    usage = models.DecimalField(_("用量"), **_READING, null=True, blank=True)
    flag_lower = models.BooleanField(_("低于上次读数"), default=False)
    flag_spike = models.BooleanField(_("超过平均用量3倍"), default=False)
    flag_custody = models.BooleanField(_("托管期间用量超限"), default=False)
    anomaly = models.CharField(_("异常说明"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=ReadingStatus.choices, default=ReadingStatus.CONFIRMED)
    rollover = models.BooleanField(_("表盘翻转"), default=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("确认人")
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    current = models.BooleanField(_("有效"), default=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by", verbose_name=_("更正的读数")
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("抄表读数")
        verbose_name_plural = _("抄表读数")
        ordering = ["meter", "read_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meter", "round"], condition=Q(current=True, round__isnull=False), name="reading_one_current_per_round"
            ),
            models.CheckConstraint(
                condition=Q(purpose=ReadingPurpose.ROUND, round__isnull=False)
                | Q(purpose=ReadingPurpose.CUSTODY_START, round__isnull=True),
                name="reading_round_shape",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "status"], name="reading_status_idx"),
            models.Index(fields=["meter", "current", "read_on"], name="reading_meter_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.meter} {self.value} ({self.read_on:%Y-%m-%d})"

    @property
    def flags(self) -> list[str]:
        """The anomaly flags' labels."""
        names = ("flag_lower", "flag_spike", "flag_custody")
        return [str(self._meta.get_field(name).verbose_name) for name in names if getattr(self, name)]

    @property
    def is_billable(self) -> bool:
        return self.current and self.status == ReadingStatus.CONFIRMED

    @property
    def quantity(self):
        """The billed quantity: usage × the meter's multiplier (FEE-1)."""
        return None if self.usage is None else self.usage * self.meter.multiplier
