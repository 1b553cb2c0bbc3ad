"""Local file storage for uploads — 附件存储: Django's file-system storage, except that a
full disk (or quota) is a clear Chinese error naming the field, with the partly written
file removed, instead of a traceback. The services save the file before the row, inside
their transaction, so nothing is left half-written: no row points at a missing file and
no stray half file stays on disk."""

from __future__ import annotations

import errno
import logging

from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext as _

from propdesk.core.errors import DomainError

logger = logging.getLogger(__name__)

_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class LocalStorage(FileSystemStorage):
    def _save(self, name, content):
        try:
            return super()._save(name, content)
        except OSError as exc:
            if exc.errno not in _FULL:
                raise
            logger.error("upload storage full while writing %s: %s", name, exc)
            try:
                self.delete(name)
            except OSError:
                logger.exception("could not remove the partly written %s", name)
            raise DomainError(
                "storage_full", _("服务器存储空间已满，文件未保存，请联系系统管理员。"), field="file"
            ) from exc
