"""Metering API (/api/v1/): meters (水电表), reading rounds (抄表轮次) and readings
(抄表读数) — enter a reading, list the anomalies held for a supervisor, confirm or reject
one. Same shape as `estate.api`: rows through the scoping helper, input through a
`…Input` serializer, writes through `metering.services`; a caller without the capability
gets the same 404 as for a missing row, a broken rule 400 {code, message, field}."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from propdesk.accounts.roles import Cap
from propdesk.billing.models import FeeItem
from propdesk.core import scoping
from propdesk.core.api import ScopedViewSet, read_input
from propdesk.core.errors import DomainError
from propdesk.estate.models import Building, House, Project
from propdesk.metering import services
from propdesk.metering.choices import ReadingStatus
from propdesk.metering.filters import MeterFilter, ReadingFilter, ReadingRoundFilter
from propdesk.metering.models import Meter, Reading, ReadingRound
from propdesk.metering.serializers import (
    MeterCreateInput,
    MeterOutput,
    MeterReplaceInput,
    ReadingCreateInput,
    ReadingDecisionInput,
    ReadingOutput,
    ReadingRoundCreateInput,
    ReadingRoundOutput,
)


def _in_project(model, pk, project: Project):
    """A related row of the project by id, else None when not given; another project's
    id is a 400 from the service (it names the field), never a hint that it exists."""
    if pk is None:
        return None
    return model.objects.filter(pk=pk, project=project).first() or _foreign(model, pk)


def _foreign(model, pk):
    name = model._meta.model_name
    raise DomainError(
        f"{name}_invalid", _("%(what)s %(pk)s 不属于本项目") % {"what": model._meta.verbose_name, "pk": pk}, field=name
    )


@extend_schema_view(
    create=extend_schema(request=MeterCreateInput, responses={201: MeterOutput}),
    replace=extend_schema(request=MeterReplaceInput, responses={201: MeterOutput}),
)
class MeterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Meters: house meters billed by a metered fee item, common meters of a building or
    project. Registering and replacing (换表) need METER_CONFIRM."""

    queryset = Meter.objects.select_related("house").order_by("id")
    serializer_class = MeterOutput
    filterset_class = MeterFilter
    view_cap = Cap.METER_READ
    action_caps = {"create": Cap.METER_CONFIRM, "replace": Cap.METER_CONFIRM}

    def create(self, request):
        data = read_input(MeterCreateInput, request)
        project = scoping.access(Project.objects.all(), request.user, Cap.METER_CONFIRM, field="id", pk=data.pop("project"))
        meter = services.meter_create(
            project=project,
            house=_in_project(House, data.pop("house", None), project),
            building=_in_project(Building, data.pop("building", None), project),
            item=_in_project(FeeItem, data.pop("item", None), project),
            by=request.user,
            **data,
        )
        return Response(MeterOutput(meter).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def replace(self, request, pk=None):
        meter = self.get_object()
        new = services.meter_replace(meter=meter, by=request.user, **read_input(MeterReplaceInput, request))
        return Response(MeterOutput(new).data, status=status.HTTP_201_CREATED)


@extend_schema_view(create=extend_schema(request=ReadingRoundCreateInput, responses={201: ReadingRoundOutput}))
class ReadingRoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Reading rounds: one month of one or more buildings."""

    queryset = ReadingRound.objects.prefetch_related("buildings").order_by("-period", "-id")
    serializer_class = ReadingRoundOutput
    filterset_class = ReadingRoundFilter
    view_cap = Cap.METER_READ

    def create(self, request):
        data = read_input(ReadingRoundCreateInput, request)
        project = scoping.access(Project.objects.all(), request.user, Cap.METER_READ, field="id", pk=data["project"])
        buildings = [_in_project(Building, pk, project) for pk in data["buildings"]]
        reading_round = services.round_create(project=project, buildings=buildings, month=data["period"], by=request.user)
        return Response(ReadingRoundOutput(reading_round).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    create=extend_schema(request=ReadingCreateInput, responses={201: ReadingOutput}),
    confirm=extend_schema(request=ReadingDecisionInput, responses=ReadingOutput),
    reject=extend_schema(request=ReadingDecisionInput, responses=ReadingOutput),
    anomalies=extend_schema(responses=ReadingOutput(many=True)),
)
class ReadingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Readings. Entering a different value for a meter already read in the round
    supersedes the earlier reading (kept, `current` false). `anomalies/` lists the held
    ones; confirming or rejecting one needs METER_CONFIRM."""

    queryset = Reading.objects.select_related("meter").order_by("id")
    serializer_class = ReadingOutput
    filterset_class = ReadingFilter
    view_cap = Cap.METER_READ
    action_caps = {"confirm": Cap.METER_CONFIRM, "reject": Cap.METER_CONFIRM}

    def create(self, request):
        data = read_input(ReadingCreateInput, request)
        reading_round = scoping.access(ReadingRound.objects.all(), request.user, Cap.METER_READ, pk=data["round"])
        meter = _in_project(Meter, data["meter"], reading_round.project)
        reading = services.reading_record(
            reading_round=reading_round,
            meter=meter,
            value=data["value"],
            read_on=data.get("read_on"),
            note=data["note"],
            by=request.user,
        )
        return Response(ReadingOutput(reading).data, status=status.HTTP_201_CREATED)

    @action(detail=False, methods=["get"])
    def anomalies(self, request):
        rows = self.filter_queryset(self.get_queryset()).filter(current=True, status=ReadingStatus.HELD)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ReadingOutput(page, many=True).data)

    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        reading = self.get_object()
        data = read_input(ReadingDecisionInput, request)
        reading = services.reading_confirm(reading=reading, by=request.user, rollover=data["rollover"], note=data["note"])
        return Response(ReadingOutput(reading).data)

    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        reading = self.get_object()
        data = read_input(ReadingDecisionInput, request)
        reading = services.reading_reject(reading=reading, by=request.user, note=data["note"])
        return Response(ReadingOutput(reading).data)


def register(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("meters", MeterViewSet, basename="meter")
    router.register("reading-rounds", ReadingRoundViewSet, basename="reading-round")
    router.register("readings", ReadingViewSet, basename="reading")
