"""Special-service pages (特约服务, DESK-8): the published catalogue with its prices and
the nearby providers (printable for the notice board, Excel for staff), kept by
supervisors and PMs; and the monthly statistics. Thin: rules in desk.catalogue."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.console import render_page, selected_project_ids
from propdesk.core.errors import DomainError
from propdesk.core.excel import xlsx_response
from propdesk.desk import catalogue
from propdesk.desk.choices import Department, PriceKind
from propdesk.desk.models import PriceItem, ServiceProvider
from propdesk.estate.models import Project


def _shown(request) -> frozenset[int]:
    project_ids = selected_project_ids(request, Cap.TICKET_VIEW)
    if not project_ids:
        raise Http404
    return project_ids


def _managed(request, project_ids) -> list[Project]:
    ids = frozenset(project_ids) & scoping.visible_project_ids(request.user, Cap.CATALOGUE_MANAGE)
    return list(Project.objects.filter(pk__in=ids).order_by("code"))


@login_required
def catalogue_page(request):
    """特约服务项目及收费标准 and 周边便民服务商: read by all staff of the project, kept
    by supervisors and PMs (two forms on the page)."""
    project_ids = _shown(request)
    managed = _managed(request, project_ids)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not managed:
            raise Http404
        form = request.POST.get("form")
        try:
            project = scoping.access(
                Project.objects.all(), request.user, Cap.CATALOGUE_MANAGE, field="id", pk=_int(request.POST.get("project"))
            )
            if form == "service":
                item = catalogue.price_item_add(
                    project=project,
                    kind=PriceKind.SERVICE,
                    name=request.POST.get("name", ""),
                    unit=request.POST.get("unit", ""),
                    unit_price=request.POST.get("unit_price", ""),
                    department=request.POST.get("department", ""),
                    description=request.POST.get("description", ""),
                    by=request.user,
                )
                messages.success(request, _("已发布：%(name)s") % {"name": item.name})
            else:
                provider = catalogue.provider_add(
                    project=project,
                    name=request.POST.get("name", ""),
                    services=request.POST.get("services", ""),
                    phone=request.POST.get("phone", ""),
                    address=request.POST.get("address", ""),
                    by=request.user,
                )
                messages.success(request, _("已登记服务商：%(name)s") % {"name": provider.name})
            return redirect("services:catalogue")
        except DomainError as exc:
            errors[form or "service"] = exc.message
    context = {
        "services": list(catalogue.service_catalogue(project_ids)),
        "providers": list(catalogue.providers(project_ids, active_only=not managed)),
        "managed": managed,
        "managed_ids": {p.pk for p in managed},
        "departments": Department.choices,
        "errors": errors,
        "posted": request.POST if errors else {},
        "printed_at": timezone.now(),
    }
    return render_page(request, "desk/services/catalogue.html", context, status=400 if errors else 200)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_POST
def service_toggle(request, pk: int):
    item = scoping.access(PriceItem.objects.all(), request.user, Cap.CATALOGUE_MANAGE, pk=pk)
    catalogue.price_item_set_active(item=item, active=not item.active, by=request.user)
    messages.success(
        request, _("已发布：%(name)s") % {"name": item.name} if item.active else _("已停用：%(name)s") % {"name": item.name}
    )
    return redirect("services:catalogue")


@login_required
@require_POST
def provider_toggle(request, pk: int):
    provider = scoping.access(ServiceProvider.objects.all(), request.user, Cap.CATALOGUE_MANAGE, pk=pk)
    catalogue.provider_set_active(provider=provider, active=not provider.active, by=request.user)
    messages.success(
        request,
        _("已启用：%(name)s") % {"name": provider.name} if provider.active else _("已停用：%(name)s") % {"name": provider.name},
    )
    return redirect("services:catalogue")


@login_required
@require_GET
def catalogue_export(request):
    rows = (
        (
            s.project.name,
            s.name,
            s.get_department_display(),
            s.unit,
            s.unit_price,
            s.description,
            _("在用") if s.active else _("停用"),
        )
        for s in catalogue.service_catalogue(_shown(request))
    )
    headers = [_("项目"), _("服务项目"), _("承办部门"), _("单位"), _("单价(元)"), _("服务内容"), _("状态")]
    return xlsx_response(f"特约服务项目及收费标准-{timezone.localdate():%Y%m%d}.xlsx", _("特约服务"), headers, rows)


# --- monthly statistics ---------------------------------------------------------------------------


def _month(request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("month", "") + "-01")
    except ValueError:
        return timezone.localdate().replace(day=1)


@login_required
@require_GET
def stats_page(request):
    """特约服务月度统计 (DESK-8)."""
    month = _month(request)
    stats = catalogue.service_stats(_shown(request), month)
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    context = {"stats": stats, "previous": previous, "following": following}
    return render_page(request, "desk/services/stats.html", context)


@login_required
@require_GET
def stats_export(request):
    month = _month(request)
    stats = catalogue.service_stats(_shown(request), month)
    headers = [_("服务项目"), _("承办部门"), _("申请"), _("完成"), _("收入(元)")]
    rows = [(r.name, r.department, r.requests, r.completed, r.income) for r in stats.rows]
    rows.append((_("合计"), "", stats.requests, stats.completed, stats.income))
    return xlsx_response(f"特约服务月度统计-{month:%Y%m}.xlsx", _("特约服务统计"), headers, rows)
