"""Resident and archive API (/api/v1/): persons, occupancies (with 住户登记 and house
transfer under houses/{id}/), the house archive, scans, archive loans and the one search
box.

Same shape as `estate.api`: rows through the scoping helper (`core.api.ScopedViewSet`),
input through a `…Input` serializer, writes through `residents.services`, results
through a `…Output` serializer. Every object a call refers to — in the URL or in the
body — is found with the capability the call needs, so "not yours" and "missing" are
both 404.
"""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.api import ScopedViewSet, read_input
from propdesk.estate.models import House, Project
from propdesk.residents import selectors, services
from propdesk.residents.choices import ArchiveItemStatus
from propdesk.residents.filters import ArchiveFileFilter, ArchiveLoanFilter, OccupancyFilter, PersonFilter
from propdesk.residents.models import (
    ArchiveFile,
    ArchiveItem,
    ArchiveItemType,
    ArchiveLoan,
    Occupancy,
    PaperArchive,
    Person,
)
from propdesk.residents.serializers import (
    ArchiveFileOutput,
    ArchiveFileUploadInput,
    ArchiveItemSetInput,
    ArchiveLoanDecisionInput,
    ArchiveLoanOutput,
    ArchiveLoanRequestInput,
    HouseArchiveOutput,
    HouseTransferInput,
    OccupancyCreateInput,
    OccupancyEndInput,
    OccupancyOutput,
    OccupantRegisterInput,
    PaperArchiveInput,
    PersonCreateInput,
    PersonOutput,
    PersonUpdateInput,
    PiiRevealInput,
    PiiRevealOutput,
    SearchOutput,
)


def _access(queryset, request, cap: Cap, pk):
    return scoping.access(queryset, request.user, cap, pk=pk)


@extend_schema_view(
    create=extend_schema(request=PersonCreateInput, responses={201: PersonOutput}),
    partial_update=extend_schema(request=PersonUpdateInput, responses=PersonOutput),
    reveal=extend_schema(
        request=PiiRevealInput,
        responses=PiiRevealOutput,
        description="完整证件号码或手机号（ARC-5）：仅限有查看权限的岗位，每次查看都记录查看人、时间和IP。",
    ),
)
class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Persons (人员). ID numbers and phones are always shown masked."""

    queryset = Person.objects.select_related("project")
    serializer_class = PersonOutput
    filterset_class = PersonFilter
    view_cap = Cap.PERSON_VIEW
    action_caps = {"partial_update": Cap.PERSON_CHANGE, "reveal": Cap.PII_REVEAL}

    def create(self, request):
        data = read_input(PersonCreateInput, request)
        project = scoping.access(Project.objects.all(), request.user, Cap.PERSON_CHANGE, field="id", pk=data.pop("project"))
        person = services.person_create(project=project, by=request.user, **data)
        return Response(PersonOutput(person).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        person = self.get_object()
        person = services.person_update(person=person, by=request.user, **read_input(PersonUpdateInput, request, partial=True))
        return Response(PersonOutput(person).data)

    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        person = self.get_object()
        field = read_input(PiiRevealInput, request)["field"]
        value = services.pii_reveal(viewer=request.user, person=person, field=field, address=request.META.get("REMOTE_ADDR"))
        return Response({"field": field, "value": value}, headers={"Cache-Control": "no-store"})


@extend_schema_view(
    create=extend_schema(request=OccupancyCreateInput, responses={201: OccupancyOutput}),
    end=extend_schema(request=OccupancyEndInput, responses=OccupancyOutput),
    primary=extend_schema(request=None, responses=OccupancyOutput, description="设为该房屋的主要联系人；原主要联系人随之取消。"),
)
class OccupancyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Occupancies (入住登记): a person's tie to a house. Ended, never deleted (MOV-11)."""

    queryset = Occupancy.objects.select_related("house", "person")
    serializer_class = OccupancyOutput
    filterset_class = OccupancyFilter
    view_cap = Cap.PERSON_VIEW
    action_caps = {"end": Cap.PERSON_CHANGE, "primary": Cap.PERSON_CHANGE}

    def create(self, request):
        data = read_input(OccupancyCreateInput, request)
        house = _access(House.objects.all(), request, Cap.PERSON_CHANGE, data.pop("house"))
        person = _access(Person.objects.all(), request, Cap.PERSON_CHANGE, data.pop("person"))
        occupancy = services.occupancy_add(house=house, person=person, by=request.user, **data)
        return Response(OccupancyOutput(occupancy).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        occupancy = self.get_object()
        data = read_input(OccupancyEndInput, request)
        services.occupancy_end(occupancy=occupancy, end_date=data["end_date"], reason=data["end_reason"], by=request.user)
        occupancy.refresh_from_db()
        return Response(OccupancyOutput(occupancy).data)

    @action(detail=True, methods=["post"])
    def primary(self, request, pk=None):
        occupancy = services.occupancy_set_primary_contact(occupancy=self.get_object(), by=request.user)
        return Response(OccupancyOutput(occupancy).data)


@extend_schema_view(
    create=extend_schema(request=ArchiveFileUploadInput, responses={201: ArchiveFileOutput}),
    download=extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY}),
)
class ArchiveFileViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Scans in the houses' electronic archives (ARC-3). Upload as multipart/form-data."""

    queryset = ArchiveFile.objects.select_related("house", "item_type", "uploaded_by")
    serializer_class = ArchiveFileOutput
    filterset_class = ArchiveFileFilter
    parser_classes = [MultiPartParser, FormParser]
    view_cap = Cap.ARCHIVE_VIEW

    def create(self, request):
        data = read_input(ArchiveFileUploadInput, request)
        house = _access(House.objects.all(), request, Cap.ARCHIVE_CHANGE, data["house"])
        item_type = None
        if data.get("item_type") is not None:
            item_type = _access(ArchiveItemType.objects.all(), request, Cap.ARCHIVE_CHANGE, data["item_type"])
        scan = services.archive_file_upload(house=house, upload=data["file"], item_type=item_type, by=request.user)
        return Response(ArchiveFileOutput(scan).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        scan = self.get_object()
        return FileResponse(scan.file.open("rb"), content_type=scan.content_type, as_attachment=True, filename=scan.original_name)


_LOAN_DECISION = extend_schema(request=ArchiveLoanDecisionInput, responses=ArchiveLoanOutput)
_LOAN_STEP = extend_schema(request=None, responses=ArchiveLoanOutput)


@extend_schema_view(
    create=extend_schema(request=ArchiveLoanRequestInput, responses={201: ArchiveLoanOutput}),
    approve=_LOAN_DECISION,
    reject=_LOAN_DECISION,
    lend=_LOAN_STEP,
    return_=_LOAN_STEP,
)
class ArchiveLoanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Archive loans (档案借阅, ARC-5): requested → approved by a supervisor (never by the
    requester) → lent → returned; or rejected with a note."""

    queryset = ArchiveLoan.objects.select_related("house", "requested_by", "decided_by", "returned_to")
    serializer_class = ArchiveLoanOutput
    filterset_class = ArchiveLoanFilter
    view_cap = Cap.ARCHIVE_VIEW
    action_caps = {
        "approve": Cap.ARCHIVE_APPROVE_LOAN,
        "reject": Cap.ARCHIVE_APPROVE_LOAN,
        "lend": Cap.ARCHIVE_LEND,
        "return_": Cap.ARCHIVE_LEND,
    }

    def create(self, request):
        data = read_input(ArchiveLoanRequestInput, request)
        house = _access(House.objects.all(), request, Cap.ARCHIVE_LEND, data.pop("house"))
        loan = services.archive_loan_request(house=house, by=request.user, **data)
        return Response(ArchiveLoanOutput(loan).data, status=status.HTTP_201_CREATED)

    def _decide(self, request, *, approve: bool) -> Response:
        loan = self.get_object()
        note = read_input(ArchiveLoanDecisionInput, request)["decision_note"]
        loan = services.archive_loan_decide(loan=loan, approve=approve, note=note, by=request.user)
        return Response(ArchiveLoanOutput(loan).data)

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, approve=True)

    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, approve=False)

    @action(detail=True, methods=["post"])
    def lend(self, request, pk=None):
        loan = services.archive_loan_lend(loan=self.get_object(), by=request.user)
        return Response(ArchiveLoanOutput(loan).data)

    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        loan = services.archive_loan_return(loan=self.get_object(), by=request.user)
        return Response(ArchiveLoanOutput(loan).data)


def _checklist_line(item_type: ArchiveItemType, item: ArchiveItem | None) -> dict:
    state = ArchiveItemStatus(item.status if item else ArchiveItemStatus.MISSING)
    return {
        "item_type": item_type.pk,
        "name": item_type.name,
        "status": state.value,
        "status_display": state.label,
        "note": item.note if item else "",
        "updated_at": item.updated_at if item else None,
    }


def _house_archive(house: House) -> dict:
    return HouseArchiveOutput(
        {
            "house": house.pk,
            "house_code": house.code,
            "completeness": selectors.archive_completeness(house),
            "checklist": [_checklist_line(item_type, item) for item_type, item in selectors.archive_checklist(house)],
            "paper": PaperArchive.objects.filter(house=house).first(),
        }
    ).data


class HouseArchiveView(APIView):
    """GET houses/{id}/archive/ — the checklist with each line's state, the completeness
    (ARC-2) and the paper file's location (ARC-3)."""

    @extend_schema(responses=HouseArchiveOutput)
    def get(self, request, pk: int):
        return Response(_house_archive(_access(House.objects.all(), request, Cap.ARCHIVE_VIEW, pk)))


class HouseArchiveItemView(APIView):
    """POST houses/{id}/archive/items/ — mark one checklist line missing, received or not
    applicable (ARC-2); answers with the whole archive and its new completeness."""

    @extend_schema(request=ArchiveItemSetInput, responses=HouseArchiveOutput)
    def post(self, request, pk: int):
        house = _access(House.objects.all(), request, Cap.ARCHIVE_CHANGE, pk)
        data = read_input(ArchiveItemSetInput, request)
        item_type = _access(ArchiveItemType.objects.all(), request, Cap.ARCHIVE_CHANGE, data.pop("item_type"))
        services.archive_item_set(house=house, item_type=item_type, by=request.user, **data)
        return Response(_house_archive(house))


class HousePaperArchiveView(APIView):
    """PUT houses/{id}/archive/paper/ — where the paper file is kept (双档案, ARC-3)."""

    @extend_schema(request=PaperArchiveInput, responses=HouseArchiveOutput)
    def put(self, request, pk: int):
        house = _access(House.objects.all(), request, Cap.ARCHIVE_CHANGE, pk)
        services.paper_archive_set(house=house, by=request.user, **read_input(PaperArchiveInput, request))
        return Response(_house_archive(house))


class HouseTransferView(APIView):
    """POST houses/{id}/transfer/ — house transfer (房屋转让, MOV-13): the owner and
    co-owners are ended as "transferred" on the transfer date and the new owners
    registered, the first as owner and primary contact. Family members and tenants stay
    until deregistered on their own. Answers with the new occupancies."""

    @extend_schema(request=HouseTransferInput, responses={201: OccupancyOutput(many=True)})
    def post(self, request, pk: int):
        house = _access(House.objects.all(), request, Cap.PERSON_CHANGE, pk)
        data = read_input(HouseTransferInput, request)
        owners = [_access(Person.objects.all(), request, Cap.PERSON_CHANGE, person) for person in data["new_owners"]]
        created = services.house_transfer(house=house, new_owners=owners, transfer_date=data["transfer_date"], by=request.user)
        return Response(OccupancyOutput(created, many=True).data, status=status.HTTP_201_CREATED)


class HouseOccupantView(APIView):
    """POST houses/{id}/occupants/ — 住户登记 in one call: the person is found by ID
    number in the house's project (and updated) or created, then tied to the house."""

    @extend_schema(request=OccupantRegisterInput, responses={201: OccupancyOutput})
    def post(self, request, pk: int):
        house = _access(House.objects.all(), request, Cap.PERSON_CHANGE, pk)
        data = read_input(OccupantRegisterInput, request)
        person_data = {field: data.pop(field) for field in services.PERSON_FIELDS if field in data}
        occupancy = services.occupant_register(house=house, person_data=person_data, by=request.user, **data)
        return Response(OccupancyOutput(occupancy).data, status=status.HTTP_201_CREATED)


_SEARCH_HELP = "房号、姓名、拼音首字母、手机号（或尾号）、证件号（或尾号）；为空时不返回结果"


class SearchView(APIView):
    """GET search/?q= — the one search box: a house code in any spelling, a name or its
    pinyin initials, a phone or its last four digits, an ID number or its tail."""

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description=_SEARCH_HELP)],
        responses=SearchOutput,
    )
    def get(self, request):
        query = request.query_params.get("q", "")
        person_projects = scoping.visible_project_ids(request.user, Cap.PERSON_VIEW)
        house_projects = scoping.visible_project_ids(request.user, Cap.HOUSE_VIEW)
        results = selectors.global_search(project_ids=person_projects, query=query)
        if house_projects != person_projects:
            results.houses = selectors.global_search(project_ids=house_projects, query=query).houses
        return Response(SearchOutput({"query": query, "houses": results.houses, "persons": results.persons}).data)


def register(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("persons", PersonViewSet, basename="person")
    router.register("occupancies", OccupancyViewSet, basename="occupancy")
    router.register("archive-files", ArchiveFileViewSet, basename="archive-file")
    router.register("archive-loans", ArchiveLoanViewSet, basename="archive-loan")
