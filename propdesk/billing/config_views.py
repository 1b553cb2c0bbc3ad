"""Fee configuration pages (收费标准, FEE-1; 出账规则, FEE-2/FEE-8), for those holding
FEE_CONFIGURE: fee items (list, create, edit, active flag), each item's effective-dated
rates with their history, usage and approval reference (a change is a new rate from a
date — rates are never edited), and the project's billing policy. Thin: the rules are in
`billing.rates`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from propdesk.accounts.roles import Cap
from propdesk.billing import rates
from propdesk.billing.forms import FeeItemEditForm, FeeItemForm, FeeRateForm, PolicyForm
from propdesk.billing.models import BillingPolicy, FeeItem
from propdesk.core import scoping
from propdesk.core.console import render_page, selected_project_ids
from propdesk.core.errors import DomainError
from propdesk.estate.models import Project


def _configurable_projects(request) -> list[Project]:
    project_ids = selected_project_ids(request, Cap.FEE_CONFIGURE)
    if not project_ids:
        raise Http404
    return list(Project.objects.filter(pk__in=project_ids).order_by("code"))


def _add_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def access_item(user, pk: int) -> FeeItem:
    return scoping.access(FeeItem.objects.select_related("project"), user, Cap.FEE_CONFIGURE, pk=pk)


@login_required
def fee_items(request):
    """收费项目: the selected projects' items with the rate in force; a new item."""
    projects = _configurable_projects(request)
    form = FeeItemForm(request.POST or None, projects=projects, initial={"project": projects[0].pk})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        project = next(p for p in projects if p.pk == data["project"])
        try:
            item = rates.fee_item_create(
                project=project, code=data["code"], name=data["name"], kind=data["kind"], unit=data["unit"], by=request.user
            )
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已新增收费项目，请录入收费标准"))
            return redirect("billing:fee-item", item.pk)
    items = list(
        FeeItem.objects.filter(project__in=projects)
        .select_related("project")
        .prefetch_related("rates")
        .order_by("project", "code")
    )
    rows = []
    for item in items:
        history = sorted(item.rates.all(), key=lambda r: (r.effective_from, r.pk), reverse=True)
        rows.append((item, history[:4], len(history)))
    context = {"rows": rows, "form": form}
    return render_page(request, "billing/fee_items.html", context, status=400 if form.errors else 200)


@login_required
def fee_item(request, pk: int):
    """A fee item: edit its name and flags; its rates by usage, newest first (history);
    a new rate from a date (FEE-1)."""
    item = access_item(request.user, pk)
    posted = request.POST.get("form") if request.method == "POST" else None
    edit = FeeItemEditForm(
        request.POST if posted == "item" else None,
        initial={
            "name": item.name,
            "unit": item.unit,
            "is_management_fee": item.is_management_fee,
            "late_fee_applies": item.late_fee_applies,
            "active": item.active,
        },
    )
    rate_form = FeeRateForm(request.POST if posted == "rate" else None)
    try:
        if posted == "item" and edit.is_valid():
            rates.fee_item_update(item=item, by=request.user, **edit.cleaned_data)
            messages.success(request, _("已保存"))
            return redirect("billing:fee-item", item.pk)
        if posted == "rate" and rate_form.is_valid():
            rates.fee_rate_add(item=item, by=request.user, **rate_form.cleaned_data)
            messages.success(request, _("已新增收费标准"))
            return redirect("billing:fee-item", item.pk)
    except DomainError as exc:
        _add_error(edit if posted == "item" else rate_form, exc)
    history = item.rates.select_related("created_by").order_by("usage", "-effective_from", "-id")
    context = {"item": item, "edit": edit, "rate_form": rate_form, "history": history}
    failed = edit.errors or rate_form.errors
    return render_page(request, "billing/fee_item.html", context, status=400 if failed else 200)


@login_required
def policy(request):
    """出账规则 of a project: custody %, unsold / not-handed-over treatment, due day;
    its history of changes."""
    projects = _configurable_projects(request)
    chosen = request.POST.get("project") or request.GET.get("project") or ""
    project = next((p for p in projects if str(p.pk) == chosen), projects[0])
    current = rates.billing_policy(project)
    fields = list(PolicyForm.base_fields)
    form = PolicyForm(request.POST or None, initial={name: getattr(current, name) for name in fields})
    if request.method == "POST" and form.is_valid():
        try:
            rates.billing_policy_set(project=project, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已保存出账规则"))
            return redirect(f"{request.path}?project={project.pk}")
    history = (
        BillingPolicy.history.filter(project_id=project.pk).select_related("history_user").order_by("-history_date")[:20]
        if current.pk
        else []
    )
    context = {"project": project, "projects": projects, "form": form, "history": history}
    return render_page(request, "billing/policy.html", context, status=400 if form.errors else 200)
