"""Pinyin keys for name search: `张三` → initials `zs`, full `zhangsan`."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)  # names repeat; conversion costs ~60 µs a name
def pinyin_keys(name: str) -> tuple[str, str]:
    """(initials, full pinyin) in lower-case ASCII letters; each character's most common
    reading is used (a rare surname reading such as 单 = shan is not guessed)."""
    syllables = [s for s in lazy_pinyin(name, style=Style.NORMAL, errors="ignore") if s.isascii()]
    letters = [s.lower() for s in syllables if s.isalpha()]
    return "".join(s[0] for s in letters), "".join(letters)
