"""Demo parking (small and default scales) for the first demo project (阳光花园): the
FEE-10 tariff, about 20 monthly rentals of 月租车位 with their periods and renewals
(charged through billing, most paid on their first day, some current periods still open,
a few lapsed), and an IC card with its 50-yuan deposit for most live renters.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from django.db import models, transaction
from django.utils import timezone

from propdesk.accounts.models import User
from propdesk.accounts.roles import Role
from propdesk.billing.choices import FeeKind, PaymentMethod
from propdesk.billing.models import FeeItem, Payment
from propdesk.billing.payments import payment_take
from propdesk.estate.choices import HouseStatus, ParkingKind
from propdesk.estate.models import House, ParkingSpace, Project
from propdesk.parking import services
from propdesk.residents.models import Occupancy

RENTALS = 20
PROVINCES = "浙浙浙浙沪苏皖"
LETTERS = "ABCDEFGHJK"


def _plate(rng: random.Random) -> str:
    tail = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _i in range(5))
    return f"{rng.choice(PROVINCES)}{rng.choice(LETTERS)}{tail}"


@transaction.atomic
def seed_parking(*, projects: list[Project], staff: dict, rng: random.Random) -> Counter:
    """The tariff and ~20 rentals with IC cards for the first project; returns counts."""
    counts: Counter = Counter()
    if not projects:
        return counts
    project = projects[0]
    admin = User.objects.filter(memberships__role=Role.ADMIN, memberships__project__isnull=True).order_by("pk").first()
    cashier = staff.get(("cashier", 0), admin)
    manager = staff.get(("manager", 0), admin)
    services.tariff_set(project=project, by=manager, monthly_rent="100.00", card_deposit="50.00")  # FEE-10 defaults
    counts["parking.ParkingTariff"] += 1
    if not FeeItem.objects.filter(project=project, kind=FeeKind.PARKING, active=True).exists():
        return counts  # billing's demo sets up the parking rent item
    today = timezone.localdate()
    spaces = list(ParkingSpace.objects.filter(project=project, kind=ParkingKind.RENTED).order_by("code")[: RENTALS * 2])
    homes = list(
        House.objects.filter(project=project, status__in=[HouseStatus.OWNER_OCCUPIED, HouseStatus.RENTED]).order_by("pk")[:500]
    )
    if not homes:
        return counts
    for n, space in enumerate(rng.sample(spaces, min(RENTALS, len(spaces)))):
        house = space.house if space.house and space.house.status != HouseStatus.NOT_HANDED_OVER else rng.choice(homes)
        occupancy = Occupancy.objects.filter(house=house, end_date__isnull=True).select_related("person").first()
        started = (today - dt.timedelta(days=rng.randint(20, 330))).replace(day=1)
        first = rng.choice([1, 3, 6, 12])
        rental = services.rental_create(
            space=space,
            house=house,
            renter_name=occupancy.person.name if occupancy else "车主",
            plates=_plate(rng) if rng.random() < 0.85 else f"{_plate(rng)},{_plate(rng)}",
            months=first,
            started_on=started,
            by=cashier,
            on_date=started,
        )
        lapsed = n % 7 == 6  # a few stopped renewing
        while not lapsed and rental.periods.order_by("-starts_on").first().ends_on <= today:
            last = rental.periods.order_by("-starts_on").first()
            services.rental_renew(rental=rental, months=rng.choice([1, 3, 6]), by=cashier, on_date=min(last.ends_on, today))
        for period in rental.periods.order_by("starts_on"):
            is_current = period.starts_on <= today < period.ends_on
            if period.line_id and (not is_current or rng.random() < 0.75):
                payment = payment_take(
                    house=house,
                    by=cashier,
                    method=rng.choice([PaymentMethod.CASH, PaymentMethod.WECHAT, PaymentMethod.ALIPAY]),
                    amount=period.line.amount,
                    lines=[period.line],
                    idempotency_key=f"demo-parking-{period.pk}",
                    payer_name=rental.renter_name,
                    received_on=period.line.charged_on,
                )
                moment = dt.datetime.combine(payment.received_on, dt.time(11), tzinfo=timezone.get_current_timezone())
                models.QuerySet.update(Payment.objects.filter(pk=payment.pk), created_at=moment)  # demo back-dating only
                counts["parking.paid_period"] += 1
        counts["parking.ParkingRental"] += 1
        if services.is_monthly_renter(rental, today) and rng.random() < 0.85:
            services.card_issue(
                rental=rental,
                number=f"P{project.pk:02d}{n + 1:05d}",
                by=cashier,
                method=PaymentMethod.CASH,
                idempotency_key=f"demo-card-{rental.pk}",
                on_date=rental.started_on if services.is_monthly_renter(rental, rental.started_on) else today,
            )
            counts["parking.ICCard"] += 1
    return counts
