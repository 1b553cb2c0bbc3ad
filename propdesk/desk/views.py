"""Service-desk console pages: the contact desk (来电来访登记), the contact log, the ticket
queue, one ticket with its timeline and actions, and "我的工单" for staff in the field.

Thin: rows come through the scoping helper, reads through `desk.selectors`, writes
through `desk.services`. A `DomainError` is shown in Chinese on the form it concerns."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.console import SESSION_KEY, render_page, selected_project_ids
from propdesk.core.errors import DomainError
from propdesk.core.excel import xlsx_response
from propdesk.core.masking import mask_phone
from propdesk.desk import catalogue, selectors, services
from propdesk.desk.choices import (
    TYPE_CATEGORIES,
    TYPE_PRIORITIES,
    Channel,
    ContactOutcome,
    Department,
    Priority,
    Status,
    TicketType,
    priorities_for,
)
from propdesk.desk.emergency_selectors import emergency_panel
from propdesk.desk.filters import ContactFilter, StatusGroup, TicketFilter
from propdesk.desk.forms import (
    AssignForm,
    AttachmentForm,
    CommentForm,
    ContactForm,
    PriorityForm,
    TransitionForm,
    read_back_text,
)
from propdesk.desk.models import ServiceProvider, Ticket, TicketAttachment
from propdesk.estate.models import House, Project
from propdesk.residents.models import Person
from propdesk.residents.selectors import global_search

PAGE_SIZE = 50
CALLER_PICKED = "desk-caller-picked"  # htmx event: the read-back refreshes after a pick


def _project_ids(request, cap: Cap) -> frozenset[int]:
    """The projects a desk page shows (the switcher's pick, else all the user may); a
    user who holds `cap` nowhere gets the same 404 as a missing page."""
    if not scoping.visible_project_ids(request.user, cap):
        raise Http404
    return selected_project_ids(request, cap)


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


# --- the contact desk (来电来访登记, DESK-1) ------------------------------------------------


def _optional(queryset, user, cap: Cap, pk) -> object | None:
    """The row `pk` if given (404 when it is missing or not the user's), else None."""
    if pk in (None, ""):
        return None
    return scoping.access(queryset, user, cap, pk=pk)


def _picked(request, data) -> tuple[Person | None, House | None]:
    person = _optional(Person.objects.select_related("project"), request.user, Cap.PERSON_VIEW, data.get("person"))
    house = _optional(House.objects.select_related("project"), request.user, Cap.HOUSE_VIEW, data.get("house"))
    return person, house


def contact_project(request, data, person, house, create_ids: frozenset[int]) -> Project:
    """The contact's project: the house's, else the person's, else the one chosen on the
    form, else the switcher's or the user's only one."""
    if house is not None:
        return house.project
    if person is not None:
        return person.project
    chosen = data.get("project") or request.session.get(SESSION_KEY)
    if chosen not in create_ids and len(create_ids) == 1:
        chosen = next(iter(create_ids))
    if chosen not in create_ids:
        raise DomainError("contact_project_required", _("请选择项目"), field="project")
    return Project.objects.get(pk=chosen)


# Where a service's refusal shows on the contact form: the place of a ticket is typed
# into "location" when no house is picked; the picked caller is not an input.
_FORM_FIELD = {"house": "location", "person": None, "reporter": None, "read_back": None}


def _type_options() -> dict:
    """Categories and priorities per ticket type, for the selects the page filters."""
    return {
        "categories": [(t, value, label) for t, choices in TYPE_CATEGORIES.items() for value, label in choices.choices],
        "priorities": [
            (value, label, " ".join(t for t, allowed in TYPE_PRIORITIES.items() if value in allowed) or "default")
            for value, label in Priority.choices
        ],
        "ticket_types": TicketType.choices,
        "departments": Department.choices,
        "channels": Channel.choices,
        "outcomes": ContactOutcome.choices,
    }


@login_required
def contact_new(request):
    """来电来访登记: channel, time, caller number; the caller found by phone, last four
    digits, house code or name with their open tickets and last contacts; the content; how
    it ends; and the read-back confirmed with the customer."""
    create_ids = scoping.visible_project_ids(request.user, Cap.TICKET_CREATE)
    if not create_ids:
        raise Http404
    form = ContactForm(request.POST or None)
    source = request.POST if request.method == "POST" else request.GET
    person, house = _picked(request, source)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contact = _log_contact(request, form, person, house, create_ids)
        except DomainError as exc:
            form.add_error(_FORM_FIELD.get(exc.field, exc.field if exc.field in form.fields else None), exc.message)
        else:
            if contact.ticket_id and data["outcome"] == ContactOutcome.TICKET:
                messages.success(request, _("已登记来电，并生成工单 %(number)s") % {"number": contact.ticket.number})
                return redirect("desk:ticket", pk=contact.ticket_id)
            if contact.ticket_id:
                messages.success(request, _("已登记来电，并入工单 %(number)s") % {"number": contact.ticket.number})
                return redirect("desk:ticket", pk=contact.ticket_id)
            messages.success(request, _("已登记来电，当场答复"))
            return redirect("desk:contacts")
    projects = Project.objects.filter(pk__in=create_ids).order_by("code")
    context = {
        "form": form,
        "caller": selectors.caller_context(request.user, person=person, house=house),
        "projects": projects if len(create_ids) > 1 else [],
        "chosen_project": form["project"].value() or request.session.get(SESSION_KEY),
        "read_back": form["read_back"].value() or "",
        "chosen_ticket": str(form["existing_ticket"].value() or ""),
        **_type_options(),
        "providers": catalogue.providers(create_ids),
        "chosen_provider": str(form["referred_to"].value() or ""),
    }
    return render_page(request, "desk/contact_form.html", context, status=400 if form.errors else 200)


def _log_contact(request, form: ContactForm, person, house, create_ids):
    data = form.cleaned_data
    outcome = data["outcome"]
    project = contact_project(request, data, person, house, create_ids)
    existing = None
    if outcome == ContactOutcome.LINKED:
        existing = scoping.access(Ticket.objects.all(), request.user, Cap.TICKET_CREATE, pk=data["existing_ticket"])
    provider = _provider(request, data) if outcome == ContactOutcome.REFERRED else None
    if outcome == ContactOutcome.REFERRED and provider is None:
        raise DomainError("contact_provider_invalid", _("请选择本项目在用的周边服务商"), field="referred_to", rule="DESK-8")
    read_back = data["read_back"].strip() or read_back_text(
        content=data["content"],
        outcome=outcome,
        person=person,
        caller_name=data["caller_name"],
        house=house,
        location=data["location"],
        answer=data["answer"],
        ticket_type=data["type"],
        priority=data["priority"],
        department=data["department"],
        existing_ticket=existing,
        provider=provider,
    )
    return services.contact_log(
        project=project,
        channel=data["channel"],
        content=data["content"],
        by=request.user,
        received_at=data["received_at"],
        caller_number=data["caller_number"],
        caller_name=data["caller_name"],
        person=person,
        house=house,
        read_back=read_back,
        answer=data["answer"] if outcome in (ContactOutcome.ANSWERED, ContactOutcome.REFERRED) else "",
        ticket=form.ticket_fields() if outcome == ContactOutcome.TICKET else None,
        existing_ticket=existing,
        referred_to=provider,
    )


def _provider(request, data) -> ServiceProvider | None:
    """The nearby provider picked on the form, if the user may see it (DESK-8)."""
    if not data.get("referred_to"):
        return None
    rows = scoping.restrict(ServiceProvider.objects.all(), request.user, Cap.TICKET_CREATE)
    return rows.filter(pk=data["referred_to"]).first()


def _lookup_projects(request, cap: Cap) -> frozenset[int]:
    return selected_project_ids(request, cap) & scoping.visible_project_ids(request.user, Cap.TICKET_CREATE)


@login_required
@require_GET
def contact_lookup(request):
    """As-you-type caller lookup: phone, last four digits, house code or name (htmx)."""
    query = request.GET.get("q") or request.GET.get("caller_number") or ""
    results = global_search(project_ids=_lookup_projects(request, Cap.PERSON_VIEW), query=query, limit=10)
    if not results.persons:
        results.houses = (
            results.houses or global_search(project_ids=_lookup_projects(request, Cap.HOUSE_VIEW), query=query).houses
        )
    return render(request, "desk/_lookup_results.html", {"query": query.strip(), "results": results})


@login_required
@require_GET
def caller_panel(request):
    """The picked caller (htmx): person and house, their open tickets, last contacts."""
    person, house = _picked(request, request.GET)
    if person is not None and house is None:
        homes = person.occupancies.filter(end_date__isnull=True).select_related("house", "house__project")[:2]
        house = homes[0].house if len(homes) == 1 else None
    if person is not None and house is not None and person.project_id != house.project_id:
        raise Http404
    caller = selectors.caller_context(request.user, person=person, house=house)
    response = render(request, "desk/_caller_panel.html", {"caller": caller})
    response["HX-Trigger-After-Settle"] = CALLER_PICKED
    return response


@login_required
@require_POST
def read_back(request):
    """The read-back sentence for what is typed so far (htmx, saved with the contact)."""
    if not scoping.visible_project_ids(request.user, Cap.TICKET_CREATE):
        raise Http404
    form = ContactForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    person, house = _picked(request, data)
    existing = None
    if data.get("existing_ticket"):
        existing = (
            scoping.restrict(Ticket.objects.all(), request.user, Cap.TICKET_VIEW).filter(pk=data["existing_ticket"]).first()
        )
    text = read_back_text(
        content=data.get("content", ""),
        outcome=data.get("outcome", ""),
        person=person,
        caller_name=data.get("caller_name", ""),
        house=house,
        location=data.get("location", ""),
        answer=data.get("answer", ""),
        ticket_type=data.get("type", ""),
        priority=data.get("priority", ""),
        department=data.get("department", ""),
        existing_ticket=existing,
        provider=_provider(request, data),
    )
    return render(request, "desk/_read_back.html", {"read_back": text})


# --- the contact log ----------------------------------------------------------------------


def _contacts_shown(request, project_ids):
    return ContactFilter(request.GET, queryset=selectors.contact_list(project_ids), request=request)


@login_required
def contacts(request):
    """客户来电来访记录: every contact as filtered (date range, channel, outcome)."""
    project_ids = _project_ids(request, Cap.TICKET_VIEW)
    filterset = _contacts_shown(request, project_ids)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "filters": {key: request.GET.get(key, "") for key in ContactFilter.base_filters},
        "page": page,
        "query_string": _query_string(request),
        "can_export": bool(scoping.visible_project_ids(request.user, Cap.DATA_EXPORT) & project_ids),
        "can_create": bool(scoping.visible_project_ids(request.user, Cap.TICKET_CREATE)),
        "channels": Channel.choices,
        "outcomes": ContactOutcome.choices,
    }
    return render_page(request, "desk/contact_list.html", context, fragment="desk/_contact_table.html")


def _query_string(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def contacts_export(request):
    """The contact log exactly as filtered on screen, as Excel (phones masked)."""
    project_ids = _project_ids(request, Cap.TICKET_VIEW) & scoping.visible_project_ids(request.user, Cap.DATA_EXPORT)
    filterset = _contacts_shown(request, project_ids)
    headers = [
        _("项目"),
        _("来电/来访时间"),
        _("渠道"),
        _("来电号码"),
        _("客户"),
        _("房号/位置"),
        _("内容"),
        _("结果"),
        _("答复内容"),
        _("工单号"),
        _("接待人"),
    ]
    rows = (
        [
            c.project.name,
            _when(c.received_at),
            c.get_channel_display(),
            mask_phone(c.caller_number),
            c.caller_name,
            c.house.code if c.house_id else "",
            c.content,
            c.get_outcome_display(),
            c.answer,
            c.ticket.number if c.ticket_id else "",
            str(c.receiver),
        ]
        for c in filterset.qs.iterator(chunk_size=2000)
    )
    return xlsx_response(f"客户来电来访记录-{timezone.localdate():%Y%m%d}.xlsx", _("来电来访记录"), headers, rows)


# --- the ticket queue ---------------------------------------------------------------------


def _tickets_shown(request, project_ids) -> TicketFilter:
    data = request.GET.copy()
    if "group" not in data:
        data["group"] = StatusGroup.OPEN
    return TicketFilter(data, queryset=selectors.ticket_list(project_ids), request=request)


@login_required
def tickets(request):
    """The ticket queue (工单): filtered, nearest deadline first, htmx refresh."""
    project_ids = _project_ids(request, Cap.TICKET_VIEW)
    filterset = _tickets_shown(request, project_ids)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    context = {
        "page": page,
        "rows": [(t, *(selectors.deadline_text(t.next_deadline_at, now) if t.is_open else ("", ""))) for t in page],
        "filters": {key: filterset.data.get(key, "") for key in TicketFilter.base_filters},
        "query_string": _query_string(request),
        "can_export": bool(scoping.visible_project_ids(request.user, Cap.DATA_EXPORT) & project_ids),
        "ticket_types": TicketType.choices,
        "groups": StatusGroup.CHOICES,
        "departments": Department.choices,
        "priorities": Priority.choices,
        "assignees": selectors.handler_options(project_ids),
    }
    return render_page(request, "desk/ticket_list.html", context, fragment="desk/_ticket_table.html")


@login_required
def tickets_export(request):
    """The queue exactly as filtered on screen, as Excel (phones masked)."""
    project_ids = _project_ids(request, Cap.TICKET_VIEW) & scoping.visible_project_ids(request.user, Cap.DATA_EXPORT)
    filterset = _tickets_shown(request, project_ids)
    headers = [
        _("工单号"),
        _("项目"),
        _("类型"),
        _("分类"),
        _("等级"),
        _("状态"),
        _("摘要"),
        _("房号/位置"),
        _("报告人"),
        _("联系电话"),
        _("责任部门"),
        _("处理人"),
        _("受理时间"),
        _("最近时限"),
    ]
    rows = (
        [
            t.number,
            t.project.name,
            t.get_type_display(),
            selectors.category_label(t.type, t.category),
            t.get_priority_display(),
            t.get_status_display(),
            t.title,
            t.place,
            t.reporter_name,
            mask_phone(t.reporter_phone),
            t.get_department_display(),
            str(t.assignee or ""),
            _when(t.created_at),
            _when(t.next_deadline_at),
        ]
        for t in filterset.qs.iterator(chunk_size=2000)
    )
    return xlsx_response(f"工单-{timezone.localdate():%Y%m%d}.xlsx", _("工单"), headers, rows)


# --- one ticket ---------------------------------------------------------------------------

_MOVE_LABELS = {
    Status.ASSIGNED: lambda: _("标为已派单"),
    Status.IN_PROGRESS: lambda: _("开始处理"),
    Status.WAITING_CUSTOMER: lambda: _("等待客户"),
    Status.WAITING_PARTS: lambda: _("等待配件"),
    Status.WAITING_APPOINTMENT: lambda: _("等待预约"),
    Status.RESOLVED: lambda: _("处理完成"),
    Status.CLOSED: lambda: _("关闭工单"),
    Status.CANCELLED: lambda: _("取消工单"),
}


def _moves(ticket: Ticket, perms: selectors.TicketPermissions) -> list[tuple[str, str]]:
    reopening = not ticket.is_open
    return [(s, _("重新打开") if reopening and s == Status.IN_PROGRESS else _MOVE_LABELS[s]()) for s in perms.moves]


def access_ticket(user, pk: int, cap: Cap = Cap.TICKET_VIEW) -> Ticket:
    """The one door to a ticket: 404 for missing and for another project's ticket alike."""
    related = ("project", "house", "reporter", "receiver", "assignee")
    return scoping.access(Ticket.objects.select_related(*related), user, cap, pk=pk)


def _ticket_page(request, ticket: Ticket, *, errors: dict | None = None, status: int = 200):
    perms = selectors.ticket_permissions(request.user, ticket)
    context = {
        "ticket": ticket,
        "perms": perms,
        "moves": _moves(ticket, perms),
        "category": selectors.category_label(ticket.type, ticket.category),
        "deadline": selectors.deadline_text(ticket.next_deadline_at, timezone.now()) if ticket.is_open else ("", ""),
        "timeline": selectors.timeline(ticket),
        "attachments": ticket.attachments.select_related("uploaded_by"),
        "contacts": ticket.contacts.select_related("receiver").order_by("-received_at")[:20],
        "handlers": selectors.handler_choices(ticket.project_id) if perms.can_assign else [],
        "departments": Department.choices,
        "priorities": [(p, Priority(p).label) for p in priorities_for(ticket.type)],
        "errors": errors or {},
        "posted": request.POST if errors else {},
        "can_see_house": ticket.house_id and scoping.has_cap(request.user, Cap.HOUSE_VIEW, ticket.project_id),
        "emergency": emergency_panel(request.user, ticket) if ticket.type == TicketType.EMERGENCY else None,
    }
    return render_page(request, "desk/ticket_detail.html", context, status=status)


@login_required
def ticket_detail(request, pk: int):
    return _ticket_page(request, access_ticket(request.user, pk))


def ticket_action(request, ticket: Ticket, key: str, run, success: str):
    """Run one action on the ticket; a refusal is shown on its form on the ticket page
    (400), or as a message on the page named by `next`."""
    try:
        run()
    except DomainError as exc:
        if request.POST.get("next"):
            messages.error(request, exc.message)
            return redirect(_safe_next(request, reverse("desk:ticket", args=[ticket.pk])))
        ticket.refresh_from_db()
        return _ticket_page(request, ticket, errors={key: exc.message}, status=400)
    messages.success(request, success)
    return redirect(_safe_next(request, reverse("desk:ticket", args=[ticket.pk])))


def _form_error(form) -> DomainError:
    field, errors = next(iter(form.errors.items()))
    label = form.fields[field].label if field in form.fields else ""
    return DomainError("invalid", f"{label}：{errors[0]}" if label else errors[0], field=field)


@login_required
@require_POST
def ticket_transition(request, pk: int):
    ticket = access_ticket(request.user, pk, Cap.TICKET_HANDLE)
    form = TransitionForm(request.POST)

    def run():
        if not form.is_valid():
            raise _form_error(form)
        services.ticket_transition(
            ticket=ticket, to_status=form.cleaned_data["to_status"], by=request.user, note=form.cleaned_data["note"]
        )

    to = request.POST.get("to_status", "")
    label = Status(to).label if to in Status.values else to
    return ticket_action(request, ticket, "transition", run, _("工单已变为“%(status)s”") % {"status": label})


@login_required
@require_POST
def ticket_assign(request, pk: int):
    ticket = access_ticket(request.user, pk, Cap.TICKET_CREATE)
    form = AssignForm(request.POST)

    def run():
        if not form.is_valid():
            raise _form_error(form)
        assignee = (
            selectors.ticket_handlers([ticket.project_id], company_wide=True).filter(pk=form.cleaned_data["assignee"]).first()
        )
        if assignee is None:
            raise DomainError("ticket_assignee_invalid", _("请选择本项目能处理工单的人员"), field="assignee")
        services.ticket_assign(
            ticket=ticket,
            assignee=assignee,
            by=request.user,
            department=form.cleaned_data["department"],
            note=form.cleaned_data["note"],
        )

    return ticket_action(request, ticket, "assign", run, _("已派单"))


@login_required
@require_POST
def ticket_priority(request, pk: int):
    ticket = access_ticket(request.user, pk)
    if not selectors.may_change_priority(request.user, ticket):
        raise Http404
    form = PriorityForm(request.POST)

    def run():
        if not form.is_valid():
            raise _form_error(form)
        services.ticket_change_priority(
            ticket=ticket, priority=form.cleaned_data["priority"], by=request.user, reason=form.cleaned_data["reason"]
        )

    return ticket_action(request, ticket, "priority", run, _("等级已变更"))


@login_required
@require_POST
def ticket_comment(request, pk: int):
    ticket = access_ticket(request.user, pk)
    form = CommentForm(request.POST)

    def run():
        if not form.is_valid():
            raise _form_error(form)
        services.ticket_comment(ticket=ticket, note=form.cleaned_data["note"], by=request.user)

    return ticket_action(request, ticket, "comment", run, _("备注已添加"))


@login_required
@require_POST
def ticket_attach(request, pk: int):
    ticket = access_ticket(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)

    def run():
        if not form.is_valid():
            raise _form_error(form)
        services.ticket_attach(ticket=ticket, upload=form.cleaned_data["file"], by=request.user)

    return ticket_action(request, ticket, "attach", run, _("附件已上传"))


@login_required
def attachment_download(request, pk: int):
    """A ticket's photo or document, only for staff who may see its project's tickets."""
    attachment = scoping.access(TicketAttachment.objects.all(), request.user, Cap.TICKET_VIEW, pk=pk)
    return FileResponse(attachment.file.open("rb"), content_type=attachment.content_type, filename=attachment.original_name)


# --- 我的工单 -----------------------------------------------------------------------------


@login_required
def mine(request):
    """我的工单 (phone): every open ticket assigned to me, most pressing first, with big
    buttons for the next moves; a repair shows its work order — promise, appointment,
    到场, and 完工 on the work order page."""
    _project_ids(request, Cap.TICKET_HANDLE)
    context = {"rows": selectors.my_work(request.user, timezone.now()), "pool_count": selectors.pool_waiting(request.user)}
    return render_page(request, "desk/mine.html", context)
