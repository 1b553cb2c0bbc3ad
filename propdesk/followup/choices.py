"""Return-visit choices, declared once: why a visit is made, how, by whom, and where it stands."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from propdesk.accounts.roles import Role
from propdesk.desk.choices import Department, TicketType
from propdesk.sla.choices import Unit


class VisitPurpose(models.TextChoices):
    ROUTINE = "routine", _("回访")  # VIS-1/VIS-3, CMP-9, REP-8: after the ticket closes
    AUDIT = "audit", _("质检回访")  # CMP-10: the quality sample of complaints
    RECHECK = "recheck", _("复访")  # after a visit sent the ticket back (VIS-6) and it closed again
    MOVE_IN = "move_in", _("新入住回访")  # VIS-3/4/5: one month after a household moves in, by the PM
    MIDTERM = "midterm", _("服务中期回访")  # VIS-3: mid-term of a long special service (DESK-8)
    ACTIVITY = "activity", _("社区活动回访")  # VIS-1/3/4: ≥30% of an activity's households within a month


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("待回访")
    DONE = "done", _("已回访")


class VisitMethod(models.TextChoices):
    """How the customer was reached (VIS-6)."""

    PHONE = "phone", _("电话回访")
    IN_PERSON = "in_person", _("上门回访")
    ON_SITE = "on_site", _("现场回访")


# Methods where the customer signs the record (VIS-6: not for phone visits).
SIGNED_METHODS = frozenset({VisitMethod.IN_PERSON, VisitMethod.ON_SITE})


class VisitorRule(models.TextChoices):
    """Who visits (VIS-5)."""

    ASSISTANT = "assistant", _("客服助理")  # services, repairs
    COMPLAINT_RULE = "complaint", _("按投诉等级：重大/重要由项目经理，其余由被投诉部门负责人")  # VIS-5, CMP-9
    SUPERVISOR = "supervisor", _("客服主管")
    MANAGER = "manager", _("项目经理")


# The department head's role per complained department (VIS-5). The roles have no
# per-department heads but customer service's (客服主管); the PM answers for the others.
DEPARTMENT_HEAD_ROLES: dict[str, str] = {Department.CUSTOMER_SERVICE: Role.SUPERVISOR}
DEFAULT_HEAD_ROLE = Role.MANAGER

# When nobody holds the wanted role in the project, the visit goes to the next of these.
FALLBACK_ROLES = (Role.SUPERVISOR, Role.MANAGER)

# What a policy is about: a ticket type, a household's move-in (VIS-3 "new resident"), or
# the households that took part in a community activity (VIS-1, VIS-3, VIS-4).
MOVE_IN = "move_in"
ACTIVITY = "activity"
POLICY_SUBJECTS = [*TicketType.choices, (MOVE_IN, _("新入住")), (ACTIVITY, _("社区活动"))]

# Calendar months: "one month after move-in" (VIS-3) is a month, not 30 days.
CALENDAR_MONTHS = "calendar_months"

# Units a visit delay may be given in.
DELAY_UNITS = (Unit.CALENDAR_DAYS, Unit.BUSINESS_DAYS)
DELAY_UNIT_CHOICES = [*((u.value, u.label) for u in DELAY_UNITS), (CALENDAR_MONTHS, _("自然月"))]

SCORE_MIN, SCORE_MAX = 1, 5
