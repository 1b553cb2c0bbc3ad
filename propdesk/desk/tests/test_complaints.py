"""Complaints: CMP-2 record, CMP-4 classification, CMP-5 five complainants make major,
CMP-7 upward alerts, CMP-8 recorded steps."""

import threading

import pytest
from django.db import connection

from propdesk.core.errors import DomainError
from propdesk.desk.choices import ComplaintStep, Priority, TicketType, Validity
from propdesk.desk.complaints import (
    complaint_classify,
    complaint_link,
    complaint_record_details,
    complaint_record_step,
    happening_create,
)
from propdesk.desk.models import Happening, Ticket
from propdesk.desk.services import ticket_open
from propdesk.notifications.models import Notification


def complaint(world, n=0, **extra):
    fields = {
        "type": TicketType.COMPLAINT,
        "title": f"夜间施工噪音{n}",
        "category": "decoration",
        "location": "3栋",
        "reporter_phone": f"139000000{n:02d}",
    }
    return ticket_open(project=world.project_a, by=world.assistant, **{**fields, **extra})


def test_cmp2_complaint_records_who_is_complained_about_and_the_demand(world):
    ticket = complaint(world)
    detail = complaint_record_details(
        ticket=ticket,
        by=world.assistant,
        complained_department="security",
        complained_person="门岗李师傅",
        customer_demand="要求道歉",
    )
    assert (detail.complained_department, detail.complained_person, detail.customer_demand) == (
        "security",
        "门岗李师傅",
        "要求道歉",
    )


def test_cmp4_only_the_supervisor_classifies(world):
    ticket = complaint(world)
    with pytest.raises(DomainError) as error:
        complaint_classify(ticket=ticket, validity=Validity.EFFECTIVE, severity=Priority.MINOR, by=world.assistant)
    assert error.value.rule == "CMP-4"
    detail = complaint_classify(ticket=ticket, validity=Validity.EFFECTIVE, severity=Priority.MINOR, by=world.supervisor)
    assert (detail.validity, detail.classified_by) == (Validity.EFFECTIVE, world.supervisor)
    assert ticket.events.filter(kind="classified").exists()


def test_cmp4_invalid_complaint_still_records_the_explanation(world):
    ticket = complaint(world)
    with pytest.raises(DomainError) as error:
        complaint_classify(ticket=ticket, validity=Validity.INVALID, by=world.supervisor)
    assert error.value.field == "explanation"
    detail = complaint_classify(
        ticket=ticket, validity=Validity.INVALID, explanation="施工在许可时段内，已向客户说明并致歉", by=world.supervisor
    )
    assert detail.explanation.startswith("施工在许可时段内")
    assert ticket.events.get(kind="classified").note == detail.explanation


def test_cmp5_severity_set_on_classification_and_cmp7_alerts_upward(world):
    ticket = complaint(world)
    complaint_classify(ticket=ticket, validity=Validity.EFFECTIVE, severity=Priority.IMPORTANT, by=world.supervisor)
    ticket.refresh_from_db()
    assert ticket.priority == Priority.IMPORTANT
    recipients = set(Notification.objects.filter(kind="complaint.escalated").values_list("recipient__username", flat=True))
    assert {"supervisor_a", "manager_a"} <= recipients and "head_office" not in recipients and "supervisor_b" not in recipients


def test_cmp7_major_complaint_reaches_head_office(world):
    ticket = complaint(world)
    complaint_classify(ticket=ticket, validity=Validity.EFFECTIVE, severity=Priority.MAJOR, by=world.supervisor)
    recipients = set(Notification.objects.filter(kind="complaint.escalated").values_list("recipient__username", flat=True))
    assert {"supervisor_a", "manager_a", "head_office"} <= recipients


def test_cmp5_five_distinct_complainants_on_one_happening_make_all_major(world):
    happening = happening_create(project=world.project_a, title="3栋夜间装修噪音", by=world.supervisor)
    tickets = [complaint(world, n) for n in range(4)]
    tickets.append(complaint(world, 0))  # the same caller again: still four customers
    for ticket in tickets:
        complaint_link(ticket=ticket, happening=happening, by=world.supervisor)
    assert not Ticket.objects.filter(priority=Priority.MAJOR).exists()
    fifth = complaint(world, 4)
    complaint_link(ticket=fifth, happening=happening, by=world.supervisor)
    assert Ticket.objects.filter(priority=Priority.MAJOR).count() == 6
    happening.refresh_from_db()
    assert happening.promoted_at is not None
    late = complaint(world, 5)
    complaint_link(ticket=late, happening=happening, by=world.supervisor)
    late.refresh_from_db()
    assert late.priority == Priority.MAJOR
    assert late.events.filter(kind="priority").get().note.startswith("同一事件投诉客户达")


def test_cmp5_linking_needs_the_same_project_and_a_classifier(world):
    happening = happening_create(project=world.project_a, title="停水", by=world.supervisor)
    with pytest.raises(DomainError):
        complaint_link(ticket=complaint(world), happening=happening, by=world.assistant)
    other = ticket_open(
        project=world.project_b, by=world.outsider, type=TicketType.COMPLAINT, title="x", category="other", location="1栋"
    )
    with pytest.raises(DomainError):
        complaint_link(ticket=other, happening=happening, by=world.users[("supervisor", "b")])


def test_cmp8_handling_steps_are_recorded_in_order(world):
    ticket = complaint(world)
    with pytest.raises(DomainError):
        complaint_record_step(ticket=ticket, step=ComplaintStep.OPINION, text="请保安部核实", by=world.assistant)
    complaint_record_step(ticket=ticket, step=ComplaintStep.OPINION, text="请保安部核实并回复", by=world.supervisor)
    complaint_record_step(ticket=ticket, step=ComplaintStep.HANDLING, text="已约谈当班保安", by=world.users[("guard", "a")])
    detail = complaint_record_step(ticket=ticket, step=ComplaintStep.RESULT_TOLD, text="已电话告知客户", by=world.assistant)
    assert (detail.opinion, detail.handling, detail.result_told) == ("请保安部核实并回复", "已约谈当班保安", "已电话告知客户")
    assert [e.after["step"] for e in ticket.events.filter(kind="step")] == ["opinion", "handling", "result_told"]
    with pytest.raises(DomainError) as empty:
        complaint_record_step(ticket=ticket, step=ComplaintStep.HANDLING, text=" ", by=world.supervisor)
    assert empty.value.rule == "CMP-8"


def test_complaint_services_refuse_other_ticket_types(world):
    repair = ticket_open(
        project=world.project_a, by=world.assistant, type=TicketType.REPAIR, title="灯坏", category="electrical", location="大堂"
    )
    with pytest.raises(DomainError) as error:
        complaint_classify(ticket=repair, validity=Validity.EFFECTIVE, by=world.supervisor)
    assert error.value.code == "not_a_complaint"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers; the race needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_cmp5_two_supervisors_linking_the_fifth_at_once_promote_exactly_once(world):
    happening = happening_create(project=world.project_a, title="电梯停运", by=world.supervisor)
    for n in range(4):
        complaint_link(ticket=complaint(world, n), happening=happening, by=world.supervisor)
    fifth, sixth = complaint(world, 4), complaint(world, 5)
    errors = []
    barrier = threading.Barrier(2)

    def link(ticket, user):
        try:
            barrier.wait()
            complaint_link(ticket=ticket, happening=Happening.objects.get(pk=happening.pk), by=user)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    pairs = ((fifth, world.supervisor), (sixth, world.users[("manager", "a")]))
    threads = [threading.Thread(target=link, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert Ticket.objects.filter(priority=Priority.MAJOR).count() == 6
    for ticket in Ticket.objects.all():
        assert ticket.events.filter(kind="priority").count() == 1, ticket.number
