"""Emergency pages (紧急求助, DESK-7): the one-click form, the actions of the panel on an
emergency ticket's page (tick a plan step, inform the caller, write the summary), the
printable event report (突发事件报告, INC-3/INC-4), the plans in force, and the duty
roster (值班表). Thin: access through the one scoping door, rules in desk.emergencies."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from propdesk.accounts.models import User
from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.console import SESSION_KEY, render_page, selected_project_ids
from propdesk.core.errors import DomainError
from propdesk.desk import emergencies
from propdesk.desk.choices import Department, EmergencyKind, TicketType
from propdesk.desk.emergency_forms import DutyShiftForm, EmergencyForm
from propdesk.desk.emergency_selectors import emergency_panel, roster, roster_editable
from propdesk.desk.models import DutyShift
from propdesk.desk.selectors import timeline
from propdesk.desk.services import contact_log
from propdesk.desk.views import access_ticket, contact_project, ticket_action
from propdesk.estate.housecode import parse_house_code
from propdesk.estate.models import House, Project

ROSTER_DAYS = 7


def _projects(ids) -> list[Project]:
    return list(Project.objects.filter(pk__in=ids).order_by("code"))


def _house_or_location(project: Project, place: str) -> tuple[House | None, str]:
    """A typed house code of the project names the house; anything else is a location."""
    code = parse_house_code(place)
    house = House.objects.filter(project=project, code=str(code)).first() if code else None
    return house, "" if house else place.strip()


# --- the one click ---------------------------------------------------------------------------


@login_required
def emergency_new(request):
    """紧急求助: one form, one click — the ticket, the alarm and the plan's checklist."""
    create_ids = scoping.visible_project_ids(request.user, Cap.TICKET_CREATE)
    if not create_ids:
        raise Http404
    form = EmergencyForm(request.POST or None, initial={"kind": request.GET.get("kind", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = contact_project(request, data, None, None, create_ids)
            house, location = _house_or_location(project, data["place"])
            contact = contact_log(
                project=project,
                channel=data["channel"],
                content=data["content"],
                by=request.user,
                caller_number=data["caller_number"],
                caller_name=data["caller_name"],
                house=house,
                ticket={
                    "type": TicketType.EMERGENCY,
                    "category": data["kind"],
                    "title": f"{EmergencyKind(data['kind']).label}：{data['place'].strip()}"[:120],
                    "location": location,
                },
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            notified = contact.ticket.emergency.responders.count()
            messages.success(
                request,
                _("已生成紧急求助工单 %(number)s，已通知 %(n)d 人，请按预案处置")
                % {"number": contact.ticket.number, "n": notified},
            )
            return redirect("desk:ticket", pk=contact.ticket_id)
    context = {
        "form": form,
        "projects": _projects(create_ids) if len(create_ids) > 1 else [],
        "chosen_project": form["project"].value() or request.session.get(SESSION_KEY),
        "kinds": EmergencyKind.choices,
    }
    return render_page(request, "desk/emergency/new.html", context, status=400 if form.errors else 200)


# --- the panel's actions -----------------------------------------------------------------------


def _emergency(request, pk: int):
    ticket = access_ticket(request.user, pk, Cap.TICKET_HANDLE)
    if ticket.type != TicketType.EMERGENCY:
        raise Http404
    return ticket


@login_required
@require_POST
def emergency_check(request, pk: int):
    ticket = _emergency(request, pk)

    def run():
        try:
            position = int(request.POST.get("position", ""))
        except ValueError:
            raise DomainError("emergency_step_missing", _("请选择预案步骤"), field="position", rule="INC-4") from None
        emergencies.emergency_check(ticket=ticket, position=position, by=request.user)

    return ticket_action(request, ticket, "emergency", run, _("已记录完成该步骤"))


@login_required
@require_POST
def emergency_inform(request, pk: int):
    ticket = _emergency(request, pk)

    def run():
        emergencies.emergency_inform_caller(ticket=ticket, note=request.POST.get("note", ""), by=request.user)

    return ticket_action(request, ticket, "inform", run, _("已记录告知来电人"))


@login_required
@require_POST
def emergency_summary(request, pk: int):
    ticket = _emergency(request, pk)

    def run():
        emergencies.emergency_summarise(ticket=ticket, summary=request.POST.get("summary", ""), by=request.user)

    return ticket_action(request, ticket, "summary", run, _("书面总结已保存"))


@login_required
@require_GET
def emergency_report(request, pk: int):
    """突发事件报告: the printable record of one emergency (INC-3/INC-4)."""
    ticket = access_ticket(request.user, pk)
    if ticket.type != TicketType.EMERGENCY:
        raise Http404
    context = {
        "ticket": ticket,
        "panel": emergency_panel(request.user, ticket),
        "timeline": timeline(ticket),
        "printed_at": timezone.now(),
    }
    return render_page(request, "desk/emergency/report.html", context)


# --- plans ---------------------------------------------------------------------------------------


@login_required
@require_GET
def emergency_plans(request):
    """The plans in force (应急预案, INC-4) for the projects shown; printable."""
    project_ids = selected_project_ids(request, Cap.TICKET_VIEW)
    if not project_ids:
        raise Http404
    projects = _projects(project_ids)
    context = {"sections": [(project, emergencies.plans_for(project.pk)) for project in projects]}
    return render_page(request, "desk/emergency/plans.html", context)


# --- the duty roster -------------------------------------------------------------------------------


def _start(request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        return timezone.localdate()


@login_required
def duty_roster(request):
    """值班表: the shifts of the coming days by project and department; dispatchers add
    and remove shifts."""
    project_ids = selected_project_ids(request, Cap.TICKET_VIEW)
    if not project_ids:
        raise Http404
    editable = roster_editable(request.user, project_ids)
    form = DutyShiftForm(request.POST or None)
    if request.method == "POST":
        if not editable:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                project = contact_project(request, data, None, None, editable)
                user = User.objects.filter(pk=data["user"]).first()
                if user is None:
                    raise DomainError("duty_user_invalid", _("值班人必须是本项目在职员工"), field="user", rule="DESK-7")
                shifts = emergencies.duty_shift_add(
                    project=project,
                    department=data["department"],
                    user=user,
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    repeat_days=data["repeat_days"],
                    by=request.user,
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("已排班 %(n)d 个班次") % {"n": len(shifts)})
                return redirect(request.get_full_path())
    start = _start(request)
    shifts = list(roster(project_ids, start=start, days=ROSTER_DAYS))
    now = timezone.now()
    context = {
        "form": form,
        "start": start,
        "previous": start - dt.timedelta(days=ROSTER_DAYS),
        "next": start + dt.timedelta(days=ROSTER_DAYS),
        "shifts": shifts,
        "now": now,
        "editable": editable,
        "projects": _projects(editable),
        "departments": Department.choices,
        "staff": _staff(editable),
    }
    return render_page(request, "desk/emergency/duty.html", context, status=400 if form.errors else 200)


def _staff(project_ids) -> list[User]:
    """Staff who may be put on duty in the editable projects."""
    if not project_ids:
        return []
    return list(
        User.objects.filter(kind=User.Kind.STAFF, is_active=True, memberships__project_id__in=project_ids)
        .distinct()
        .order_by("display_name", "pk")
    )


@login_required
@require_POST
def duty_remove(request, pk: int):
    shift = scoping.access(DutyShift.objects.all(), request.user, Cap.TICKET_DISPATCH, pk=pk)
    try:
        emergencies.duty_shift_remove(shift=shift, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("班次已删除"))
    return redirect("emergency:duty")
