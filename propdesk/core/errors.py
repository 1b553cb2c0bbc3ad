"""Domain errors: a code, a Chinese message and the field it is about."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule said no. `code` is stable (for the API and tests); `message` is
    the user-facing Chinese text (already translated); `field` names the input."""

    def __init__(self, code: str, message: str, *, field: str | None = None, rule: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.rule = rule

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field, "rule": self.rule}
