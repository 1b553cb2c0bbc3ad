"""The metering console: rounds, the fast entry sheet, the anomaly queue, the printable
抄表单, Excel export and import (all or nothing, every error with its row and Chinese
column name) — and who may open each (the permission matrix)."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from propdesk.core.testing import cells, check_page_matrix, page_client
from propdesk.metering import services
from propdesk.metering.choices import ReadingStatus
from propdesk.metering.models import Reading

from .conftest import make_metering, read_month

READERS = {"assistant", "supervisor", "manager", "engineer", "cashier", "admin"}  # METER_READ
CONFIRMERS = {"supervisor", "manager", "admin"}  # METER_CONFIRM


@pytest.fixture
def both(world, metering):
    """Project A's meters read in May; June open with one anomaly; the same in project B."""
    other = make_metering(world, world.project_b)
    world.a, world.b = metering, other
    for s, by in ((metering, world.assistant), (other, world.users[("assistant", "b")])):
        read_month(s, by, 5, {s.water_meter: "150", s.power_meter: "1010"})
        s.round, s.readings = read_month(s, by, 6, {s.water_meter: "140"})
    return world


def _door(world, allowed: set[str], act) -> None:
    """A page about one object: 200 for an allowed cell, 404 for any other signed-in
    cell, the login page for nobody."""
    failures = []
    for cell in cells(allowed):
        response = act(page_client(world, cell.role), cell)
        expected = 302 if cell.role is None else 200 if cell.allowed else 404
        if response.status_code != expected:
            failures.append(f"{cell}: expected {expected}, got {response.status_code}")
    assert not failures, "permission matrix:\n  " + "\n  ".join(failures)


def test_rounds_page_permission_matrix(both):
    def act(client, cell):
        response = client.get(reverse("metering:rounds"))
        project = cell.pick(both.project_a, both.project_b)
        return response, f'data-project="{project.pk}"' in response.content.decode()

    check_page_matrix(both, READERS, act)


def test_anomaly_queue_permission_matrix(both):
    def act(client, cell):
        response = client.get(reverse("metering:anomalies"))
        project = cell.pick(both.project_a, both.project_b)
        return response, f'data-project="{project.pk}"' in response.content.decode()

    check_page_matrix(both, READERS, act)


@pytest.mark.parametrize("name", ["metering:round", "metering:round-print", "metering:round-import"])
def test_round_pages_permission_matrix(both, name):
    _door(both, READERS, lambda client, cell: client.get(reverse(name, args=[cell.pick(both.a, both.b).round.pk])))


def test_round_export_permission_matrix(both):
    exporters = READERS & {"assistant", "supervisor", "manager", "cashier", "admin"}  # and DATA_EXPORT
    _door(
        both,
        exporters,
        lambda client, cell: client.get(reverse("metering:round-export", args=[cell.pick(both.a, both.b).round.pk])),
    )


def test_confirm_on_the_queue_permission_matrix(both):
    failures = []
    for cell in cells(CONFIRMERS):
        from django.db import transaction

        with transaction.atomic():
            reading = cell.pick(both.a, both.b).readings[cell.pick(both.a, both.b).water_meter]
            both.a.water_meter.digits = both.b.water_meter.digits = 3
            both.a.water_meter.save()
            both.b.water_meter.save()
            response = page_client(both, cell.role).post(
                reverse("metering:reading-decide", args=[reading.pk]), {"decision": "confirm", "rollover": "1"}
            )
            done = Reading.objects.get(pk=reading.pk).status == ReadingStatus.CONFIRMED
            transaction.set_rollback(True)
        expected = 302 if cell.allowed or cell.role is None else 404
        if response.status_code != expected or done is not cell.allowed:
            failures.append(f"{cell}: {response.status_code} done={done}")
    assert not failures, "\n".join(failures)


def test_fee1_round_is_created_for_a_building_and_lists_its_meters_in_floor_order(world, metering):
    client = page_client(world, "assistant")
    response = client.post(reverse("metering:rounds"), {"month": "2026-06", "buildings": [metering.building.pk]})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert page.index(f"W-{world.house_a.code}") > 0 and "reading-input" in page
    again = client.post(reverse("metering:rounds"), {"month": "2026-06", "buildings": [metering.building.pk]})
    assert "已有包含所选楼栋的抄表轮次" in again.content.decode()


def test_fee1_entry_row_saves_and_answers_usage_and_anomaly(world, metering):
    read_month(metering, world.assistant, 5, {metering.water_meter: "150"})
    reading_round = services.round_create(
        project=world.project_a, buildings=[metering.building], month=dt.date(2026, 6, 1), by=world.assistant
    )
    client = page_client(world, "engineer")
    url = reverse("metering:round-read", args=[reading_round.pk])
    ok = client.post(url, {"meter": metering.water_meter.pk, "value": "160.5"}).json()
    assert (ok["usage"], ok["status"]) == ("10.50", "confirmed")
    held = client.post(url, {"meter": metering.water_meter.pk, "value": "140"}).json()
    assert held["status"] == "held" and "低于上次读数" in held["anomaly"]
    bad = client.post(url, {"meter": metering.water_meter.pk, "value": "-3"})
    assert bad.status_code == 400 and "不能为负数" in bad.json()["error"]
    other = make_metering(world, world.project_b)
    assert client.post(url, {"meter": other.water_meter.pk, "value": "1"}).status_code == 404


def test_print_sheet_shows_each_meters_last_reading_and_blank_cells(both):
    page = page_client(both, "assistant").get(reverse("metering:round-print", args=[both.a.round.pk])).content.decode()
    assert "抄表单" in page and "150.00" in page and "1010.00" in page and 'class="blank"' in page


def test_round_export_is_a_workbook_of_the_rounds_readings(both):
    response = page_client(both, "assistant").get(reverse("metering:round-export", args=[both.a.round.pk]))
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("楼栋", "房屋/位置", "表类型", "表号")
    water = next(r for r in rows if r[3] == both.a.water_meter.serial)
    assert (water[6], water[8]) == (140, "待确认")


# -- import ---------------------------------------------------------------------------------------


def _sheet(rows, header=("房屋编码", "表类型", "表号", "上次读数", "本次读数", "抄表日期", "备注")) -> BytesIO:
    workbook = Workbook()
    workbook.active.append(list(header))
    for row in rows:
        workbook.active.append(list(row))
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "readings.xlsx"
    return buffer


def test_import_template_lists_the_rounds_meters_with_instructions(both):
    response = page_client(both, "assistant").get(reverse("metering:round-import", args=[both.a.round.pk]), {"template": 1})
    workbook = load_workbook(BytesIO(response.content))
    assert workbook.sheetnames == ["抄表", "填写说明"]
    serials = [row[2] for row in workbook["抄表"].iter_rows(min_row=2, values_only=True)]
    assert set(serials) == {both.a.water_meter.serial, both.a.power_meter.serial}


def test_import_reports_every_error_with_row_and_chinese_column_and_writes_nothing(both):
    a = both.a
    upload = _sheet(
        [
            ("3-2-1201", "电表", a.power_meter.serial, None, "1020", "2026-06-28", ""),  # fine
            ("9-9-999", "水表", a.water_meter.serial, None, "abc", "2026-13-01", ""),  # three errors
            ("", "", "NOPE", None, "5", None, ""),  # unknown meter
            ("", "", a.power_meter.serial, None, "1030", None, ""),  # duplicate
            ("", "", a.water_meter.serial, None, "-1", "2026-07-02", ""),  # duplicate, negative, future
        ]
    )
    response = page_client(both, "assistant").post(reverse("metering:round-import", args=[a.round.pk]), {"file": upload})
    assert response.status_code == 400
    errors = {(e["row"], e["column"]) for e in response.context["result"].errors}
    assert errors == {
        (3, "房屋编码"),
        (3, "本次读数"),
        (3, "抄表日期"),
        (4, "表号"),
        (5, "表号"),
        (6, "表号"),
        (6, "本次读数"),
        (6, "抄表日期"),
    }
    assert not Reading.objects.filter(meter=a.power_meter, round=a.round).exists()  # all or nothing


def test_import_missing_required_column_is_reported_on_row_1(both):
    upload = _sheet([("x",)], header=("房屋编码",))
    response = page_client(both, "assistant").post(reverse("metering:round-import", args=[both.a.round.pk]), {"file": upload})
    errors = {(e["row"], e["column"]) for e in response.context["result"].errors}
    assert errors == {(1, "表号"), (1, "本次读数")}


def test_import_enters_the_readings_with_their_anomalies(both):
    a = both.a
    upload = _sheet(
        [
            (both.house_a.code, "电表", a.power_meter.serial, 1010, "1020", "2026-06-28", "正常"),
            (both.house_a.code, "水表", a.water_meter.serial, 150, "160", "2026-06-28", "复抄"),
        ]
    )
    response = page_client(both, "assistant").post(reverse("metering:round-import", args=[a.round.pk]), {"file": upload})
    assert response.status_code == 302
    water = Reading.objects.get(meter=a.water_meter, round=a.round, current=True)
    assert (water.value, water.status, water.supersedes_id) == (160, ReadingStatus.CONFIRMED, a.readings[a.water_meter].pk)
    assert Reading.objects.get(meter=a.power_meter, round=a.round).usage == 10


def test_import_refuses_a_file_that_is_not_xlsx(both):
    upload = BytesIO(b"not a workbook")
    upload.name = "x.xlsx"
    response = page_client(both, "assistant").post(reverse("metering:round-import", args=[both.a.round.pk]), {"file": upload})
    assert response.status_code == 400 and ".xlsx" in response.content.decode()


def test_meters_page_permission_matrix(both):
    def act(client, cell):
        response = client.get(reverse("metering:meters"))
        project = cell.pick(both.project_a, both.project_b)
        return response, f'data-project="{project.pk}"' in response.content.decode()

    check_page_matrix(both, READERS, act)


def test_meter_replace_page_permission_matrix(both):
    _door(
        both,
        CONFIRMERS,
        lambda client, cell: client.get(reverse("metering:meter-replace", args=[cell.pick(both.a, both.b).power_meter.pk])),
    )


def test_fee1_replacement_from_the_page_refuses_a_negative_usage(both):
    client = page_client(both, "supervisor")
    url = reverse("metering:meter-replace", args=[both.a.water_meter.pk])
    refused = client.post(url, {"final_reading": "100", "serial": "W-NEW"})
    assert refused.status_code == 400 and "负用量" in refused.content.decode()
    assert client.post(url, {"final_reading": "151", "serial": "W-NEW"}).status_code == 302


def test_mov6_custody_start_page_puts_the_house_in_custody_with_its_readings(both):
    client = page_client(both, "assistant")
    url = reverse("metering:custody-start", args=[both.house_a.pk])
    assert client.get(url).status_code == 200
    assert page_client(both, "engineer").get(url).status_code == 404  # reads meters, does not change houses
    response = client.post(url, {f"meter-{both.a.water_meter.pk}": "150.5", "reason": "托管协议"})
    assert response.status_code == 302
    both.house_a.refresh_from_db()
    assert both.house_a.status == "custody"
    start = Reading.objects.get(meter=both.a.water_meter, purpose="custody_start")
    assert start.value == 150.5 and start.round is None
