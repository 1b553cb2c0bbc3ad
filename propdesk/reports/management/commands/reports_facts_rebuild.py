"""`manage.py reports_facts_rebuild [--since YYYY-MM-DD]` — recompute the KPI report's
daily facts from `since` (default: the first day with data) to yesterday. Idempotent."""

import datetime as dt
import time

from django.core.management.base import BaseCommand

from propdesk.reports.services import facts_rebuild


class Command(BaseCommand):
    help = "重算报表日汇总事实表（默认从最早的数据日到昨天）。"

    def add_arguments(self, parser):
        parser.add_argument("--since", type=dt.date.fromisoformat, help="起始日期 YYYY-MM-DD")

    def handle(self, *args, since: dt.date | None, **options) -> None:
        started = time.monotonic()
        written = facts_rebuild(since=since, progress=self.stdout.write)
        self.stdout.write(f"facts rebuilt: {written:,} rows ({time.monotonic() - started:.1f}s)")
