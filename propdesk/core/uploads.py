"""Uploaded files: the type is decided by the content's signature, never by the name."""

from __future__ import annotations

import hashlib

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from propdesk.core.errors import DomainError

# Leading bytes → MIME type, for the scan formats ARC-3 accepts.
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff_content_type(head: bytes) -> str | None:
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def check_size(upload: UploadedFile, *, max_bytes: int, field: str = "file") -> None:
    """Refuse an empty upload or one larger than `max_bytes`."""
    if not upload.size:
        raise DomainError("upload_empty", _("文件为空"), field=field)
    if upload.size > max_bytes:
        raise DomainError(
            "upload_too_large",
            _("文件过大：%(size).1f MB，上限 %(max).0f MB") % {"size": upload.size / 1048576, "max": max_bytes / 1048576},
            field=field,
        )


def check_scan(upload: UploadedFile, *, max_bytes: int, field: str = "file") -> tuple[str, str]:
    """(content type, sha256) of an acceptable scan, or a DomainError naming the rule."""
    check_size(upload, max_bytes=max_bytes, field=field)
    upload.seek(0)
    content_type = sniff_content_type(upload.read(16))
    if content_type is None:
        raise DomainError(
            "upload_type_refused", _("只接受 PDF、JPEG、PNG 扫描件（按文件内容识别，不看扩展名）"), field=field, rule="ARC-3"
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return content_type, digest.hexdigest()
