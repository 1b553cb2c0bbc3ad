"""`manage.py seed_demo [--scale small|default|medium|large]` — load the demo data once.

Safe to run every time (`make run` does): on a database that already holds the demo
data it writes nothing and says so. See `propdesk.core.demo` for what is generated.
"""

from django.core.management.base import BaseCommand

from propdesk.core import demo


class Command(BaseCommand):
    help = "载入演示数据（公司、项目、房屋、住户、各岗位演示账号）；已载入时不做任何更改。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=tuple(demo.SCALES),
            default="default",
            help="small: a few dozen houses (tests); default: ~1,000 houses, ~2,000 people; "
            "medium: 20 projects, ~20,000 houses, 200,000 tickets (development); "
            "large: 200 projects, ~210,000 houses, ≥400,000 people, 2,000,000 tickets, a year of bills (benchmarks).",
        )

    def handle(self, *args, scale: str, verbosity: int, **options) -> None:
        progress = self.stdout.write if verbosity > 1 or scale in demo.BULK_TICKETS else None
        report = demo.seed(scale=scale, progress=progress)
        if report is None:
            self.stdout.write("演示数据已存在，未做任何更改。(Demo data already loaded; nothing to do.)")
            return
        self.stdout.write(self.style.SUCCESS(report.summary()))
