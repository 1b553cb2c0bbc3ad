"""`seed_demo`: valid, realistic demo data, a login per role, and idempotent."""

import datetime as dt
import io
from collections import Counter
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from propdesk.accounts.models import Membership, User
from propdesk.accounts.roles import Role
from propdesk.core import demo
from propdesk.core.idcard import gender_of, parse_resident_id
from propdesk.core.phones import is_mobile
from propdesk.desk.choices import (
    Channel,
    ContactOutcome,
    EventKind,
    LineStage,
    PriceKind,
    Priority,
    Status,
    TicketType,
    Validity,
)
from propdesk.desk.models import ComplaintDetail, Contact, DutyShift, Happening, PriceItem, Ticket, TicketEvent, WorkOrder
from propdesk.estate.choices import HouseStatus
from propdesk.estate.models import House, HouseStatusChange, Project
from propdesk.residents.choices import IdType, OccupantRole
from propdesk.residents.models import Occupancy, Person
from propdesk.residents.services import person_search_keys
from propdesk.sla.choices import ClockState
from propdesk.sla.models import SlaClock, SlaFiring


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", scale="small", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The small demo, seeded once for this module inside a transaction that is rolled back
    at its end; each test runs in a savepoint of it (pytest-django's `db`) — one seed of
    ~30 s instead of one per test."""
    test_settings = override_settings(  # as conftest's per-test settings, which are not active yet
        MEDIA_ROOT=tmp_path_factory.mktemp("demo-media"), PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    )
    with django_db_blocker.unblock(), test_settings, transaction.atomic():
        _seed()
        yield timezone.now()  # when the seed ended: later tests compare with it, not with their own now
        transaction.set_rollback(True)


@pytest.fixture
def seeded(_seeded_once, db):
    """Every test of this module sees the seeded demo (the module seeds it once); the time
    the seed ended."""
    return _seeded_once


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_every_resident_id_is_valid_gb11643_and_matches_birthday_and_gender(seeded):
    persons = Person.objects.filter(id_type=IdType.RESIDENT_ID)
    assert persons.count() > 100
    for person in persons:
        assert parse_resident_id(person.id_number) == person.birthday, person.id_number
        assert gender_of(person.id_number) == person.gender, person.id_number


def test_mobiles_are_unique_and_valid(seeded):
    mobiles = list(Person.objects.exclude(mobile="").values_list("mobile", flat=True))
    assert len(mobiles) > 100
    assert len(mobiles) == len(set(mobiles))
    assert all(is_mobile(m) and m[:2] in {"13", "15", "17", "18", "19"} for m in mobiles)


def test_search_keys_are_filled_as_the_service_fills_them(seeded):
    for person in Person.objects.all()[:200]:
        stored = (person.name_initials, person.name_pinyin, person.mobile_last4, person.id_last4)
        person_search_keys(person)
        assert stored == (person.name_initials, person.name_pinyin, person.mobile_last4, person.id_last4)


def test_every_role_has_a_demo_login_with_the_demo_password(seeded):
    for role in Role:
        membership = Membership.objects.filter(role=role).select_related("user").first()
        assert membership is not None, role
        assert membership.user.check_password(demo.DEMO_PASSWORD)
        assert (membership.project is None) == (role in (Role.HEAD_OFFICE, Role.ADMIN))
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert Membership.objects.get(user__username="assistant2").project.code == "cuihu"


def test_resident_login_owns_a_house(seeded):
    user = User.objects.get(username=demo.RESIDENT_USERNAME)
    assert user.kind == User.Kind.RESIDENT
    person = Person.objects.get(account=user)
    assert Occupancy.objects.filter(person=person, role=OccupantRole.OWNER, end_date__isnull=True).exists()


def test_each_house_has_its_status_history_ending_in_its_status(seeded):
    houses = House.objects.all()
    assert houses.count() > 50
    assert len({h.status for h in houses}) >= 5
    for house in houses:
        last = HouseStatusChange.objects.filter(house=house).order_by("changed_at", "id").last()
        assert last is not None and last.to_status == house.status
        assert (house.handover_date is None) == (house.status == HouseStatus.NOT_HANDED_OVER)


def test_occupancies_keep_history_and_one_primary_contact_per_house(seeded):
    assert Occupancy.objects.filter(end_date__isnull=False).exists()
    primaries = Counter(Occupancy.objects.filter(is_primary_contact=True).values_list("house_id", flat=True))
    assert primaries and max(primaries.values()) == 1
    assert not Occupancy.objects.filter(is_primary_contact=True, end_date__isnull=False).exists()


def test_rerunning_creates_nothing_and_says_so(seeded):
    before = _row_counts()
    assert before["desk.Ticket"] and before["desk.Contact"] and before["sla.SlaClock"]
    output = _seed()
    assert "未做任何更改" in output
    assert _row_counts() == before


def test_demo_logins_lists_every_login(seeded):
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert demo.DEMO_URL in text and demo.DEMO_PASSWORD in text
    for login in demo.DEMO_LOGINS:
        assert login.username in text
    assert demo.RESIDENT_USERNAME in text


# --- the service desk (two tests: each seed now goes through the desk services) -----------


def test_the_desk_holds_every_type_and_status_a_signed_paid_repair_and_a_major_happening(seeded):
    tickets = Ticket.objects.all()
    assert set(tickets.values_list("type", flat=True)) == set(TicketType.values)
    assert set(tickets.values_list("status", flat=True)) == set(Status.values)
    assert tickets.filter(project__code="cuihu").exists()
    # contacts (DESK-1): every ticket came from one; some were answered on the spot
    contacts = Contact.objects.all()
    assert 35 <= contacts.count() <= 60
    assert {Channel.PHONE, Channel.VISIT, Channel.ONLINE, Channel.STAFF, Channel.PATROL} <= set(
        contacts.values_list("channel", flat=True)
    )
    outcomes = Counter(contacts.values_list("outcome", flat=True))
    assert outcomes[ContactOutcome.ANSWERED] >= 5 and outcomes[ContactOutcome.LINKED] >= 1
    assert outcomes[ContactOutcome.TICKET] == tickets.count()
    assert not contacts.filter(outcome=ContactOutcome.ANSWERED, answer="").exists()
    # the price list and a paid repair: quote accepted, signed off, final charge (REP-4/6)
    assert PriceItem.objects.count() >= 10
    assert PriceItem.objects.filter(project__code="sunshine", name="更换水龙头", unit_price=Decimal("30.00")).exists()
    order = WorkOrder.objects.get(paid=True, completed_at__isnull=False)
    assert order.quote_accepted_at is not None and order.quote_total == Decimal("75.00")
    assert order.signature.name.endswith(".png")
    assert order.final_charge == sum(line.amount for line in order.lines_of(LineStage.FINAL)) == Decimal("78.00")
    assert order.ticket.status == Status.CLOSED
    assert WorkOrder.objects.filter(pool_open=True, ticket__status=Status.NEW).exists()  # REP-5
    assert WorkOrder.objects.get(appointment_start__isnull=False).ticket.status == Status.WAITING_APPOINTMENT
    assert WorkOrder.objects.filter(paid=False, completed_at__isnull=False).exclude(confirmed_by_name="").exists()
    # complaints: invalid with its explanation, effective / important, a happening made major
    assert ComplaintDetail.objects.filter(validity=Validity.INVALID).exclude(explanation="").exists()
    assert ComplaintDetail.objects.filter(
        validity=Validity.EFFECTIVE, ticket__priority=Priority.IMPORTANT, happening__isnull=True
    ).exists()
    happening = Happening.objects.get()
    assert happening.promoted_at is not None
    linked = Ticket.objects.filter(complaint__happening=happening)
    assert linked.count() == 5 and len(set(linked.values_list("reporter_id", flat=True))) == 5
    assert set(linked.values_list("priority", flat=True)) == {Priority.MAJOR}
    emergency = Ticket.objects.get(type=TicketType.EMERGENCY)
    assert "爆管" in emergency.title and emergency.priority == Priority.VERY_URGENT
    # DESK-8: published services, providers, a referral, services on their work orders
    assert PriceItem.objects.filter(kind=PriceKind.SERVICE, active=True).count() >= 5
    assert Contact.objects.filter(outcome=ContactOutcome.REFERRED, referred_to__isnull=False).exists()
    assert WorkOrder.objects.filter(ticket__type=TicketType.SERVICE, paid=True, quote_accepted_at__isnull=False).exists()
    # VIS/REP-8: closing schedules return visits, back-dated with their tickets; one recorded
    from propdesk.followup.models import ReturnVisit

    visits = ReturnVisit.objects.select_related("ticket")
    assert visits.exists() and visits.filter(done_at__isnull=False, satisfied=True).exists()
    assert all(v.created_at >= v.ticket.closed_at - dt.timedelta(seconds=1) for v in visits if v.ticket_id and v.ticket.closed_at)
    # VIS-3: new residents of the last month, visited by the PM (followup.demo)
    assert visits.filter(purpose="move_in", ticket__isnull=True, visitor__username="manager").exists()
    # DESK-7/INC-4: alarmed, steps ticked before it was resolved, summary written, a roster on duty
    assert emergency.emergency.responders.exists() and len(emergency.emergency.summary) > 50
    assert emergency.emergency_checks.filter(done_at__isnull=False).count() == emergency.emergency_checks.count() == 6
    assert all(check.done_at < emergency.resolved_at for check in emergency.emergency_checks.all())
    assert DutyShift.objects.filter(starts_at__lte=timezone.now(), ends_at__gt=timezone.now()).exists() or (
        timezone.localtime().hour < 8 or timezone.localtime().hour >= 20
    )


def test_desk_tickets_are_back_dated_consistently_and_overdue_ones_breached(seeded):
    now = seeded  # the sweep ran as the seed ended; deadlines passing since are the beat's next sweep
    second = dt.timedelta(seconds=1)  # what the services stamp within one call
    assert Ticket.objects.filter(created_at__lt=now - dt.timedelta(days=3)).exists()
    for ticket in Ticket.objects.all():
        events = list(TicketEvent.objects.filter(ticket=ticket).order_by("at", "id"))
        assert events[0].kind == EventKind.CREATED, ticket
        assert abs(events[0].at - ticket.created_at) < second, ticket
        assert events[-1].at <= now
        contact = ticket.contacts.filter(outcome=ContactOutcome.TICKET).get()
        assert abs(contact.received_at - ticket.created_at) < second, ticket
        for clock in SlaClock.objects.filter(ticket=ticket):
            assert clock.started_at >= ticket.created_at - second, clock
            assert clock.met_at is None or clock.started_at <= clock.met_at <= now, clock
    # the sweep has recorded the passed deadlines: overdue clocks, breach firings, nothing left running late
    assert SlaClock.objects.filter(state=ClockState.BREACHED, met_at__isnull=True, ended_at__isnull=True).exists()
    assert SlaFiring.objects.filter(key__startswith="breach:").exists()
    assert Ticket.objects.filter(status=Status.NEW, next_deadline_at__lt=now).exists()
    assert not SlaClock.objects.filter(state=ClockState.RUNNING, deadline_at__lt=now).exists()


def test_billing_demo_has_a_year_of_bills_gap_free_receipts_and_some_arrears(seeded):
    from propdesk.billing.arrears import arrears_list
    from propdesk.billing.models import BillingRun, Entry, Payment, PaymentReversal

    first, second = Project.objects.order_by("pk")[:2]
    months = BillingRun.objects.values("period").distinct()  # the metering demo runs its three months again
    assert months.filter(project=first).count() == 12 and months.filter(project=second).count() == 6
    for project in (first, second):
        numbers = list(Payment.objects.filter(project=project).order_by("number").values_list("number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) > 50  # receipts gap-free
    assert {"cash", "wechat", "transfer"} <= set(Payment.objects.values_list("method", flat=True))
    owing = arrears_list(project_ids=[first.pk, second.pk])
    assert len(owing.rows) > 0 and len({row.bucket for row in owing.rows}) >= 2
    assert PaymentReversal.objects.count() == 1 and Entry.objects.filter(kind="waiver").count() >= 1
    assert Entry.objects.filter(kind="prepayment").exists()
    # 阳光花园's 审批 queue and 账单异议 pages show something (FEE-3/4/5)
    from propdesk.billing.models import ApprovalRequest, BillDispute

    assert set(ApprovalRequest.objects.filter(project=first).values_list("status", flat=True)) == {"pending", "approved"}
    assert BillDispute.objects.filter(project=first, status="upheld").exists()


def test_fee7_demo_dunning_in_the_first_project(seeded):
    """Dunning on the console: steps on arrears houses of 阳光花园 — a reminder, a demand letter
    with its tracking number, a promise, an instalment plan — and a limitation warning."""
    from django.test import Client
    from django.urls import reverse

    from propdesk.dunning import selectors
    from propdesk.dunning.choices import StepKind
    from propdesk.dunning.models import DunningStep, InstalmentPlan, PaymentPromise
    from propdesk.notifications.models import Notification

    project = Project.objects.order_by("pk").first()
    steps = DunningStep.objects.filter(project=project)
    assert {StepKind.PHONE, StepKind.LETTER, StepKind.VISIT} <= set(steps.values_list("kind", flat=True))
    assert steps.get(kind=StepKind.LETTER).tracking_number.startswith("SF")
    assert PaymentPromise.objects.filter(project=project).count() == 2
    assert InstalmentPlan.objects.filter(project=project).exists()
    warnings = selectors.limitation_warnings(project_ids=[project.pk])
    assert warnings and Notification.objects.filter(kind="dunning.limitation").exists()
    assert Notification.objects.filter(kind="dunning.promise_broken").exists()
    cashier = User.objects.filter(memberships__role="cashier", memberships__project=project).first()
    client = Client()
    client.force_login(cashier)
    page = client.get(reverse("dunning:worklist")).content.decode()
    assert "催缴函" in page and 'id="limitation-warnings"' in page
    house = steps.get(kind=StepKind.LETTER).house
    letter = client.get(reverse("dunning:letter", args=[house.pk]), {"step": steps.get(kind=StepKind.LETTER).pk})
    assert letter.status_code == 200 and steps.get(kind=StepKind.LETTER).tracking_number in letter.content.decode()
    report = client.get(reverse("billing:collection")).content.decode()
    assert 'id="collection-projects"' in report and project.name in report


def test_outreach_demo_has_this_months_visits_and_care_tasks(seeded):
    """VIS-7 / ARC-6 on the console: quotas, this month's proactive visits of 阳光花园 (one
    opinion → ticket), care tasks of the coming days."""
    from propdesk.outreach.models import CareTask, OutreachPolicy, ProactiveVisit

    sunshine = Project.objects.get(name="阳光花园")
    today = timezone.localdate()
    visits = ProactiveVisit.objects.filter(project=sunshine, visited_on__gte=today.replace(day=1), visited_on__lte=today)
    assert 10 <= visits.count() <= 15 and OutreachPolicy.objects.filter(project=sunshine).exists()
    assert visits.filter(ticket__isnull=False).count() == 1
    assert not visits.filter(entered_home=True, companion__isnull=True).exists()
    tasks = CareTask.objects.filter(project=sunshine)
    assert tasks.exists() and tasks.filter(status="done").count() == 1
