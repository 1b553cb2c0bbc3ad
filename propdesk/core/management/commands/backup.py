"""`manage.py backup [--to DIR]` — back up the database and uploaded files into a new
folder (see propdesk.core.backup); safe while the app runs."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from propdesk.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "备份数据库和附件到新的备份目录（运行中也可备份）。"

    def add_arguments(self, parser):
        parser.add_argument("--to", default=str(Path(settings.VAR_DIR) / "backups"), help="备份存放目录，默认 var/backups")

    def handle(self, *args, to: str, **options) -> None:
        try:
            folder = backup_create(dest=Path(to))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"备份完成 (backup written): {folder}"))
