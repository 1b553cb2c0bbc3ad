"""Console pages for residents and archives: thin, calling selectors and services."""

import datetime as dt
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.console import SESSION_KEY, render_page, selected_project_ids
from propdesk.core.errors import DomainError
from propdesk.core.excel import XLSX, xlsx_response
from propdesk.core.masking import mask_phone
from propdesk.estate.choices import HouseStatus
from propdesk.estate.models import Building, Project
from propdesk.estate.views import access_house
from propdesk.residents import imports as excel_import
from propdesk.residents import selectors, services
from propdesk.residents.choices import ImportKind, ImportStatus, LoanStatus, OccupantRole
from propdesk.residents.forms import ArchiveUploadForm, ImportUploadForm, LoanForm, OccupantForm, PersonForm
from propdesk.residents.house_sections import archive_context
from propdesk.residents.models import ArchiveFile, ArchiveItemType, ArchiveLoan, ImportJob, Occupancy, OverviewReview, Person

OVERVIEW_PAGE_SIZE = 50


def _overview_filters(request) -> dict:
    return {key: request.GET.get(key, "") for key in ("building", "status", "role")}


def _overview_rows(houses):
    """The rows of the overview list, shared by the page and its Excel export."""
    for house in houses:
        residents = house.active_occupancies
        primary = next((o for o in residents if o.is_primary_contact), residents[0] if residents else None)
        yield house, residents, primary


@login_required
def overview(request):
    """客户情况一览表 (ARC-4): every house with residents, contact and status."""
    project_ids = selected_project_ids(request, Cap.PERSON_VIEW)
    filters = _overview_filters(request)
    houses = selectors.overview_houses(project_ids=project_ids, **filters)
    page = Paginator(houses, OVERVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": list(_overview_rows(page.object_list)),
        "filters": filters,
        "buildings": Building.objects.filter(project_id__in=project_ids)
        .select_related("project")
        .order_by("project__code", "number"),
        "statuses": HouseStatus.choices,
        "roles": OccupantRole.choices,
        "query_string": request.GET.urlencode(),
        "can_export": bool(scoping.visible_project_ids(request.user, Cap.DATA_EXPORT) & project_ids),
        "reviews": _review_status(request.user, project_ids),
    }
    return render_page(request, "residents/overview.html", context, fragment="residents/_overview_table.html")


def _review_status(user, project_ids) -> list[dict]:
    """This month's ARC-4 review per project shown, and whether the user may record it."""
    month = timezone.localdate().replace(day=1)
    done = {
        r.project_id: r
        for r in OverviewReview.objects.filter(project_id__in=project_ids, month=month).select_related("reviewed_by")
    }
    may = scoping.visible_project_ids(user, Cap.PERSON_CHANGE)
    projects = Project.objects.filter(pk__in=project_ids).order_by("code")
    return [{"project": p, "review": done.get(p.pk), "can_record": p.pk in may} for p in projects]


@login_required
@require_POST
def overview_review(request):
    """Confirm this month's full review of the customer overview (ARC-4)."""
    project = scoping.access(Project.objects.all(), request.user, Cap.PERSON_CHANGE, field="pk", pk=request.POST.get("project"))
    try:
        services.overview_review_record(
            project=project, month=timezone.localdate(), note=request.POST.get("note", ""), by=request.user
        )
        messages.success(request, _("已记录本月核对"))
    except DomainError as exc:
        _domain_error_message(request, exc)
    return redirect("residents:overview")


@login_required
def overview_export(request):
    """The overview list exactly as filtered on screen, as Excel (masked personal data)."""
    project_ids = selected_project_ids(request, Cap.PERSON_VIEW) & scoping.visible_project_ids(request.user, Cap.DATA_EXPORT)
    houses = selectors.overview_houses(project_ids=project_ids, **_overview_filters(request))
    headers = [
        _("项目"),
        _("房号"),
        _("楼层"),
        _("建筑面积(m²)"),
        _("用途"),
        _("房屋状态"),
        _("已售"),
        _("住户"),
        _("主要联系人"),
        _("联系电话"),
        _("档案已收项数"),
    ]
    rows = (
        [
            house.project.name,
            house.code,
            house.floor,
            float(house.area),
            house.get_usage_display(),
            house.get_status_display(),
            _("是") if house.sold else _("否"),
            "，".join(f"{o.person.name}({o.get_role_display()})" for o in residents),
            primary.person.name if primary else "",
            mask_phone(primary.person.mobile) if primary else "",
            house.archive_received,
        ]
        for house, residents, primary in _overview_rows(houses.iterator(chunk_size=2000))
    )
    return xlsx_response(f"客户情况一览表-{timezone.localdate():%Y%m%d}.xlsx", _("客户情况一览表"), headers, rows)


def access_person(user, pk: int, cap: Cap = Cap.PERSON_VIEW) -> Person:
    return scoping.access(Person.objects.select_related("project"), user, cap, pk=pk)


@login_required
def person_detail(request, pk: int):
    person = access_person(request.user, pk)
    context = {
        "person": person,
        "occupancies": person.occupancies.select_related("house").order_by("end_date", "-start_date"),
        "can_reveal": scoping.has_cap(request.user, Cap.PII_REVEAL, person.project_id),
        "can_edit": scoping.has_cap(request.user, Cap.PERSON_CHANGE, person.project_id),
        "versions": person.history.select_related("history_user").order_by("-history_date")[:20],
    }
    return render_page(request, "residents/person_detail.html", context)


@login_required
def person_edit(request, pk: int):
    """Edit a person (masked values are never put into the form: the ID number and
    mobile fields are only filled for roles that may see them in full)."""
    person = access_person(request.user, pk, Cap.PERSON_CHANGE)
    can_reveal = scoping.has_cap(request.user, Cap.PII_REVEAL, person.project_id)
    sensitive = {"mobile", "id_number"}
    if request.method == "POST":
        form = PersonForm(request.POST, request.FILES)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "photo"}
            if not can_reveal:
                data = {k: v for k, v in data.items() if k not in sensitive or v}
            try:
                services.person_update(person=person, photo=form.cleaned_data["photo"], by=request.user, **data)
                messages.success(request, _("已保存"))
                return redirect("residents:person", pk=person.pk)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    else:
        initial = {name: getattr(person, name) for name in PersonForm.base_fields if name != "photo"}
        if not can_reveal:
            initial.update(mobile="", id_number="")
        form = PersonForm(initial=initial)
    return render_page(request, "residents/person_form.html", {"person": person, "form": form, "can_reveal": can_reveal})


@login_required
def person_photo(request, pk: int):
    """A person's photo, served only within the viewer's projects (never as public media)."""
    person = access_person(request.user, pk)
    if not person.photo:
        return HttpResponse(status=404)
    return FileResponse(person.photo.open("rb"))


@login_required
@require_POST
def person_reveal(request, pk: int, field: str):
    """Show one full ID number or phone and log who saw it (ARC-5)."""
    person = access_person(request.user, pk)
    try:
        value = services.pii_reveal(viewer=request.user, person=person, field=field, address=request.META.get("REMOTE_ADDR"))
    except DomainError as exc:
        return HttpResponse(exc.message, status=400)
    return HttpResponse(value)


def _domain_error_message(request, exc: DomainError) -> None:
    messages.error(request, exc.message)


@login_required
@require_POST
def occupant_add(request, pk: int):
    house = access_house(request.user, pk, Cap.PERSON_CHANGE)
    form = OccupantForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{errors[0]}")
        return redirect("estate:house", pk=house.pk)
    data = form.cleaned_data
    person_data = {k: data[k] for k in ("name", "mobile", "id_type", "id_number", "gender")}
    try:
        services.occupant_register(
            house=house,
            person_data=person_data,
            role=data["role"],
            start_date=data["start_date"],
            is_primary_contact=data["is_primary_contact"],
            by=request.user,
        )
        messages.success(request, _("已登记 %(name)s") % {"name": data["name"]})
    except DomainError as exc:
        _domain_error_message(request, exc)
    return redirect("estate:house", pk=house.pk)


@login_required
@require_POST
def occupancy_end(request, pk: int):
    """Deregister (MOV-11): the occupancy is ended with a date and reason, never deleted."""
    occupancy = scoping.access(Occupancy.objects.all(), request.user, Cap.PERSON_CHANGE, pk=pk)
    try:
        end_date = dt.date.fromisoformat(request.POST.get("end_date", ""))
        services.occupancy_end(occupancy=occupancy, end_date=end_date, reason=request.POST.get("reason", ""), by=request.user)
    except ValueError:
        messages.error(request, _("结束日期格式不正确"))
    except DomainError as exc:
        _domain_error_message(request, exc)
    return redirect("estate:house", pk=occupancy.house_id)


@login_required
@require_POST
def house_transfer(request, pk: int):
    """House transfer (MOV-13) to persons already registered in the project, by ID number."""
    house = access_house(request.user, pk, Cap.PERSON_CHANGE)
    numbers = [n.strip() for n in request.POST.get("id_numbers", "").replace("，", ",").split(",") if n.strip()]
    owners = [Person.objects.filter(project_id=house.project_id, id_number=n.upper()).first() for n in numbers]
    try:
        if any(owner is None for owner in owners):
            raise DomainError("transfer_owner_unknown", _("新业主须先登记为本项目人员（按证件号码查找）"), field="id_numbers")
        transfer_date = dt.date.fromisoformat(request.POST.get("transfer_date", ""))
        services.house_transfer(house=house, new_owners=owners, transfer_date=transfer_date, by=request.user)
        messages.success(request, _("房屋转让已登记"))
    except ValueError:
        messages.error(request, _("转让日期格式不正确"))
    except DomainError as exc:
        _domain_error_message(request, exc)
    return redirect("estate:house", pk=house.pk)


def _archive_section(request, house):
    """Re-render the archive section (htmx) or go back to the house page."""
    if request.htmx:
        return render_page(
            request,
            "residents/_section_archive.html",
            {"house": house, "ctx": archive_context(request, house)},
            fragment="residents/_section_archive.html",
        )
    return redirect("estate:house", pk=house.pk)


@login_required
@require_POST
def archive_item_set(request, pk: int, type_pk: int):
    house = access_house(request.user, pk, Cap.ARCHIVE_CHANGE)
    item_type = scoping.access(ArchiveItemType.objects.all(), request.user, Cap.ARCHIVE_CHANGE, pk=type_pk)
    try:
        services.archive_item_set(house=house, item_type=item_type, status=request.POST.get("status", ""), by=request.user)
    except DomainError as exc:
        _domain_error_message(request, exc)
    return _archive_section(request, house)


@login_required
@require_POST
def archive_upload(request, pk: int):
    house = access_house(request.user, pk, Cap.ARCHIVE_CHANGE)
    form = ArchiveUploadForm(request.POST, request.FILES, project_id=house.project_id)
    if form.is_valid():
        try:
            services.archive_file_upload(
                house=house, upload=form.cleaned_data["file"], item_type=form.cleaned_data["item_type"], by=request.user
            )
            messages.success(request, _("扫描件已上传"))
        except DomainError as exc:
            _domain_error_message(request, exc)
    else:
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label}：{errors[0]}")
    return redirect(f"{house_url(house)}#section-archive")


def house_url(house) -> str:
    from django.urls import reverse

    return reverse("estate:house", args=[house.pk])


@login_required
@require_POST
def paper_archive_set(request, pk: int):
    house = access_house(request.user, pk, Cap.ARCHIVE_CHANGE)
    services.paper_archive_set(
        house=house,
        cabinet=request.POST.get("cabinet", ""),
        box=request.POST.get("box", ""),
        folder=request.POST.get("folder", ""),
        by=request.user,
    )
    return _archive_section(request, house)


@login_required
def archive_file_download(request, pk: int):
    """A scan, served only to staff who may view the archive of its project."""
    scan = scoping.access(ArchiveFile.objects.all(), request.user, Cap.ARCHIVE_VIEW, pk=pk)
    return FileResponse(scan.file.open("rb"), content_type=scan.content_type, filename=scan.original_name)


def _loans_shown(request):
    """The lending register as filtered on screen (all / open / overdue)."""
    project_ids = selected_project_ids(request, Cap.ARCHIVE_VIEW)
    loans = ArchiveLoan.objects.filter(project_id__in=project_ids).select_related("house", "requested_by", "decided_by")
    show = request.GET.get("show", "")
    if show == "overdue":
        loans = loans.filter(status=LoanStatus.LENT, due_date__lt=timezone.localdate())
    elif show == "open":
        loans = loans.exclude(status__in=[LoanStatus.RETURNED, LoanStatus.REJECTED])
    return loans, show


@login_required
def loans(request):
    """The archive-lending register (档案借阅登记) with the overdue list."""
    loans, show = _loans_shown(request)
    page = Paginator(loans, 50).get_page(request.GET.get("page"))
    context = {"page": page, "show": show, "today": timezone.localdate()}
    return render_page(request, "residents/loans.html", context)


@login_required
def loans_export(request):
    """The lending register exactly as filtered, as Excel."""
    loans, _show = _loans_shown(request)
    headers = [
        _("房号"),
        _("借阅材料"),
        _("借阅人"),
        _("借阅部门"),
        _("借阅用途"),
        _("应还日期"),
        _("状态"),
        _("登记人"),
        _("审批人"),
        _("审批意见"),
        _("借出时间"),
        _("归还时间"),
    ]

    def when(moment):
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""

    rows = (
        [
            loan.house.code,
            loan.items,
            loan.borrower_name,
            loan.borrower_department,
            loan.purpose,
            loan.due_date.isoformat(),
            loan.get_status_display(),
            str(loan.requested_by),
            str(loan.decided_by or ""),
            loan.decision_note,
            when(loan.lent_at),
            when(loan.returned_at),
        ]
        for loan in loans.iterator(chunk_size=2000)
    )
    return xlsx_response(f"档案借阅登记-{timezone.localdate():%Y%m%d}.xlsx", _("档案借阅登记"), headers, rows)


@login_required
def loan_new(request, pk: int):
    house = access_house(request.user, pk, Cap.ARCHIVE_LEND)
    form = LoanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.archive_loan_request(house=house, by=request.user, **form.cleaned_data)
            messages.success(request, _("借阅申请已登记，待主管审批"))
            return redirect("residents:loans")
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render_page(request, "residents/loan_form.html", {"house": house, "form": form})


_LOAN_ACTIONS = {
    "approve": (
        Cap.ARCHIVE_APPROVE_LOAN,
        lambda loan, request: services.archive_loan_decide(
            loan=loan, approve=True, note=request.POST.get("note", ""), by=request.user
        ),
    ),
    "reject": (
        Cap.ARCHIVE_APPROVE_LOAN,
        lambda loan, request: services.archive_loan_decide(
            loan=loan, approve=False, note=request.POST.get("note", ""), by=request.user
        ),
    ),
    "lend": (Cap.ARCHIVE_LEND, lambda loan, request: services.archive_loan_lend(loan=loan, by=request.user)),
    "return": (Cap.ARCHIVE_LEND, lambda loan, request: services.archive_loan_return(loan=loan, by=request.user)),
}


@login_required
@require_POST
def loan_action(request, pk: int, action: str):
    if action not in _LOAN_ACTIONS:
        return HttpResponse(status=404)
    cap, run = _LOAN_ACTIONS[action]
    loan = scoping.access(ArchiveLoan.objects.all(), request.user, cap, pk=pk)
    try:
        run(loan, request)
    except DomainError as exc:
        _domain_error_message(request, exc)
    return redirect("residents:loans")


# --- Excel import (数据导入) -----------------------------------------------------------

IMPORT_JOBS_SHOWN = 20
IMPORT_ERRORS_SHOWN = 500


def _import_project_ids(user) -> frozenset[int]:
    """The projects the user may import into; none at all → 403 (the page is not an object)."""
    project_ids = scoping.visible_project_ids(user, Cap.DATA_IMPORT)
    if not project_ids:
        raise PermissionDenied
    return project_ids


def access_import_job(user, pk: int) -> ImportJob:
    return scoping.access(ImportJob.objects.select_related("project", "created_by"), user, Cap.DATA_IMPORT, pk=pk)


@login_required
def imports(request):
    """Excel import of houses and residents: upload, templates, recent jobs."""
    project_ids = _import_project_ids(request.user)
    chosen = request.session.get(SESSION_KEY)
    form = ImportUploadForm(
        request.POST or None,
        request.FILES or None,
        project_ids=project_ids,
        initial={"project": chosen if chosen in project_ids else None},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = excel_import.import_job_create(
                project=data["project"], kind=data["kind"], mode=data["mode"], upload=data["file"], by=request.user
            )
            return redirect("residents:import-job", pk=job.pk)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    jobs = (
        ImportJob.objects.filter(project_id__in=selected_project_ids(request, Cap.DATA_IMPORT))
        .select_related("project", "created_by")
        .order_by("-created_at", "-id")[:IMPORT_JOBS_SHOWN]
    )
    context = {"form": form, "jobs": jobs, "kinds": ImportKind.choices, "max_rows": excel_import.MAX_ROWS}
    return render_page(request, "residents/imports.html", context, status=400 if form.errors else 200)


@login_required
def import_template(request, kind: str):
    """The empty .xlsx template with the Chinese headers."""
    _import_project_ids(request.user)
    if kind not in ImportKind.values:
        raise Http404
    content = excel_import.import_template(kind=kind)
    filename = _("%(kind)s导入模板.xlsx") % {"kind": ImportKind(kind).label}
    return FileResponse(BytesIO(content), as_attachment=True, filename=filename, content_type=XLSX)


def _import_job_context(job: ImportJob) -> dict:
    return {
        "job": job,
        "done": job.status in (ImportStatus.DONE, ImportStatus.FAILED),
        "errors_shown": job.errors[:IMPORT_ERRORS_SHOWN],
        "errors_more": max(0, len(job.errors) - IMPORT_ERRORS_SHOWN),
        "writing": job.status == ImportStatus.RUNNING and job.total_rows and job.processed_rows >= job.total_rows,
    }


@login_required
def import_job(request, pk: int):
    """One import: a progress bar (polled with htmx) and then its summary and errors."""
    job = access_import_job(request.user, pk)
    return render_page(request, "residents/import_job.html", _import_job_context(job), fragment="residents/_import_progress.html")


@login_required
def import_job_progress(request, pk: int):
    job = access_import_job(request.user, pk)
    return render(request, "residents/_import_progress.html", _import_job_context(job))


@login_required
def import_job_errors(request, pk: int):
    """Every error of an import as Excel: row, column, message."""
    job = access_import_job(request.user, pk)
    rows = ([error["row"] or "", error["column"], error["message"]] for error in job.errors)
    return xlsx_response(f"导入错误-{job.pk}.xlsx", _("错误明细"), [_("行号"), _("列"), _("错误说明")], rows)
