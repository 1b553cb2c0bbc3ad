"""SLA choices, declared once: what a target measures, in which unit, when its clock
starts and stops, the states of a clock, and what an escalation level does."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from propdesk.desk.choices import Status


class TargetKind(models.TextChoices):
    """What a target promises (one clock per ticket × kind at a time)."""

    TRANSFER = "transfer", _("转交")  # DESK-3: handed to the responsible person
    DISPATCH = "dispatch", _("派单")  # DESK-4 / REP-3: work order issued
    ON_SITE = "on_site", _("到场")  # REP-2: technician on site
    FIRST_ANSWER = "first_answer", _("答复")  # CMP-6 / DESK-6: a clear answer to the customer
    RESOLVE = "resolve", _("解决")  # CMP-6: handled and finished


class Unit(models.TextChoices):
    """The unit of a target's amount. Calendar units count every minute; business units
    count only the working calendar's windows (holidays and 调休 make-up days included)."""

    CALENDAR_MINUTES = "calendar_minutes", _("自然分钟")
    CALENDAR_DAYS = "calendar_days", _("自然日")
    BUSINESS_MINUTES = "business_minutes", _("工作分钟")
    BUSINESS_DAYS = "business_days", _("工作日")
    END_OF_BUSINESS_DAY = "end_of_business_day", _("当日下班前")  # amount = working days to add (0 = the same day)


# Units measured in working time: a paused clock stores its remaining business time.
BUSINESS_UNITS = frozenset({Unit.BUSINESS_MINUTES, Unit.BUSINESS_DAYS, Unit.END_OF_BUSINESS_DAY})


class StartEvent(models.TextChoices):
    """When a target's clock starts, in ticket terms."""

    CREATED = "created", _("受理时")
    ASSIGNED = "assigned", _("首次派单时")


class StopEvent(models.TextChoices):
    """When a target is met, in ticket terms. Each is reached for good once the ticket
    gets that far: a resolved ticket has also been taken up and handed over."""

    ASSIGNED = "assigned", _("已转交/派单")  # an assignee, or the receiver took it up himself
    STARTED = "started", _("已答复/开始处理")  # status in progress, or done
    RESOLVED = "resolved", _("已处理完毕")  # status resolved or closed


# The statuses at which each stop condition is reached (besides, for ASSIGNED, an assignee).
STOP_STATUSES: dict[str, frozenset[str]] = {
    StopEvent.ASSIGNED: frozenset(
        {
            Status.ASSIGNED,
            Status.IN_PROGRESS,
            Status.WAITING_CUSTOMER,
            Status.WAITING_PARTS,
            Status.WAITING_APPOINTMENT,
            Status.RESOLVED,
            Status.CLOSED,
        }
    ),
    # Waiting statuses are not "started": waiting for an appointment comes before the
    # visit, and the clock pauses meanwhile instead (PAUSED_STATUSES).
    StopEvent.STARTED: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED}),
    StopEvent.RESOLVED: frozenset({Status.RESOLVED, Status.CLOSED}),
}


class ClockState(models.TextChoices):
    """A clock's state. BREACHED is permanent: once the deadline passed unmet, neither
    meeting the target late (met_at is then recorded), nor closing, reopening, cancelling
    or a severity change ever turns it back."""

    RUNNING = "running", _("计时中")
    PAUSED = "paused", _("暂停")
    MET = "met", _("按时完成")
    BREACHED = "breached", _("超时")
    CANCELLED = "cancelled", _("已取消")


class Anchor(models.TextChoices):
    """What an escalation level's offset is counted from."""

    START = "start", _("开始后")
    DEADLINE = "deadline", _("相对时限")  # negative = before the deadline, 0 = at breach


class LevelAction(models.TextChoices):
    NOTIFY = "notify", pgettext_lazy("escalation action", "通知")
    RAISE_PRIORITY = "raise_priority", _("升级等级")  # and notify the roles given, if any


class LevelCondition(models.TextChoices):
    """A condition a level checks when it comes due; while it does not hold the level
    waits (looked at again every hour) instead of firing."""

    ALWAYS = "", _("无条件")
    EFFECTIVE_COMPLAINT = "effective_complaint", _("有效投诉")  # CMP-5: classified effective (CMP-4)
