"""Return-visit pages: 回访待办 (the visitor's list, phone-friendly), the visit record form,
and 回访审核 (the PM's review list). Thin: access through the one scoping door, rules in
followup.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.console import render_page, selected_project_ids
from propdesk.core.errors import DomainError
from propdesk.desk.choices import TYPE_CATEGORIES, TicketType
from propdesk.desk.repair_forms import decode_signature
from propdesk.estate.models import House, Project
from propdesk.followup import clock, selectors, services
from propdesk.followup.forms import ActivityForm, VisitRecordForm, parse_house_codes
from propdesk.followup.models import CommunityActivity, ReturnVisit

TODO_ROWS = 200
REVIEW_ROWS = 200
ACTIVITY_ROWS = 100


def access_visit(user, pk: int, cap: Cap = Cap.VISIT_RECORD) -> ReturnVisit:
    """The one door to a visit: 404 for missing and for another project's visit alike."""
    related = ("ticket", "project", "house", "visitor", "policy", "occupancy__person", "activity")
    return scoping.access(ReturnVisit.objects.select_related(*related), user, cap, pk=pk)


@login_required
def todo(request):
    """回访待办: my visits to make (a supervisor: every visit of the projects), overdue first."""
    project_ids = selected_project_ids(request, Cap.VISIT_RECORD)
    if not project_ids:
        raise Http404
    now = timezone.now()
    visits = selectors.visits_todo(request.user, project_ids)
    rows = [(visit, clock.is_overdue(visit, now)) for visit in visits[:TODO_ROWS]]
    overdue_count = visits.filter(due_at__lt=now).count()
    return render_page(request, "followup/todo.html", {"rows": rows, "now": now, "overdue_count": overdue_count})


@login_required
def record(request, pk: int):
    """The visit record form (VIS-2, VIS-6); only the visitor or a supervisor/PM of the project."""
    visit = access_visit(request.user, pk)
    if not services.may_record(request.user, visit):
        raise Http404
    form = VisitRecordForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and not visit.is_done and form.is_valid():
        data = form.cleaned_data
        try:
            services.visit_record(
                visit=visit,
                by=request.user,
                method=data["method"],
                handled=data["handled"] == "yes",
                satisfied=data["satisfied"] == "yes",
                score_quality=data["score_quality"],
                score_result=data["score_result"],
                score_attitude=data["score_attitude"],
                other_matters=data["other_matters"],
                note=data["note"],
                contact_name=data["contact_name"],
                signature_png=decode_signature(data["signature"]),
                signed_sheet=data["signed_sheet"],
                new_ticket=form.new_ticket(),
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("回访已记录"))
            return redirect("followup:todo")
    context = {
        "visit": visit,
        "ticket": visit.ticket,
        "form": form,
        "categories": {t: TYPE_CATEGORIES[t].choices for t in (TicketType.COMPLAINT, TicketType.REPAIR)},
        "overdue": visit.overdue_at(timezone.now()),
    }
    return render_page(request, "followup/record.html", context, status=400 if form.errors else 200)


@login_required
def signature(request, pk: int):
    """The customer's signature or signed sheet, served only within the viewer's projects."""
    visit = access_visit(request.user, pk)
    stored = visit.signature or visit.signed_sheet
    if not stored:
        raise Http404
    return FileResponse(stored.open("rb"))


@login_required
def review_list(request):
    """回访审核: the recorded visits the PM has not reviewed yet (VIS-6)."""
    project_ids = selected_project_ids(request, Cap.VISIT_REVIEW)
    if not project_ids:
        raise Http404
    rows = list(selectors.visits_to_review(project_ids)[:REVIEW_ROWS])
    return render_page(request, "followup/review.html", {"rows": rows})


@login_required
@require_POST
def review(request, pk: int):
    visit = access_visit(request.user, pk, Cap.VISIT_REVIEW)
    try:
        services.visit_review(visit=visit, by=request.user, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已审核"))
    return redirect("followup:review")


# --- community activities (社区活动, VIS-1, VIS-3, VIS-4) --------------------------------------


def _activity_projects(request) -> list[Project]:
    project_ids = selected_project_ids(request, Cap.VISIT_MANAGE)
    if not project_ids:
        raise Http404
    return list(Project.objects.filter(pk__in=project_ids).order_by("name"))


@login_required
def activities(request):
    """社区活动: the activities of the selected projects, a form to record one, and per open
    activity the participant entry by house codes and the close button (VISIT_MANAGE)."""
    projects = _activity_projects(request)
    form = ActivityForm(request.POST or None, projects=projects)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            activity = services.activity_create(
                project=data["project"], title=data["title"], held_on=data["held_on"], note=data["note"], by=request.user
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("已登记社区活动：%(t)s") % {"t": activity.title})
            return redirect("followup:activities")
    rows = (
        CommunityActivity.objects.filter(project__in=projects)
        .select_related("project", "organiser")
        .annotate(households=Count("participants", distinct=True), visits=Count("return_visits", distinct=True))
        .order_by("-held_on", "-id")[:ACTIVITY_ROWS]
    )
    return render_page(request, "followup/activities.html", {"form": form, "rows": rows}, status=400 if form.errors else 200)


def _access_activity(user, pk: int) -> CommunityActivity:
    return scoping.access(CommunityActivity.objects.select_related("project"), user, Cap.VISIT_MANAGE, pk=pk)


@login_required
@require_POST
def activity_participants(request, pk: int):
    """Add participating households by house codes (comma, 、 or space separated)."""
    activity = _access_activity(request.user, pk)
    codes = parse_house_codes(request.POST.get("codes", ""))
    found = {h.code: h for h in House.objects.filter(project_id=activity.project_id, code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if not codes:
        messages.error(request, _("请填写参与住户的房屋编码"))
    elif unknown:
        messages.error(request, _("本项目没有这些房屋：%(codes)s") % {"codes": "、".join(unknown)})
    else:
        try:
            added = services.activity_participants_add(activity=activity, houses=found.values(), by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已登记 %(n)d 户参与住户") % {"n": added})
    return redirect("followup:activities")


@login_required
@require_POST
def activity_close(request, pk: int):
    """Close the activity: ≥30% of its households get a return visit within a month (VIS-4, VIS-3)."""
    activity = _access_activity(request.user, pk)
    try:
        visits = services.activity_close(activity=activity, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("活动已结束，已安排 %(n)d 户回访") % {"n": len(visits)})
    return redirect("followup:activities")
