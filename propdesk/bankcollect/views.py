"""Bank collection pages (银行托收): batches (export, detail, download, return-file upload,
close, failed/unmatched lists with Excel export), mandates and bank profiles. Thin: access
through the one scoping door, every rule in the services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from propdesk.accounts.roles import Cap
from propdesk.bankcollect.choices import LineStatus
from propdesk.bankcollect.fileio import ReturnFileError
from propdesk.bankcollect.forms import ExportForm, MandateForm, ProfileForm, UploadForm, columns_text
from propdesk.bankcollect.models import BankMandate, BankProfile, CollectionBatch
from propdesk.bankcollect.selectors import batch_summary, batches_with_counts
from propdesk.bankcollect.services import batch_close, batch_export, batch_import_return, mandate_save, profile_save
from propdesk.core import scoping
from propdesk.core.console import render_page, selected_project_ids
from propdesk.core.errors import DomainError
from propdesk.core.excel import xlsx_response
from propdesk.estate.housecode import parse_house_code
from propdesk.estate.models import House, Project

MAX_UPLOAD = 10 * 1024 * 1024


def _projects(request, cap: Cap) -> frozenset[int]:
    project_ids = selected_project_ids(request, cap)
    if not project_ids:
        raise Http404
    return project_ids


def access_batch(user, pk: int, cap: Cap = Cap.FEE_VIEW) -> CollectionBatch:
    return scoping.access(CollectionBatch.objects.select_related("project", "profile", "exported_by"), user, cap, pk=pk)


def _profiles(request, cap: Cap):
    ids = selected_project_ids(request, cap)
    return list(
        BankProfile.objects.filter(project_id__in=ids, active=True).select_related("project").order_by("project", "bank_name")
    )


# -- batches -----------------------------------------------------------------------------------


@login_required
def batches(request):
    """托收批次: the list, and (FEE_COLLECT) the export form."""
    project_ids = _projects(request, Cap.FEE_VIEW)
    profiles = _profiles(request, Cap.FEE_COLLECT)
    form = ExportForm(request.POST or None, profiles=profiles) if profiles else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            profile = scoping.access(
                BankProfile.objects.select_related("project"), request.user, Cap.FEE_COLLECT, pk=form.cleaned_data["profile"]
            )
            try:
                batch = batch_export(profile=profile, cutoff=form.cleaned_data["cutoff"], by=request.user)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("已生成托收批次 %(n)s，共 %(c)s 笔") % {"n": batch.code, "c": batch.line_count})
                return redirect("bankcollect:batch", batch.pk)
    rows = batches_with_counts(CollectionBatch.objects.filter(project_id__in=project_ids).select_related("project", "profile"))[
        :100
    ]
    status = 400 if form is not None and form.errors else 200
    return render_page(request, "bankcollect/batches.html", {"batches": rows, "form": form}, status=status)


def _batch_context(request, batch: CollectionBatch, upload: UploadForm | None = None, errors=None) -> dict:
    can_collect = scoping.has_cap(request.user, Cap.FEE_COLLECT, batch.project_id)
    status = request.GET.get("status", "")
    lines = batch.lines.select_related("house", "mandate", "payment").order_by("seq")
    if status in LineStatus.values:
        lines = lines.filter(status=status)
    return {
        "batch": batch,
        "summary": batch_summary(batch),
        "lines": lines,
        "status": status,
        "statuses": LineStatus.choices,
        "unmatched": batch.unmatched.all(),
        "can_collect": can_collect,
        "upload": (upload or UploadForm()) if can_collect else None,
        "errors": errors or [],
    }


@login_required
def batch(request, pk: int):
    """A batch: counts and amounts per status, its lines, the unmatched rows of the file."""
    found = access_batch(request.user, pk)
    return render_page(request, "bankcollect/batch.html", _batch_context(request, found))


@login_required
def download(request, pk: int):
    """The collection file as sent to the bank (full account numbers: FEE_COLLECT only)."""
    found = access_batch(request.user, pk, Cap.FEE_COLLECT)
    return FileResponse(found.export_file.open("rb"), as_attachment=True, filename=found.export_file.name.rsplit("/", 1)[-1])


@login_required
@require_POST
def upload(request, pk: int):
    """Import the bank's return file (all or nothing)."""
    found = access_batch(request.user, pk, Cap.FEE_COLLECT)
    form = UploadForm(request.POST, request.FILES)
    errors = []
    if form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            if uploaded.size > MAX_UPLOAD:
                raise DomainError("return_file_too_large", _("文件过大（上限 10 MB）"), field="file")
            result = batch_import_return(batch=found, content=uploaded.read(), filename=uploaded.name, by=request.user)
        except ReturnFileError as exc:
            errors = exc.errors
            form.add_error("file", exc.message)
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(
                request,
                _("回盘已导入：成功 %(p)s 笔（其中转预存 %(c)s 笔，此前已登记 %(a)s 笔），失败 %(f)s 笔，未匹配 %(u)s 行")
                % {"p": result.paid, "c": result.to_credit, "a": result.already_paid, "f": result.failed, "u": result.unmatched},
            )
            return redirect("bankcollect:batch", found.pk)
    return render_page(request, "bankcollect/batch.html", _batch_context(request, found, form, errors), status=400)


@login_required
@require_POST
def close(request, pk: int):
    found = access_batch(request.user, pk, Cap.FEE_COLLECT)
    try:
        batch_close(batch=found, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("bankcollect:batch", found.pk)


EXCEPTION_HEADERS = ("托收编号", "房屋编码", "户名", "账号", "金额", "账期", "状态", "失败代码", "原因")
UNMATCHED_HEADERS = ("行号", "托收编号", "房屋编码", "金额", "银行扣款成功", "未匹配原因")


@login_required
def exceptions(request, pk: int):
    """The failed and unmatched lines (?kind=lines) or the unmatched rows of the file
    (?kind=rows) as Excel, account numbers masked."""
    found = access_batch(request.user, pk)
    if request.GET.get("kind") == "rows":
        rows = (
            (u.row, u.reference, u.house_code, u.amount, _("是") if u.succeeded else _("否"), u.reason)
            for u in found.unmatched.all()
        )
        return xlsx_response(f"托收{found.code}-未匹配回盘.xlsx", _("未匹配回盘"), UNMATCHED_HEADERS, rows)
    lines = found.lines.filter(status__in=[LineStatus.FAILED, LineStatus.UNMATCHED]).select_related("house", "mandate")
    rows = (
        (
            line.reference,
            line.house.code,
            line.mandate.account_name,
            line.mandate.masked_account,
            line.amount,
            line.periods,
            line.get_status_display(),
            line.reason_code,
            line.reason,
        )
        for line in lines.order_by("seq")
    )
    return xlsx_response(f"托收{found.code}-失败及未匹配.xlsx", _("失败及未匹配"), EXCEPTION_HEADERS, rows)


# -- mandates ----------------------------------------------------------------------------------


@login_required
def mandates(request):
    """托收协议: every mandate of the selected projects, account numbers masked."""
    project_ids = _projects(request, Cap.FEE_VIEW)
    query = request.GET.get("q", "").strip()
    rows = BankMandate.objects.filter(project_id__in=project_ids).select_related("project", "house", "profile")
    if query:
        rows = rows.filter(house__code__icontains=query) | rows.filter(account_name__icontains=query)
    context = {
        "mandates": rows.order_by("project", "house__code", "-active_from")[:500],
        "query": query,
        "today": timezone.localdate(),
        "can_collect": bool(selected_project_ids(request, Cap.FEE_COLLECT)),
    }
    return render_page(request, "bankcollect/mandates.html", context)


def _house(request, code: str, project_id: int) -> House:
    parsed = parse_house_code(code)
    house = House.objects.filter(project_id=project_id, code=str(parsed) if parsed else code.strip()).first()
    if house is None:
        raise DomainError("mandate_house_unknown", _("该项目没有房屋 %(c)s") % {"c": code}, field="house")
    return house


@login_required
def mandate_edit(request, pk: int | None = None):
    """Record or change a mandate (FEE_COLLECT)."""
    _projects(request, Cap.FEE_COLLECT)
    mandate = None
    if pk is not None:
        mandate = scoping.access(BankMandate.objects.select_related("house", "profile"), request.user, Cap.FEE_COLLECT, pk=pk)
    profiles = _profiles(request, Cap.FEE_COLLECT)
    initial = {}
    if mandate is not None:
        initial = {
            "house": mandate.house.code,
            "profile": mandate.profile_id,
            "account_name": mandate.account_name,
            "active_from": mandate.active_from,
            "active_to": mandate.active_to,
            "note": mandate.note,
        }
    form = MandateForm(request.POST or None, initial=initial, profiles=profiles)
    if mandate is not None:
        form.fields["account_number"].required = False
        form.fields["account_number"].help_text = _("当前 %(m)s；不修改请留空") % {"m": mandate.masked_account}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            profile = scoping.access(BankProfile.objects.all(), request.user, Cap.FEE_COLLECT, pk=data["profile"])
            house = _house(request, data["house"], profile.project_id)
            mandate = mandate_save(
                by=request.user,
                house=house,
                profile=profile,
                account_name=data["account_name"],
                account_number=data["account_number"] or (mandate.account_number if mandate else ""),
                active_from=data["active_from"],
                active_to=data["active_to"],
                note=data["note"],
                mandate=mandate,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("托收协议已保存"))
            return redirect("bankcollect:mandates")
    status = 400 if form.errors else 200
    return render_page(request, "bankcollect/mandate_form.html", {"form": form, "mandate": mandate}, status=status)


# -- profiles ----------------------------------------------------------------------------------


@login_required
def profiles(request):
    """托收银行配置 (FEE_CONFIGURE)."""
    project_ids = _projects(request, Cap.FEE_CONFIGURE)
    rows = BankProfile.objects.filter(project_id__in=project_ids).select_related("project").order_by("project", "bank_name")
    return render_page(request, "bankcollect/profiles.html", {"profiles": rows})


@login_required
def profile_edit(request, pk: int | None = None):
    project_ids = _projects(request, Cap.FEE_CONFIGURE)
    profile = None
    if pk is not None:
        profile = scoping.access(BankProfile.objects.all(), request.user, Cap.FEE_CONFIGURE, pk=pk)
    projects = list(Project.objects.filter(pk__in=project_ids).order_by("code"))
    initial = {"columns": columns_text(profile.columns if profile else []), "active": True}
    if profile is not None:
        initial.update(
            project=profile.project_id,
            bank_name=profile.bank_name,
            file_format=profile.file_format,
            encoding=profile.encoding,
            active=profile.active,
        )
    else:
        from propdesk.bankcollect.choices import DEFAULT_COLUMNS

        initial["columns"] = columns_text(DEFAULT_COLUMNS)
    form = ProfileForm(request.POST or None, initial=initial, projects=projects)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        project = next(p for p in projects if p.pk == data["project"])
        try:
            profile_save(
                project=project,
                by=request.user,
                bank_name=data["bank_name"],
                columns=data["columns"],
                file_format=data["file_format"],
                encoding=data["encoding"],
                active=data["active"],
                profile=profile,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("托收银行配置已保存"))
            return redirect("bankcollect:profiles")
    status = 400 if form.errors else 200
    return render_page(request, "bankcollect/profile_form.html", {"form": form, "profile": profile}, status=status)
