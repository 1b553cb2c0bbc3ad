"""Excel import of houses and residents: Chinese template, every error with row and
column, all-or-nothing or valid rows only, idempotent re-import, progress, permissions."""

import datetime as dt
import time
import zipfile
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from propdesk.core.errors import DomainError
from propdesk.core.idcard import check_character
from propdesk.estate.models import House, HouseStatusChange
from propdesk.residents.choices import ImportKind, ImportMode, ImportStatus
from propdesk.residents.imports import import_job_create, import_run
from propdesk.residents.models import ImportJob, Occupancy, Person
from propdesk.residents.tasks import run_import

HOUSE_HEADERS = ["楼栋", "单元", "房号", "楼层", "建筑面积(m²)", "用途", "是否已售", "交房日期", "房屋状态"]
RESIDENT_HEADERS = [
    "房屋编码",
    "姓名",
    "手机号",
    "证件类型",
    "证件号码",
    "性别",
    "出生日期",
    "身份",
    "入住日期",
    "主要联系人",
    "紧急联系人",
    "紧急联系电话",
]
HEADERS = {ImportKind.HOUSES: HOUSE_HEADERS, ImportKind.RESIDENTS: RESIDENT_HEADERS}


def resident_id(n: int, *, female: bool = False) -> str:
    """A valid GB 11643 number, different for each n."""
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=n % 15000)
    sequence = (n % 500) * 2 + (0 if female else 1)
    first17 = f"110101{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def xlsx(headers, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "导入.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture
def run(world, django_capture_on_commit_callbacks):
    """Upload a sheet as the supervisor of project A and run the job (the task runs
    eagerly once the job is committed); returns the finished job."""

    def run_sheet(kind, rows, *, headers=None, mode=ImportMode.ALL_OR_NOTHING, project=None, by=None):
        content = xlsx(HEADERS[kind] if headers is None else headers, rows)
        with django_capture_on_commit_callbacks(execute=True):
            job = import_job_create(
                project=project or world.project_a, kind=kind, mode=mode, upload=upload(content), by=by or world.supervisor
            )
        job.refresh_from_db()
        return job

    return run_sheet


def house_row(building="5", entrance="1", room="101", floor=1, area=88.5, usage="住宅", sold="是", handover="", status="空置"):
    return [building, entrance, room, floor, area, usage, sold, handover, status]


def resident_row(code="3-2-1201", name="王芳", mobile="13900002222", id_number=None, role="家属", **extra):
    row = dict(
        code=code,
        name=name,
        mobile=mobile,
        id_type="居民身份证",
        id_number=resident_id(7, female=True) if id_number is None else id_number,
        gender="",
        birthday="",
        role=role,
        start="2024-03-01",
        primary="否",
        emergency="",
        emergency_phone="",
    )
    row.update(extra)
    return list(row.values())


def errors_at(job):
    return {(error["row"], error["column"]) for error in job.errors}


# --- template ------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "headers"), [("houses", HOUSE_HEADERS), ("residents", RESIDENT_HEADERS)])
def test_template_download_has_the_chinese_headers(world, client, kind, headers):
    client.force_login(world.supervisor)
    response = client.get(reverse("residents:import-template", args=[kind]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == headers
    assert workbook.worksheets[1].title == "填写说明"


def test_a_filled_in_template_imports(world, run, django_capture_on_commit_callbacks):
    from propdesk.residents.imports import import_template

    workbook = load_workbook(BytesIO(import_template(kind="houses")))
    workbook.worksheets[0].append(house_row())
    buffer = BytesIO()
    workbook.save(buffer)
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(
            project=world.project_a, kind="houses", mode="all", upload=upload(buffer.getvalue()), by=world.supervisor
        )
    job.refresh_from_db()
    assert (job.status, job.created_count) == (ImportStatus.DONE, 1), job.errors


def test_template_of_unknown_kind_is_404(world, client):
    client.force_login(world.supervisor)
    assert client.get(reverse("residents:import-template", args=["cars"])).status_code == 404


# --- houses --------------------------------------------------------------------------


def test_houses_import_creates_houses_buildings_and_status_history(world, run):
    job = run("houses", [house_row(), house_row(room="102", status="", usage="", sold="否", handover="2024-05-01")])
    assert job.status == ImportStatus.DONE and job.errors == []
    assert (job.total_rows, job.processed_rows, job.created_count, job.updated_count, job.unchanged_count) == (2, 2, 2, 0, 0)
    house = House.objects.get(project=world.project_a, code="5-1-101")
    assert (house.floor, house.area, house.usage, house.sold) == (1, Decimal("88.50"), "residential", True)
    assert house.status == "vacant"
    other = House.objects.get(project=world.project_a, code="5-1-102")
    assert (other.sold, other.status, other.handover_date) == (False, "not_handed_over", dt.date(2024, 5, 1))
    assert house.building.number == "5" and house.entrance.number == "1"
    change = HouseStatusChange.objects.get(house=house)
    assert (change.from_status, change.to_status, change.reason) == ("", "vacant", "Excel导入")
    assert change.changed_by == world.supervisor
    version = house.history.get()
    assert version.history_user == world.supervisor and version.history_change_reason == "Excel导入"


def test_houses_import_accepts_the_ways_staff_write_parts_numbers_and_dates(world, run):
    job = run("houses", [["５栋", "1单元", "0101室", "1", "88.50", "商铺", "否", dt.datetime(2024, 1, 31), "出租"]])
    assert job.status == ImportStatus.DONE, job.errors
    house = House.objects.get(project=world.project_a, code="5-1-0101")
    assert (house.usage, house.sold, house.handover_date, house.status) == ("shop", False, dt.date(2024, 1, 31), "rented")


def test_wrong_headers_are_reported_once_on_row_1(world, run):
    headers = ["楼栋", "单元", "房间", "楼层", "建筑面积(m²)", "用途", "用途"]
    job = run("houses", [house_row()[:7], house_row(room="102")[:7]], headers=headers)
    assert job.status == ImportStatus.FAILED
    assert all(error["row"] == 1 for error in job.errors)
    messages = [error["message"] for error in job.errors]
    assert messages == ["无法识别的列“房间”：请使用导入模板中的列名", "列“用途”出现了不止一次", "缺少必填列“房号”"]
    assert not House.objects.filter(code__startswith="5-").exists()


def test_duplicate_house_codes_in_the_file_are_reported(world, run):
    job = run("houses", [house_row(), house_row(room="102"), house_row(entrance="１", room="101")])
    assert job.status == ImportStatus.FAILED
    assert job.errors == [{"row": 4, "column": "房号", "message": "房屋编码 5-1-101 与第 2 行重复"}]


def test_empty_rows_are_skipped_silently(world, run):
    rows = [house_row(), [None] * 9, ["", " ", None, None, None, None, None, None, None], house_row(room="102")]
    job = run("houses", rows)
    assert job.status == ImportStatus.DONE and job.errors == []
    assert (job.total_rows, job.created_count) == (2, 2)


def test_every_error_of_every_row_is_reported_with_row_and_chinese_column(world, run):
    rows = [
        house_row(floor="十二", area=0, usage="别墅"),
        house_row(building="3-A", room="102", sold="也许", handover="2024-13-01", status="已售"),
        house_row(room="103", area="98.555"),
    ]
    job = run("houses", rows)
    assert job.status == ImportStatus.FAILED and job.error_count == 3
    assert errors_at(job) == {
        (2, "楼层"),
        (2, "建筑面积(m²)"),
        (2, "用途"),
        (3, "楼栋"),
        (3, "是否已售"),
        (3, "交房日期"),
        (3, "房屋状态"),
        (4, "建筑面积(m²)"),
    }
    by_place = {(e["row"], e["column"]): e["message"] for e in job.errors}
    assert by_place[(2, "建筑面积(m²)")] == "建筑面积必须大于0"
    assert by_place[(2, "用途")] == "用途“别墅”无效，应为：住宅、商铺、办公、车库储藏"
    assert by_place[(4, "建筑面积(m²)")] == "建筑面积最多两位小数"
    assert "2024-13-01" in by_place[(3, "交房日期")]


def test_all_or_nothing_writes_nothing_when_any_row_is_wrong(world, run):
    before = (House.objects.count(), House.history.count(), HouseStatusChange.objects.count())
    job = run("houses", [house_row(), house_row(room="102", area=-1), house_row(room="103")])
    assert job.status == ImportStatus.FAILED
    assert (job.created_count, job.error_count) == (0, 1)
    assert (House.objects.count(), House.history.count(), HouseStatusChange.objects.count()) == before


def test_valid_rows_mode_writes_only_the_valid_rows(world, run):
    job = run("houses", [house_row(), house_row(room="102", area=-1), house_row(room="103")], mode=ImportMode.VALID_ROWS)
    assert job.status == ImportStatus.DONE
    assert (job.created_count, job.error_count) == (2, 1)
    assert errors_at(job) == {(3, "建筑面积(m²)")}
    assert set(House.objects.filter(code__startswith="5-").values_list("code", flat=True)) == {"5-1-101", "5-1-103"}


def test_reimporting_the_same_houses_file_changes_nothing(world, run):
    rows = [house_row(room=str(100 + n), handover="2024-01-01") for n in range(20)] + [
        ["3", "2", "1201", 12, 98.5, "住宅", "是", "", "未接房"]  # world's house, already so
    ]
    first = run("houses", rows)
    assert (first.created_count, first.unchanged_count) == (20, 1)
    stamps = dict(House.objects.values_list("code", "updated_at"))
    counts = (House.objects.count(), House.history.count(), HouseStatusChange.objects.count())
    again = run("houses", rows)
    assert again.status == ImportStatus.DONE
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 21)
    assert (House.objects.count(), House.history.count(), HouseStatusChange.objects.count()) == counts
    assert dict(House.objects.values_list("code", "updated_at")) == stamps


def test_reimport_with_a_changed_row_updates_it_and_records_the_status_change(world, run):
    run("houses", [house_row(), house_row(room="102")])
    job = run("houses", [house_row(area=90, status="装修中"), house_row(room="102")])
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 1)
    house = House.objects.get(project=world.project_a, code="5-1-101")
    assert (house.area, house.status) == (Decimal("90.00"), "decorating")
    change = house.status_changes.first()
    assert (change.from_status, change.to_status, change.reason) == ("vacant", "decorating", "Excel导入")
    assert house.history.count() == 2 and house.history.latest().history_type == "~"


def test_import_goes_into_the_jobs_project_only(world, run):
    job = run("houses", [house_row(building="3", entrance="2", room="1201", floor=12, area=98.5, status="未接房")])
    assert job.unchanged_count == 1  # project A's own 3-2-1201
    job = run("houses", [house_row()], project=world.project_b, by=world.users[("supervisor", "b")])
    assert job.created_count == 1
    assert House.objects.get(code="5-1-101").project == world.project_b


# --- residents -----------------------------------------------------------------------


def test_residents_import_registers_people_at_houses(world, run):
    number = resident_id(7, female=True)
    job = run("residents", [resident_row(primary="是", emergency="王强", emergency_phone="010-12345678")])
    assert job.status == ImportStatus.DONE, job.errors
    assert (job.created_count, job.updated_count, job.unchanged_count) == (1, 0, 0)
    person = Person.objects.get(project=world.project_a, id_number=number)
    assert (person.name, person.gender, person.birthday, person.name_initials, person.mobile_last4) == (
        "王芳",
        "F",
        dt.date(1960, 1, 8),
        "wf",
        "2222",
    )
    assert person.emergency_phone == "010-12345678"
    occupancy = Occupancy.objects.get(person=person)
    assert (occupancy.house, occupancy.role, occupancy.start_date, occupancy.is_primary_contact) == (
        world.house_a,
        "family",
        dt.date(2024, 3, 1),
        True,
    )
    world.owner_a.refresh_from_db()
    assert not world.owner_a.is_primary_contact  # one primary contact a house
    assert person.history.get().history_user == world.supervisor


def test_residents_matched_by_id_number_are_updated_not_duplicated(world, run):
    row = resident_row(name="张三", mobile="13700009999", id_number=world.person_a.id_number, role="业主", start="")
    job = run("residents", [row])
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 0)
    assert Person.objects.filter(project=world.project_a, id_number=world.person_a.id_number).count() == 1
    world.person_a.refresh_from_db()
    assert world.person_a.mobile == "13700009999" and world.person_a.mobile_last4 == "9999"
    assert Occupancy.objects.filter(person=world.person_a).count() == 1


def test_residents_without_id_number_matched_by_name_and_mobile_within_the_house(world, run):
    rows = [resident_row(name="赵六", mobile="13600001111", id_number="", role="租户")]
    first = run("residents", rows)
    assert first.created_count == 1
    again = run("residents", rows)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 1)
    assert Person.objects.filter(name="赵六").count() == 1


def test_reimporting_the_same_residents_file_changes_nothing(world, run):
    rows = [
        resident_row(),
        resident_row(name="张三", mobile="13812345678", id_number=world.person_a.id_number, role="业主", primary="是"),
        resident_row(name="赵六", mobile="13600001111", id_number="", role="租户", start=""),
        resident_row(name="Tom Lee", id_type="护照", id_number="E12345678", role="借住亲友", gender="男"),
    ]
    first = run("residents", rows)
    assert first.status == ImportStatus.DONE, first.errors
    counts = (Person.objects.count(), Occupancy.objects.count(), Person.history.count(), Occupancy.history.count())
    stamps = dict(Person.objects.values_list("id", "updated_at"))
    again = run("residents", rows)
    assert (again.created_count, again.updated_count, again.unchanged_count, again.error_count) == (0, 0, 4, 0)
    assert (Person.objects.count(), Occupancy.objects.count(), Person.history.count(), Occupancy.history.count()) == counts
    assert dict(Person.objects.values_list("id", "updated_at")) == stamps


def test_bad_id_number_check_digit_is_reported_with_row_and_column(world, run):
    bad = resident_id(7)[:17] + ("0" if resident_id(7)[17] != "0" else "1")
    job = run("residents", [resident_row(), resident_row(name="钱七", id_number=bad, mobile="13900003333")])
    assert job.status == ImportStatus.FAILED
    assert job.errors == [
        {"row": 3, "column": "证件号码", "message": "身份证号码校验位错误（GB 11643），请核对后重新输入"},
    ]
    assert not Person.objects.filter(name="王芳").exists()


def test_every_person_error_is_found_not_only_the_first(world, run):
    row = resident_row(id_number="110101199003076631", mobile="12345", role="房东", emergency_phone="abc", birthday="1990-13-01")
    job = run("residents", [row])
    assert errors_at(job) == {(2, "证件号码"), (2, "手机号"), (2, "身份"), (2, "紧急联系电话"), (2, "出生日期")}


def test_unknown_house_code_is_reported_for_residents(world, run):
    job = run("residents", [resident_row(code="3-2-9999"), resident_row(code="1-1-101", name="钱七", id_number="")])
    assert job.errors == [
        {"row": 2, "column": "房屋编码", "message": "房屋编码 3-2-9999 在本项目中不存在，请先导入或登记房屋"},
        # 1-1-101 exists — in project B, which is not the job's project.
        {"row": 3, "column": "房屋编码", "message": "房屋编码 1-1-101 在本项目中不存在，请先导入或登记房屋"},
    ]


def test_house_code_may_be_written_as_staff_type_it_or_in_three_columns(world, run):
    job = run("residents", [resident_row(code="3栋2单元1201室")])
    assert job.status == ImportStatus.DONE, job.errors
    headers = ["楼栋", "单元", "房号", *RESIDENT_HEADERS[1:]]
    row = ["3", "2", "1201", *resident_row(name="钱七", id_number="", mobile="13900003333")[1:]]
    job = run("residents", [row], headers=headers)
    assert job.status == ImportStatus.DONE, job.errors
    assert Occupancy.objects.filter(house=world.house_a, person__name="钱七").exists()


def test_same_person_twice_at_one_house_and_conflicting_rows_are_reported(world, run):
    number = resident_id(9)
    rows = [
        resident_row(name="孙八", id_number=number, mobile="13900004444", primary="是"),
        resident_row(name="孙八", id_number=number, mobile="13900004444", role="业主"),  # same person, same house
        resident_row(name="孙捌", id_number=number, code="3-2-1201 ", mobile=""),  # another name for the same ID
        resident_row(name="周九", id_number="", mobile="13900005555", primary="是"),  # a second primary contact
    ]
    job = run("residents", rows)
    by_place = {(e["row"], e["column"]): e["message"] for e in job.errors}
    assert by_place[(3, "证件号码")] == "与第 2 行重复：同一人员在房屋 3-2-1201 登记了两次"
    assert by_place[(4, "姓名")] == "与第 2 行（同一证件号码）的姓名不一致"
    assert by_place[(5, "主要联系人")] == "房屋 3-2-1201 已在第 2 行指定主要联系人，每户只能有一位"


def test_one_person_may_hold_several_houses(world, run):
    from propdesk.estate.services import house_create

    house_create(project=world.project_a, building_number="3", entrance_number="2", room="1202", floor=12, area=Decimal(99))
    number = resident_id(11)
    rows = [
        resident_row(name="吴十", id_number=number, role="业主"),
        resident_row(code="3-2-1202", name="吴十", id_number=number, role="业主"),
    ]
    job = run("residents", rows)
    assert job.status == ImportStatus.DONE, job.errors
    person = Person.objects.get(id_number=number)
    assert set(person.occupancies.values_list("house__code", flat=True)) == {"3-2-1201", "3-2-1202"}


def test_id_number_stored_by_excel_as_a_number_is_explained(world, run):
    job = run("residents", [resident_row(id_number=1.10101199003077e17)])
    assert job.errors[0]["column"] == "证件号码" and "文本格式" in job.errors[0]["message"]


def test_gender_must_agree_with_the_resident_id(world, run):
    job = run("residents", [resident_row(gender="男")])  # resident_id(7, female=True)
    assert errors_at(job) == {(2, "性别")}


# --- files ---------------------------------------------------------------------------


def test_non_xlsx_file_renamed_xlsx_is_refused(world):
    for content in ("姓名,手机号\n张三,138\n".encode(), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100):
        with pytest.raises(DomainError) as error:
            import_job_create(
                project=world.project_a, kind="houses", mode="all", upload=upload(content, "房屋.xlsx"), by=world.supervisor
            )
        assert error.value.field == "file"
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(DomainError) as error:
        import_job_create(
            project=world.project_a, kind="houses", mode="all", upload=upload(buffer.getvalue()), by=world.supervisor
        )
    assert error.value.code == "import_type_refused"
    assert not ImportJob.objects.exists()


def test_upload_form_shows_why_a_file_is_refused(world, client):
    client.force_login(world.supervisor)
    data = {"project": world.project_a.pk, "kind": "houses", "mode": "all", "file": upload(b"not a workbook", "房屋.xlsx")}
    response = client.post(reverse("residents:imports"), data)
    assert response.status_code == 400
    assert "只接受 Excel .xlsx 文件" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_upload_size_limit(world, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    with pytest.raises(DomainError) as error:
        import_job_create(
            project=world.project_a, kind="houses", mode="all", upload=upload(xlsx(HOUSE_HEADERS, [])), by=world.supervisor
        )
    assert error.value.code == "upload_too_large"


def test_a_file_with_headers_only_has_no_data_rows(world, run):
    job = run("houses", [])
    assert job.status == ImportStatus.FAILED and job.errors[0]["message"] == "文件中没有数据行"


def test_a_zip_that_is_not_a_readable_workbook_fails_the_job(world, django_capture_on_commit_callbacks):
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "not xml")
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(
            project=world.project_a, kind="houses", mode="all", upload=upload(buffer.getvalue()), by=world.supervisor
        )
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "不是有效的 Excel" in job.errors[0]["message"]


# --- the job -------------------------------------------------------------------------


def test_the_task_claims_a_job_once(world, run):
    job = run("houses", [house_row()])
    assert job.status == ImportStatus.DONE
    assert run_import(job.pk) is None and import_run(job_id=job.pk) is None
    assert House.objects.filter(code="5-1-101").count() == 1


def test_a_job_whose_worker_died_is_resumed_and_written_once(world, run):
    """A crash mid-run leaves the job RUNNING with nothing written (writing is one
    transaction); after STALE_AFTER without progress the sweep hands it out again."""
    from propdesk.residents.imports import STALE_AFTER
    from propdesk.residents.tasks import resume_stale_imports

    job = run("houses", [house_row()], headers=["楼栋"])  # fails fast; reuse its row as a crashed job
    content = xlsx(HEADERS["houses"], [house_row(room="909")])
    job.file.save("again.xlsx", upload(content), save=False)
    ImportJob.objects.filter(pk=job.pk).update(file=job.file.name, status=ImportStatus.RUNNING, errors=[])
    assert resume_stale_imports() == 0  # still within STALE_AFTER: a live worker may hold it
    assert import_run(job_id=job.pk) is None
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - STALE_AFTER - dt.timedelta(seconds=1))
    assert resume_stale_imports() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and House.objects.filter(code="5-1-909").count() == 1
    assert resume_stale_imports() == 0


def test_upload_page_creates_the_job_and_the_job_page_shows_the_summary(world, client, django_capture_on_commit_callbacks):
    client.force_login(world.supervisor)
    data = {"project": world.project_a.pk, "kind": "houses", "mode": "valid", "file": upload(xlsx(HOUSE_HEADERS, [house_row()]))}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("residents:imports"), data)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("residents:import-job", args=[job.pk])
    assert (job.mode, job.created_by, job.original_name) == ("valid", world.supervisor, "导入.xlsx")
    page = client.get(response["Location"]).content.decode()
    assert "全部导入成功" in page and '<div id="import-progress">' in page  # done: the progress no longer polls
    assert "导入.xlsx" in client.get(reverse("residents:imports")).content.decode()


def test_progress_fragment_polls_until_the_job_is_done(world, client):
    job = ImportJob.objects.create(
        project=world.project_a, kind="houses", original_name="x.xlsx", created_by=world.supervisor, total_rows=10_000
    )
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, processed_rows=2500)
    client.force_login(world.supervisor)
    fragment = client.get(reverse("residents:import-progress", args=[job.pk]), headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "已检查 2500 / 10000 行" in fragment and "width: 25%" in fragment
    assert "<html" not in fragment
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.DONE, processed_rows=10_000, created_count=10_000)
    fragment = client.get(reverse("residents:import-progress", args=[job.pk])).content.decode()
    assert "hx-trigger" not in fragment and "全部导入成功" in fragment


def test_errors_download_as_excel(world, run, client):
    job = run("houses", [house_row(area=0)])
    client.force_login(world.supervisor)
    response = client.get(reverse("residents:import-errors", args=[job.pk]))
    sheet = load_workbook(BytesIO(response.content)).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["行号", "列", "错误说明"],
        [2, "建筑面积(m²)", "建筑面积必须大于0"],
    ]


# --- permissions ---------------------------------------------------------------------


def test_assistant_without_data_import_is_refused(world, client, run):
    job = run("houses", [house_row()])
    client.force_login(world.assistant)
    assert client.get(reverse("residents:imports")).status_code == 403
    assert client.get(reverse("residents:import-template", args=["houses"])).status_code == 403
    for name in ("import-job", "import-progress", "import-errors"):
        assert client.get(reverse(f"residents:{name}", args=[job.pk])).status_code == 404
    with pytest.raises(Http404):
        import_job_create(
            project=world.project_a, kind="houses", mode="all", upload=upload(xlsx(HOUSE_HEADERS, [])), by=world.assistant
        )


def test_supervisor_of_project_a_cannot_import_into_project_b(world, client, run):
    client.force_login(world.supervisor)
    data = {"project": world.project_b.pk, "kind": "houses", "mode": "all", "file": upload(xlsx(HOUSE_HEADERS, [house_row()]))}
    response = client.post(reverse("residents:imports"), data)
    assert response.status_code == 400 and not ImportJob.objects.exists()
    with pytest.raises(Http404):
        import_job_create(
            project=world.project_b, kind="houses", mode="all", upload=upload(xlsx(HOUSE_HEADERS, [])), by=world.supervisor
        )
    job_b = run("houses", [house_row()], project=world.project_b, by=world.users[("supervisor", "b")])
    for name in ("import-job", "import-progress", "import-errors"):
        assert client.get(reverse(f"residents:{name}", args=[job_b.pk])).status_code == 404
    assert "翠湖苑" not in client.get(reverse("residents:imports")).content.decode()


def test_import_pages_need_login(world, client):
    response = client.get(reverse("residents:imports"))
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- volume --------------------------------------------------------------------------


def test_ten_thousand_rows_import_correctly(world, run, capsys):
    """10,000 houses, then 10,000 residents on them, then the same files again (timing
    printed, asserted in bench/bench_import.py rather than here)."""
    houses = [
        [str(1 + n // 1000), str(1 + n // 500 % 2), f"{n % 500:04d}", 1 + n % 30, 80 + n % 50, "住宅", "是", "", "自住"]
        for n in range(10_000)
    ]
    residents = [
        [f"{r[0]}-{r[1]}-{r[2]}", f"住户{n}", f"139{n:08d}", "身份证", resident_id(n), "", "", "业主", "2024-01-01", "是", "", ""]
        for n, r in enumerate(houses)
    ]
    timings = {}
    for kind, rows in (("houses", houses), ("residents", residents)):
        started = time.perf_counter()
        job = run(kind, rows)
        timings[kind] = time.perf_counter() - started
        assert job.status == ImportStatus.DONE, job.errors[:5]
        assert (job.total_rows, job.processed_rows, job.created_count, job.error_count) == (10_000, 10_000, 10_000, 0)
    assert House.objects.filter(project=world.project_a).count() == 10_001
    assert HouseStatusChange.objects.filter(reason="Excel导入").count() == 10_000
    assert House.history.filter(history_change_reason="Excel导入").count() == 10_000
    assert Person.objects.filter(project=world.project_a).count() == 10_001
    assert Occupancy.objects.filter(project=world.project_a, is_primary_contact=True).count() == 10_001
    assert Person.objects.get(id_number=resident_id(1234)).occupancies.get().house.code == "2-1-0234"
    started = time.perf_counter()
    again = run("residents", residents)
    timings["residents again"] = time.perf_counter() - started
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 10_000)
    with capsys.disabled():
        print("\n10,000-row imports:", ", ".join(f"{kind} {seconds:.1f} s" for kind, seconds in timings.items()))
