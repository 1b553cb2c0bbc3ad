"""The bulk bill writer of the medium and large demo scales (`billing.demo_large`), run on
the small scale's estate: its rows are exactly those `billing_run` and `payment_take`
write for the same months and payments (FEE-2, FEE-3, FEE-5, FEE-8), so the ledger's own
selectors — arrears, balances, the collection report — read the same figures, and its
receipts are numbered without a gap (FEE-6)."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from propdesk.accounts.models import Membership, User
from propdesk.accounts.roles import Role
from propdesk.billing.arrears import arrears_list
from propdesk.billing.choices import EntryKind, LineSource, PaymentMethod
from propdesk.billing.collection import collection_report
from propdesk.billing.demo import _months_back, _setup
from propdesk.billing.demo_large import seed_bills
from propdesk.billing.models import Bill, BillingRun, BillLine, Entry, Payment
from propdesk.billing.payments import payment_take
from propdesk.billing.run import billing_run
from propdesk.billing.selectors import house_balance, line_states
from propdesk.core.demo import SCALES, SeedReport, _Generator, _Writer
from propdesk.core.models import Counter
from propdesk.estate.models import House
from propdesk.estate.services import project_create

MONTHS = 12


@pytest.fixture
def estate(world):
    """阳光花园 and 翠湖苑 of the small scale (70 houses in every status, with their MOV-14
    history), each with a cashier."""
    plan = SCALES["small"]()
    generator = _Generator(plan, _Writer(history=False, use_copy=False, batch_size=1000, report=SeedReport("t")), None)
    world.projects, world.cashiers = [], {}
    for index, project_plan in enumerate(plan.projects):
        project = project_create(company=world.company, code=project_plan.code, name=project_plan.name)
        generator.project(project_plan, project, index=index, desk=None, archivist=None)
        cashier = User.objects.create_user(f"cashier-{project.code}", password="pw-123456")
        Membership.objects.create(user=cashier, project=project, role=Role.CASHIER)
        world.projects.append(project)
        world.cashiers[("cashier", index)] = cashier
    return world


class _Undo(Exception):
    pass


def _ledger(project) -> dict:
    """The project's ledger by natural keys (ids differ between two writes of it)."""
    lines = {line.pk: line for line in BillLine.objects.filter(project=project).select_related("item", "rate", "late_fee_of")}

    def key(line: BillLine) -> tuple:
        principal = line.late_fee_of or line
        return (line.house_id, line.period, line.source, principal.item.code)

    numbers = dict(Payment.objects.filter(project=project).values_list("pk", "number"))
    return {
        "runs": sorted(
            BillingRun.objects.filter(project=project).values_list(
                "period", "status", "houses_total", "houses_done", "bills_created", "lines_created", "cursor"
            )
        ),
        "bills": sorted(Bill.objects.filter(project=project).values_list("house_id", "period", "kind", "payer", "due_date")),
        "lines": sorted(
            (
                *key(line),
                line.description,
                line.quantity,
                line.unit_price,
                line.percent,
                line.amount,
                (line.rate.usage, line.rate.unit_price) if line.rate else None,
                line.charged_on if line.source == LineSource.LATE_FEE else None,  # a run line: charged the day it ran
            )
            for line in lines.values()
        ),
        "payments": sorted(
            Payment.objects.filter(project=project).values_list(
                "number",
                "house_id",
                "payer",
                "method",
                "amount",
                "tendered",
                "change",
                "received_on",
                "reference",
                "idempotency_key",
                "cashier_id",
            )
        ),
        "entries": sorted(
            (e.house_id, key(lines[e.line_id]) if e.line_id else None, e.kind, e.amount, e.on_date, numbers.get(e.payment_id))
            for e in Entry.objects.filter(project=project)
        ),
        "receipt_counter": Counter.objects.filter(project=project, key="receipt").values_list("value", flat=True).first(),
    }


def _figures(project, periods: list[dt.date]) -> dict:
    """What the ledger's selectors read: the arrears list, every balance, the collection
    report of each month."""
    arrears = arrears_list(project_ids=[project.pk])
    return {
        "arrears": [(r.house.pk, r.owed, r.lines, r.oldest_due, r.bucket) for r in arrears.rows],
        "arrears_total": arrears.total,
        "balances": {h.pk: house_balance(h) for h in House.objects.filter(project=project)},
        "collection": [
            (r.total.receivable, r.total.received, r.total.outstanding)
            for r in (collection_report(project_ids=[project.pk], month=period, with_aging=False) for period in periods)
        ],
    }


def _replay(project, cashier, admin, report) -> None:
    """The same year through the services: the configuration, a run per month, and each
    payment as the writer planned it (lines chosen, amount, method, key)."""
    periods = _months_back(timezone.localdate(), MONTHS)
    _setup(project, admin, periods[0])
    for period in periods:
        billing_run(project=project, month=period, by=cashier)
    for plan in report.payments[project.pk]:
        states = line_states(plan.house_id, late_fee_on=plan.received_on)
        chosen = [s.line for s in states if not s.is_late_fee and s.line.period in plan.periods]
        payment = payment_take(
            house=House.objects.get(pk=plan.house_id),
            by=cashier,
            method=plan.method,
            amount=plan.amount,
            tendered=plan.tendered if plan.method == PaymentMethod.CASH else None,
            lines=chosen,
            idempotency_key=plan.idempotency_key,
            reference=plan.reference,
            received_on=plan.received_on,
        )
        assert payment.number == plan.number


def test_rows_are_those_the_run_and_payment_services_write(estate):
    project, cashier = estate.projects[0], estate.cashiers[("cashier", 0)]
    admin = estate.users[("admin", "*")]
    try:
        with transaction.atomic():
            report = seed_bills(projects=[project], staff=estate.cashiers, months=MONTHS, keep_plan=True)
            periods = _months_back(timezone.localdate(), MONTHS)
            written, figures = _ledger(project), _figures(project, periods)
            raise _Undo
    except _Undo:
        pass
    assert not Bill.objects.exists()
    _replay(project, cashier, admin, report)
    assert _ledger(project) == written
    assert _figures(project, periods) == figures
    # …and the writer's own tally is what the arrears list says.
    assert len(figures["arrears"]) == report.arrears_houses > 0
    assert len(periods) == MONTHS and written["payments"] and report.counts["late_fee_lines"] > 0
    assert not any(kind == EntryKind.PREPAYMENT for *_k, kind, _a, _d, _n in written["entries"])


def test_receipts_are_numbered_without_gaps_and_payment_take_goes_on(estate):
    report = seed_bills(projects=estate.projects, staff=estate.cashiers, months=MONTHS)
    assert report.counts["billing.Payment"] > 0
    for index, project in enumerate(estate.projects):
        payments = list(Payment.objects.filter(project=project).order_by("number"))
        assert [p.number for p in payments] == list(range(1, len(payments) + 1))
        assert [p.received_on for p in payments] == sorted(p.received_on for p in payments)  # in date order
        assert Counter.objects.get(project=project, key="receipt").value == len(payments)
        owing = arrears_list(project_ids=[project.pk]).rows[0].house
        taken = payment_take(
            house=owing, by=estate.cashiers[("cashier", index)], method=PaymentMethod.WECHAT, amount="10.00",
            idempotency_key="after-the-seed",
        )  # fmt: skip
        assert taken.number == len(payments) + 1


def test_a_realistic_year_paid_mostly_with_a_tail_of_arrears(estate):
    report = seed_bills(projects=estate.projects, staff=estate.cashiers, months=MONTHS)
    bills = Bill.objects.count()
    assert bills == report.counts["billing.Bill"]
    assert 0.80 <= report.bills_paid / bills <= 0.95
    arrears = arrears_list(project_ids=[p.pk for p in estate.projects])
    assert len(arrears.rows) == report.arrears_houses
    assert report.owing_3_plus > 0
    assert max(row.lines for row in arrears.rows) >= 3
    today = timezone.localdate()
    assert all(p.received_on <= today for p in Payment.objects.all())
    methods = set(Payment.objects.values_list("method", flat=True))
    assert {PaymentMethod.CASH, PaymentMethod.WECHAT} <= methods
