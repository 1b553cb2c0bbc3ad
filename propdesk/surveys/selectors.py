"""Survey reads: the households a round counts, its live progress per building (SUR-2),
the tabulation per question and per department (满意度调查统计表, SUR-3), the unsatisfied
items that need a rectification reply (SUR-4), and the rounds a resident may answer."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext as _

from propdesk.estate.models import Building, House
from propdesk.residents.models import Occupancy
from propdesk.surveys.choices import (
    RATING_POINTS,
    SATISFIED,
    SCORE_POINTS,
    UNSATISFIED,
    Department,
    QuestionKind,
    RoundStatus,
    options,
)
from propdesk.surveys.models import Answer, Distribution, Question, Response, SurveyRound

ONE_DECIMAL = Decimal("0.1")


def percent(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in percent, half-up to one decimal; None when `whole` is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def meets(part: int, whole: int, target_percent: int) -> bool:
    """`part` is at least `target_percent` of `whole` (exactly, in integers); never for an empty `whole`."""
    return whole > 0 and part * 100 >= target_percent * whole


def households(project_id: int, *, building_id: int | None = None):
    """The houses a round counts as households (户): those somebody lives in or owns —
    an active occupancy."""
    lived_in = Occupancy.objects.filter(house=OuterRef("pk"), end_date__isnull=True)
    houses = House.objects.filter(project_id=project_id).filter(Exists(lived_in))
    if building_id is not None:
        houses = houses.filter(building_id=building_id)
    return houses


def household_ids(project_id: int, *, building_id: int | None = None) -> list[int]:
    return list(households(project_id, building_id=building_id).order_by("pk").values_list("pk", flat=True))


# -- progress (SUR-2) -----------------------------------------------------------------------


@dataclass
class ProgressRow:
    label: str
    building_id: int | None
    households: int
    distributed: int
    returned: int
    distribution_target: int
    return_target: int

    @property
    def distribution_rate(self) -> Decimal | None:
        """发放率: handed out / households."""
        return percent(self.distributed, self.households)

    @property
    def return_rate(self) -> Decimal | None:
        """回收率: returned / handed out."""
        return percent(self.returned, self.distributed)

    @property
    def distribution_met(self) -> bool:
        """On the exact share, not the rounded one (59.95% is short of 60%)."""
        return meets(self.distributed, self.households, self.distribution_target)

    @property
    def return_met(self) -> bool:
        return meets(self.returned, self.distributed, self.return_target)


@dataclass
class Progress:
    survey: SurveyRound
    rows: list[ProgressRow]
    total: ProgressRow


def progress(survey: SurveyRound) -> Progress:
    """Households, handed out and returned per building and in all (four queries), with
    the rates against the round's targets (SUR-2: ≥60% handed out, ≥50% returned)."""
    per_building = Counter(dict(households(survey.project_id).values_list("building_id").annotate(n=Count("pk"))))
    handed = Counter(dict(Distribution.objects.filter(round=survey).values_list("house__building_id").annotate(n=Count("pk"))))
    returned = Counter(dict(Response.objects.filter(round=survey).values_list("house__building_id").annotate(n=Count("pk"))))
    targets = (survey.distribution_target, survey.return_target)
    buildings = Building.objects.filter(project_id=survey.project_id).order_by("number")
    rows = [
        ProgressRow(str(b), b.pk, per_building[b.pk], handed[b.pk], returned[b.pk], *targets)
        for b in buildings
        if per_building[b.pk] or handed[b.pk]
    ]
    total = ProgressRow(_("合计"), None, sum(per_building.values()), sum(handed.values()), sum(returned.values()), *targets)
    return Progress(survey, rows, total)


def progress_totals(rounds) -> dict[int, ProgressRow]:
    """{round id: its total row} for a list of rounds, in three queries whatever their number."""
    rounds = list(rounds)
    ids = [r.pk for r in rounds]
    lived_in = Occupancy.objects.filter(house=OuterRef("pk"), end_date__isnull=True)
    per_project = Counter(
        dict(
            House.objects.filter(project__in={r.project_id for r in rounds})
            .filter(Exists(lived_in))
            .values_list("project_id")
            .annotate(n=Count("pk"))
        )
    )
    handed = Counter(dict(Distribution.objects.filter(round__in=ids).values_list("round_id").annotate(n=Count("pk"))))
    returned = Counter(dict(Response.objects.filter(round__in=ids).values_list("round_id").annotate(n=Count("pk"))))
    return {
        r.pk: ProgressRow(
            _("合计"), None, per_project[r.project_id], handed[r.pk], returned[r.pk], r.distribution_target, r.return_target
        )
        for r in rounds
    }


# -- tabulation (SUR-3) ---------------------------------------------------------------------


@dataclass
class QuestionResult:
    question: Question
    counts: list[tuple[int, str, int]]  # (value, label, how many)
    answered: int
    satisfied: int
    unsatisfied: int
    points: int  # the answers' points summed (RATING_POINTS / SCORE_POINTS)
    texts: list[str] = field(default_factory=list)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return percent(self.satisfied, self.answered)

    @property
    def score(self) -> Decimal | None:
        """Average points out of 100."""
        if not self.answered:
            return None
        return (Decimal(self.points) / self.answered).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass
class DepartmentResult:
    department: str
    label: str
    questions: int
    answered: int
    satisfied: int
    unsatisfied: int
    points: int

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return percent(self.satisfied, self.answered)

    @property
    def score(self) -> Decimal | None:
        """The department's score for the half-year appraisal: every answer about it, out of 100."""
        if not self.answered:
            return None
        return (Decimal(self.points) / self.answered).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass
class Tabulation:
    survey: SurveyRound
    responses: int
    questions: list[QuestionResult]
    departments: list[DepartmentResult]

    @property
    def unsatisfied_items(self) -> list[QuestionResult]:
        """The questions some household was not satisfied with (SUR-4: each needs a reply)."""
        return [q for q in self.questions if q.unsatisfied]


def _points(kind: str, value: int) -> int:
    return RATING_POINTS.get(value, 0) if kind == QuestionKind.RATING else SCORE_POINTS.get(value, 0)


def tabulate(survey: SurveyRound) -> Tabulation:
    """满意度调查统计表 (SUR-3): each question's answers counted per option, its
    satisfaction rate and score; each department's over all its questions (three queries)."""
    questions = list(survey.questionnaire.questions.order_by("position", "id"))
    answers = Answer.objects.filter(response__round=survey)
    counts = Counter(
        {(q, v): n for q, v, n in answers.filter(value__isnull=False).values_list("question_id", "value").annotate(n=Count("pk"))}
    )
    texts: dict[int, list[str]] = defaultdict(list)
    for question_id, text in answers.exclude(text="").order_by("response__house__code").values_list("question_id", "text"):
        texts[question_id].append(text)
    results = []
    for question in questions:
        if question.kind == QuestionKind.TEXT:
            results.append(QuestionResult(question, [], len(texts[question.pk]), 0, 0, 0, texts[question.pk]))
            continue
        per_option = [(value, label, counts[(question.pk, value)]) for value, label in options(question.kind)]
        answered = sum(n for _v, _l, n in per_option)
        satisfied = sum(n for v, _l, n in per_option if v in SATISFIED[question.kind])
        unsatisfied = sum(n for v, _l, n in per_option if v in UNSATISFIED[question.kind])
        points = sum(n * _points(question.kind, v) for v, _l, n in per_option)
        results.append(QuestionResult(question, per_option, answered, satisfied, unsatisfied, points, texts[question.pk]))
    departments = []
    for department in Department:
        mine = [r for r in results if r.question.department == department and r.question.kind != QuestionKind.TEXT]
        if not mine:
            continue
        departments.append(
            DepartmentResult(
                department.value,
                str(department.label),
                len(mine),
                sum(r.answered for r in mine),
                sum(r.satisfied for r in mine),
                sum(r.unsatisfied for r in mine),
                sum(r.points for r in mine),
            )
        )
    return Tabulation(survey, Response.objects.filter(round=survey).count(), results, departments)


# -- residents ------------------------------------------------------------------------------


def resident_open_rounds(house_ids) -> list[tuple[SurveyRound, House, bool]]:
    """(round, house, already answered) for every open round of the resident's houses."""
    houses = list(House.objects.filter(pk__in=house_ids).select_related("project"))
    rounds = SurveyRound.objects.filter(project__in={h.project_id for h in houses}, status=RoundStatus.OPEN)
    answered = set(Response.objects.filter(house__in=houses, round__in=rounds).values_list("round_id", "house_id"))
    return [(r, h, (r.pk, h.pk) in answered) for r in rounds for h in houses if h.project_id == r.project_id]
