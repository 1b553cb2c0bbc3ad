"""Reads of parking used by the pages, the API and the weekly export."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from propdesk.billing.models import Entry
from propdesk.core.money import money_sum
from propdesk.parking.choices import CardStatus
from propdesk.parking.models import ICCard, ParkingRental, RentalPeriod


def paid_line_ids(line_ids) -> set[int]:
    """Of the billing lines given, those fully credited (payments, credit, waivers; a
    reversal counts against). One query."""
    line_ids = [pk for pk in line_ids if pk]
    if not line_ids:
        return set()
    credited: dict[int, list[Decimal]] = defaultdict(list)
    for line_id, amount in Entry.objects.filter(line_id__in=line_ids).values_list("line_id", "amount"):
        credited[line_id].append(amount)
    from propdesk.billing.models import BillLine

    amounts = dict(BillLine.objects.filter(pk__in=line_ids).values_list("pk", "amount"))
    return {pk for pk, amount in amounts.items() if money_sum(credited[pk]) >= amount}


@dataclass(frozen=True)
class RentalRow:
    """One line of the monthly rental list (月租车辆清单): the rental and its period in
    force on the day (else its latest)."""

    rental: ParkingRental
    period: RentalPeriod | None
    paid: bool
    cards: str
    expired: bool = False  # no period covers the day: the last one has run out

    space_code = property(lambda self: self.rental.space.code)
    zone = property(lambda self: self.rental.space.zone)
    plates = property(lambda self: self.rental.plates)
    renter_name = property(lambda self: self.rental.renter_name)
    house_code = property(lambda self: self.rental.house.code)
    starts_on = property(lambda self: self.period.starts_on if self.period else None)
    last_day = property(lambda self: self.period.last_day if self.period else None)
    amount = property(lambda self: self.period.amount if self.period else None)
    uncharged = property(lambda self: self.period is not None and self.period.line_id is None)


def rental_rows(*, project_ids, as_of: dt.date, include_ended: bool = False) -> list[RentalRow]:
    """The rentals of the projects live on `as_of` (every rental with `include_ended`),
    by space, each with its period covering `as_of` (or its latest) and whether that
    period's rent is paid. Four queries."""
    rentals = ParkingRental.objects.filter(project_id__in=project_ids).select_related("space", "house", "project")
    if not include_ended:
        rentals = rentals.exclude(ended_on__lte=as_of).filter(started_on__lte=as_of)
    rentals = list(rentals.order_by("project_id", "space__code", "-started_on"))
    periods: dict[int, list[RentalPeriod]] = defaultdict(list)
    for period in RentalPeriod.objects.filter(rental__in=rentals).order_by("starts_on"):
        periods[period.rental_id].append(period)
    cards: dict[int, list[str]] = defaultdict(list)
    for rental_id, number in (
        ICCard.objects.filter(rental__in=rentals, status=CardStatus.ISSUED).order_by("number").values_list("rental_id", "number")
    ):
        cards[rental_id].append(number)
    chosen: dict[int, RentalPeriod | None] = {}
    for rental in rentals:
        own = periods[rental.pk]
        covering = [p for p in own if p.starts_on <= as_of < p.ends_on]
        chosen[rental.pk] = covering[0] if covering else (own[-1] if own else None)
    paid = paid_line_ids(p.line_id for p in chosen.values() if p is not None)
    return [
        RentalRow(
            rental=rental,
            period=chosen[rental.pk],
            paid=chosen[rental.pk] is not None and chosen[rental.pk].line_id in paid,
            cards="、".join(cards[rental.pk]),
            expired=chosen[rental.pk] is None or chosen[rental.pk].ends_on <= as_of,
        )
        for rental in rentals
    ]
