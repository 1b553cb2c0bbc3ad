"""FEE-7: the dunning ladder as recorded steps — reminder (phone/SMS) → demand letter three
months after the first reminder (express, tracking number) → home visit → legal referral
(the PM) — every step recorded, append-only, with evidence; a supervisor may override the
order with a written reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from propdesk.core.errors import DomainError
from propdesk.dunning import selectors
from propdesk.dunning.choices import CaseStatus, StepKind
from propdesk.dunning.models import DunningCase, DunningStep, StepAttachment
from propdesk.dunning.services import cases_close_settled, step_record
from propdesk.notifications.models import Delivery, Notification

from .conftest import pay

D = dt.date
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _code(excinfo) -> str:
    return excinfo.value.code


def test_fee7_debt_is_overdue_open_lines_with_live_late_fee(owing, clock):
    debt = selectors.house_debt(owing.house_a.pk)
    assert debt.owed == Decimal("985.00")  # January–May, 197.00 each; June not yet due
    assert [row["period"] for row in debt.by_month()] == [D(2026, m, 1) for m in range(1, 6)]
    # FEE-3 live late fee: 197 × 0.003 × days overdue on July 1st, month by month.
    days = [(D(2026, 7, 1) - D(2026, m + 1, 10)).days for m in range(1, 6)]
    expected = sum((Decimal("197.00") * Decimal("0.003") * n).quantize(Decimal("0.01")) for n in days)
    assert debt.late_fees == expected
    assert debt.total == Decimal("985.00") + expected


def test_fee7_letter_only_three_months_after_the_first_reminder(owing, staff, clock):
    house = owing.house_a
    step_record(house=house, kind=StepKind.PHONE, by=staff.cashier, on_date=D(2026, 7, 1), note="业主称月底缴")
    clock.set(2026, 10, 1)
    with pytest.raises(DomainError) as excinfo:
        step_record(house=house, kind=StepKind.LETTER, by=staff.cashier, on_date=D(2026, 9, 30), tracking_number="SF1")
    assert _code(excinfo) == "dunning_letter_too_early" and excinfo.value.rule == "FEE-7"
    assert "2026-10-01" in excinfo.value.message
    with pytest.raises(DomainError) as excinfo:
        step_record(house=house, kind=StepKind.LETTER, by=staff.cashier, on_date=D(2026, 10, 1))
    assert _code(excinfo) == "dunning_letter_tracking_required" and excinfo.value.field == "tracking_number"
    letter = step_record(
        house=house, kind=StepKind.LETTER, by=staff.cashier, on_date=D(2026, 10, 1), tracking_number="SF123456789"
    )
    assert letter.tracking_number == "SF123456789" and letter.deadline == D(2026, 10, 16)
    assert letter.case_id == DunningStep.objects.get(kind=StepKind.PHONE).case_id


def test_fee7_letter_needs_a_reminder_first(owing, staff):
    with pytest.raises(DomainError) as excinfo:
        step_record(house=owing.house_a, kind=StepKind.LETTER, by=staff.cashier, tracking_number="SF1")
    assert _code(excinfo) == "dunning_letter_needs_reminder"
    assert not DunningStep.objects.exists()


def test_fee7_visit_after_letter_legal_after_visit_by_the_pm(owing, staff, clock):
    house = owing.house_a
    step_record(house=house, kind=StepKind.PHONE, by=staff.cashier, on_date=D(2026, 7, 1))
    with pytest.raises(DomainError) as excinfo:
        step_record(house=house, kind=StepKind.VISIT, by=staff.cashier)
    assert _code(excinfo) == "dunning_visit_needs_letter"
    clock.set(2026, 10, 8)
    step_record(house=house, kind=StepKind.LETTER, by=staff.cashier, on_date=D(2026, 10, 1), tracking_number="EMS1")
    with pytest.raises(DomainError) as excinfo:
        step_record(house=house, kind=StepKind.LEGAL, by=staff.manager)
    assert _code(excinfo) == "dunning_legal_needs_visit"
    step_record(house=house, kind=StepKind.VISIT, by=staff.cashier, note="业主在家，拒绝缴费")
    with pytest.raises(Http404):  # a supervisor collects but does not refer to legal action
        step_record(house=house, kind=StepKind.LEGAL, by=staff.supervisor)
    legal = step_record(house=house, kind=StepKind.LEGAL, by=staff.manager, note="移交律师事务所")
    ladder = selectors.ladder_of(list(legal.case.steps.order_by("on_date", "id")), as_of=clock.today)
    assert ladder.stage == StepKind.LEGAL and ladder.next.kind == ""


def test_fee7_supervisor_may_override_the_order_with_a_reason(owing, staff):
    house = owing.house_a
    with pytest.raises(DomainError) as excinfo:
        step_record(house=house, kind=StepKind.LETTER, by=staff.cashier, tracking_number="SF1", override_reason="业主即将出国")
    assert _code(excinfo) == "dunning_override_not_allowed" and excinfo.value.field == "override_reason"
    step = step_record(
        house=house, kind=StepKind.LETTER, by=staff.supervisor, tracking_number="SF1", override_reason="业主即将出国"
    )
    assert step.override_reason == "业主即将出国"


def test_fee7_steps_are_append_only_and_in_date_order(owing, staff, clock):
    clock.set(2026, 7, 5)
    step = step_record(house=owing.house_a, kind=StepKind.PHONE, by=staff.cashier)
    step.note = "改"
    with pytest.raises(DomainError):
        step.save()
    with pytest.raises(DomainError):
        step.delete()
    with pytest.raises(DomainError):
        DunningStep.objects.all().delete()
    with pytest.raises(DomainError) as excinfo:
        step_record(house=owing.house_a, kind=StepKind.PHONE, by=staff.cashier, on_date=D(2026, 7, 4))
    assert _code(excinfo) == "dunning_date_before_last"
    with pytest.raises(DomainError) as excinfo:
        step_record(house=owing.house_a, kind=StepKind.PHONE, by=staff.cashier, on_date=D(2026, 7, 6))
    assert _code(excinfo) == "dunning_date_in_future"


def test_fee7_no_step_on_a_house_without_arrears(world, fees, staff, clock):
    with pytest.raises(DomainError) as excinfo:
        step_record(house=world.house_a, kind=StepKind.PHONE, by=staff.cashier)
    assert _code(excinfo) == "dunning_no_arrears"
    assert not DunningCase.objects.exists()


def test_fee7_sms_reminder_with_amount_and_deadline_goes_through_notifications(owing, staff, django_capture_on_commit_callbacks):
    house = owing.house_a
    with pytest.raises(DomainError) as excinfo:  # the owner's account has no mobile number
        step_record(house=house, kind=StepKind.SMS, by=staff.cashier)
    assert _code(excinfo) == "dunning_sms_no_recipient"
    owing.resident_user.mobile = "13812345678"
    owing.resident_user.save(update_fields=["mobile"])
    with django_capture_on_commit_callbacks(execute=True):
        step = step_record(house=house, kind=StepKind.SMS, by=staff.cashier, amount_demanded="985.00")
    assert "985.00" in step.message and "2026年07月08日" in step.message and house.code in step.message
    notification = Notification.objects.get(kind="dunning.reminder", dedupe_key=f"dunning-sms:{step.pk}")
    assert notification.recipient == owing.resident_user and notification.body == step.message
    sms = Delivery.objects.get(notification=notification, channel="sms")
    assert sms.address == "13812345678" and sms.status == "sent"  # console backend, run eagerly


def test_fee7_evidence_is_checked_by_content(owing, staff):
    photo = SimpleUploadedFile("visit.png", PNG, content_type="image/png")
    step = step_record(house=owing.house_a, kind=StepKind.PHONE, by=staff.cashier, uploads=[photo])
    attachment = StepAttachment.objects.get(step=step)
    assert attachment.content_type == "image/png" and attachment.size == len(PNG)
    fake = SimpleUploadedFile("letter.pdf", b"not a pdf at all", content_type="application/pdf")
    with pytest.raises(DomainError) as excinfo:
        step_record(house=owing.house_a, kind=StepKind.PHONE, by=staff.cashier, uploads=[fake])
    assert _code(excinfo) == "upload_type_refused"
    assert DunningStep.objects.count() == 1  # the refused step left nothing behind


def test_fee7_case_closes_when_the_arrears_are_paid(owing, staff, clock):
    step = step_record(house=owing.house_a, kind=StepKind.PHONE, by=staff.cashier)
    assert step.case.collector == staff.cashier
    pay(owing.house_a, staff.cashier, "2000.00")
    assert cases_close_settled() == 1
    case = DunningCase.objects.get(pk=step.case_id)
    assert case.status == CaseStatus.CLOSED and case.closed_on == clock.today
