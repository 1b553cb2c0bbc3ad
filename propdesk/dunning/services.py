"""Every write of dunning (FEE-7). Keyword arguments, one transaction, a DomainError when a
rule says no; access through the scoping helper (404 alike for "missing" and "not yours").

The ladder (FEE-7, seed 001: 电话通知后三个月内仍未缴纳的业主，通过特快专递的方式发出正式
催缴函；对不交费又长期居住在小区的业主，可上门拜访催缴；对长期无端拒缴的，可通过法律渠道处理):

- a phone call or SMS reminder may be recorded whenever the house is in arrears;
- a demand letter (催缴函) only from three calendar months after the case's first reminder,
  sent by express mail: its tracking number is required;
- a home visit only after a letter; a legal referral only after a home visit, and only by
  a holder of DUNNING_LEGAL (the PM).

**Override (decided):** a holder of FEE_APPROVE (supervisor, PM) may record a letter, visit or
legal referral before the ladder allows it by giving a written reason, kept on the step
(`override_reason`) — e.g. the owner is leaving the country, or refused outright on the
phone. Without FEE_APPROVE a reason is refused, never silently ignored. Legal referral
still needs DUNNING_LEGAL.

Steps are append-only and recorded in date order: a step's date is not in the future and
not before the case's last step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from itertools import pairwise

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.accounts.models import Membership
from propdesk.accounts.roles import Cap, Role
from propdesk.billing.ledger import lock_house
from propdesk.core import scoping
from propdesk.core.errors import DomainError
from propdesk.core.money import ZERO, Number, money, money_sum
from propdesk.core.uploads import check_scan
from propdesk.dunning import selectors
from propdesk.dunning.choices import REMINDERS, CaseStatus, InstalmentStatus, PlanStatus, PromiseStatus, StepKind
from propdesk.dunning.models import (
    DunningCase,
    DunningStep,
    Instalment,
    InstalmentPlan,
    PaymentPromise,
    StepAttachment,
)
from propdesk.estate.models import House
from propdesk.notifications.choices import DeliveryChannel
from propdesk.notifications.services import notify

DEFAULT_DEADLINE_DAYS = {StepKind.PHONE: 7, StepKind.SMS: 7, StepKind.LETTER: 15, StepKind.VISIT: 7, StepKind.LEGAL: 0}
MAX_INSTALMENTS = 36


def _amount(value: Number, field: str) -> Decimal:
    try:
        amount = money(value)
    except (ValueError, TypeError):
        raise DomainError("amount_invalid", _("金额无效"), field=field) from None
    if amount <= 0:
        raise DomainError("amount_not_positive", _("金额须大于零"), field=field)
    return amount


def _check_day(on_date: dt.date, field: str = "on_date") -> None:
    if on_date > timezone.localdate():
        raise DomainError("dunning_date_in_future", _("日期不能晚于今天"), field=field, rule="FEE-7")


def _debt_or_refuse(house: House, on_date: dt.date | None = None) -> selectors.Debt:
    """The house's overdue debt on `on_date` (default today); refused when there is none.
    Steps and promises recorded late (back-dated) are checked against today's debt: the
    house is in arrears now, which is when the record is made."""
    on_date = on_date or timezone.localdate()
    debt = selectors.house_debt(house.pk, as_of=on_date)
    if debt.owed <= 0:
        raise DomainError(
            "dunning_no_arrears", _("该房屋在 %(d)s 没有逾期欠费，无需催缴") % {"d": f"{on_date:%Y-%m-%d}"}, rule="FEE-7"
        )
    return debt


def _case_for(house: House, *, by, on_date: dt.date) -> DunningCase:
    """The house's open case, opened now (with `by` as its collector) when there is none."""
    case = DunningCase.objects.select_for_update().filter(house=house, status=CaseStatus.OPEN).first()
    if case is None:
        case = DunningCase.objects.create(project_id=house.project_id, house=house, opened_on=on_date, collector=by)
    return case


# -- steps --------------------------------------------------------------------------------


def _check_ladder(kind: str, steps: list[DunningStep], on_date: dt.date) -> None:
    """FEE-7's order of the rungs; raises the rule's DomainError."""
    ladder = selectors.ladder_of([s for s in steps if s.on_date <= on_date], as_of=on_date)
    if kind == StepKind.LETTER:
        if ladder.first_reminder is None:
            raise DomainError(
                "dunning_letter_needs_reminder", _("催缴方式：寄送催缴函前须先有电话或短信提醒记录"), field="kind", rule="FEE-7"
            )
        if on_date < ladder.letter_from:
            raise DomainError(
                "dunning_letter_too_early",
                _("催缴方式：首次提醒（%(first)s）满三个月后仍未缴费才能寄送催缴函，最早 %(from)s")
                % {"first": f"{ladder.first_reminder.on_date:%Y-%m-%d}", "from": f"{ladder.letter_from:%Y-%m-%d}"},
                field="kind",
                rule="FEE-7",
            )
    elif kind == StepKind.VISIT and ladder.last_letter is None:
        raise DomainError("dunning_visit_needs_letter", _("催缴方式：上门催缴前须先寄送催缴函"), field="kind", rule="FEE-7")
    elif kind == StepKind.LEGAL and ladder.last_visit is None:
        raise DomainError("dunning_legal_needs_visit", _("催缴方式：移交法务前须先上门催缴"), field="kind", rule="FEE-7")


def sms_text(house: House, *, amount: Decimal, deadline: dt.date, as_of: dt.date) -> str:
    """The reminder's text: house, amount, as-of day, deadline, late fee and phone (FEE-7)."""
    project = house.project
    return _(
        "【%(company)s】尊敬的 %(house)s 业主：截至%(as_of)s，您尚欠物业服务费等费用 %(amount)s 元，"
        "请于 %(deadline)s 前缴清。逾期按日加收欠缴金额千分之三的违约金。如已缴纳请忽略。咨询电话：%(phone)s"
    ) % {
        "company": project.company.name,
        "house": f"{project.name}{house.code}",
        "as_of": f"{as_of:%Y年%m月%d日}",
        "amount": amount,
        "deadline": f"{deadline:%Y年%m月%d日}",
        "phone": project.service_phone or "—",
    }


def sms_recipients(house: House) -> list:
    """The resident accounts of the house's current owners and primary contacts that have a
    mobile number: an SMS goes through the notification module to accounts (User.mobile)."""
    from propdesk.residents.models import Occupancy

    occupancies = Occupancy.objects.filter(house=house, end_date__isnull=True, person__account__isnull=False).select_related(
        "person__account"
    )
    users = []
    for occupancy in occupancies:
        if occupancy.role == "owner" or occupancy.is_primary_contact:
            account = occupancy.person.account
            if account.is_active and (account.mobile or "").strip():
                users.append(account)
    return users


@transaction.atomic
def step_record(
    *,
    house: House,
    kind: str,
    by,
    on_date: dt.date | None = None,
    amount_demanded: Number | None = None,
    deadline: dt.date | None = None,
    note: str = "",
    tracking_number: str = "",
    override_reason: str = "",
    uploads: Sequence[UploadedFile] = (),
) -> DunningStep:
    """Record a dunning step (催缴记录) on a house in arrears, with its evidence files.

    The amount demanded defaults to the overdue debt with its live late fee on the day; the
    deadline to 7 days (15 for a letter). An SMS reminder is sent through the notification
    module to the owners' resident accounts (refused when none has a mobile number: then
    phone). Rules: FEE-7's ladder (see the module docstring), DUNNING_LEGAL for a legal
    referral, FEE_APPROVE for an override with a reason."""
    scoping.require(by, Cap.FEE_COLLECT, house.project_id)
    if kind not in StepKind.values:
        raise DomainError("dunning_kind_invalid", _("催缴方式无效"), field="kind")
    if kind == StepKind.LEGAL:
        scoping.require(by, Cap.DUNNING_LEGAL, house.project_id)
    on_date = on_date or timezone.localdate()
    _check_day(on_date)
    house = lock_house(house.pk)
    debt = _debt_or_refuse(house)
    if on_date < timezone.localdate():  # recorded late: the amount as it stood that day, when there was one
        then = selectors.house_debt(house.pk, as_of=on_date)
        debt = then if then.owed > 0 else debt
    case = _case_for(house, by=by, on_date=on_date)
    steps = list(case.steps.order_by("on_date", "id"))
    if steps and on_date < steps[-1].on_date:
        raise DomainError(
            "dunning_date_before_last",
            _("日期：催缴记录按时间顺序登记，不能早于上一条记录（%(d)s）") % {"d": f"{steps[-1].on_date:%Y-%m-%d}"},
            field="on_date",
            rule="FEE-7",
        )
    override_reason = override_reason.strip()
    if override_reason:
        if not scoping.has_cap(by, Cap.FEE_APPROVE, house.project_id):
            raise DomainError(
                "dunning_override_not_allowed",
                _("越级原因：只有客服主管或项目经理可以越级登记"),
                field="override_reason",
                rule="FEE-7",
            )
        if kind in REMINDERS:
            override_reason = ""  # a reminder needs no override
    else:
        _check_ladder(kind, steps, on_date)
    tracking_number = tracking_number.strip()
    if kind == StepKind.LETTER and not tracking_number:
        raise DomainError(
            "dunning_letter_tracking_required",
            _("快递单号：催缴函须以特快专递寄送，请填写快递单号"),
            field="tracking_number",
            rule="FEE-7",
        )
    amount = _amount(amount_demanded, "amount_demanded") if amount_demanded not in (None, "") else debt.total
    if deadline is None and DEFAULT_DEADLINE_DAYS[kind]:
        deadline = on_date + dt.timedelta(days=DEFAULT_DEADLINE_DAYS[kind])
    if deadline is not None and deadline < on_date:
        raise DomainError("dunning_deadline_before_step", _("缴费期限不能早于催缴日期"), field="deadline", rule="FEE-7")
    message = ""
    recipients = []
    if kind == StepKind.SMS:
        recipients = sms_recipients(house)
        if not recipients:
            raise DomainError(
                "dunning_sms_no_recipient",
                _("催缴方式：该房屋业主没有登记手机号的住户账号，无法发送短信，请改为电话提醒"),
                field="kind",
                rule="FEE-7",
            )
        message = sms_text(house, amount=amount, deadline=deadline, as_of=on_date)
    step = DunningStep.objects.create(
        project_id=house.project_id,
        case=case,
        house=house,
        kind=kind,
        on_date=on_date,
        amount_demanded=amount,
        deadline=deadline,
        note=note.strip(),
        tracking_number=tracking_number,
        message=message,
        override_reason=override_reason,
        by=by,
    )
    for upload in uploads:
        _attach(step, upload, by=by)
    if kind == StepKind.SMS:
        notify(
            recipients=recipients,
            kind="dunning.reminder",
            title=_("缴费提醒"),
            body=message,
            project=house.project,
            channels=(DeliveryChannel.SMS,),
            dedupe_key=f"dunning-sms:{step.pk}",
            params={"house": house.code, "amount": str(amount), "deadline": f"{deadline:%Y-%m-%d}"},
        )
    return step


def _attach(step: DunningStep, upload: UploadedFile, *, by) -> StepAttachment:
    content_type, digest = check_scan(upload, max_bytes=settings.ARCHIVE_MAX_UPLOAD_BYTES, field="files")
    attachment = StepAttachment(
        project_id=step.project_id,
        step=step,
        original_name=upload.name[:200],
        content_type=content_type,
        size=upload.size,
        sha256=digest,
        uploaded_by=by,
        uploaded_at=timezone.now(),
    )
    attachment.file.save(upload.name, upload, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment


@transaction.atomic
def step_attach(*, step: DunningStep, upload: UploadedFile, by) -> StepAttachment:
    """Add an evidence file to a recorded step (the express receipt arrives later)."""
    scoping.require(by, Cap.FEE_COLLECT, step.project_id)
    return _attach(step, upload, by=by)


@transaction.atomic
def case_assign(*, case: DunningCase, collector, by) -> DunningCase:
    """Give the case to a collector (who holds FEE_COLLECT in its project)."""
    scoping.require(by, Cap.FEE_APPROVE, case.project_id)
    if collector is None or not scoping.has_cap(collector, Cap.FEE_COLLECT, case.project_id):
        raise DomainError("dunning_collector_invalid", _("催缴负责人须为本项目有收费权限的人员"), field="collector")
    case.collector = collector
    case.save(update_fields=["collector"])
    return case


# -- promises and plans ----------------------------------------------------------------------


@transaction.atomic
def promise_record(
    *,
    house: House,
    amount: Number,
    promised_date: dt.date,
    by,
    follow_up_date: dt.date | None = None,
    on_date: dt.date | None = None,
    note: str = "",
) -> PaymentPromise:
    """Record a promise to pay (承诺缴费): the amount, the day promised, the day to follow
    it up (default the day after the promised day)."""
    scoping.require(by, Cap.FEE_COLLECT, house.project_id)
    on_date = on_date or timezone.localdate()
    _check_day(on_date)
    house = lock_house(house.pk)
    _debt_or_refuse(house)
    amount = _amount(amount, "amount")
    if promised_date < on_date:
        raise DomainError("dunning_promise_in_past", _("承诺缴费日不能早于承诺日期"), field="promised_date", rule="FEE-7")
    follow_up_date = follow_up_date or promised_date + dt.timedelta(days=1)
    if follow_up_date < on_date:
        raise DomainError("dunning_follow_up_in_past", _("跟进日期不能早于承诺日期"), field="follow_up_date", rule="FEE-7")
    case = _case_for(house, by=by, on_date=on_date)
    return PaymentPromise.objects.create(
        project_id=house.project_id,
        case=case,
        house=house,
        on_date=on_date,
        amount=amount,
        promised_date=promised_date,
        follow_up_date=follow_up_date,
        note=note.strip(),
        by=by,
    )


def instalments_even(total: Number, count: int, first_due: dt.date) -> list[tuple[dt.date, Decimal]]:
    """`total` in `count` monthly instalments from `first_due`: equal amounts rounded down
    to the fen, the remainder on the last one, so they sum exactly to `total`."""
    total = money(total)
    if count < 1:
        raise ValueError("count must be at least 1")
    share = (total / count).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    amounts = [share] * (count - 1) + [total - share * (count - 1)]
    return [(selectors.add_months(first_due, i), amount) for i, amount in enumerate(amounts)]


@transaction.atomic
def plan_record(
    *,
    house: House,
    by,
    instalments: Sequence[tuple[dt.date, Number]] | None = None,
    count: int | None = None,
    first_due: dt.date | None = None,
    on_date: dt.date | None = None,
    note: str = "",
) -> InstalmentPlan:
    """Record an instalment plan (分期还款计划) for the house's whole overdue debt on the
    day: either the instalments (due date, amount) or `count` monthly ones from
    `first_due`. The amounts must sum exactly to the debt; due dates strictly increase and
    are not before the plan's day. An active plan of the house is superseded. Late fees
    keep accruing under FEE-3 unless waived (billing, with approval)."""
    scoping.require(by, Cap.FEE_COLLECT, house.project_id)
    on_date = on_date or timezone.localdate()
    _check_day(on_date)
    house = lock_house(house.pk)
    debt = _debt_or_refuse(house, on_date)
    if instalments is None:
        if not count or not first_due:
            raise DomainError("dunning_plan_incomplete", _("分期期数：请填写期数和首期日期，或逐期填写"), field="count")
        if not 1 <= count <= MAX_INSTALMENTS:
            raise DomainError("dunning_plan_count", _("分期期数须在 1 到 %(n)d 之间") % {"n": MAX_INSTALMENTS}, field="count")
        instalments = instalments_even(debt.owed, count, first_due)
    rows = [(due, _amount(amount, "instalments")) for due, amount in instalments]
    if not rows or len(rows) > MAX_INSTALMENTS:
        raise DomainError("dunning_plan_count", _("分期期数须在 1 到 %(n)d 之间") % {"n": MAX_INSTALMENTS}, field="count")
    dues = [due for due, _a in rows]
    if dues[0] < on_date or any(b <= a for a, b in pairwise(dues)):
        raise DomainError("dunning_plan_dates", _("分期日期须不早于签订日期且逐期递增"), field="instalments", rule="FEE-7")
    total = money_sum(amount for _d, amount in rows)
    if total != debt.owed:
        raise DomainError(
            "dunning_plan_total",
            _("分期金额合计 %(sum)s 元须等于欠费总额 %(debt)s 元") % {"sum": total, "debt": debt.owed},
            field="instalments",
            rule="FEE-7",
        )
    case = _case_for(house, by=by, on_date=on_date)
    InstalmentPlan.objects.filter(house=house, status=PlanStatus.ACTIVE).update(status=PlanStatus.SUPERSEDED)
    plan = InstalmentPlan.objects.create(
        project_id=house.project_id, case=case, house=house, on_date=on_date, total=total, note=note.strip(), by=by
    )
    Instalment.objects.bulk_create(
        Instalment(project_id=house.project_id, plan=plan, seq=i, due_date=due, amount=amount)
        for i, (due, amount) in enumerate(rows, start=1)
    )
    return plan


# -- daily checks ---------------------------------------------------------------------------


def _supervisors(project_id: int) -> list:
    users = Membership.objects.filter(project_id=project_id, role=Role.SUPERVISOR, user__is_active=True).select_related("user")
    return [m.user for m in users]


def limitation_notify(*, as_of: dt.date | None = None) -> int:
    """Tell each project's CS supervisors, once per debt and limitation period, of every
    debt whose three-year limitation ends within the warning window with no demand
    recorded since (the daily task). Returns how many notifications were created."""
    from propdesk.estate.models import Project

    as_of = as_of or timezone.localdate()
    created = 0
    for project in Project.objects.filter(active=True):
        warnings = selectors.limitation_warnings(project_ids=[project.pk], as_of=as_of)
        if not warnings:
            continue
        supervisors = _supervisors(project.pk)
        for warning in warnings:
            line = warning.line
            title = _("诉讼时效预警：%(house)s %(what)s 将于 %(d)s 届满") % {
                "house": line.house.code,
                "what": line.description,
                "d": f"{warning.expires_on:%Y-%m-%d}",
            }
            if warning.expired:
                title = _("诉讼时效已届满：%(house)s %(what)s（%(d)s）") % {
                    "house": line.house.code,
                    "what": line.description,
                    "d": f"{warning.expires_on:%Y-%m-%d}",
                }
            body = _("欠费 %(amount)s 元，%(due)s 到期，此后未有催缴记录。请尽快催缴（书面催缴函可中断时效）。") % {
                "amount": warning.open,
                "due": f"{warning.due_date:%Y-%m-%d}",
            }
            created += len(
                notify(
                    recipients=supervisors,
                    kind="dunning.limitation",
                    title=title,
                    body=body,
                    link=reverse("dunning:house", args=[line.house_id]),
                    project=project,
                    dedupe_key=f"dunning-limitation:{line.pk}:{warning.expires_on:%Y%m%d}",
                )
            )
    return created


def follow_ups_check(*, as_of: dt.date | None = None) -> dict[str, int]:
    """The daily check of promises and instalment plans: a promise whose day passed without
    the payments is marked broken and its collector told; an instalment past its due date
    and not covered is marked late and its collector told — each once."""
    as_of = as_of or timezone.localdate()
    counts = {"broken": 0, "late": 0}
    pending = PaymentPromise.objects.filter(
        promised_date__lt=as_of, broken_flagged_on__isnull=True, case__status=CaseStatus.OPEN
    ).select_related("case__collector", "house", "by")
    for promise in pending:
        if selectors.promise_status(promise, as_of=as_of) != PromiseStatus.BROKEN:
            continue
        with transaction.atomic():
            if not PaymentPromise.objects.filter(pk=promise.pk, broken_flagged_on__isnull=True).update(broken_flagged_on=as_of):
                continue
            notify(
                recipients=[promise.case.collector or promise.by],
                kind="dunning.promise_broken",
                title=_("缴费承诺未兑现：%(house)s") % {"house": promise.house.code},
                body=_("承诺 %(d)s 前缴纳 %(amount)s 元，未按期缴纳。")
                % {"d": f"{promise.promised_date:%Y-%m-%d}", "amount": promise.amount},
                link=reverse("dunning:house", args=[promise.house_id]),
                project=promise.house.project,
                dedupe_key=f"dunning-promise:{promise.pk}",
            )
            counts["broken"] += 1
    plans = (
        InstalmentPlan.objects.filter(
            status=PlanStatus.ACTIVE,
            case__status=CaseStatus.OPEN,
            instalments__due_date__lt=as_of,
            instalments__late_flagged_on__isnull=True,
        )
        .distinct()
        .select_related("case__collector", "house__project", "by")
    )
    for plan in plans:
        for state in selectors.instalment_states(plan, as_of=as_of):
            inst = state.instalment
            if state.status != InstalmentStatus.LATE or inst.late_flagged_on is not None:
                continue
            with transaction.atomic():
                if not Instalment.objects.filter(pk=inst.pk, late_flagged_on__isnull=True).update(late_flagged_on=as_of):
                    continue
                notify(
                    recipients=[plan.case.collector or plan.by],
                    kind="dunning.instalment_late",
                    title=_("分期逾期：%(house)s 第 %(n)d 期") % {"house": plan.house.code, "n": inst.seq},
                    body=_("应于 %(d)s 缴纳 %(amount)s 元，未按期缴纳。")
                    % {"d": f"{inst.due_date:%Y-%m-%d}", "amount": inst.amount},
                    link=reverse("dunning:house", args=[plan.house_id]),
                    project=plan.house.project,
                    dedupe_key=f"dunning-instalment:{inst.pk}",
                )
                counts["late"] += 1
    return counts


def cases_close_settled(*, as_of: dt.date | None = None) -> int:
    """Close every open case whose house no longer owes anything overdue (the daily task)."""
    as_of = as_of or timezone.localdate()
    closed = 0
    for case in DunningCase.objects.filter(status=CaseStatus.OPEN):
        if selectors.house_debt(case.house_id, as_of=as_of).owed <= ZERO:
            closed += DunningCase.objects.filter(pk=case.pk, status=CaseStatus.OPEN).update(
                status=CaseStatus.CLOSED, closed_on=as_of
            )
    return closed
