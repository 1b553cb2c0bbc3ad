"""Backup and restore — 数据备份与恢复: one command each (`manage.py backup`,
`manage.py restore`), for the embedded SQLite default and for PostgreSQL.

A backup is a folder holding the database (`database.dump`, pg_dump's custom format, or
`database.sqlite3`, SQLite's online backup), the uploaded files (`media.tar`) and
`manifest.json`: the row count of every table and the SHA-256 of every file, taken from
the same snapshot as the dump. A restore goes into an empty database and media folder
and then checks every count and every checksum against the manifest, so "restored"
means "every row and file is there", not "the command exited 0".

Uploaded files are backed up from the local media folder; on S3-compatible storage the
object store's versioning is the backup (docs/operations.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url
import psycopg
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

FORMAT = 1
MANIFEST, SQLITE_FILE, PG_FILE, MEDIA_FILE = "manifest.json", "database.sqlite3", "database.dump", "media.tar"
SQLITE, POSTGRESQL = "sqlite", "postgresql"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in Chinese."""


@dataclass
class RestoreReport:
    tables: int = 0
    rows: int = 0
    files: int = 0
    mismatches: list[str] = field(default_factory=list)


def _engine_of(vendor: str) -> str:
    if vendor in (SQLITE, POSTGRESQL):
        return vendor
    raise BackupError(f"不支持的数据库类型：{vendor}（只支持 SQLite 和 PostgreSQL）")


def _quote(table: str) -> str:
    return '"' + table.replace('"', '""') + '"'


def _count_rows(execute: Callable[[str], int], tables: Iterable[str]) -> dict[str, int]:
    return {table: execute(f"SELECT COUNT(*) FROM {_quote(table)}") for table in sorted(tables)}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())


# --- backup -------------------------------------------------------------------------------


def backup_create(*, dest: Path, using: str = "default", media_root: Path | None = None) -> Path:
    """Write a backup folder under `dest` and return it."""
    connection = connections[using]
    engine = _engine_of(connection.vendor)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    folder = Path(dest) / f"propdesk-{timezone.localtime():%Y%m%d-%H%M%S}"
    if folder.exists():
        raise BackupError(f"备份目录已存在：{folder}")
    folder.mkdir(parents=True)
    try:
        tables = _backup_sqlite(connection, folder) if engine == SQLITE else _backup_postgresql(connection, folder)
        files = _backup_media(media_root, folder / MEDIA_FILE)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # nothing half-written is left looking like a backup
        raise
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "engine": engine,
        "tables": tables,
        "files": files,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder


def _backup_sqlite(connection, folder: Path) -> dict[str, int]:
    """SQLite's online backup API: a consistent copy while the app keeps writing; the
    counts are taken from the copy itself."""
    connection.ensure_connection()
    target_path = folder / SQLITE_FILE
    target = sqlite3.connect(target_path)
    try:
        connection.connection.backup(target)
        return _sqlite_counts(target)
    finally:
        target.close()


def _sqlite_counts(db: sqlite3.Connection) -> dict[str, int]:
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
    return _count_rows(lambda sql: db.execute(sql).fetchone()[0], names)


def _libpq_args(settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    args = ["--dbname", settings_dict["NAME"]]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            args += [flag, str(settings_dict[key])]
    env = {"PGPASSWORD": settings_dict["PASSWORD"]} if settings_dict.get("PASSWORD") else {}
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True, check=False)
    if result.returncode:
        raise BackupError(f"{command[0]} 失败（退出码 {result.returncode}）：{result.stderr.strip()[-500:]}")


def _backup_postgresql(connection, folder: Path) -> dict[str, int]:
    """pg_dump from an exported snapshot, and the row counts read in that same snapshot,
    so the manifest describes exactly what the dump holds even while users write."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        args, env = _libpq_args(connection.settings_dict)
        _run(["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}", "--file", str(folder / PG_FILE), *args], env)
        tables = connection.introspection.table_names(cursor)

        def count(sql: str) -> int:
            cursor.execute(sql)
            return cursor.fetchone()[0]

        return _count_rows(count, tables)


def _backup_media(root: Path, target: Path) -> dict[str, str]:
    files = _media_files(root)
    with tarfile.open(target, "w") as tar:
        for path in files:
            tar.add(path, arcname=path.relative_to(root).as_posix(), recursive=False)
    return {path.relative_to(root).as_posix(): _sha256(path) for path in files}


# --- restore ------------------------------------------------------------------------------


def backup_read_manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise BackupError(f"不是 propdesk 备份：{folder} 中没有 {MANIFEST}")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"备份格式 {manifest.get('format')} 不受支持（应为 {FORMAT}）")
    return manifest


def database_of(url: str | None) -> dict:
    """The target database: a URL (`postgresql://…`, `sqlite:///…`), or the configured one."""
    return dj_database_url.parse(url) if url else settings.DATABASES["default"]


def backup_restore(*, source: Path, target: dict, media_root: Path) -> RestoreReport:
    """Restore `source` into the empty database `target` (Django settings form, see
    `database_of`) and the empty (or missing) `media_root`, then verify every table
    count and file checksum."""
    source, media_root = Path(source), Path(media_root)
    manifest = backup_read_manifest(source)
    engine = SQLITE if "sqlite" in target["ENGINE"] else POSTGRESQL if "postgresql" in target["ENGINE"] else None
    if engine != manifest["engine"]:
        raise BackupError(f"备份来自 {manifest['engine']}，不能恢复到 {engine or target['ENGINE']}")
    if _media_files(media_root):
        raise BackupError(f"附件目录不是空的：{media_root}（恢复只写入空目录，避免覆盖现有文件）")
    if engine == SQLITE:
        _restore_sqlite(source / SQLITE_FILE, Path(target["NAME"]))
    else:
        _restore_postgresql(source / PG_FILE, target)
    _restore_media(source / MEDIA_FILE, media_root)
    return backup_verify(manifest, target=target, media_root=media_root)


def _restore_sqlite(dump: Path, target: Path) -> None:
    if target.exists() and target.stat().st_size:
        raise BackupError(f"目标数据库已存在：{target}（恢复只写入新的数据库）")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
    finally:
        source.close()
        destination.close()


def _pg_connect(target: dict) -> psycopg.Connection:
    return psycopg.connect(
        dbname=target["NAME"],
        host=target.get("HOST") or None,
        port=target.get("PORT") or None,
        user=target.get("USER") or None,
        password=target.get("PASSWORD") or None,
        autocommit=True,
    )


def _restore_postgresql(dump: Path, target: dict) -> None:
    with _pg_connect(target) as db:
        used = db.execute("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
    if used:
        raise BackupError(f"目标数据库 {target['NAME']} 不是空的（{used} 张表）；请恢复到新建的空数据库")
    args, env = _libpq_args(target)
    _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", *args, str(dump)], env)


def _restore_media(archive: Path, root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        tar.extractall(root, filter="data")  # "data": no absolute paths, links out of root or devices


def backup_verify(manifest: dict, *, target: dict, media_root: Path) -> RestoreReport:
    """Compare a database and media folder with a backup's manifest."""
    expected: dict[str, int] = manifest["tables"]
    if manifest["engine"] == SQLITE:
        db = sqlite3.connect(target["NAME"])
        try:
            actual = _count_rows(lambda sql: db.execute(sql).fetchone()[0], expected)
        finally:
            db.close()
    else:
        with _pg_connect(target) as db:
            actual = _count_rows(lambda sql: db.execute(sql).fetchone()[0], expected)
    report = RestoreReport(tables=len(actual), rows=sum(actual.values()))
    for table, rows in expected.items():
        if actual[table] != rows:
            report.mismatches.append(f"表 {table}：备份 {rows} 行，恢复后 {actual[table]} 行")
    for name, digest in manifest["files"].items():
        path = Path(media_root) / name
        if not path.is_file():
            report.mismatches.append(f"文件缺失：{name}")
        elif _sha256(path) != digest:
            report.mismatches.append(f"文件内容不一致：{name}")
        else:
            report.files += 1
    return report
