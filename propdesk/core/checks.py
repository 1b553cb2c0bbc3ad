"""System checks of the core app.

propdesk.W001 — an active working calendar lacks the official holidays of a year that
the next 30 days reach (e.g. on 2026-12-05 for 2027). SLA deadlines computed across that
gap would treat holidays as working days, so the system says so loudly instead of
guessing. Fix: upgrade chinese-calendar and run `manage.py seed_calendar --year Y`, or
enter the year's dates by hand in the admin with the source "按官方通知录入".

The check reads the database; before `migrate` (or with the database down) it says
nothing rather than failing every management command.
"""

from __future__ import annotations

import datetime as dt

from django.core.checks import Warning
from django.db import DatabaseError, connection
from django.utils import timezone
from django.utils.translation import gettext as _

HORIZON = dt.timedelta(days=30)


def check_calendar_coverage(app_configs=None, *, today: dt.date | None = None, **kwargs) -> list[Warning]:
    from propdesk.core.models import BusinessCalendar, CalendarException
    from propdesk.core.services import COVERING_SOURCES

    today = today or timezone.localdate()
    years = sorted({today.year, (today + HORIZON).year})
    try:
        if BusinessCalendar._meta.db_table not in connection.introspection.table_names():
            return []
        calendars = list(BusinessCalendar.objects.filter(active=True).order_by("id"))
        # Two queries whatever the number of calendars (same test as services.calendar_coverage).
        covered = set(
            CalendarException.objects.filter(
                calendar__active=True,
                kind=CalendarException.Kind.HOLIDAY,
                source__in=COVERING_SOURCES,
                date__year__in=years,
            )
            .values_list("calendar_id", "date__year")
            .distinct()
        )
    except DatabaseError:
        return []
    missing = [(calendar, year) for calendar in calendars for year in years if (calendar.pk, year) not in covered]
    return [
        Warning(
            _("工作日历“%(name)s”缺少 %(year)s 年的法定节假日和调休数据，跨入该年的工作时间期限会算错")
            % {"name": calendar.name, "year": year},
            hint=_(
                "升级 chinese-calendar 后运行 manage.py seed_calendar --year %(year)s；"
                "若软件包尚无该年数据，请按国务院办公厅放假通知在后台手工录入（来源选“按官方通知录入”）"
            )
            % {"year": year},
            obj=calendar,
            id="propdesk.W001",
        )
        for calendar, year in missing
    ]
