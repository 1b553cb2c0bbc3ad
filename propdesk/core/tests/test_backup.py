"""Backup and restore (issue 6 item 6): a backup restored into a fresh database and media
folder holds every row and every file, checked against the manifest; the restore refuses
to write over existing data; a damaged restore is reported, not called done."""

import sqlite3
import uuid
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from propdesk.core.backup import BackupError, backup_create, backup_read_manifest, backup_restore, backup_verify

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump sees committed rows only


@pytest.fixture
def data(settings):
    from propdesk.accounts.models import User
    from propdesk.estate.models import Company
    from propdesk.estate.services import house_create, project_create

    company = Company.objects.create(name="示例物业")
    project = project_create(company=company, code="a", name="阳光花园")
    house_create(project=project, building_number="1", entrance_number="1", room="301", floor=3, area=Decimal("89.50"))
    User.objects.create_user("cashier", password="pw-123456")
    default_storage.save("archive/2026/身份证.jpg", ContentFile(b"\xff\xd8scan-bytes"))
    default_storage.save("photos/leak.png", ContentFile(b"\x89PNG photo"))
    return project


@pytest.fixture
def fresh_target(tmp_path):
    """An empty database of the same engine as the test database, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "restored.sqlite3")}
        return
    target = {**connection.settings_dict, "NAME": f"restore_{uuid.uuid4().hex[:12]}"}
    admin = dict(dbname="postgres", host=target["HOST"] or None, port=target["PORT"] or None, user=target["USER"] or None)
    admin["password"] = target["PASSWORD"] or None
    with psycopg.connect(**admin, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{target["NAME"]}"')
    yield target
    with psycopg.connect(**admin, autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{target["NAME"]}" WITH (FORCE)')


def _counts_now() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def test_backup_restores_every_row_and_file_into_a_fresh_database(data, fresh_target, tmp_path, settings):
    folder = backup_create(dest=tmp_path / "backups")
    manifest = backup_read_manifest(folder)
    assert manifest["tables"] == _counts_now()
    assert manifest["tables"]["estate_house"] == 1
    assert set(manifest["files"]) == {"archive/2026/身份证.jpg", "photos/leak.png"}

    media = tmp_path / "restored-media"
    report = backup_restore(source=folder, target=fresh_target, media_root=media)

    assert report.mismatches == []
    assert report.tables == len(manifest["tables"])
    assert report.rows == sum(manifest["tables"].values()) > 0
    assert report.files == 2
    assert (media / "archive/2026/身份证.jpg").read_bytes() == b"\xff\xd8scan-bytes"


def test_restore_refuses_a_database_or_media_folder_that_is_not_empty(data, fresh_target, tmp_path):
    folder = backup_create(dest=tmp_path / "backups")
    backup_restore(source=folder, target=fresh_target, media_root=tmp_path / "m1")
    with pytest.raises(BackupError, match=r"不是空的|已存在"):
        backup_restore(source=folder, target=fresh_target, media_root=tmp_path / "m2")
    with pytest.raises(BackupError, match="附件目录不是空的"):
        backup_restore(source=folder, target=fresh_target, media_root=tmp_path / "m1")


def test_verify_reports_a_missing_row_and_a_changed_file(data, fresh_target, tmp_path):
    folder = backup_create(dest=tmp_path / "backups")
    media = tmp_path / "media-restored"
    backup_restore(source=folder, target=fresh_target, media_root=media)
    if connection.vendor == "sqlite":
        with sqlite3.connect(fresh_target["NAME"]) as db:
            db.execute("DELETE FROM accounts_user WHERE username = 'cashier'")
    else:
        params = dict(dbname=fresh_target["NAME"], host=fresh_target["HOST"] or None, user=fresh_target["USER"] or None)
        with psycopg.connect(**params, port=fresh_target["PORT"] or None, autocommit=True) as db:
            db.execute("DELETE FROM accounts_user WHERE username = 'cashier'")
    (media / "photos/leak.png").write_bytes(b"tampered")

    report = backup_verify(backup_read_manifest(folder), target=fresh_target, media_root=media)

    assert any("accounts_user" in line for line in report.mismatches)
    assert "文件内容不一致：photos/leak.png" in report.mismatches


def test_commands_back_up_and_restore_with_a_clear_message(data, fresh_target, tmp_path, capsys):
    call_command("backup", "--to", str(tmp_path / "b"))
    (folder,) = list((tmp_path / "b").iterdir())
    if connection.vendor == "sqlite":
        url = f"sqlite:///{fresh_target['NAME']}"
    else:
        url = f"postgresql://{fresh_target['USER']}@{fresh_target['HOST']}:{fresh_target['PORT']}/{fresh_target['NAME']}"
    call_command("restore", str(folder), "--database-url", url, "--media-root", str(tmp_path / "m"))
    assert "恢复完成并核对一致" in capsys.readouterr().out
    with pytest.raises(CommandError, match="不是 propdesk 备份"):
        call_command("restore", str(tmp_path), "--database-url", url, "--media-root", str(tmp_path / "m3"))


def test_a_failed_backup_leaves_no_folder_behind(data, tmp_path, settings, monkeypatch):
    import propdesk.core.backup as backup

    def broken(root: Path, target: Path):
        raise OSError("disk full")

    monkeypatch.setattr(backup, "_backup_media", broken)
    with pytest.raises(OSError):
        backup_create(dest=tmp_path / "b")
    assert list((tmp_path / "b").iterdir()) == []
