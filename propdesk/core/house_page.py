"""The house page (一户一页) is assembled from sections that apps register, so a later
module (tickets, bills, decoration, keys, slips) adds its part without touching it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from propdesk.accounts.roles import Cap
from propdesk.core import scoping


@dataclass(frozen=True)
class HouseSection:
    key: str
    title: str
    template: str
    order: int
    cap: Cap
    context: Callable  # (request, house) -> dict for the template


_SECTIONS: dict[str, HouseSection] = {}


def register_house_section(section: HouseSection) -> None:
    _SECTIONS[section.key] = section


def house_sections(request, house) -> list[tuple[HouseSection, dict]]:
    """The sections this user may see for the house, in order, with their context."""
    visible = [s for s in _SECTIONS.values() if scoping.has_cap(request.user, s.cap, house.project_id)]
    return [(section, section.context(request, house)) for section in sorted(visible, key=lambda s: s.order)]
