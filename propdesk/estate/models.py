"""Estate structure: Company → Project (小区/项目) → Building (栋) → Entrance (单元) →
House (房屋), plus parking spaces (车位) and the house-status history (MOV-14)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from propdesk.core.models import ProjectScopedModel, TimestampedModel
from propdesk.estate.choices import HOUSE_STATUS_COLOURS, HouseStatus, ParkingKind, Usage


class Company(models.Model):
    """The property-management company (物业公司)."""

    name = models.CharField(_("公司名称"), max_length=100)

    class Meta:
        verbose_name = _("公司")
        verbose_name_plural = _("公司")

    def __str__(self) -> str:
        return self.name


class Project(TimestampedModel):
    """A managed compound (小区/项目/管理处): the unit of access."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="projects", verbose_name=_("公司"))
    code = models.SlugField(_("项目编码"), max_length=20, unique=True)
    name = models.CharField(_("项目名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    service_phone = models.CharField(_("客服电话"), max_length=30, blank=True)
    active = models.BooleanField(_("在管"), default=True)

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Building(ProjectScopedModel):
    """A building (栋/幢)."""

    number = models.CharField(_("楼栋号"), max_length=8)
    name = models.CharField(_("楼栋名称"), max_length=50, blank=True)
    floors = models.PositiveSmallIntegerField(_("层数"), default=1)

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["project", "number"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="building_number_unique")]

    def __str__(self) -> str:
        return self.name or f"{self.number}栋"


class Entrance(ProjectScopedModel):
    """An entrance / stairwell unit (单元) of a building."""

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="entrances", verbose_name=_("楼栋"))
    number = models.CharField(_("单元号"), max_length=8)

    class Meta:
        verbose_name = _("单元")
        verbose_name_plural = _("单元")
        ordering = ["building", "number"]
        constraints = [models.UniqueConstraint(fields=["building", "number"], name="entrance_number_unique")]

    def __str__(self) -> str:
        return f"{self.building}{self.number}单元"


class House(ProjectScopedModel, TimestampedModel):
    """A house / unit (房屋). `code` is the human code staff type: `3-2-1201`."""

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="houses", verbose_name=_("楼栋"))
    entrance = models.ForeignKey(Entrance, on_delete=models.PROTECT, related_name="houses", verbose_name=_("单元"))
    room = models.CharField(_("房号"), max_length=8)
    code = models.CharField(_("房屋编码"), max_length=30)
    floor = models.SmallIntegerField(_("楼层"))
    area = models.DecimalField(_("建筑面积(m²)"), max_digits=9, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    usage = models.CharField(_("用途"), max_length=12, choices=Usage.choices, default=Usage.RESIDENTIAL)
    sold = models.BooleanField(_("已售"), default=True)
    handover_date = models.DateField(_("交房日期"), null=True, blank=True)
    status = models.CharField(_("房屋状态"), max_length=16, choices=HouseStatus.choices, default=HouseStatus.NOT_HANDED_OVER)
    notes = models.TextField(_("备注"), blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        ordering = ["project", "building__number", "entrance__number", "room"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="house_code_unique")]
        indexes = [
            models.Index(fields=["code"], name="house_code_idx"),
            models.Index(fields=["project", "room"], name="house_room_idx"),  # search: a 4-digit room number
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def status_colour(self) -> str:
        return HOUSE_STATUS_COLOURS[HouseStatus(self.status)]


class HouseStatusChange(ProjectScopedModel):
    """One change of a house's status (MOV-14): who, when, why. Never edited."""

    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="status_changes", verbose_name=_("房屋"))
    from_status = models.CharField(_("原状态"), max_length=16, choices=HouseStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=HouseStatus.choices)
    reason = models.CharField(_("原因"), max_length=200)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("操作人")
    )
    changed_at = models.DateTimeField(_("变更时间"))

    class Meta:
        verbose_name = _("房屋状态变更")
        verbose_name_plural = _("房屋状态变更")
        ordering = ["-changed_at", "-id"]


class ParkingSpace(ProjectScopedModel):
    """A parking space (车位), optionally bound to a house."""

    code = models.CharField(_("车位编号"), max_length=20)
    zone = models.CharField(_("区域"), max_length=50, blank=True)
    kind = models.CharField(_("类型"), max_length=10, choices=ParkingKind.choices, default=ParkingKind.RENTED)
    house = models.ForeignKey(
        House, on_delete=models.PROTECT, null=True, blank=True, related_name="parking_spaces", verbose_name=_("房屋")
    )

    class Meta:
        verbose_name = _("车位")
        verbose_name_plural = _("车位")
        ordering = ["project", "code"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="parking_code_unique")]

    def __str__(self) -> str:
        return self.code
