"""Masked display of a bank account number (ARC-5 treats it as personal data)."""

from __future__ import annotations


def mask_account(value: str) -> str:
    """`6222021234567890123` → `6222***********0123`; short numbers keep the last four."""
    if not value:
        return ""
    if len(value) >= 10:
        return value[:4] + "*" * (len(value) - 8) + value[-4:]
    return "*" * max(len(value) - 4, 0) + value[-4:]
