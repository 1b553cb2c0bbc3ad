"""MOV-14: house status with every change kept (who, when, why)."""

from decimal import Decimal

import pytest

from propdesk.core.errors import DomainError
from propdesk.estate.choices import HouseStatus
from propdesk.estate.models import HouseStatusChange
from propdesk.estate.services import house_change_status, house_create, house_update


def test_mov14_status_change_records_who_when_why(world):
    change = house_change_status(house=world.house_a, to_status=HouseStatus.RENTED, reason="业主出租", by=world.assistant)
    world.house_a.refresh_from_db()
    assert world.house_a.status == HouseStatus.RENTED
    assert (change.from_status, change.to_status, change.reason, change.changed_by) == (
        HouseStatus.NOT_HANDED_OVER,
        HouseStatus.RENTED,
        "业主出租",
        world.assistant,
    )
    assert change.changed_at is not None


def test_mov14_every_change_is_kept_in_order(world):
    for status in (HouseStatus.HANDED_OVER, HouseStatus.DECORATING, HouseStatus.OWNER_OCCUPIED):
        house_change_status(house=world.house_a, to_status=status, reason="变更", by=world.assistant)
    history = list(
        HouseStatusChange.objects.filter(house=world.house_a).order_by("changed_at", "id").values_list("to_status", flat=True)
    )
    assert history == [HouseStatus.NOT_HANDED_OVER, HouseStatus.HANDED_OVER, HouseStatus.DECORATING, HouseStatus.OWNER_OCCUPIED]


def test_mov14_reason_is_required(world):
    with pytest.raises(DomainError) as error:
        house_change_status(house=world.house_a, to_status=HouseStatus.VACANT, reason="  ", by=world.assistant)
    assert error.value.field == "reason" and error.value.rule == "MOV-14"
    assert HouseStatusChange.objects.filter(house=world.house_a).count() == 1


def test_mov14_unknown_status_refused(world):
    with pytest.raises(DomainError) as error:
        house_change_status(house=world.house_a, to_status="demolished", reason="x", by=world.assistant)
    assert error.value.field == "status"


def test_mov14_all_eight_statuses_exist():
    assert [label for _value, label in HouseStatus.choices] == [
        "未接房",
        "空置",
        "已入伙未装修",
        "装修中",
        "自住",
        "办公",
        "出租",
        "托管",
    ]


def test_house_code_unique_per_project_and_area_positive(world):
    with pytest.raises(DomainError) as taken:
        house_create(project=world.project_a, building_number="3", entrance_number="2", room="1201", floor=12, area=Decimal("50"))
    assert taken.value.code == "house_code_taken"
    with pytest.raises(DomainError) as area:
        house_create(project=world.project_a, building_number="3", entrance_number="2", room="1202", floor=12, area=Decimal("0"))
    assert area.value.field == "area"
    # The same code in another project is a different house.
    other = house_create(
        project=world.project_b, building_number="3", entrance_number="2", room="1201", floor=12, area=Decimal("50")
    )
    assert other.code == world.house_a.code


def test_house_changes_keep_history(world):
    house_update(house=world.house_a, area=Decimal("100.00"), by=world.assistant)
    latest = world.house_a.history.latest()
    assert latest.area == Decimal("100.00") and latest.history_user == world.assistant
    assert world.house_a.history.count() == 2


def test_house_code_and_status_are_not_editable_directly(world):
    with pytest.raises(DomainError):
        house_update(house=world.house_a, status=HouseStatus.VACANT)


def test_house_update_without_a_change_writes_no_history(world):
    house_update(house=world.house_a, by=world.assistant)
    house_update(house=world.house_a, area=Decimal("98.5"), notes=world.house_a.notes, by=world.assistant)
    assert world.house_a.history.count() == 1
    house_update(house=world.house_a, notes="阳台漏水已修", by=world.assistant)
    assert world.house_a.history.count() == 2


def test_mov14_status_sheet_colours_each_house_and_totals_by_status(world, client):
    from django.urls import reverse

    from propdesk.estate.selectors import house_status_sheet

    second = house_create(
        project=world.project_a,
        building_number="3",
        entrance_number="2",
        room="1202",
        floor=12,
        area=Decimal("60.25"),
        sold=False,
    )
    house_change_status(house=second, to_status=HouseStatus.CUSTODY, reason="托管协议", by=world.assistant)
    sheet = house_status_sheet(world.house_a.building)
    totals = {t.status: (t.count, t.area) for t in sheet.totals}
    assert totals[HouseStatus.CUSTODY] == (1, Decimal("60.25"))
    assert totals[HouseStatus.NOT_HANDED_OVER] == (1, Decimal("98.50"))
    assert (sheet.sold, sheet.unsold, sheet.area) == (1, 1, Decimal("158.75"))
    client.force_login(world.assistant)
    html = client.get(reverse("estate:status-sheet"), {"building": world.house_a.building_id}).content.decode()
    assert "3-2-1202" in html and "#fff176" in html and "托管" in html
    assert client.get(reverse("estate:status-sheet"), {"building": world.house_b.building_id}).status_code == 404
