"""Demo dunning (FEE-7) in the first demo project (阳光花园), on houses the billing demo left
in arrears, all through the services:

- the house longest in arrears: a phone reminder about four months ago, the demand letter
  by express (with its tracking number) three months later, a home visit since;
- the next one: a phone reminder, a promise to pay that was broken and a new one pending;
- the next: a phone reminder and a three-month instalment plan;
- a water charge back-billed almost three years ago and never paid, on a house nobody
  dunned: the limitation warning (诉讼时效) the daily task sends the supervisor.

Then the daily task's checks run once, so the supervisor and the collector have their
notifications.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from django.db import transaction
from django.utils import timezone

from propdesk.accounts.models import User
from propdesk.accounts.roles import Role
from propdesk.billing.adjustments import charge_add
from propdesk.billing.arrears import arrears_list
from propdesk.billing.models import FeeItem
from propdesk.core.money import money
from propdesk.dunning import selectors, services
from propdesk.dunning.choices import StepKind
from propdesk.estate.models import House, Project


def _admin():
    return User.objects.filter(memberships__role=Role.ADMIN, memberships__project__isnull=True).order_by("pk").first()


@transaction.atomic
def seed_dunning(*, projects: list[Project], staff: dict, rng: random.Random) -> Counter:
    counts: Counter = Counter()
    if not projects:
        return counts
    project = projects[0]
    admin = _admin()
    cashier = staff.get(("cashier", 0), admin)
    supervisor = staff.get(("supervisor", 0), admin)
    today = timezone.localdate()
    owing = [row.house for row in arrears_list(project_ids=[project.pk]).rows]
    if len(owing) >= 1:
        house = owing[0]
        first = today - dt.timedelta(days=130)
        services.step_record(house=house, kind=StepKind.PHONE, by=cashier, on_date=first, note="业主称资金紧张，月底前缴纳")
        letter_day = selectors.add_months(first, selectors.LETTER_AFTER_MONTHS) + dt.timedelta(days=2)
        services.step_record(
            house=house,
            kind=StepKind.LETTER,
            by=cashier,
            on_date=letter_day,
            tracking_number=f"SF{rng.randrange(10**11, 10**12)}",
            note="顺丰特快专递寄往业主登记地址",
        )
        services.step_record(
            house=house,
            kind=StepKind.VISIT,
            by=supervisor,
            on_date=today - dt.timedelta(days=5),
            note="两人上门，业主在家，仍拒绝缴费",
        )
        counts["dunning.DunningStep"] += 3
    if len(owing) >= 2:
        house = owing[1]
        services.step_record(house=house, kind=StepKind.PHONE, by=cashier, on_date=today - dt.timedelta(days=40))
        debt = selectors.house_debt(house.pk)
        services.promise_record(
            house=house,
            amount=money(debt.owed / 2),
            promised_date=today - dt.timedelta(days=30),
            on_date=today - dt.timedelta(days=40),
            by=cashier,
            note="业主承诺先缴一半",
        )
        services.step_record(
            house=house, kind=StepKind.PHONE, by=cashier, on_date=today - dt.timedelta(days=2), note="承诺未兑现，再次提醒"
        )
        services.promise_record(
            house=house, amount=debt.owed, promised_date=today + dt.timedelta(days=7), by=cashier, note="业主承诺下周一次缴清"
        )
        counts["dunning.DunningStep"] += 2
        counts["dunning.PaymentPromise"] += 2
    if len(owing) >= 3:
        house = owing[2]
        services.step_record(house=house, kind=StepKind.PHONE, by=cashier, on_date=today - dt.timedelta(days=20))
        services.plan_record(house=house, by=cashier, count=3, first_due=today + dt.timedelta(days=10), note="业主申请分三期缴清")
        counts["dunning.DunningStep"] += 1
        counts["dunning.InstalmentPlan"] += 1
    water = FeeItem.objects.filter(project=project, code="water").first()
    quiet = House.objects.filter(project=project).exclude(pk__in=[h.pk for h in owing]).order_by("pk").first()
    if water is not None and quiet is not None:
        charged = selectors.add_years(today, -selectors.LIMITATION_YEARS) + dt.timedelta(days=35)
        charge_add(
            house=quiet,
            item=water,
            by=admin,
            unit_price=water.rates.order_by("-effective_from").first().unit_price,
            qty=12,
            description=f"{charged:%Y年%m月}水费（补收）",
            on_date=charged,
        )
        counts["dunning.limitation_debt"] += 1
    checks = services.follow_ups_check()
    counts["dunning.promise_broken"] += checks["broken"]
    counts["dunning.limitation_notice"] += services.limitation_notify()
    return counts
