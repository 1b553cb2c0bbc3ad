"""People and occupancy: GB 11643 on registration, MOV-11 deregistration, MOV-13 transfer."""

import datetime as dt

import pytest

from propdesk.core.errors import DomainError
from propdesk.residents.choices import OccupancyEnd, OccupantRole
from propdesk.residents.models import Occupancy, Person
from propdesk.residents.services import (
    house_transfer,
    occupancy_add,
    occupancy_end,
    occupancy_set_primary_contact,
    occupant_register,
    person_create,
    person_update,
)


def test_person_resident_id_check_digit_enforced(world):
    with pytest.raises(DomainError) as error:
        person_create(project=world.project_a, name="王五", id_number="110101199003076631")
    assert error.value.field == "id_number" and "校验位" in error.value.message
    assert not Person.objects.filter(name="王五").exists()


def test_person_birthday_and_gender_taken_from_resident_id(world):
    person = person_create(project=world.project_a, name="王五", id_number="11010519491231002X")
    assert person.birthday == dt.date(1949, 12, 31) and person.gender == "F"


def test_person_birthday_must_agree_with_resident_id(world):
    with pytest.raises(DomainError) as error:
        person_create(project=world.project_a, name="王五", id_number="11010519491231002X", birthday=dt.date(1950, 1, 1))
    assert error.value.field == "birthday"


def test_passport_numbers_are_not_checked_as_resident_ids(world):
    person = person_create(project=world.project_a, name="John Smith", id_type="passport", id_number="E12345678")
    assert person.id_number == "E12345678"


def test_person_mobile_validated_and_search_keys_filled(world):
    with pytest.raises(DomainError) as error:
        person_create(project=world.project_a, name="王五", mobile="12345")
    assert error.value.field == "mobile"
    person = person_create(project=world.project_a, name="王小明", mobile="+86 139 0000 2222")
    assert (person.mobile, person.mobile_last4, person.name_initials, person.name_pinyin) == (
        "13900002222",
        "2222",
        "wxm",
        "wangxiaoming",
    )


def test_person_id_number_unique_within_project(world):
    with pytest.raises(DomainError) as error:
        person_create(project=world.project_a, name="冒名", id_number=world.person_a.id_number)
    assert error.value.code == "person_id_taken"
    # The same person may be known to another project too.
    assert person_create(project=world.project_b, name="张三", id_number=world.person_a.id_number).pk


def test_person_changes_keep_history(world):
    person_update(person=world.person_a, mobile="13700001234", by=world.assistant)
    assert world.person_a.history.latest().mobile == "13700001234"
    assert world.person_a.history.latest().history_user == world.assistant


def test_occupant_register_reuses_person_by_id_number(world):
    house = world.house_a
    occupancy = occupant_register(
        house=house,
        person_data={"name": "张三", "id_number": world.person_a.id_number},
        role=OccupantRole.FAMILY,
        start_date=dt.date(2025, 1, 1),
    )
    assert occupancy.person == world.person_a


def test_one_primary_contact_per_house(world):
    spouse = occupancy_add(
        house=world.house_a,
        person=person_create(project=world.project_a, name="李梅"),
        role=OccupantRole.FAMILY,
        start_date=dt.date(2025, 1, 1),
        is_primary_contact=True,
    )
    assert list(Occupancy.objects.filter(house=world.house_a, is_primary_contact=True)) == [spouse]
    occupancy_set_primary_contact(occupancy=world.owner_a)
    assert list(Occupancy.objects.filter(house=world.house_a, is_primary_contact=True)) == [world.owner_a]


def test_occupancy_refuses_person_of_other_project(world):
    with pytest.raises(DomainError) as error:
        occupancy_add(house=world.house_a, person=world.person_b, role=OccupantRole.TENANT, start_date=dt.date(2025, 1, 1))
    assert error.value.code == "occupancy_project_mismatch"


def test_mov11_deregistration_ends_but_never_deletes(world):
    tenant = occupancy_add(
        house=world.house_a,
        person=person_create(project=world.project_a, name="赵租"),
        role=OccupantRole.TENANT,
        start_date=dt.date(2025, 1, 1),
    )
    occupancy_end(occupancy=tenant, end_date=dt.date(2025, 6, 30), reason=OccupancyEnd.DEREGISTERED)
    tenant.refresh_from_db()
    assert tenant.end_date == dt.date(2025, 6, 30) and tenant.end_reason == OccupancyEnd.DEREGISTERED
    assert Occupancy.objects.filter(pk=tenant.pk).exists()
    with pytest.raises(DomainError) as again:
        occupancy_end(occupancy=tenant, end_date=dt.date(2025, 7, 1))
    assert again.value.rule == "MOV-11"


def test_mov11_end_date_not_before_start(world):
    with pytest.raises(DomainError) as error:
        occupancy_end(occupancy=world.owner_a, end_date=dt.date(2023, 1, 1))
    assert error.value.field == "end_date"


def test_mov13_transfer_replaces_owners_and_keeps_history(world):
    family = occupancy_add(
        house=world.house_a,
        person=person_create(project=world.project_a, name="张小三"),
        role=OccupantRole.FAMILY,
        start_date=dt.date(2024, 1, 1),
    )
    buyer = person_create(project=world.project_a, name="孙七", id_number="11010519491231002X")
    house_transfer(house=world.house_a, new_owners=[buyer], transfer_date=dt.date(2026, 3, 1))
    world.owner_a.refresh_from_db()
    assert world.owner_a.end_date == dt.date(2026, 3, 1) and world.owner_a.end_reason == OccupancyEnd.TRANSFERRED
    active_owners = Occupancy.objects.filter(house=world.house_a, role=OccupantRole.OWNER, end_date__isnull=True)
    assert [o.person for o in active_owners] == [buyer]
    assert active_owners[0].is_primary_contact
    family.refresh_from_db()
    assert family.end_date is None  # family members are deregistered on their own (MOV-11)
    assert Occupancy.objects.filter(house=world.house_a).count() == 3


def test_mov13_transfer_needs_a_new_owner(world):
    with pytest.raises(DomainError) as error:
        house_transfer(house=world.house_a, new_owners=[], transfer_date=dt.date(2026, 3, 1))
    assert error.value.rule == "MOV-13"
    world.owner_a.refresh_from_db()
    assert world.owner_a.end_date is None
