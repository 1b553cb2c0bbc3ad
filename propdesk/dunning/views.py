"""Dunning console pages (催缴, FEE-7): the worklist, a house's dunning page (timeline,
record a step with evidence, a promise, an instalment plan), the printable demand letter
(催缴函, A4) and the evidence download. Thin: access through the one scoping door, every
rule in `dunning.services` and `dunning.selectors`."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from propdesk.accounts.roles import Cap
from propdesk.billing.amount_words import amount_words
from propdesk.core import scoping
from propdesk.core.console import render_page, selected_project_ids
from propdesk.core.errors import DomainError
from propdesk.core.excel import xlsx_response
from propdesk.dunning import selectors, services
from propdesk.dunning.choices import StepKind
from propdesk.dunning.forms import PlanForm, PromiseForm, StepForm
from propdesk.dunning.models import DunningStep, InstalmentPlan, PaymentPromise, StepAttachment
from propdesk.estate.models import Building, House
from propdesk.notifications.choices import DeliveryStatus
from propdesk.notifications.models import Delivery


def access_house(user, pk: int, cap: Cap = Cap.FEE_VIEW) -> House:
    """The one door to a house's dunning file: 404 for missing and another project's alike."""
    return scoping.access(House.objects.select_related("project", "project__company", "building"), user, cap, pk=pk)


def _projects(request) -> frozenset[int]:
    project_ids = selected_project_ids(request, Cap.FEE_VIEW)
    if not project_ids:
        raise Http404
    return project_ids


# -- 催缴工作台 ---------------------------------------------------------------------------------

EXPORT_HEADERS = (
    "项目", "楼栋", "房号", "欠费金额", "最早到期日", "账龄",
    "当前阶段", "下一步", "应办日期", "催缴负责人", "待跟进承诺", "下期分期",
)  # fmt: skip


@login_required
def worklist(request):
    """催缴工作台: houses in arrears with their aging bucket, rung, next action and its
    date, promise follow-ups due, the next instalment; the limitation warnings; Excel."""
    project_ids = _projects(request)
    building_id = request.GET.get("building", "")
    building = None
    if building_id.isdigit():
        building = scoping.access(Building.objects.all(), request.user, Cap.FEE_VIEW, pk=int(building_id))
    result = selectors.worklist(project_ids=project_ids, building_id=building.pk if building else None)
    kinds = dict(StepKind.choices)
    if request.GET.get("export") == "xlsx":
        if not any(scoping.has_cap(request.user, Cap.DATA_EXPORT, pid) for pid in project_ids):
            raise Http404
        rows = (
            (
                r.arrears.house.project.name,
                r.arrears.house.building.number,
                r.arrears.house.code,
                r.arrears.owed,
                r.arrears.oldest_due,
                str(r.arrears.bucket_label),
                str(kinds.get(r.ladder.stage, "")),
                r.ladder.next.label,
                r.ladder.next.due,
                str(r.case.collector) if r.case and r.case.collector else "",
                len(r.promises_due),
                f"{r.next_instalment.due_date:%Y-%m-%d} {r.next_instalment.amount}" if r.next_instalment else "",
            )
            for r in result.rows
        )
        return xlsx_response(f"催缴工作台-{result.as_of:%Y%m%d}.xlsx", "催缴工作台", EXPORT_HEADERS, rows)
    buildings = Building.objects.filter(project_id__in=project_ids).select_related("project").order_by("project", "number")
    context = {"result": result, "kinds": kinds, "buildings": buildings, "building": building}
    return render_page(request, "dunning/worklist.html", context)


# -- a house's dunning page ----------------------------------------------------------------------


def _house_context(request, house: House, *, step_form=None, promise_form=None, plan_form=None) -> dict:
    today = timezone.localdate()
    steps = list(
        DunningStep.objects.filter(house=house)
        .select_related("by", "case")
        .prefetch_related("attachments")
        .order_by("on_date", "id")
    )
    case = selectors.open_case(house.pk)
    case_steps = [s for s in steps if case and s.case_id == case.pk]
    sms_status = {}
    sms_keys = {f"dunning-sms:{s.pk}": s.pk for s in steps if s.kind == StepKind.SMS}
    if sms_keys:
        for key, status in Delivery.objects.filter(channel="sms", notification__dedupe_key__in=sms_keys).values_list(
            "notification__dedupe_key", "status"
        ):
            sms_status.setdefault(sms_keys[key], []).append(status)
    labels = dict(DeliveryStatus.choices)
    for step in steps:
        step.sms_delivery = "、".join(str(labels.get(v, v)) for v in sms_status.get(step.pk, []))
    promises = [
        (p, selectors.promise_status(p, as_of=today)) for p in PaymentPromise.objects.filter(house=house).select_related("by")
    ]
    plans = [
        (plan, selectors.instalment_states(plan, as_of=today))
        for plan in InstalmentPlan.objects.filter(house=house).select_related("by").order_by("-on_date", "-id")
    ]
    can_collect = scoping.has_cap(request.user, Cap.FEE_COLLECT, house.project_id)
    debt = selectors.house_debt(house.pk, as_of=today)
    return {
        "house": house,
        "today": today,
        "debt": debt,
        "case": case,
        "ladder": selectors.ladder_of(case_steps, as_of=today),
        "steps": steps,
        "promises": promises,
        "plans": plans,
        "can_collect": can_collect,
        "can_legal": scoping.has_cap(request.user, Cap.DUNNING_LEGAL, house.project_id),
        "collectors": _collectors(house.project_id)
        if case and scoping.has_cap(request.user, Cap.FEE_APPROVE, house.project_id)
        else [],
        "step_form": step_form or (StepForm() if can_collect else None),
        "promise_form": promise_form or (PromiseForm() if can_collect else None),
        "plan_form": plan_form or (PlanForm() if can_collect else None),
    }


def _collectors(project_id: int) -> list:
    """Staff of the project who may collect (the choices of 催缴负责人)."""
    from propdesk.accounts.models import Membership
    from propdesk.accounts.roles import ROLE_CAPS

    roles = [role for role, caps in ROLE_CAPS.items() if Cap.FEE_COLLECT in caps]
    rows = Membership.objects.filter(project_id=project_id, role__in=roles, user__is_active=True).select_related("user")
    return sorted({m.user for m in rows}, key=lambda u: u.pk)


@login_required
def house(request, house_id: int):
    """A house's dunning page: the debt by month, the ladder, the timeline of steps with
    evidence, promises and instalment plans; forms for those who collect."""
    house = access_house(request.user, house_id)
    return render_page(request, "dunning/house.html", _house_context(request, house))


def _form_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@login_required
@require_POST
def step_add(request, house_id: int):
    house = access_house(request.user, house_id, Cap.FEE_COLLECT)
    form = StepForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.step_record(
                house=house,
                kind=data["kind"],
                by=request.user,
                on_date=data["on_date"],
                amount_demanded=data["amount_demanded"],
                deadline=data["deadline"],
                note=data["note"],
                tracking_number=data["tracking_number"],
                override_reason=data["override_reason"],
                uploads=[data["file"]] if data["file"] else [],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("已登记催缴记录"))
            return redirect("dunning:house", house.pk)
    return render_page(request, "dunning/house.html", _house_context(request, house, step_form=form), status=400)


def _record(request, house_id: int, form_class, record, form_key: str, done: str):
    """Post one of the house page's forms to its service: back to the page on success,
    the page with the form's errors (status 400) otherwise."""
    house = access_house(request.user, house_id, Cap.FEE_COLLECT)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            record(house=house, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("dunning:house", house.pk)
    return render_page(request, "dunning/house.html", _house_context(request, house, **{form_key: form}), status=400)


@login_required
@require_POST
def promise_add(request, house_id: int):
    return _record(request, house_id, PromiseForm, services.promise_record, "promise_form", _("已登记缴费承诺"))


@login_required
@require_POST
def plan_add(request, house_id: int):
    return _record(request, house_id, PlanForm, services.plan_record, "plan_form", _("已登记分期还款计划"))


@login_required
@require_POST
def assign(request, house_id: int):
    """Give the house's open case to a collector (supervisor, PM)."""
    house = access_house(request.user, house_id, Cap.FEE_APPROVE)
    case = selectors.open_case(house.pk)
    collector_id = request.POST.get("collector", "")
    if case is None or not collector_id.isdigit():
        raise Http404
    collector = next((u for u in _collectors(house.project_id) if u.pk == int(collector_id)), None)
    try:
        services.case_assign(case=case, collector=collector, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已指定催缴负责人"))
    return redirect("dunning:house", house.pk)


# -- 催缴函 ------------------------------------------------------------------------------------------


@login_required
def letter(request, house_id: int):
    """The demand letter (催缴函), A4: the overdue amounts month by month, the late fee as of
    the day, the total in figures and words, the deadline; with ?step= the recorded letter
    (its date, deadline and express tracking number)."""
    house = access_house(request.user, house_id)
    step = None
    step_id = request.GET.get("step", "")
    if step_id.isdigit():
        step = DunningStep.objects.filter(house=house, kind=StepKind.LETTER, pk=int(step_id)).first()
        if step is None:
            raise Http404
    on_date = step.on_date if step else timezone.localdate()
    debt = selectors.house_debt(house.pk, as_of=on_date)
    if not debt.lines:  # lines entered in the ledger after the letter's day: as they stand today
        debt = selectors.house_debt(house.pk)
    from propdesk.residents.models import Occupancy

    owners = [
        o.person.name for o in Occupancy.objects.filter(house=house, role="owner", end_date__isnull=True).select_related("person")
    ]
    deadline = step.deadline if step else on_date + dt.timedelta(days=services.DEFAULT_DEADLINE_DAYS[StepKind.LETTER])
    context = {
        "house": house,
        "company": house.project.company,
        "debt": debt,
        "months": debt.by_month(),
        "words": amount_words(debt.total),
        "owners": owners,
        "on_date": on_date,
        "deadline": deadline,
        "step": step,
    }
    return render_page(request, "dunning/letter.html", context)


@login_required
def attachment(request, pk: int):
    """An evidence file, served only to those who see the house's fees."""
    row = scoping.access(StepAttachment.objects.all(), request.user, Cap.FEE_VIEW, pk=pk)
    return FileResponse(row.file.open("rb"), content_type=row.content_type, filename=row.original_name)
