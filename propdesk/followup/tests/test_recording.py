"""Recording a visit (VIS-2, VIS-6): the three questions and three scores, the signature
for visits in person (CMP-10), sending an unsatisfied result back to the responsible
person with a deadline, a new matter opened as a linked ticket, the PM's review, overdue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from propdesk.core.errors import DomainError
from propdesk.desk.choices import EventKind, Status, TicketType
from propdesk.desk.models import Ticket
from propdesk.desk.services import ticket_assign, ticket_transition
from propdesk.followup.choices import VisitMethod, VisitPurpose, VisitStatus
from propdesk.followup.models import ReturnVisit
from propdesk.followup.selectors import visits_to_review, visits_todo
from propdesk.followup.services import visit_record, visit_review
from propdesk.notifications.models import Notification

from .conftest import at, close, open_ticket, signature_png

pytestmark = pytest.mark.django_db

GOOD = {"score_quality": 5, "score_result": 4, "score_attitude": 5}


def _visit(world, **fields) -> ReturnVisit:
    ticket = open_ticket(world, **fields)
    ticket_assign(ticket=ticket, assignee=world.users[("cleaner", "a")], by=world.assistant)
    close(world, ticket, by=world.assistant)
    return ReturnVisit.objects.get(ticket=ticket, purpose=VisitPurpose.ROUTINE)


def test_vis2_a_satisfied_phone_visit_is_recorded_on_the_ticket_timeline(world, presets):
    visit = _visit(world)
    visit_record(visit=visit, by=world.supervisor, method=VisitMethod.PHONE, handled=True, satisfied=True, **GOOD)
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DONE and visit.done_by == world.supervisor and visit.sent_back_at is None
    assert (visit.score_quality, visit.score_result, visit.score_attitude) == (5, 4, 5)
    event = visit.ticket.events.filter(kind=EventKind.COMMENT).last()
    assert "是否满意：是" in event.note and "质量 5 分" in event.note
    assert Ticket.objects.get(pk=visit.ticket_id).status == Status.CLOSED
    with pytest.raises(DomainError) as error:
        visit_record(visit=visit, by=world.supervisor, method=VisitMethod.PHONE, handled=True, satisfied=True, **GOOD)
    assert error.value.code == "visit_already_done"


def test_vis2_every_question_and_score_is_required(world, presets):
    visit = _visit(world)
    with pytest.raises(DomainError) as error:
        visit_record(visit=visit, by=world.supervisor, method=VisitMethod.PHONE, handled=True, satisfied=None, **GOOD)
    assert error.value.code == "visit_satisfied_required"
    with pytest.raises(DomainError) as error:
        visit_record(
            visit=visit,
            by=world.supervisor,
            method=VisitMethod.PHONE,
            handled=True,
            satisfied=True,
            **{**GOOD, "score_result": 6},
        )
    assert error.value.code == "visit_score_invalid" and error.value.field == "score_result"


def test_vis6_unsatisfied_visit_reopens_the_ticket_with_a_deadline_and_a_recheck_follows(world, presets, clock):
    visit = _visit(world)
    clock.set(at(2026, 6, 2, 10, 0))  # Tuesday
    visit_record(visit=visit, by=world.supervisor, method=VisitMethod.PHONE, handled=True, satisfied=False, **GOOD)
    visit.refresh_from_db()
    ticket = Ticket.objects.get(pk=visit.ticket_id)
    assert ticket.status == Status.IN_PROGRESS  # sent back to the responsible person
    assert visit.sent_back_at == at(2026, 6, 2, 10, 0) and visit.rework_due_at == at(2026, 6, 4, 10, 0)  # 2 working days
    reopened = ticket.events.filter(kind=EventKind.REOPENED).last()
    assert "客户不满意" in reopened.note and "2026-06-04 10:00" in reopened.note
    cleaner = world.users[("cleaner", "a")]
    assert Notification.objects.filter(recipient=cleaner, kind="visit.rework").exists()
    # handled again and closed: a recheck visit (复访), once
    ticket_transition(ticket=ticket, to_status=Status.RESOLVED, by=world.assistant)
    ticket_transition(ticket=ticket, to_status=Status.CLOSED, by=world.assistant)
    recheck = ReturnVisit.objects.get(ticket=ticket, purpose=VisitPurpose.RECHECK)
    assert recheck.round == 2 and recheck.status == VisitStatus.PLANNED
    assert ReturnVisit.objects.filter(ticket=ticket, purpose=VisitPurpose.ROUTINE).count() == 1


def test_vis6_not_handled_also_sends_the_ticket_back(world, presets):
    visit = _visit(world)
    visit_record(visit=visit, by=world.supervisor, method=VisitMethod.PHONE, handled=False, satisfied=True, **GOOD)
    assert Ticket.objects.get(pk=visit.ticket_id).status == Status.IN_PROGRESS


def test_vis2_anything_else_opens_a_new_ticket_linked_to_the_visit(world, presets):
    visit = _visit(world)
    visit_record(
        visit=visit,
        by=world.supervisor,
        method=VisitMethod.PHONE,
        handled=True,
        satisfied=True,
        other_matters="建议小区增设快递柜",
        new_ticket={"type": TicketType.SUGGESTION, "title": "增设快递柜"},
        **GOOD,
    )
    visit.refresh_from_db()
    raised = visit.follow_up_ticket
    assert raised.type == TicketType.SUGGESTION and raised.house == world.house_a and raised.reporter == world.person_a
    assert visit.ticket.number in raised.events.last().note


def test_vis6_a_visit_in_person_needs_the_customer_signature_or_a_signed_sheet(world, presets):
    visit = _visit(world)
    kwargs = {"visit": visit, "by": world.supervisor, "method": VisitMethod.IN_PERSON, "handled": True, "satisfied": True, **GOOD}
    with pytest.raises(DomainError) as error:
        visit_record(**kwargs)
    assert error.value.code == "visit_signature_required"
    with pytest.raises(DomainError) as error:
        visit_record(**kwargs, signature_png=signature_png(ink=False))
    assert error.value.code == "signature_blank"
    with pytest.raises(DomainError) as error:
        visit_record(**kwargs, signed_sheet=SimpleUploadedFile("sheet.txt", b"hello"))
    assert error.value.code == "upload_type_refused"
    visit_record(**kwargs, signed_sheet=SimpleUploadedFile("sheet.pdf", b"%PDF-1.4 signed"))
    visit.refresh_from_db()
    assert visit.signed_sheet.name.endswith(".pdf")


def test_cmp10_an_audit_visit_in_person_refuses_a_phone_call_and_keeps_the_signature(world, presets):
    ticket = open_ticket(world)
    close(world, ticket)
    audit = ReturnVisit.objects.get(ticket=ticket, purpose=VisitPurpose.AUDIT)  # the first complaint is drawn
    assert audit.in_person_required
    with pytest.raises(DomainError) as error:
        visit_record(visit=audit, by=world.supervisor, method=VisitMethod.PHONE, handled=True, satisfied=True, **GOOD)
    assert error.value.code == "visit_in_person_required"
    visit_record(
        visit=audit,
        by=world.supervisor,
        method=VisitMethod.IN_PERSON,
        handled=True,
        satisfied=True,
        signature_png=signature_png(),
        **GOOD,
    )
    audit.refresh_from_db()
    assert audit.signature.name.endswith(".png")


def test_vis5_only_the_visitor_or_a_supervisor_records(world, presets):
    visit = _visit(world)  # a minor CS complaint: the supervisor visits
    for user in (world.assistant, world.outsider, world.users[("engineer", "a")]):
        with pytest.raises(DomainError) as error:
            visit_record(visit=visit, by=user, method=VisitMethod.PHONE, handled=True, satisfied=True, **GOOD)
        assert error.value.code == "visit_not_yours"
    visit_record(visit=visit, by=world.users[("manager", "a")], method=VisitMethod.PHONE, handled=True, satisfied=True, **GOOD)


def test_vis6_the_pm_reviews_a_recorded_visit(world, presets):
    visit = _visit(world)
    manager = world.users[("manager", "a")]
    with pytest.raises(DomainError) as error:
        visit_review(visit=visit, by=manager)
    assert error.value.code == "visit_not_done"
    visit_record(visit=visit, by=world.supervisor, method=VisitMethod.PHONE, handled=True, satisfied=True, **GOOD)
    assert list(visits_to_review({world.project_a.pk})) == [visit]
    with pytest.raises(DomainError) as error:
        visit_review(visit=visit, by=world.supervisor)
    assert error.value.code == "visit_review_refused"
    visit_review(visit=visit, by=manager, note="记录完整")
    visit.refresh_from_db()
    assert visit.reviewed_by == manager and visit.review_note == "记录完整"
    assert not visits_to_review({world.project_a.pk}).exists()


def test_vis6_an_overdue_visit_comes_first_and_shows_as_overdue(world, presets, clock):
    first = _visit(world)
    clock.set(at(2026, 6, 3, 9, 0))
    second = _visit(world, title="电梯厅灯不亮")
    assert first.overdue_at(at(2026, 6, 3, 9, 0)) and not second.overdue_at(at(2026, 6, 3, 9, 0))
    assert list(visits_todo(world.supervisor, {world.project_a.pk}).filter(purpose=VisitPurpose.ROUTINE)) == [first, second]
    assert first.due_at + dt.timedelta(0) < second.due_at
