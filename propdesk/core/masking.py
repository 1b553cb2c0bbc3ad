"""Masked display of personal data (ARC-5): ID numbers and phones."""

from __future__ import annotations


def mask_id_number(value: str) -> str:
    """`110101199001011234` → `110101********1234`; short values keep only the tail."""
    if not value:
        return ""
    if len(value) >= 10:
        return value[:6] + "*" * (len(value) - 10) + value[-4:]
    return "*" * max(len(value) - 2, 0) + value[-2:]


def mask_phone(value: str) -> str:
    """`13812345678` → `138****5678`; other lengths keep the last four."""
    if not value:
        return ""
    if len(value) == 11:
        return value[:3] + "****" + value[-4:]
    if len(value) > 4:
        return "*" * (len(value) - 4) + value[-4:]
    return value
