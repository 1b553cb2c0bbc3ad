"""Survey API (/api/v1/): rounds with their live progress (SUR-2) and results (SUR-3);
responses typed in by staff (SUR-2); and, for resident accounts, the open rounds of their
houses and the online answer.

Same shape as `desk.api`: rows through the scoping helper (`ScopedViewSet`), input through
an `…Input` serializer, writes through `surveys.services`, output through an `…Output`
serializer. A staff caller without the capability gets the same 404 as for a missing row;
a rule that says no (a closed round, a second response for a house) is 400
{code, message, field, rule}. Resident accounts use only `my-surveys`; a house they are
not bound to is 404.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response as ApiResponse

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.api import InputSerializer, ScopedViewSet, read_input
from propdesk.estate.models import House
from propdesk.surveys import selectors, services
from propdesk.surveys.models import Response, SurveyRound

# -- serializers ----------------------------------------------------------------------------


class RoundOutput(serializers.ModelSerializer):
    class Meta:
        model = SurveyRound
        fields = [
            "id",
            "project",
            "name",
            "questionnaire",
            "preset",
            "period_start",
            "period_end",
            "status",
            "distribution_target",
            "return_target",
            "announced_at",
            "opened_at",
            "closed_at",
            "published_at",
        ]


class ProgressRowOutput(serializers.Serializer):
    label = serializers.CharField()
    building_id = serializers.IntegerField(allow_null=True)
    households = serializers.IntegerField()
    distributed = serializers.IntegerField()
    returned = serializers.IntegerField()
    distribution_rate = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True, help_text=_("发放/户数 %"))
    return_rate = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True, help_text=_("回收/发放 %"))
    distribution_met = serializers.BooleanField()
    return_met = serializers.BooleanField()


class ProgressOutput(serializers.Serializer):
    rows = ProgressRowOutput(many=True)
    total = ProgressRowOutput()


class OptionCountOutput(serializers.Serializer):
    value = serializers.IntegerField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class QuestionResultOutput(serializers.Serializer):
    question = serializers.IntegerField(source="question.pk")
    position = serializers.IntegerField(source="question.position")
    department = serializers.CharField(source="question.department")
    text = serializers.CharField(source="question.text")
    kind = serializers.CharField(source="question.kind")
    counts = serializers.SerializerMethodField()
    answered = serializers.IntegerField()
    satisfied = serializers.IntegerField()
    unsatisfied = serializers.IntegerField()
    satisfaction_rate = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    score = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)

    @extend_schema_field(OptionCountOutput(many=True))
    def get_counts(self, result) -> list[dict]:
        return [{"value": v, "label": label, "count": n} for v, label, n in result.counts]


class DepartmentResultOutput(serializers.Serializer):
    department = serializers.CharField()
    label = serializers.CharField()
    answered = serializers.IntegerField()
    satisfied = serializers.IntegerField()
    unsatisfied = serializers.IntegerField()
    satisfaction_rate = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    score = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True, help_text=_("半年度考核得分（百分制）"))


class ResultsOutput(serializers.Serializer):
    responses = serializers.IntegerField()
    questions = QuestionResultOutput(many=True)
    departments = DepartmentResultOutput(many=True)


class AnswerInput(serializers.Serializer):
    question = serializers.IntegerField(label=_("题目"))
    value = serializers.IntegerField(
        label=_("答案"), required=False, allow_null=True, help_text=_("满意度 1–4（1 满意…4 不满意）；评分 1–5")
    )
    text = serializers.CharField(label=_("文字意见"), required=False, allow_blank=True)


class ResponseCreateInput(InputSerializer):
    round = serializers.IntegerField(label=_("调查"))
    house = serializers.IntegerField(label=_("房屋"))
    respondent_name = serializers.CharField(label=_("填表人"), required=False, allow_blank=True, max_length=50)
    answers = AnswerInput(many=True, label=_("答案"))


class ResidentAnswerInput(InputSerializer):
    round = serializers.IntegerField(label=_("调查"))
    house = serializers.IntegerField(label=_("房屋"))
    answers = AnswerInput(many=True, label=_("答案"))


class ResponseOutput(serializers.ModelSerializer):
    channel = serializers.CharField(help_text=_("paper 纸质 / online 线上"))

    class Meta:
        model = Response
        fields = ["id", "project", "round", "house", "channel", "respondent_name", "entered_by", "submitted_at"]


class ResidentRoundOutput(serializers.Serializer):
    round = RoundOutput()
    house = serializers.IntegerField(source="house.pk")
    house_code = serializers.CharField(source="house.code")
    answered = serializers.BooleanField()


def _answers(rows: list[dict]) -> dict[int, object]:
    return {row["question"]: row.get("value") if row.get("value") is not None else row.get("text", "") for row in rows}


# -- views ----------------------------------------------------------------------------------


class SurveyRoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Survey rounds (满意度调查) of the caller's projects, newest first."""

    queryset = SurveyRound.objects.all()
    serializer_class = RoundOutput
    view_cap = Cap.SURVEY_VIEW
    filterset_fields = ["project", "status"]

    @extend_schema(responses=ProgressOutput, description="发放率与回收率，按楼栋实时统计（SUR-2）。")
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        data = selectors.progress(self.get_object())
        return ApiResponse(ProgressOutput({"rows": data.rows, "total": data.total}).data)

    @extend_schema(responses=ResultsOutput, description="满意度调查统计表：按题目、按部门（SUR-3）。")
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        table = selectors.tabulate(self.get_object())
        payload = {"responses": table.responses, "questions": table.questions, "departments": table.departments}
        return ApiResponse(ResultsOutput(payload).data)


class SurveyResponseViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Responses (答卷). Staff type in paper answers; one per house per round."""

    queryset = Response.objects.order_by("-submitted_at", "-id")
    serializer_class = ResponseOutput
    view_cap = Cap.SURVEY_VIEW
    action_caps = {"create": Cap.SURVEY_ENTER}
    filterset_fields = ["round", "house", "channel"]

    @extend_schema(request=ResponseCreateInput, responses={201: ResponseOutput})
    def create(self, request):
        data = read_input(ResponseCreateInput, request)
        survey = scoping.access(
            SurveyRound.objects.select_related("questionnaire"), request.user, Cap.SURVEY_ENTER, pk=data["round"]
        )
        house = scoping.access(House.objects.all(), request.user, Cap.SURVEY_ENTER, pk=data["house"])
        response = services.response_enter(
            survey=survey,
            house=house,
            by=request.user,
            answers=_answers(data["answers"]),
            respondent_name=data.get("respondent_name", ""),
        )
        return ApiResponse(ResponseOutput(response).data, status=status.HTTP_201_CREATED)


class ResidentSurveyViewSet(viewsets.GenericViewSet):
    """A resident account's surveys: the open rounds of their houses, and answering one."""

    queryset = SurveyRound.objects.none()
    serializer_class = ResidentRoundOutput
    pagination_class = None

    def _house_ids(self) -> frozenset[int]:
        if not self.request.user.is_resident:
            raise Http404
        return scoping.resident_house_ids(self.request.user)

    @extend_schema(responses=ResidentRoundOutput(many=True), description="本人房屋正在进行的调查。")
    def list(self, request):
        rows = selectors.resident_open_rounds(self._house_ids())
        payload = [{"round": r, "house": h, "answered": done} for r, h, done in rows]
        return ApiResponse(ResidentRoundOutput(payload, many=True).data)

    @extend_schema(
        request=ResidentAnswerInput, responses={201: ResponseOutput}, description="住户在线填写本户问卷，每户每次一份。"
    )
    @action(detail=False, methods=["post"])
    def answer(self, request):
        house_ids = self._house_ids()
        data = read_input(ResidentAnswerInput, request)
        if data["house"] not in house_ids:
            raise Http404
        house = House.objects.get(pk=data["house"])
        survey = SurveyRound.objects.filter(pk=data["round"], project_id=house.project_id).select_related("questionnaire").first()
        if survey is None:
            raise Http404
        response = services.response_submit(survey=survey, house=house, by=request.user, answers=_answers(data["answers"]))
        return ApiResponse(ResponseOutput(response).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("survey-rounds", SurveyRoundViewSet, basename="survey-round")
    router.register("survey-responses", SurveyResponseViewSet, basename="survey-response")
    router.register("my-surveys", ResidentSurveyViewSet, basename="my-survey")
