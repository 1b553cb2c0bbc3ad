"""The meter reader's console (抄表): rounds, the fast keyboard entry sheet, Excel import
and export, the printable 抄表单 and the supervisors' anomaly queue. Thin: access through
the one scoping door, every rule in `metering.services`."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from propdesk.accounts.roles import Cap
from propdesk.billing.forms import parse_month
from propdesk.core import scoping
from propdesk.core.console import render_page, selected_project_ids
from propdesk.core.errors import DomainError
from propdesk.core.excel import XLSX, xlsx_response
from propdesk.estate.choices import HouseStatus
from propdesk.estate.models import Building, House
from propdesk.metering import imports, services
from propdesk.metering.models import Meter, Reading, ReadingRound
from propdesk.metering.selectors import held_readings, round_sheet
from propdesk.residents.imports import check_xlsx_upload

MAX_UPLOAD = 5 * 1024 * 1024


def _projects(request, cap: Cap) -> frozenset[int]:
    project_ids = selected_project_ids(request, cap)
    if not project_ids:
        raise Http404
    return project_ids


def access_round(user, pk: int, cap: Cap = Cap.METER_READ) -> ReadingRound:
    """The one door to a round: 404 for missing and for another project's alike."""
    return scoping.access(ReadingRound.objects.select_related("project"), user, cap, pk=pk)


@login_required
def rounds(request):
    """抄表: the rounds of the selected projects, and a new round for a building."""
    project_ids = _projects(request, Cap.METER_READ)
    buildings = Building.objects.filter(project_id__in=project_ids).select_related("project").order_by("project", "number")
    error = None
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("buildings") if v.isdigit()]
        chosen = list(buildings.filter(pk__in=ids))
        month = parse_month(request.POST.get("month"))
        try:
            if not chosen or len({b.project_id for b in chosen}) != 1:
                raise DomainError("reading_round_buildings_required", _("请选择同一项目的楼栋"), field="buildings")
            if month is None:
                raise DomainError("reading_round_month_required", _("请选择抄表月份"), field="month")
            created = services.round_create(project=chosen[0].project, buildings=chosen, month=month, by=request.user)
            return redirect("metering:round", created.pk)
        except DomainError as exc:
            error = exc.message
    listed = (
        ReadingRound.objects.filter(project_id__in=project_ids)
        .select_related("project", "opened_by")
        .prefetch_related("buildings")[:60]
    )
    held = held_readings(project_ids).count()
    today = timezone.localdate()
    context = {"rounds": listed, "buildings": buildings, "error": error, "month": f"{today:%Y-%m}", "held": held}
    return render_page(request, "metering/rounds.html", context)


@login_required
def round_detail(request, pk: int):
    """The fast entry sheet: one row per meter in stair and floor order; Enter or Tab saves
    the row and moves to the next one; usage and anomalies show as you type."""
    reading_round = access_round(request.user, pk)
    rows = round_sheet(reading_round)
    context = {
        "round": reading_round,
        "rows": rows,
        "entered": sum(1 for row in rows if row.reading is not None),
        "held": sum(1 for row in rows if row.reading is not None and row.reading.status == "held"),
        "can_confirm": scoping.has_cap(request.user, Cap.METER_CONFIRM, reading_round.project_id),
        "today": timezone.localdate(),
    }
    return render_page(request, "metering/round.html", context)


def _reading_json(reading: Reading) -> dict:
    return {
        "id": reading.pk,
        "value": str(reading.value),
        "usage": None if reading.usage is None else str(reading.usage),
        "status": reading.status,
        "status_label": reading.get_status_display(),
        "anomaly": reading.anomaly,
    }


@login_required
@require_POST
def round_read(request, pk: int):
    """Save one row of the entry sheet (JSON in and out, for the page's script)."""
    reading_round = access_round(request.user, pk)
    meter_id = request.POST.get("meter", "")
    meter = scoping.access(Meter.objects.all(), request.user, Cap.METER_READ, pk=meter_id) if meter_id.isdigit() else None
    if meter is None:
        raise Http404
    try:
        reading = services.reading_record(
            reading_round=reading_round, meter=meter, value=request.POST.get("value", ""), by=request.user
        )
    except DomainError as exc:
        return JsonResponse({"error": exc.message, "code": exc.code}, status=400)
    return JsonResponse(_reading_json(reading))


@login_required
@require_POST
def round_close(request, pk: int):
    reading_round = access_round(request.user, pk)
    try:
        services.round_close(reading_round=reading_round, by=request.user)
        messages.success(request, _("本轮抄表已结束"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("metering:round", reading_round.pk)


@login_required
def round_print(request, pk: int):
    """抄表单: the blank A4 sheet a reader takes round, with each meter's last reading."""
    reading_round = access_round(request.user, pk)
    context = {"round": reading_round, "rows": round_sheet(reading_round), "buildings": reading_round.buildings.all()}
    return render_page(request, "metering/round_print.html", context)


@login_required
def round_export(request, pk: int):
    reading_round = access_round(request.user, pk)
    if not scoping.has_cap(request.user, Cap.DATA_EXPORT, reading_round.project_id):
        raise Http404
    filename = f"抄表-{reading_round.project.name}-{reading_round.period:%Y-%m}.xlsx"
    return xlsx_response(filename, _("抄表"), imports.EXPORT_HEADERS, imports.export_rows(reading_round))


@login_required
def round_import(request, pk: int):
    """GET ?template=1: the round's template; POST: import a filled one, all or nothing."""
    reading_round = access_round(request.user, pk)
    if request.GET.get("template"):
        response = HttpResponse(imports.template_bytes(reading_round), content_type=XLSX)
        name = quote(f"抄表导入-{reading_round.period:%Y-%m}-{reading_round.pk}.xlsx")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
        return response
    result = None
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise DomainError("import_file_required", _("请选择文件"), field="file")
            check_xlsx_upload(upload, max_bytes=MAX_UPLOAD)
            result = imports.readings_import(reading_round=reading_round, content=upload.read(), by=request.user)
        except DomainError as exc:
            error = exc.message
        if result is not None and not result.errors:
            messages.success(
                request,
                _("已导入 %(n)d 条读数，其中 %(h)d 条异常待确认；%(s)d 行未填读数已跳过")
                % {"n": result.entered, "h": result.held, "s": result.skipped},
            )
            return redirect("metering:round", reading_round.pk)
    context = {"round": reading_round, "result": result, "error": error}
    return render_page(request, "metering/import.html", context, status=400 if (error or (result and result.errors)) else 200)


@login_required
def anomalies(request):
    """The anomaly queue: readings held for a supervisor (lower than last, 3× the usual,
    custody above the MOV-6 limits), with confirm and reject for those who may."""
    project_ids = _projects(request, Cap.METER_READ)
    rows = list(held_readings(project_ids)[:500])
    confirmable = scoping.visible_project_ids(request.user, Cap.METER_CONFIRM)
    return render_page(request, "metering/anomalies.html", {"rows": rows, "confirmable": confirmable})


@login_required
@require_POST
def reading_decide(request, pk: int):
    """Confirm (optionally as a rollover) or reject a held reading."""
    reading = scoping.access(Reading.objects.select_related("meter"), request.user, Cap.METER_CONFIRM, pk=pk)
    note = request.POST.get("note", "")
    try:
        if request.POST.get("decision") == "reject":
            services.reading_reject(reading=reading, by=request.user, note=note)
            messages.success(request, _("已退回，请重新抄表"))
        else:
            rollover = request.POST.get("rollover") == "1"
            services.reading_confirm(reading=reading, by=request.user, rollover=rollover, note=note)
            messages.success(request, _("已确认，该读数将出账"))
    except DomainError as exc:
        messages.error(request, f"{reading.meter}：{exc.message}")
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/metering/") and "//" not in back else "metering:anomalies")


# -- Meters: list, replacement, custody start readings -------------------------------------------


@login_required
def meters(request):
    """水电表: the meters of a building (or all of the selected projects), with the last
    reading; links to replace one (supervisors) and to record custody start readings."""
    project_ids = _projects(request, Cap.METER_READ)
    buildings = Building.objects.filter(project_id__in=project_ids).select_related("project").order_by("project", "number")
    building_id = request.GET.get("building", "")
    rows = Meter.objects.filter(project_id__in=project_ids, replaced_on__isnull=True).select_related(
        "project", "house", "building", "item"
    )
    building = None
    if building_id.isdigit():
        building = scoping.access(Building.objects.all(), request.user, Cap.METER_READ, pk=int(building_id))
        rows = rows.filter(Q(house__building=building) | Q(building=building))
    rows = list(
        rows.order_by("project", F("house__building__number").asc(nulls_last=True), "house__floor", "house__room", "kind")[:500]
    )
    last = {}
    for reading in (
        Reading.objects.filter(meter__in=rows, current=True, purpose="round")
        .exclude(status="rejected")
        .order_by("meter_id", "-round__period", "-id")
        .only("meter_id", "value", "read_on")
    ):
        last.setdefault(reading.meter_id, reading)
    context = {
        "rows": [(meter, last.get(meter.pk)) for meter in rows],
        "buildings": buildings,
        "building": building,
        "confirmable": scoping.visible_project_ids(request.user, Cap.METER_CONFIRM),
        "house_changers": scoping.visible_project_ids(request.user, Cap.HOUSE_CHANGE),
    }
    return render_page(request, "metering/meters.html", context)


@login_required
def meter_replace(request, pk: int):
    """换表: the old meter's final reading, the new meter's serial and initial reading."""
    meter = scoping.access(Meter.objects.select_related("project", "house"), request.user, Cap.METER_CONFIRM, pk=pk)
    error = None
    if request.method == "POST":
        try:
            services.meter_replace(
                meter=meter,
                final_reading=request.POST.get("final_reading", ""),
                serial=request.POST.get("serial", ""),
                initial_reading=request.POST.get("initial_reading") or "0",
                by=request.user,
            )
            messages.success(request, _("已登记换表"))
            return redirect("metering:meters")
        except DomainError as exc:
            error = exc.message
    return render_page(request, "metering/meter_replace.html", {"meter": meter, "error": error}, status=400 if error else 200)


@login_required
def custody_start(request, house_id: int):
    """MOV-6: put a house in custody (托管) with its meters' start readings — or, for a
    house already in custody, record them."""
    house = scoping.access(House.objects.select_related("project"), request.user, Cap.HOUSE_CHANGE, pk=house_id)
    scoping.require(request.user, Cap.METER_READ, house.project_id)
    house_meters = list(Meter.objects.filter(house=house, replaced_on__isnull=True).order_by("kind"))
    error = None
    if request.method == "POST":
        values = {m.pk: request.POST.get(f"meter-{m.pk}", "").strip() for m in house_meters}
        values = {pk: value for pk, value in values.items() if value}
        try:
            if not values:
                raise DomainError("reading_required", _("请填写起始读数"), field="value", rule="MOV-6")
            if house.status == HouseStatus.CUSTODY:
                services.custody_start_record(house=house, values=values, by=request.user)
            else:
                reason = request.POST.get("reason", "").strip() or _("签订托管协议")
                services.house_custody_start(house=house, reason=reason, values=values, by=request.user)
            messages.success(request, _("已登记托管起始读数（MOV-6）"))
            return redirect(f"{reverse('metering:meters')}?building={house.building_id}")
        except DomainError as exc:
            error = exc.message
    context = {"house": house, "meters": house_meters, "error": error, "in_custody": house.status == HouseStatus.CUSTODY}
    return render_page(request, "metering/custody_start.html", context, status=400 if error else 200)
