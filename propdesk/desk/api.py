"""Service-desk API (/api/v1/): contacts (来电来访, DESK-1) and tickets (工单) with their
transitions, assignment, priority, comments and timeline; the work order (派工单) of a
repair (REP-1…7) or special service (DESK-8) and the open pool (抢单池); an emergency's checklist, caller updates and
summary (DESK-7/INC-4); the duty roster (值班表).

Same shape as `estate.api` and `residents.api`: rows through the scoping helper
(`core.api.ScopedViewSet`), input through a `…Input` serializer, writes through
`desk.services`, results through a `…Output` serializer. A caller without the
capability an action needs gets the same 404 as for a missing ticket; a caller who holds
it but meets a rule of the ticket (not assigned to them, a move the state machine does
not allow, a cancel without a reason) gets 400 {code, message, field}.

The work-order and emergency actions call `desk.repairs` and `desk.emergencies` with the
arguments the console pages (`repair_views`) pass. The capability each needs decides 404
(`action_caps`: TICKET_DISPATCH is `repairs.may_dispatch`; grabbing also asks
`repairs.may_grab`); whether the caller is the repair's handler (the rest of
`repairs.may_work`) or among those an emergency alarmed is the services' rule, and 400 —
where the page, which shows only the actions it accepts, answers 404. A ticket of
another type has no work order (or emergency): 404.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.api import ScopedViewSet, read_input
from propdesk.core.errors import DomainError
from propdesk.desk import emergencies, repair_selectors, repairs, selectors, services
from propdesk.desk.choices import TicketType
from propdesk.desk.filters import ContactFilter, DutyShiftFilter, TicketFilter
from propdesk.desk.models import (
    Contact,
    DutyShift,
    EmergencyCheck,
    EmergencyDetail,
    PriceItem,
    Ticket,
    TicketAttachment,
    WorkOrder,
)
from propdesk.desk.repair_forms import decode_signature
from propdesk.desk.serializers import (
    AssignInput,
    CommentInput,
    ContactCreateInput,
    ContactOutput,
    DutyShiftCreateInput,
    DutyShiftOutput,
    EmergencyCheckInput,
    EmergencyInformInput,
    EmergencyOutput,
    EmergencySummaryInput,
    PoolOrderOutput,
    PriorityInput,
    TicketDetailOutput,
    TicketEventOutput,
    TicketOpenInput,
    TicketOutput,
    TransitionInput,
    WorkOrderAcceptInput,
    WorkOrderArriveInput,
    WorkOrderCompleteInput,
    WorkOrderEscalateInput,
    WorkOrderMeasureInput,
    WorkOrderOutput,
    WorkOrderPrepareInput,
    WorkOrderQuoteInput,
    events_data,
)
from propdesk.estate.models import House, Project
from propdesk.residents.models import Person

User = get_user_model()


def _optional(queryset, request, cap: Cap, pk):
    return None if pk is None else scoping.access(queryset, request.user, cap, pk=pk)


def _project_of(request, data: dict, house, person) -> Project:
    """The house's project, else the person's, else the one named (where the caller may
    open tickets); 404 when that is not the caller's."""
    project_id = data.pop("project", None)
    if house is not None:
        return house.project
    if person is not None:
        return person.project
    if project_id is None:
        raise DomainError("project_required", _("请指定项目（或房屋、客户）"), field="project")
    return scoping.access(Project.objects.all(), request.user, Cap.TICKET_CREATE, field="id", pk=project_id)


@extend_schema_view(create=extend_schema(request=ContactCreateInput, responses={201: ContactOutput}))
class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Calls and visits (客户来电来访记录, DESK-1). Each ends answered on the spot, as a new
    ticket, or joined to an open ticket of the same matter. Caller numbers are masked."""

    queryset = Contact.objects.select_related("project", "house", "ticket", "receiver")
    serializer_class = ContactOutput
    filterset_class = ContactFilter
    view_cap = Cap.TICKET_VIEW
    action_caps = {"create": Cap.TICKET_CREATE}

    def create(self, request):
        data = read_input(ContactCreateInput, request)
        house = _optional(House.objects.select_related("project"), request, Cap.HOUSE_VIEW, data.pop("house", None))
        person = _optional(Person.objects.select_related("project"), request, Cap.PERSON_VIEW, data.pop("person", None))
        project = _project_of(request, data, house, person)
        existing = _optional(Ticket.objects.all(), request, Cap.TICKET_CREATE, data.pop("existing_ticket", None))
        ticket = data.pop("ticket", None)
        if ticket is not None:
            ticket = {"description": data["content"], **ticket}
        contact = services.contact_log(
            project=project,
            by=request.user,
            house=house,
            person=person,
            ticket=ticket,
            existing_ticket=existing,
            **data,
        )
        return Response(ContactOutput(contact).data, status=status.HTTP_201_CREATED)


_TICKET_ACTION = extend_schema(responses=TicketDetailOutput)


@extend_schema_view(
    retrieve=extend_schema(responses=TicketDetailOutput),
    create=extend_schema(request=TicketOpenInput, responses={201: TicketDetailOutput}),
    transition=extend_schema(
        request=TransitionInput,
        responses=TicketDetailOutput,
        description="按状态机变更状态；取消须填写原因（note）。只有处理人或派单员可以变更。",
    ),
    assign=extend_schema(request=AssignInput, responses=TicketDetailOutput, description="派单/转交（DESK-3/DESK-4）。"),
    priority=extend_schema(request=PriorityInput, responses=TicketDetailOutput, description="变更等级，须填写原因。"),
    comments=extend_schema(request=CommentInput, responses={201: TicketEventOutput}),
    events=extend_schema(responses=TicketEventOutput(many=True)),
    pool=extend_schema(
        responses=PoolOrderOutput(many=True),
        description="抢单池（REP-5）：派单员与工程维修人员所在项目中等待接单的报修，等待最久的在前。",
    ),
    work_order=extend_schema(responses=WorkOrderOutput, description="报修的派工单；尚未安排的报修返回空白派工单。"),
    work_order_prepare=extend_schema(
        request=WorkOrderPrepareInput,
        responses=WorkOrderOutput,
        description="派单员登记预约时段、家中是否有人、备用钥匙、是否有偿（REP-1/REP-4）；每次提交完整内容。",
    ),
    work_order_quote=extend_schema(
        request=WorkOrderQuoteInput, responses=WorkOrderOutput, description="按本项目价目表报价（REP-4），每次为新版本。"
    ),
    work_order_accept=extend_schema(
        request=WorkOrderAcceptInput, responses=WorkOrderOutput, description="客户确认报价（REP-4），有偿维修确认后方可开工。"
    ),
    work_order_open_pool=extend_schema(
        request=None, responses=WorkOrderOutput, description="放入抢单池并通知工程维修人员（REP-5）。"
    ),
    work_order_close_pool=extend_schema(request=None, responses=WorkOrderOutput, description="撤出抢单池。"),
    work_order_grab=extend_schema(
        request=None, responses=WorkOrderOutput, description="抢单（REP-5）：只有一人能抢到，其余得到 work_order_already_taken。"
    ),
    work_order_arrive=extend_schema(
        request=WorkOrderArriveInput, responses=WorkOrderOutput, description="登记到场，工单转为处理中（SLA 到场时限）。"
    ),
    work_order_complete=extend_schema(
        request=WorkOrderCompleteInput,
        responses=WorkOrderOutput,
        description="完工（REP-6/7）：入户维修须客户手机签名（PNG，base64），公共区域须报告人或客户助理确认；工单转为已处理。",
    ),
    work_order_measure=extend_schema(
        request=WorkOrderMeasureInput, responses=WorkOrderOutput, description="暂时无法修复时记录临时措施（REP-6）。"
    ),
    work_order_escalate=extend_schema(request=WorkOrderEscalateInput, responses=WorkOrderOutput, description="上报（REP-6）。"),
    emergency=extend_schema(
        responses=EmergencyOutput, description="紧急求助的预案、通知对象、处置步骤与书面总结（DESK-7/INC-4）。"
    ),
    emergency_check=extend_schema(request=EmergencyCheckInput, responses=EmergencyOutput, description="勾选预案中的一步。"),
    emergency_inform=extend_schema(request=EmergencyInformInput, responses=EmergencyOutput, description="记录告知来电人的内容。"),
    emergency_summary=extend_schema(
        request=EmergencySummaryInput, responses=EmergencyOutput, description="书面总结（INC-4），只写一次；没有总结不能办结。"
    ),
)
class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Tickets (工单) of every type, in queue order: nearest deadline first."""

    queryset = Ticket.objects.select_related("project", "house", "assignee")
    serializer_class = TicketOutput
    filterset_class = TicketFilter
    view_cap = Cap.TICKET_VIEW
    action_caps = {
        "create": Cap.TICKET_CREATE,
        "transition": Cap.TICKET_HANDLE,
        "assign": Cap.TICKET_CREATE,  # the dispatcher, or the receiver handing over (DESK-3)
        # Work orders (repairs.may_dispatch / may_work / may_grab): the capability here,
        # the assignment in the service.
        "work_order_prepare": Cap.TICKET_DISPATCH,
        "work_order_open_pool": Cap.TICKET_DISPATCH,
        "work_order_close_pool": Cap.TICKET_DISPATCH,
        "work_order_grab": Cap.REPAIR_GRAB,
        "work_order_quote": Cap.TICKET_HANDLE,  # a dispatcher or the ticket's handler
        "work_order_accept": Cap.TICKET_HANDLE,
        "work_order_arrive": Cap.TICKET_HANDLE,
        "work_order_complete": Cap.TICKET_HANDLE,
        "work_order_measure": Cap.TICKET_HANDLE,
        "work_order_escalate": Cap.TICKET_HANDLE,
        # Emergencies (as the ticket page's panel): those who handle tickets; of them the
        # service admits the ticket's handler, dispatchers and everyone the alarm reached.
        "emergency_check": Cap.TICKET_HANDLE,
        "emergency_inform": Cap.TICKET_HANDLE,
        "emergency_summary": Cap.TICKET_HANDLE,
    }

    def get_queryset(self):
        return super().get_queryset().order_by(*selectors.QUEUE_ORDER)

    def retrieve(self, request, pk=None):
        return Response(TicketDetailOutput(self.get_object()).data)

    def _detail(self, ticket: Ticket) -> Response:
        ticket = Ticket.objects.select_related("project", "house", "assignee").get(pk=ticket.pk)
        return Response(TicketDetailOutput(ticket).data)

    def create(self, request):
        data = read_input(TicketOpenInput, request)
        house = _optional(House.objects.select_related("project"), request, Cap.HOUSE_VIEW, data.pop("house", None))
        reporter = _optional(Person.objects.select_related("project"), request, Cap.PERSON_VIEW, data.pop("reporter", None))
        project = _project_of(request, data, house, reporter)
        ticket = services.ticket_open(project=project, by=request.user, house=house, reporter=reporter, **data)
        # Answered from the objects in hand (project, house, receiver): only the timeline is
        # read; a ticket just opened has no attachments.
        prefetch_related_objects([ticket], Prefetch("attachments", queryset=TicketAttachment.objects.none()))
        return Response(TicketDetailOutput(ticket).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        ticket = self.get_object()
        data = read_input(TransitionInput, request)
        services.ticket_transition(ticket=ticket, to_status=data["to_status"], note=data.get("note", ""), by=request.user)
        return self._detail(ticket)

    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        ticket = self.get_object()
        data = read_input(AssignInput, request)
        assignee = selectors.ticket_handlers([ticket.project_id], company_wide=True).filter(pk=data["assignee"]).first()
        if assignee is None:
            raise DomainError("ticket_assignee_invalid", _("请选择本项目能处理工单的人员"), field="assignee")
        services.ticket_assign(
            ticket=ticket, assignee=assignee, department=data.get("department", ""), note=data.get("note", ""), by=request.user
        )
        return self._detail(ticket)

    @action(detail=True, methods=["post"])
    def priority(self, request, pk=None):
        ticket = self.get_object()
        if not selectors.may_change_priority(request.user, ticket):
            raise Http404
        data = read_input(PriorityInput, request)
        services.ticket_change_priority(ticket=ticket, priority=data["priority"], reason=data.get("reason", ""), by=request.user)
        return self._detail(ticket)

    @action(detail=True, methods=["get", "post"])
    def comments(self, request, pk=None):
        """GET: the comments on the timeline; POST {note}: add one."""
        ticket = self.get_object()
        if request.method == "GET":
            return Response([row for row in events_data(ticket) if row["kind"] == "comment"])
        event = services.ticket_comment(ticket=ticket, note=read_input(CommentInput, request)["note"], by=request.user)
        return Response(TicketEventOutput(event).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def events(self, request, pk=None):
        """The ticket's timeline, oldest first, each change also in words."""
        return Response(events_data(self.get_object()))

    # --- work orders (报修·派工) --------------------------------------------------------------

    def _repair(self) -> Ticket:
        """The repair (or special service) in the URL through the scoping door; any other
        ticket has no work order."""
        ticket = self.get_object()
        if not ticket.has_work_order:
            raise Http404
        return ticket

    def _work_order(self, ticket: Ticket) -> Response:
        ticket = Ticket.objects.select_related("project", "house", "assignee").get(pk=ticket.pk)
        work_order = WorkOrder.objects.filter(pk=ticket.pk).first() or WorkOrder(ticket=ticket)
        work_order.ticket = ticket
        return Response(WorkOrderOutput(work_order).data)

    @action(detail=False, methods=["get"])
    def pool(self, request):
        """The open pool (抢单池) of the projects where the caller dispatches or grabs."""
        user = request.user
        grab_ids = scoping.visible_project_ids(user, Cap.REPAIR_GRAB) & scoping.visible_project_ids(user, Cap.TICKET_HANDLE)
        project_ids = scoping.visible_project_ids(user, Cap.TICKET_DISPATCH) | scoping.visible_project_ids(user, Cap.REPAIR_GRAB)
        queryset = self.filter_queryset(repair_selectors.pool(project_ids))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(PoolOrderOutput(page, many=True, context={"grab_project_ids": grab_ids}).data)

    @action(detail=True, methods=["get"], url_path="work-order", url_name="work-order")
    def work_order(self, request, pk=None):
        return self._work_order(self._repair())

    @action(detail=True, methods=["post"], url_path="work-order/prepare", url_name="work-order-prepare")
    def work_order_prepare(self, request, pk=None):
        ticket = self._repair()
        data = read_input(WorkOrderPrepareInput, request)
        repairs.work_order_prepare(ticket=ticket, by=request.user, **data)
        return self._work_order(ticket)

    @action(detail=True, methods=["post"], url_path="work-order/quote", url_name="work-order-quote")
    def work_order_quote(self, request, pk=None):
        ticket = self._repair()
        data = read_input(WorkOrderQuoteInput, request)
        items = _price_items(ticket)
        lines = [(_price_item(items, row["price_item"], f"quote-{n}"), row["quantity"]) for n, row in enumerate(data["lines"])]
        repairs.work_order_quote(ticket=ticket, lines=lines, by=request.user)
        return self._work_order(ticket)

    @action(detail=True, methods=["post"], url_path="work-order/accept-quote", url_name="work-order-accept-quote")
    def work_order_accept(self, request, pk=None):
        ticket = self._repair()
        data = read_input(WorkOrderAcceptInput, request)
        repairs.work_order_accept_quote(ticket=ticket, accepted_by=data["accepted_by"], by=request.user)
        return self._work_order(ticket)

    @action(detail=True, methods=["post"], url_path="work-order/open-pool", url_name="work-order-open-pool")
    def work_order_open_pool(self, request, pk=None):
        ticket = self._repair()
        repairs.work_order_open_pool(ticket=ticket, by=request.user)
        return self._work_order(ticket)

    @action(detail=True, methods=["post"], url_path="work-order/close-pool", url_name="work-order-close-pool")
    def work_order_close_pool(self, request, pk=None):
        ticket = self._repair()
        repairs.work_order_close_pool(ticket=ticket, by=request.user)
        return self._work_order(ticket)

    @action(detail=True, methods=["post"], url_path="work-order/grab", url_name="work-order-grab")
    def work_order_grab(self, request, pk=None):
        ticket = self._repair()
        if not repairs.may_grab(request.user, ticket):
            raise Http404
        repairs.work_order_grab(ticket=ticket, by=request.user)
        return self._work_order(ticket)

    @action(detail=True, methods=["post"], url_path="work-order/arrive", url_name="work-order-arrive")
    def work_order_arrive(self, request, pk=None):
        ticket = self._repair()
        data = read_input(WorkOrderArriveInput, request)
        repairs.work_order_arrive(ticket=ticket, by=request.user, at=data.get("at"))
        return self._work_order(ticket)

    @action(detail=True, methods=["post"], url_path="work-order/complete", url_name="work-order-complete")
    def work_order_complete(self, request, pk=None):
        ticket = self._repair()
        data = read_input(WorkOrderCompleteInput, request)
        items = _price_items(ticket)
        repairs.work_order_complete(
            ticket=ticket,
            by=request.user,
            note=data["note"],
            materials=[_material(items, row, n) for n, row in enumerate(data.get("materials", []))],
            signature_png=_signature(data.get("signature", "")),
            confirmed_by_name=data.get("confirmed_by_name", ""),
        )
        return self._work_order(ticket)

    @action(detail=True, methods=["post"], url_path="work-order/measure", url_name="work-order-measure")
    def work_order_measure(self, request, pk=None):
        ticket = self._repair()
        data = read_input(WorkOrderMeasureInput, request)
        repairs.work_order_temporary_measure(ticket=ticket, measure=data["measure"], by=request.user)
        return self._work_order(ticket)

    @action(detail=True, methods=["post"], url_path="work-order/escalate", url_name="work-order-escalate")
    def work_order_escalate(self, request, pk=None):
        ticket = self._repair()
        data = read_input(WorkOrderEscalateInput, request)
        repairs.work_order_escalate(ticket=ticket, to=data["to"], note=data["note"], by=request.user)
        return self._work_order(ticket)

    # --- emergencies (紧急求助) ----------------------------------------------------------------

    def _emergency_ticket(self) -> Ticket:
        ticket = self.get_object()
        if ticket.type != TicketType.EMERGENCY:
            raise Http404
        return ticket

    def _emergency(self, ticket: Ticket) -> Response:
        checks = EmergencyCheck.objects.select_related("done_by").order_by("position")
        detail = (
            EmergencyDetail.objects.select_related("ticket", "summary_by")
            .prefetch_related("responders", Prefetch("ticket__emergency_checks", queryset=checks))
            .filter(ticket_id=ticket.pk)
            .first()
        )
        if detail is None:
            raise Http404
        return Response(EmergencyOutput(detail).data)

    @action(detail=True, methods=["get"])
    def emergency(self, request, pk=None):
        return self._emergency(self._emergency_ticket())

    @action(detail=True, methods=["post"], url_path="emergency/check", url_name="emergency-check")
    def emergency_check(self, request, pk=None):
        ticket = self._emergency_ticket()
        data = read_input(EmergencyCheckInput, request)
        emergencies.emergency_check(ticket=ticket, position=data["position"], by=request.user)
        return self._emergency(ticket)

    @action(detail=True, methods=["post"], url_path="emergency/inform", url_name="emergency-inform")
    def emergency_inform(self, request, pk=None):
        ticket = self._emergency_ticket()
        data = read_input(EmergencyInformInput, request)
        emergencies.emergency_inform_caller(ticket=ticket, note=data["note"], by=request.user)
        return self._emergency(ticket)

    @action(detail=True, methods=["post"], url_path="emergency/summary", url_name="emergency-summary")
    def emergency_summary(self, request, pk=None):
        ticket = self._emergency_ticket()
        data = read_input(EmergencySummaryInput, request)
        emergencies.emergency_summarise(ticket=ticket, summary=data["summary"], by=request.user)
        return self._emergency(ticket)


def _price_items(ticket: Ticket) -> dict[int, PriceItem]:
    return {item.pk: item for item in repair_selectors.price_list(ticket.project_id)}


def _price_item(items: dict[int, PriceItem], pk: int, field: str) -> PriceItem:
    """A price-list item of the ticket's project in use; any other id looks invalid alike."""
    item = items.get(pk)
    if item is None:
        raise DomainError("work_order_price_item_invalid", _("价目无效"), field=field, rule="REP-4")
    return item


def _material(items: dict[int, PriceItem], row: dict, n: int) -> tuple:
    """A completion row as `work_order_complete` takes it: (item, quantity) or (name, quantity, unit price)."""
    if row.get("price_item") is not None:
        return (_price_item(items, row["price_item"], f"material-{n}"), row["quantity"])
    return (row.get("name", ""), row["quantity"], row.get("unit_price"))


def _signature(text: str) -> bytes | None:
    """The PNG bytes of a signature sent as a data URL or as bare base64 (None: none sent)."""
    text = text.strip()
    if text and not text.startswith("data:"):
        text = f"data:image/png;base64,{text}"
    return decode_signature(text)


# --- the duty roster (值班表) -------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request=DutyShiftCreateInput,
        responses={201: DutyShiftOutput(many=True)},
        description="排班：同一时段连续 repeat_days 天（默认 1 天）。",
    ),
    destroy=extend_schema(description="删除尚未开始的班次；已开始的班次保留。"),
)
class DutyShiftViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The duty roster (值班表): who answers for a department when. An emergency alarms
    whoever is on duty for its plan's department (DESK-7)."""

    queryset = DutyShift.objects.select_related("project", "user", "created_by")
    serializer_class = DutyShiftOutput
    filterset_class = DutyShiftFilter
    view_cap = Cap.TICKET_VIEW
    action_caps = {"create": Cap.TICKET_DISPATCH, "destroy": Cap.TICKET_DISPATCH}

    def create(self, request):
        data = read_input(DutyShiftCreateInput, request)
        project = scoping.access(Project.objects.all(), request.user, Cap.TICKET_DISPATCH, field="id", pk=data.pop("project"))
        user = User.objects.filter(pk=data.pop("user")).first()
        if user is None:  # the same answer as for staff of another project
            raise DomainError("duty_user_invalid", _("值班人必须是本项目在职员工"), field="user", rule="DESK-7")
        shifts = emergencies.duty_shift_add(project=project, user=user, by=request.user, **data)
        rows = DutyShift.objects.select_related("project", "user", "created_by").filter(pk__in=[s.pk for s in shifts])
        return Response(DutyShiftOutput(rows, many=True).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        emergencies.duty_shift_remove(shift=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("contacts", ContactViewSet, basename="contact")
    router.register("tickets", TicketViewSet, basename="ticket")
    router.register("duty-shifts", DutyShiftViewSet, basename="duty-shift")
