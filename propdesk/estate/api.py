"""Estate API (/api/v1/): projects, buildings, entrances, houses, parking spaces.

Views are thin: rows come through the scoping helper (`core.api.ScopedViewSet`), input
is shaped by a `…Input` serializer, writes go to `estate.services`, and results are
shown by a `…Output` serializer. A `DomainError` becomes 400 {code, message, field} in
`core.api`.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.api import ScopedViewSet, read_input
from propdesk.estate import services
from propdesk.estate.filters import BuildingFilter, EntranceFilter, HouseFilter, ParkingSpaceFilter
from propdesk.estate.models import Building, Entrance, House, ParkingSpace, Project
from propdesk.estate.serializers import (
    BuildingOutput,
    EntranceOutput,
    HouseCreateInput,
    HouseOutput,
    HouseStatusInput,
    HouseUpdateInput,
    ParkingSpaceOutput,
    ProjectOutput,
)


class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Projects (小区/项目) the caller may see houses in."""

    queryset = Project.objects.all()
    serializer_class = ProjectOutput
    scope_field = "id"


class BuildingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Buildings (栋). They are created with their first house (`house_create`)."""

    queryset = Building.objects.all()
    serializer_class = BuildingOutput
    filterset_class = BuildingFilter


class EntranceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = Entrance.objects.select_related("building")
    serializer_class = EntranceOutput
    filterset_class = EntranceFilter


class ParkingSpaceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = ParkingSpace.objects.select_related("house")
    serializer_class = ParkingSpaceOutput
    filterset_class = ParkingSpaceFilter


@extend_schema_view(
    create=extend_schema(request=HouseCreateInput, responses={201: HouseOutput}),
    partial_update=extend_schema(request=HouseUpdateInput, responses=HouseOutput),
    change_status=extend_schema(request=HouseStatusInput, responses=HouseOutput),
)
class HouseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Houses (房屋). The code `3-2-1201` is made from its parts and never edited; the
    status changes only through `POST …/status/` with a reason (MOV-14)."""

    queryset = House.objects.select_related("project", "building", "entrance")
    serializer_class = HouseOutput
    filterset_class = HouseFilter
    action_caps = {"partial_update": Cap.HOUSE_CHANGE, "change_status": Cap.HOUSE_CHANGE}

    def create(self, request):
        data = read_input(HouseCreateInput, request)
        project = scoping.access(Project.objects.all(), request.user, Cap.HOUSE_CHANGE, field="id", pk=data.pop("project"))
        house = services.house_create(project=project, by=request.user, **data)
        return Response(HouseOutput(house).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        house = self.get_object()
        house = services.house_update(house=house, by=request.user, **read_input(HouseUpdateInput, request, partial=True))
        return Response(HouseOutput(house).data)

    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def change_status(self, request, pk=None):
        house = self.get_object()
        data = read_input(HouseStatusInput, request)
        services.house_change_status(house=house, to_status=data["status"], reason=data["reason"], by=request.user)
        house.refresh_from_db()
        return Response(HouseOutput(house).data)


def register(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("projects", ProjectViewSet, basename="project")
    router.register("buildings", BuildingViewSet, basename="building")
    router.register("entrances", EntranceViewSet, basename="entrance")
    router.register("houses", HouseViewSet, basename="house")
    router.register("parking-spaces", ParkingSpaceViewSet, basename="parking-space")
