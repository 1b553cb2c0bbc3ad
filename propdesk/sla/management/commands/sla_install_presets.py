"""`manage.py sla_install_presets [--variant 002|001] [--project CODE]` — install the seed
SLA policies (presets.py) for the company, or for one project. Idempotent."""

from django.core.management.base import BaseCommand, CommandError

from propdesk.estate.models import Project
from propdesk.sla.presets import VARIANTS
from propdesk.sla.services import sla_install_presets


class Command(BaseCommand):
    help = "安装服务时限预设策略（CMP-6 的 002 或 001 方案，及 DESK-3/4/6、REP-2/3、CMP-5）。"

    def add_arguments(self, parser):
        parser.add_argument("--variant", choices=VARIANTS, default="002", help="投诉时限方案：002（默认）或 001")
        parser.add_argument("--project", help="项目编码；不填则安装为公司预设")

    def handle(self, *args, variant: str, project: str | None, **options) -> None:
        target = None
        if project:
            target = Project.objects.filter(code=project).first()
            if target is None:
                raise CommandError(f"no project with code {project!r}")
        report = sla_install_presets(variant=variant, project=target)
        self.stdout.write(
            f"SLA presets {variant} ({target or '公司预设'}): "
            f"created {report.created}, replaced {report.replaced}, unchanged {report.unchanged}"
        )
