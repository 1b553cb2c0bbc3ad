"""Festival dates for customer care (ARC-6). Solar festivals fall on fixed days; the lunar
ones (春节, 元宵, 端午, 中秋, 重阳) come from a small table, 2026–2028 — the installed
`chinese_calendar` knows statutory holidays but converts no lunar dates, and no package
in the environment does. Extend LUNAR when the years run out (a check in tests keeps the
table in line with the statutory holidays chinese_calendar knows)."""

from __future__ import annotations

import datetime as dt

from propdesk.outreach.choices import CareOccasion

SOLAR: dict[str, tuple[int, int]] = {
    CareOccasion.NEW_YEAR: (1, 1),
    CareOccasion.VALENTINE: (2, 14),
    CareOccasion.LABOUR: (5, 1),
    CareOccasion.NATIONAL: (10, 1),
}

D = dt.date
LUNAR: dict[str, dict[int, dt.date]] = {
    CareOccasion.SPRING: {2026: D(2026, 2, 17), 2027: D(2027, 2, 6), 2028: D(2028, 1, 26)},  # 正月初一
    CareOccasion.LANTERN: {2026: D(2026, 3, 3), 2027: D(2027, 2, 20), 2028: D(2028, 2, 9)},  # 正月十五
    CareOccasion.DRAGON_BOAT: {2026: D(2026, 6, 19), 2027: D(2027, 6, 9), 2028: D(2028, 5, 28)},  # 五月初五
    CareOccasion.MID_AUTUMN: {2026: D(2026, 9, 25), 2027: D(2027, 9, 15), 2028: D(2028, 10, 3)},  # 八月十五
    CareOccasion.DOUBLE_NINTH: {2026: D(2026, 10, 18), 2027: D(2027, 10, 8), 2028: D(2028, 10, 26)},  # 九月初九
}


def festivals_of(year: int) -> list[tuple[str, dt.date]]:
    """(occasion, date) of every festival in `year` whose date is known, in date order."""
    days = [(code, dt.date(year, month, day)) for code, (month, day) in SOLAR.items()]
    days += [(code, by_year[year]) for code, by_year in LUNAR.items() if year in by_year]
    return sorted(days, key=lambda pair: (pair[1], pair[0]))


def festivals_between(start: dt.date, end: dt.date) -> list[tuple[str, dt.date]]:
    """Festivals on days start…end inclusive."""
    return [(code, day) for year in range(start.year, end.year + 1) for code, day in festivals_of(year) if start <= day <= end]
