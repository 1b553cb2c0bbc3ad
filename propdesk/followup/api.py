"""Return-visit API (/api/v1/visits/): the visits one may make — one's own, and every
visit of the projects where one manages visits (the CS supervisor, Cap.VISIT_MANAGE) —
listed with filters (status, purpose, due, mine), read one by one, recorded (VIS-2,
VIS-6, as the console's form) and reviewed by the PM (Cap.VISIT_REVIEW).

Same shape as `desk.api`: rows through the scoping helper (`core.api.ScopedViewSet`),
input through a `…Input` serializer, writes through `followup.services`, results through
`VisitOutput`. Another project's visit, another visitor's visit (without VISIT_MANAGE)
and a visit the caller may not review all answer 404; a rule of the visit (already
recorded, a signature missing, not recorded yet when reviewed) answers 400
{code, message, field}.
"""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.api import ScopedViewSet, read_input
from propdesk.desk.repair_forms import decode_signature
from propdesk.followup import services
from propdesk.followup.filters import VisitFilter
from propdesk.followup.models import ReturnVisit
from propdesk.followup.serializers import VisitOutput, VisitRecordInput, VisitReviewInput

_RELATED = ("project", "ticket", "house", "visitor", "occupancy__person")


@extend_schema_view(
    record=extend_schema(
        request=VisitRecordInput,
        responses=VisitOutput,
        description="记录回访（VIS-2、VIS-6）：未处理或不满意时工单退回责任人重新处理，并给出返工期限。",
    ),
    review=extend_schema(request=VisitReviewInput, responses=VisitOutput, description="项目经理审核回访记录（VIS-6）。"),
)
class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Return visits (回访), nearest due time first."""

    queryset = ReturnVisit.objects.select_related(*_RELATED)
    serializer_class = VisitOutput
    filterset_class = VisitFilter
    view_cap = Cap.VISIT_RECORD
    action_caps = {"record": Cap.VISIT_RECORD, "review": Cap.VISIT_REVIEW}

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action != "review":
            # VIS-5: one's own visits; every visit where one manages them (services.may_record).
            managed = scoping.visible_project_ids(self.request.user, Cap.VISIT_MANAGE)
            queryset = queryset.filter(Q(visitor_id=self.request.user.pk) | Q(project_id__in=managed))
        return queryset.order_by("due_at", "id")

    def get_object(self):
        visit = scoping.access(self.get_queryset(), self.request.user, self.action_cap(), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, visit)
        return visit

    def _detail(self, visit: ReturnVisit) -> Response:
        return Response(VisitOutput(ReturnVisit.objects.select_related(*_RELATED).get(pk=visit.pk)).data)

    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        visit = self.get_object()
        data = read_input(VisitRecordInput, request)
        services.visit_record(
            visit=visit,
            by=request.user,
            method=data["method"],
            handled=data["handled"],
            satisfied=data["satisfied"],
            score_quality=data["score_quality"],
            score_result=data["score_result"],
            score_attitude=data["score_attitude"],
            other_matters=data.get("other_matters", ""),
            note=data.get("note", ""),
            contact_name=data.get("contact_name", ""),
            signature_png=decode_signature(data.get("signature", "")),
            new_ticket=VisitRecordInput().new_ticket(data),
        )
        return self._detail(visit)

    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        visit = self.get_object()
        data = read_input(VisitReviewInput, request)
        services.visit_review(visit=visit, by=request.user, note=data.get("note", ""))
        return self._detail(visit)


def register(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("visits", VisitViewSet, basename="visit")
