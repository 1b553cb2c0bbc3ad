"""Outreach pages: 主动访问 (my suggested households, the month's visits, record a visit),
访问进度 (progress against the quotas, Excel), 访问与关怀设置, 客户关怀 (greeting tasks)
and the printed 访问客户记录表. Thin: access through the scoping helper, rules in
outreach.services and outreach.care."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.console import render_page, selected_project_ids
from propdesk.core.errors import DomainError
from propdesk.core.excel import xlsx_response
from propdesk.estate.models import House, Project
from propdesk.outreach import care, selectors, services
from propdesk.outreach.choices import CareStatus, GreetingMethod
from propdesk.outreach.forms import CareCloseForm, OutreachPolicyForm, ProactiveVisitForm
from propdesk.outreach.models import CareTask

LIST_ROWS = 300


def _projects(request, cap: Cap) -> list[Project]:
    ids = selected_project_ids(request, cap)
    if not ids:
        raise Http404
    return list(Project.objects.filter(pk__in=ids).order_by("pk"))


def _month_nav(month: dt.date) -> dict:
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    return {"month": month, "previous": previous, "following": selectors.next_month(month)}


@login_required
def visits(request):
    """主动访问: per project, my suggested households for the month (VIS-7) and the month's
    visits — my own, or every visit where I manage visits."""
    projects = _projects(request, Cap.VISIT_RECORD)
    month = selectors.parse_month(request.GET.get("month"))
    blocks = []
    for project in projects:
        manage = scoping.has_cap(request.user, Cap.VISIT_MANAGE, project.pk)
        suggestions = selectors.suggested_households(project_id=project.pk, visitor=request.user, month=month)
        rows = selectors.visit_list([project.pk], month=month, visitor=None if manage else request.user)[:LIST_ROWS]
        blocks.append({"project": project, "suggestions": suggestions, "visits": list(rows), "manage": manage})
    return render_page(request, "outreach/visits.html", {"blocks": blocks, **_month_nav(month)})


@login_required
def visit_new(request):
    """Record a proactive visit of one household (VIS-7)."""
    house = scoping.access(House.objects.select_related("project"), request.user, Cap.VISIT_RECORD, pk=request.GET.get("house"))
    project = house.project
    manage = scoping.has_cap(request.user, Cap.VISIT_MANAGE, project.pk)
    form = ProactiveVisitForm(request.POST or None, house=house, may_manage=manage, initial={"visited_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = services.proactive_visit_record(
                project=project,
                house=house,
                by=request.user,
                visitor=data.get("visitor") or request.user,
                person=data["person"],
                department=data["department"],
                visited_on=data["visited_on"],
                method=data["method"],
                appointment_at=data["appointment_at"],
                entered_home=data["entered_home"],
                companion=data["companion"],
                satisfaction=data["satisfaction"],
                opinions=data["opinions"],
                opinion_kind=data["opinion_kind"],
                opinion_category=data["opinion_category"],
                note=data["note"],
            )
        except DomainError as exc:
            field = {"category": "opinion_category"}.get(exc.field, exc.field)
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            if visit.ticket_id:
                messages.success(request, _("访问已记录，客户意见已转为工单 %(n)s") % {"n": visit.ticket.number})
            else:
                messages.success(request, _("访问已记录"))
            return redirect("outreach:visits")
    flags = selectors.households_risks([house.pk]).get(house.pk, [])
    return render_page(
        request, "outreach/visit_form.html", {"house": house, "form": form, "flags": flags}, status=400 if form.errors else 200
    )


@login_required
def progress(request):
    """访问进度: households visited this month per department and per visitor against the
    quotas (VIS-7); `?export=xlsx` for Excel. Managers of visits only."""
    projects = _projects(request, Cap.VISIT_MANAGE)
    month = selectors.parse_month(request.GET.get("month"))
    data = selectors.progress(projects, month)
    if request.GET.get("export") == "xlsx":
        rows = []
        for block in data:
            for row in block.departments:
                rows.append([block.project_name, _("部门"), row.label, row.households, row.visits, row.quota, _yes_no(row.met)])
            for _user, row in block.visitors:
                rows.append(
                    [block.project_name, _("员工"), row.label, row.households, row.visits, row.quota or "", _yes_no(row.met)]
                )
        headers = [_("项目"), _("类别"), _("部门/员工"), _("访问户数"), _("访问次数"), _("每月指标"), _("是否达标")]
        return xlsx_response(f"主动访问进度-{month:%Y-%m}.xlsx", _("主动访问进度"), headers, rows)
    return render_page(request, "outreach/progress.html", {"blocks": data, **_month_nav(month)})


def _yes_no(met: bool | None) -> str:
    return "" if met is None else _("达标") if met else _("未达标")


@login_required
def settings_page(request):
    """访问与关怀设置 of one project: quotas (VIS-7), care windows and template (ARC-6)."""
    projects = _projects(request, Cap.VISIT_MANAGE)
    wanted = request.POST.get("project") or request.GET.get("project")
    project = next((p for p in projects if str(p.pk) == str(wanted)), projects[0])
    policy = services.outreach_policy(project)
    form = OutreachPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.fields}
        try:
            services.outreach_policy_set(project=project, by=request.user, **values)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("设置已保存"))
            return redirect(f"{request.path}?project={project.pk}")
    return render_page(
        request,
        "outreach/settings.html",
        {"projects": projects, "project": project, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def care_tasks(request):
    """客户关怀: the greetings to make (ARC-6) — open ones from today on, or done/all."""
    projects = _projects(request, Cap.VISIT_RECORD)
    status = request.GET.get("status", CareStatus.OPEN)
    status = status if status in (*CareStatus.values, "all") else CareStatus.OPEN
    today = timezone.localdate()
    start = today - dt.timedelta(days=7) if status == CareStatus.OPEN else None
    rows = selectors.care_list([p.pk for p in projects], status=None if status == "all" else status, start=start)[:LIST_ROWS]
    return render_page(
        request,
        "outreach/care.html",
        {"rows": list(rows), "status": status, "statuses": CareStatus.choices, "methods": GreetingMethod.choices, "today": today},
    )


@login_required
@require_POST
def care_close(request, pk: int):
    task = scoping.access(CareTask.objects.select_related("project", "person"), request.user, Cap.VISIT_RECORD, pk=pk)
    form = CareCloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择问候方式"))
        return redirect("outreach:care")
    data = form.cleaned_data
    try:
        if data["send"]:
            care.care_greeting_send(task=task, by=request.user, channel=data["method"])
        else:
            care.care_task_close(task=task, by=request.user, status=data["status"], method=data["method"], note=data["note"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已记录"))
    return redirect("outreach:care")


@login_required
def visit_print(request):
    """访问客户记录表 (002: 《访问客户记录表》), A4: one visitor's visits of the month."""
    projects = _projects(request, Cap.VISIT_RECORD)
    month = selectors.parse_month(request.GET.get("month"))
    rows = []
    for project in projects:
        manage = scoping.has_cap(request.user, Cap.VISIT_MANAGE, project.pk)
        rows += list(selectors.visit_list([project.pk], month=month, visitor=None if manage else request.user)[:LIST_ROWS])
    return render(request, "outreach/visit_print.html", {"rows": rows, "month": month, "user": request.user})
