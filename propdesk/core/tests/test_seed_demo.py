"""`seed_demo`: valid, realistic demo data, a login per role, and idempotent."""

import io
from collections import Counter

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction

from propdesk.accounts.models import Membership, User
from propdesk.accounts.roles import Role
from propdesk.core import demo
from propdesk.core.idcard import gender_of, parse_resident_id
from propdesk.core.phones import is_mobile
from propdesk.estate.choices import HouseStatus
from propdesk.estate.models import House, HouseStatusChange, Project
from propdesk.residents.choices import IdType, OccupantRole
from propdesk.residents.models import Occupancy, Person
from propdesk.residents.services import person_search_keys


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", scale="small", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db):
    _seed()


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
    output = _seed()
    assert "未做任何更改" in output
    assert _row_counts() == before


class _Rollback(Exception):
    pass


def test_the_same_seed_gives_the_same_people(db):
    def sample():
        return list(Person.objects.order_by("id").values_list("name", "mobile", "id_number", "birthday")[:100])

    try:
        with transaction.atomic():
            _seed()
            first = sample()
            raise _Rollback
    except _Rollback:
        pass
    assert not Project.objects.exists()
    _seed()
    assert sample() == first


def test_demo_logins_lists_every_login(seeded):
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert demo.DEMO_URL in text and demo.DEMO_PASSWORD in text
    for login in demo.DEMO_LOGINS:
        assert login.username in text
    assert demo.RESIDENT_USERNAME in text
