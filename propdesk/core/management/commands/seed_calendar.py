"""`manage.py seed_calendar [--year Y ...]` — seed statutory holidays and make-up
workdays (调休) from chinese-calendar into every active working calendar.

Without --year: the current and the next year. Safe to run any time (idempotent; rows
entered by hand are kept). A year the package has no data for is reported on stderr and
nothing is recorded for it; when that year was asked for explicitly the command fails.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from propdesk.core.models import BusinessCalendar
from propdesk.core.services import calendar_seed_active


class Command(BaseCommand):
    help = "从 chinese-calendar 导入法定节假日和调休上班日到所有启用的工作日历（默认今年和明年）。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", dest="years", help="年份，可重复；默认今年和明年")

    def handle(self, *args, years: list[int] | None, **options) -> None:
        explicit = bool(years)
        if not years:
            this_year = timezone.localdate().year
            years = [this_year, this_year + 1]
        names = dict(BusinessCalendar.objects.values_list("id", "name"))
        results = calendar_seed_active(years=sorted(set(years)))
        if not results:
            self.stderr.write(self.style.WARNING("没有启用的工作日历。(No active working calendar.)"))
        missing = []
        for result in results:
            line = f"{names[result.calendar_id]} — {result.message}"
            if result.covered:
                self.stdout.write(line)
            else:
                missing.append(result.year)
                self.stderr.write(self.style.WARNING(line))
        if explicit and missing:
            raise CommandError(f"chinese-calendar has no data for {', '.join(map(str, sorted(set(missing))))}")
