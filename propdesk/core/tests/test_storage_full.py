"""Fault: the disk for uploads fills up while a scan is being written (issue 6 item 5).
The user gets a clear Chinese message, no row is written and no half file stays on disk."""

import errno
import os

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from propdesk.residents.models import ArchiveFile

SCAN = b"\x89PNG\r\n\x1a\n" + os.urandom(300_000)  # several upload chunks


def _disk_fills_after(monkeypatch, limit: int) -> None:
    """Every file opened for writing takes `limit` bytes, then the disk is full."""
    real_fdopen = os.fdopen

    class FillingFile:
        def __init__(self, handle):
            self.handle, self.written = handle, 0

        def write(self, data):
            room = limit - self.written
            if len(data) > room:
                self.handle.write(data[: max(room, 0)])
                self.written = limit
                raise OSError(errno.ENOSPC, "No space left on device")
            self.written += len(data)
            return self.handle.write(data)

        def close(self):
            self.handle.close()

    monkeypatch.setattr(os, "fdopen", lambda fd, mode="r", *a, **k: FillingFile(real_fdopen(fd, mode, *a, **k)))


def test_a_full_disk_is_a_clear_error_and_nothing_is_half_written(world, client, settings, monkeypatch):
    _disk_fills_after(monkeypatch, limit=100_000)
    client.force_login(world.assistant)
    upload = SimpleUploadedFile("房产证.png", SCAN, content_type="image/png")

    response = client.post(reverse("residents:archive-upload", args=[world.house_a.pk]), {"file": upload}, follow=True)

    assert response.status_code == 200
    assert "服务器存储空间已满，文件未保存" in response.content.decode()
    assert not ArchiveFile.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_with_room_on_the_disk_the_same_upload_is_stored_whole(world, client, settings, monkeypatch):
    _disk_fills_after(monkeypatch, limit=10_000_000)
    client.force_login(world.assistant)
    upload = SimpleUploadedFile("房产证.png", SCAN, content_type="image/png")

    client.post(reverse("residents:archive-upload", args=[world.house_a.pk]), {"file": upload})

    scan = ArchiveFile.objects.get()
    assert scan.file.read() == SCAN
