"""`manage.py restore FOLDER [--database-url URL] [--media-root DIR]` — restore a backup
into an empty database and media folder, then check every row count and file checksum
against the backup's manifest (see propdesk.core.backup). Exits non-zero on any
difference."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from propdesk.core.backup import BackupError, backup_restore, database_of


class Command(BaseCommand):
    help = "从备份目录恢复到空的数据库和附件目录，并逐表、逐文件核对。"

    def add_arguments(self, parser):
        parser.add_argument("folder", help="manage.py backup 生成的备份目录")
        parser.add_argument("--database-url", default=None, help="目标数据库（必须为空），默认当前配置的 DATABASE_URL")
        parser.add_argument("--media-root", default=None, help="目标附件目录（必须为空），默认 MEDIA_ROOT")

    def handle(self, *args, folder: str, database_url: str | None, media_root: str | None, **options) -> None:
        try:
            report = backup_restore(source=folder, target=database_of(database_url), media_root=media_root or settings.MEDIA_ROOT)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.mismatches:
            self.stderr.write(self.style.ERROR(line))
        if report.mismatches:
            raise CommandError(f"恢复后核对不一致：{len(report.mismatches)} 处 (restore verification failed)")
        counts = f"{report.tables} 张表, {report.rows} 行, {report.files} 个文件"
        self.stdout.write(self.style.SUCCESS(f"恢复完成并核对一致 (restored and verified): {counts}"))
