"""Service-desk API (/api/v1/): contacts (来电来访, DESK-1) and tickets (工单) with their
transitions, assignment, priority, comments and timeline.

Same shape as `estate.api` and `residents.api`: rows through the scoping helper
(`core.api.ScopedViewSet`), input through a `…Input` serializer, writes through
`desk.services`, results through a `…Output` serializer. A caller without the
capability an action needs gets the same 404 as for a missing ticket; a caller who holds
it but meets a rule of the ticket (not assigned to them, a move the state machine does
not allow, a cancel without a reason) gets 400 {code, message, field}.
"""

from __future__ import annotations

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
from propdesk.desk import selectors, services
from propdesk.desk.filters import ContactFilter, TicketFilter
from propdesk.desk.models import Contact, Ticket
from propdesk.desk.serializers import (
    AssignInput,
    CommentInput,
    ContactCreateInput,
    ContactOutput,
    PriorityInput,
    TicketDetailOutput,
    TicketEventOutput,
    TicketOpenInput,
    TicketOutput,
    TransitionInput,
    events_data,
)
from propdesk.estate.models import House, Project
from propdesk.residents.models import Person


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
        response = self._detail(ticket)
        response.status_code = status.HTTP_201_CREATED
        return response

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


def register(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("contacts", ContactViewSet, basename="contact")
    router.register("tickets", TicketViewSet, basename="ticket")
