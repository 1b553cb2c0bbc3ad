"""Outreach choices, declared once: how a proactive visit is made (VIS-7), how satisfied
the customer was, what an opinion becomes, the occasions of customer care (ARC-6)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from propdesk.accounts.roles import Role
from propdesk.desk.choices import Department, TicketType
from propdesk.estate.choices import HouseStatus


class OutreachMethod(models.TextChoices):
    """How a proactive visit was made (VIS-7: home visits by appointment)."""

    HOME = "home", _("预约上门")
    PHONE = "phone", _("电话访问")
    ON_SITE = "on_site", _("现场访问")  # in the compound's public places, the customer's office


class Satisfaction(models.IntegerChoices):
    """The customer's satisfaction, stored as a score on the return visits' 1–5 scale."""

    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    FAIR = 3, _("一般")
    UNSATISFIED = 2, _("不满意")
    VERY_UNSATISFIED = 1, _("非常不满意")


# A satisfaction at or below this is "unsatisfied" (the low-satisfaction risk flag).
UNSATISFIED_AT_MOST = Satisfaction.UNSATISFIED


class OpinionKind(models.TextChoices):
    """What an opinion raised during a visit becomes (VIS-7: the complaint/suggestion flow)."""

    NONE = "", _("无")
    COMPLAINT = TicketType.COMPLAINT.value, _("投诉")
    SUGGESTION = TicketType.SUGGESTION.value, _("建议")


class CareOccasion(models.TextChoices):
    """Occasions of a greeting (ARC-6): a birthday or one of the festivals."""

    BIRTHDAY = "birthday", _("生日")
    NEW_YEAR = "new_year", _("元旦")
    VALENTINE = "valentine", _("情人节")
    SPRING = "spring", _("春节")
    LANTERN = "lantern", _("元宵节")
    LABOUR = "labour", _("劳动节")
    DRAGON_BOAT = "dragon_boat", _("端午节")
    MID_AUTUMN = "mid_autumn", _("中秋节")
    NATIONAL = "national", _("国庆节")
    DOUBLE_NINTH = "double_ninth", _("重阳节")


FESTIVALS = tuple(o for o in CareOccasion if o != CareOccasion.BIRTHDAY)


class CareStatus(models.TextChoices):
    OPEN = "open", _("待问候")
    DONE = "done", _("已问候")
    SKIPPED = "skipped", _("不问候")


class GreetingMethod(models.TextChoices):
    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")
    WECHAT = "wechat", _("微信")
    VISIT = "visit", _("上门")
    CARD = "card", _("贺卡/礼品")


# The department a visitor's visits count for by default (the visit may name another).
ROLE_DEPARTMENTS: dict[str, str] = {
    Role.ASSISTANT: Department.CUSTOMER_SERVICE,
    Role.SUPERVISOR: Department.CUSTOMER_SERVICE,
    Role.MANAGER: Department.MANAGEMENT,
    Role.ENGINEER: Department.ENGINEERING,
    Role.GUARD: Department.SECURITY,
    Role.CLEANER: Department.CLEANING,
}

# Houses someone lives or works in: the only ones proactively visited (VIS-7).
OCCUPIED_STATUSES = frozenset({HouseStatus.OWNER_OCCUPIED, HouseStatus.RENTED, HouseStatus.OFFICE})
