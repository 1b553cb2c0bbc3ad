"""Estate choices, declared once with label and display colour."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Usage(models.TextChoices):
    RESIDENTIAL = "residential", _("住宅")
    SHOP = "shop", _("商铺")
    OFFICE = "office", _("办公")
    STORAGE = "storage", _("车库储藏")


class HouseStatus(models.TextChoices):
    """House status (物业动态), rule MOV-14."""

    NOT_HANDED_OVER = "not_handed_over", _("未接房")
    VACANT = "vacant", _("空置")
    HANDED_OVER = "handed_over", _("已入伙未装修")
    DECORATING = "decorating", _("装修中")
    OWNER_OCCUPIED = "owner_occupied", _("自住")
    OFFICE = "office", _("办公")
    RENTED = "rented", _("出租")
    CUSTODY = "custody", _("托管")


# Colours of the monthly house-status sheet (MOV-14), one per status.
HOUSE_STATUS_COLOURS = {
    HouseStatus.NOT_HANDED_OVER: "#9e9e9e",
    HouseStatus.VACANT: "#e0e0e0",
    HouseStatus.HANDED_OVER: "#90caf9",
    HouseStatus.DECORATING: "#ffb74d",
    HouseStatus.OWNER_OCCUPIED: "#81c784",
    HouseStatus.OFFICE: "#4db6ac",
    HouseStatus.RENTED: "#ce93d8",
    HouseStatus.CUSTODY: "#fff176",
}


class ParkingKind(models.TextChoices):
    OWNED = "owned", _("产权车位")
    RENTED = "rented", _("月租车位")
    VISITOR = "visitor", _("临时车位")
