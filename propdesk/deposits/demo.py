"""Demo deposits (small and default scales) for the first demo project (阳光花园), taken
and refunded through the services so the 押金 page has a real list:

- decoration deposits (装修押金, 2,000 yuan) of houses being decorated, key deposits
  (钥匙押金, 200 yuan, FEE-11) and one other deposit, back-dated over the last months;
- one decoration deposit refunded with a fine deducted (违章) — requested by the cashier,
  approved by the supervisor;
- one refunded with the house's unpaid fees deducted (paid into the ledger, FEE-9) and
  one refund waiting for approval.

IC-card deposits come with the parking demo (parking/demo.py).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from django.db import transaction
from django.utils import timezone

from propdesk.accounts.models import User
from propdesk.accounts.roles import Role
from propdesk.billing.arrears import arrears_list
from propdesk.billing.choices import PaymentMethod
from propdesk.billing.selectors import settlement
from propdesk.deposits.choices import DeductionKind, DepositKind
from propdesk.deposits.services import Deduction, deposit_take, refund_approve, refund_request
from propdesk.estate.choices import HouseStatus
from propdesk.estate.models import House, Project
from propdesk.residents.models import Occupancy

PAYERS = ("王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄敏")


def _payer(house: House, rng: random.Random) -> str:
    occupancy = Occupancy.objects.filter(house=house, end_date__isnull=True).select_related("person").first()
    return occupancy.person.name if occupancy else rng.choice(PAYERS)


@transaction.atomic
def seed_deposits(*, projects: list[Project], staff: dict, rng: random.Random) -> Counter:
    """Deposits of the first project; returns counts. `staff`: the demo logins by (role,
    project index)."""
    counts: Counter = Counter()
    if not projects:
        return counts
    project = projects[0]
    admin = User.objects.filter(memberships__role=Role.ADMIN, memberships__project__isnull=True).order_by("pk").first()
    cashier = staff.get(("cashier", 0), admin)
    approver = staff.get(("supervisor", 0), admin)
    today = timezone.localdate()
    homes = list(
        House.objects.filter(
            project=project, status__in=[HouseStatus.DECORATING, HouseStatus.OWNER_OCCUPIED, HouseStatus.RENTED]
        ).order_by("pk")[:400]
    )
    if not homes:
        return counts
    settled = [h for h in rng.sample(homes, min(40, len(homes))) if settlement(h, as_of=today).settled]
    owing = [r.house for r in sorted(arrears_list(project_ids=[project.pk]).rows, key=lambda r: r.owed) if r.owed < 1500]

    def take(house, kind, amount, days_ago, purpose=""):
        counts["deposits.Deposit"] += 1
        return deposit_take(
            project=project,
            by=cashier,
            house=house,
            kind=kind,
            amount=amount,
            payer_name=_payer(house, rng) if house else rng.choice(PAYERS),
            method=rng.choice([PaymentMethod.CASH, PaymentMethod.WECHAT, PaymentMethod.TRANSFER]),
            idempotency_key=f"demo-deposit-{project.pk}-{counts['deposits.Deposit']}",
            taken_on=today - dt.timedelta(days=days_ago),
            purpose=purpose,
        )

    decorating = [h for h in homes if h.status == HouseStatus.DECORATING][:4] or homes[:4]
    for i, house in enumerate(decorating):
        take(house, DepositKind.DECORATION, "2000.00", 20 + 25 * i, "装修保证金")
    for house in settled[:3]:
        take(house, DepositKind.KEY, "200.00", rng.randint(3, 60), "借用公共区域钥匙（装修工）")
    take(None, DepositKind.OTHER, "100.00", 5, "社区活动借用音响设备")

    if settled:  # a decoration deposit refunded with a fine deducted (DEC-8)
        fined = take(settled[-1], DepositKind.DECORATION, "2000.00", 120, "装修保证金")
        refund = refund_request(
            deposit=fined,
            by=cashier,
            deductions=[Deduction(DeductionKind.FINE, "擅自改动外窗，整改后罚款", "300.00")],
            note="竣工验收通过",
        )
        refund_approve(refund=refund, approver=approver)
        counts["deposits.DepositRefund"] += 1
    if owing:  # refunded with the house's unpaid fees deducted through the ledger (FEE-9)
        house = owing[0]
        deposit = take(house, DepositKind.DECORATION, "2000.00", 150, "装修保证金")
        refund = refund_request(
            deposit=deposit,
            by=cashier,
            deductions=[Deduction(DeductionKind.FEES), Deduction(DeductionKind.FINE, "装修垃圾未袋装，罚款", "100.00")],
        )
        refund_approve(refund=refund, approver=approver)
        counts["deposits.DepositRefund"] += 1
    if len(settled) > 3:  # a refund waiting for the supervisor
        deposit = take(settled[-2], DepositKind.KEY, "200.00", 40, "借用公共区域钥匙")
        refund_request(deposit=deposit, by=cashier, note="钥匙已归还")
        counts["deposits.DepositRefund"] += 1
    return counts
