"""Reads shared by pages, API and exports: search, archive completeness, overview."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from propdesk.core.idcard import normalise
from propdesk.core.phones import normalise_phone
from propdesk.estate.housecode import parse_house_code
from propdesk.estate.models import House
from propdesk.estate.selectors import natural_house_order
from propdesk.residents.choices import ArchiveItemStatus
from propdesk.residents.models import ArchiveItem, ArchiveItemType, Occupancy, Person

SEARCH_LIMIT = 20
_LETTERS = re.compile(r"^[a-z]{1,20}$")
_DIGITS = re.compile(r"^\d+$")
_ID_TAIL = re.compile(r"^\d{3,17}[\dX]$")


@dataclass
class SearchResults:
    houses: list[House]
    persons: list[Person]

    def __bool__(self) -> bool:
        return bool(self.houses or self.persons)


def active_occupancies() -> Prefetch:
    return Prefetch(
        "occupancies",
        queryset=Occupancy.objects.filter(end_date__isnull=True).select_related("house").order_by("-is_primary_contact", "role"),
        to_attr="active_occupancies",
    )


def global_search(*, project_ids, query: str, limit: int = SEARCH_LIMIT) -> SearchResults:
    """One box for everything: a house code (`3-2-1201`, `3栋2单元1201`), a name or its
    pinyin initials (`zs` → 张三) or full pinyin, a full phone or its last four digits, a
    full ID number or its tail. Every branch is an indexed equality or prefix match."""
    text = query.strip()
    if not text or not project_ids:
        return SearchResults([], [])
    houses = House.objects.filter(project_id__in=project_ids).select_related("project")
    persons = Person.objects.filter(project_id__in=project_ids).select_related("project")
    house_q = Q(pk__in=[])
    person_q = Q(pk__in=[])

    code = parse_house_code(text)
    if code is not None:
        house_q = Q(code=str(code))
    lowered = text.lower()
    phone = normalise_phone(text)
    id_text = normalise(text)
    digits = phone if _DIGITS.match(phone) else ""
    if _LETTERS.match(lowered):
        person_q = Q(name_initials__startswith=lowered) | Q(name_pinyin__startswith=lowered)
    elif len(digits) == 4:
        person_q = Q(mobile_last4=digits) | Q(id_last4=digits)
        house_q |= Q(room=digits)
    elif len(digits) == 11:
        person_q = Q(mobile=digits) | Q(id_last4=digits[-4:], id_number__endswith=digits)
    elif _ID_TAIL.match(id_text) and code is None:
        person_q = Q(id_number=id_text) if len(id_text) == 18 else Q(id_last4=id_text[-4:], id_number__endswith=id_text)
    elif code is None:
        person_q = Q(name__startswith=text)
        house_q = Q(code__startswith=text.upper())
    found_houses = list(houses.filter(house_q).order_by("code")[:limit])
    found_persons = list(persons.filter(person_q).prefetch_related(active_occupancies()).order_by("name", "id")[:limit])
    return SearchResults(found_houses, found_persons)


@dataclass
class Completeness:
    received: int
    applicable: int

    @property
    def percent(self) -> int:
        return 100 if not self.applicable else self.received * 100 // self.applicable


def archive_checklist(house: House) -> list[tuple[ArchiveItemType, ArchiveItem | None]]:
    """Each active checklist line of the house's project with its state (None = missing)."""
    items = {item.item_type_id: item for item in ArchiveItem.objects.filter(house=house)}
    types = ArchiveItemType.objects.filter(project_id=house.project_id, active=True)
    return [(item_type, items.get(item_type.pk)) for item_type in types]


def archive_completeness(house: House) -> Completeness:
    """Received lines ÷ applicable lines (ARC-2): 'not applicable' lines do not count."""
    checklist = archive_checklist(house)
    statuses = [item.status if item else ArchiveItemStatus.MISSING for _type, item in checklist]
    applicable = sum(1 for status in statuses if status != ArchiveItemStatus.NOT_APPLICABLE)
    received = sum(1 for status in statuses if status == ArchiveItemStatus.RECEIVED)
    return Completeness(received=received, applicable=applicable)


def overview_houses(*, project_ids, building: str = "", status: str = "", role: str = "") -> QuerySet[House]:
    """The customer overview list (客户情况一览表, ARC-4): houses with their residents."""
    houses = House.objects.filter(project_id__in=project_ids)
    if building:
        houses = houses.filter(building_id=building)
    if status:
        houses = houses.filter(status=status)
    if role:
        houses = houses.filter(occupancies__role=role, occupancies__end_date__isnull=True).distinct()
    residents = Prefetch(
        "occupancies",
        queryset=Occupancy.objects.filter(end_date__isnull=True)
        .select_related("person")
        .order_by("-is_primary_contact", "role", "id"),
        to_attr="active_occupancies",
    )
    received = Count("archive_items", filter=Q(archive_items__status=ArchiveItemStatus.RECEIVED))
    return (
        houses.select_related("project", "building", "entrance")
        .prefetch_related(residents)
        .annotate(archive_received=received)
        .order_by("project__code", *natural_house_order())
    )
