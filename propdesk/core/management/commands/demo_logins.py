"""`manage.py demo_logins` — the demo logins, their roles and the password (`make run`)."""

import unicodedata

from django.core.management.base import BaseCommand

from propdesk.core import demo


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "列出演示账号（用户名、岗位、项目）、密码和访问地址。"

    def handle(self, *args, **options) -> None:
        rows = demo.login_rows()
        if not any(exists for *_cols, exists in rows):
            self.stdout.write("尚未载入演示数据：先运行 `manage.py seed_demo`。")
            return
        header = ("用户名", "岗位", "项目")
        table = [header] + [(user, role, where) for user, role, where, exists in rows if exists]
        widths = [max(_width(row[i]) for row in table) for i in range(3)]
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"propdesk 演示系统  {demo.DEMO_URL}"))
        self.stdout.write(f"所有演示账号的密码：{demo.DEMO_PASSWORD}")
        self.stdout.write("")
        for index, row in enumerate(table):
            self.stdout.write("  " + "  ".join(_pad(col, widths[i]) for i, col in enumerate(row)).rstrip())
            if index == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
        self.stdout.write("")
        self.stdout.write(f"管理后台（admin 账号）：{demo.DEMO_URL}/admin/")
        self.stdout.write("")
