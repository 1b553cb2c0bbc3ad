"""Demo bank collection (small and default scales): a bank profile of the first project
(阳光花园), about thirty mandates — mostly houses that owe — and one batch exported and
returned by the bank: mostly paid, two failed (insufficient funds, frozen account) and one
row the bank sent back with a reference and amount that match nothing."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from django.utils import timezone

from propdesk.accounts.models import User
from propdesk.accounts.roles import Role
from propdesk.bankcollect.choices import DEFAULT_COLUMNS, FileFormat
from propdesk.bankcollect.services import batch_export, batch_import_return, mandate_save, profile_save
from propdesk.billing.choices import Payer
from propdesk.billing.selectors import open_lines
from propdesk.core.excel import workbook_bytes
from propdesk.estate.models import House, Project
from propdesk.residents.models import Occupancy

MANDATES = 30
FAILURES = (("3001", "余额不足"), ("3012", "账户已冻结"))


def seed_bankcollect(*, projects: list[Project], staff: dict, rng: random.Random) -> Counter:
    counts: Counter = Counter()
    if not projects:
        return counts
    project = projects[0]
    admin = User.objects.filter(memberships__role=Role.ADMIN, memberships__project__isnull=True).order_by("pk").first()
    cashier = staff.get(("cashier", 0), admin)
    manager = staff.get(("manager", 0), admin)
    today = timezone.localdate()
    profile = profile_save(
        project=project, by=manager, bank_name="中国工商银行", columns=DEFAULT_COLUMNS, file_format=FileFormat.XLSX
    )
    counts["bankcollect.BankProfile"] += 1
    billed = list(House.objects.filter(project=project, bills__isnull=False).distinct().order_by("pk"))
    rng.shuffle(billed)
    owing = [h for h in billed[:400] if open_lines(h, payer=Payer.OWNER)][: MANDATES - 5]
    others = [h for h in billed if h not in owing][:5]
    names = dict(
        Occupancy.objects.filter(house__in=owing + others, end_date__isnull=True, role="owner")
        .order_by("is_primary_contact")  # the primary contact last: the name kept
        .values_list("house_id", "person__name")
    )
    for house in owing + others:
        mandate_save(
            by=cashier,
            house=house,
            profile=profile,
            account_name=names.get(house.pk, "业主"),
            account_number="6222" + "".join(rng.choice("0123456789") for _i in range(15)),
            active_from=today.replace(day=1) - dt.timedelta(days=rng.randint(30, 400)),
        )
        counts["bankcollect.BankMandate"] += 1
    if len(owing) < 4:
        return counts
    batch = batch_export(profile=profile, cutoff=today, by=cashier)
    counts["bankcollect.CollectionBatch"] += 1
    lines = list(batch.lines.select_related("house", "mandate").order_by("seq"))
    headers = [c["header"] for c in DEFAULT_COLUMNS] + ["扣款结果", "失败代码", "失败原因", "扣款日期"]
    rows = []
    for index, line in enumerate(lines):
        reference, amount, result, code, reason = line.reference, line.amount, "成功", "", ""
        if index < len(FAILURES):
            result, (code, reason) = "失败", FAILURES[index]
        elif index == len(FAILURES):  # the bank garbled this row: it matches no line
            reference, amount = "9" + line.reference[1:], line.amount + 1
        values = {
            "reference": reference,
            "account_name": line.mandate.account_name,
            "account_number": line.mandate.account_number,
            "amount": f"{amount:.2f}",
            "house_code": "",
            "summary": line.periods,
        }
        rows.append([values[c["field"]] for c in DEFAULT_COLUMNS] + [result, code, reason, today.isoformat()])
    content = workbook_bytes("回盘", headers, rows)
    result = batch_import_return(batch=batch, content=content, filename="回盘.xlsx", by=cashier)
    counts["bankcollect.paid"] += result.paid
    counts["bankcollect.failed"] += result.failed
    counts["bankcollect.unmatched"] += result.unmatched
    return counts
