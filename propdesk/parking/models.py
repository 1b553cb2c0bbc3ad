"""Parking (停车, FEE-10): monthly rentals of parking spaces with their rent periods,
the IC cards of monthly renters (each with a 50-yuan deposit taken through the deposits
app), the project's parking tariff (monthly rent, card deposit, temporary-parking fee)
and the weekly rental list exported for the garage cashier.

Rent is charged as billing lines through billing's `charge_add` — one line per rental
period, linked here so a period is never charged twice. The monthly billing run does not
bill parking (billing.choices.MONTHLY_KINDS leaves FeeKind.PARKING out).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from propdesk.core.models import ProjectScopedModel
from propdesk.parking.choices import CardStatus

_MONEY = {"max_digits": 10, "decimal_places": 2}


class ParkingTariff(models.Model):
    """A project's parking tariff — 停车收费标准 (FEE-10), configuration with history:
    the monthly rent of a rented space, the IC-card deposit, and the temporary-parking
    tariff (临时停车收费: `base_fee` for up to `base_hours` hours, + `hourly_fee` per
    started further hour, at most `daily_cap` per calendar day). Without a row the FEE-10
    defaults apply."""

    project = models.OneToOneField(
        "estate.Project", on_delete=models.PROTECT, related_name="parking_tariff", verbose_name=_("项目")
    )
    monthly_rent = models.DecimalField(
        _("月租金（元/月）"), default=Decimal("100.00"), validators=[MinValueValidator(0)], **_MONEY
    )
    card_deposit = models.DecimalField(_("IC卡押金（元）"), default=Decimal("50.00"), validators=[MinValueValidator(0)], **_MONEY)
    base_hours = models.PositiveSmallIntegerField(
        _("起步时长（小时）"), default=2, validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    base_fee = models.DecimalField(_("起步价（元）"), default=Decimal("2.00"), validators=[MinValueValidator(0)], **_MONEY)
    hourly_fee = models.DecimalField(_("超时每小时（元）"), default=Decimal("1.00"), validators=[MinValueValidator(0)], **_MONEY)
    daily_cap = models.DecimalField(_("每日封顶（元）"), default=Decimal("6.00"), validators=[MinValueValidator(0)], **_MONEY)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("修改人")
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("停车收费标准")
        verbose_name_plural = _("停车收费标准")

    def __str__(self) -> str:
        return str(self.project)


class ParkingRental(ProjectScopedModel):
    """A monthly rental of a parking space — 月租车位: the space, the house it is rented
    to (its bill carries the rent), the renter and plates. Its rent periods are
    `RentalPeriod` rows; a renewal is a new period. Ended by `ended_on`."""

    space = models.ForeignKey("estate.ParkingSpace", on_delete=models.PROTECT, related_name="rentals", verbose_name=_("车位"))
    house = models.ForeignKey("estate.House", on_delete=models.PROTECT, related_name="parking_rentals", verbose_name=_("房屋"))
    renter_name = models.CharField(_("租用人"), max_length=50)
    renter_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    plates = models.CharField(_("车牌号"), max_length=100, help_text=_("多个车牌用逗号分隔"))
    monthly_rent = models.DecimalField(_("月租金"), **_MONEY)
    started_on = models.DateField(_("起租日期"))
    ended_on = models.DateField(_("退租日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("车位月租")
        verbose_name_plural = _("车位月租")
        ordering = ["project", "space__code", "-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["space"], condition=Q(ended_on__isnull=True), name="parkingrental_one_live_per_space"
            ),
            models.CheckConstraint(condition=Q(monthly_rent__gt=0), name="parkingrental_rent_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.space} {self.plates}"


class RentalPeriod(ProjectScopedModel):
    """A rent period of a rental — 租期: `months` months from `starts_on` (to the day
    before `ends_on`), rent `months × monthly_rent`, charged once as a billing line
    (`line`)."""

    rental = models.ForeignKey(ParkingRental, on_delete=models.PROTECT, related_name="periods", verbose_name=_("月租"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), help_text=_("租期最后一天的次日"))
    months = models.PositiveSmallIntegerField(_("月数"), validators=[MinValueValidator(1), MaxValueValidator(24)])
    amount = models.DecimalField(_("租金"), **_MONEY)
    line = models.OneToOneField(
        "billing.BillLine", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("账目")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("租期")
        verbose_name_plural = _("租期")
        ordering = ["rental", "starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["rental", "starts_on"], name="rentalperiod_start_unique"),
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")), name="rentalperiod_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.rental} {self.starts_on:%Y-%m-%d}"

    @property
    def last_day(self):
        import datetime as dt

        return self.ends_on - dt.timedelta(days=1)


class ICCard(ProjectScopedModel):
    """A parking IC card — 停车IC卡 (FEE-10): issued only to a monthly renter, against a
    deposit (押金, deposits app). Returned or reported lost; its number is unique in the
    project among cards in use."""

    number = models.CharField(_("卡号"), max_length=32)
    rental = models.ForeignKey(ParkingRental, on_delete=models.PROTECT, related_name="cards", verbose_name=_("月租"))
    deposit = models.OneToOneField("deposits.Deposit", on_delete=models.PROTECT, related_name="ic_card", verbose_name=_("押金"))
    status = models.CharField(_("状态"), max_length=10, choices=CardStatus.choices, default=CardStatus.ISSUED)
    issued_on = models.DateField(_("发卡日期"))
    closed_on = models.DateField(_("退卡/挂失日期"), null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("发卡人"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("经办人")
    )

    class Meta:
        verbose_name = _("停车IC卡")
        verbose_name_plural = _("停车IC卡")
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"], condition=Q(status=CardStatus.ISSUED), name="iccard_number_unique_in_use"
            )
        ]

    def __str__(self) -> str:
        return self.number


class RentalExport(ProjectScopedModel):
    """A weekly export of the monthly rental list — 月租车辆清单 — for the garage
    cashier (FEE-10), produced by the beat task (or on demand) and kept in the default
    storage; one per project and week."""

    week = models.DateField(_("周（周一）"))
    file = models.FileField(_("文件"), upload_to="parking/exports/%Y/")
    rows = models.PositiveIntegerField(_("行数"), default=0)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("月租清单导出")
        verbose_name_plural = _("月租清单导出")
        ordering = ["-week"]
        constraints = [models.UniqueConstraint(fields=["project", "week"], name="rentalexport_once_per_week")]

    def __str__(self) -> str:
        return f"{self.project} {self.week:%Y-%m-%d}"
