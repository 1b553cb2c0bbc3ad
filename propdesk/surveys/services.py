"""Survey operations (SUR-1…4), one function each: keyword arguments, one transaction, a
`DomainError` (Chinese message, field, rule) when a rule says no, and a 404 (through the
scoping helper) when the caller may not act in the project.

- schedule: `schedule_set`, `schedule_of` (SUR-1 presets, configurable);
- questionnaires: `questionnaire_create`, `questionnaire_copy`, `question_add`,
  `question_update`, `question_move`, `question_remove` (frozen once a round is announced);
- rounds: `round_create` (period from the schedule, SUR-1), `round_announce` → `round_open`
  → `round_close` → `round_publish` (SUR-2, SUR-4), each through `_move`;
- households: `distribution_record`, `distribution_building` (SUR-2);
- answers: `response_enter` (staff, from paper), `response_submit` (a resident, online);
  one response per house per round, only while the round is open;
- `rectification_write`, `rectification_approve` (SUR-4: the PM, not the writer).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.errors import DomainError
from propdesk.estate.models import Building, House, Project
from propdesk.surveys import presets, selectors
from propdesk.surveys.choices import (
    ROUND_MOVES,
    SCORE_MAX,
    SCORE_MIN,
    Channel,
    Department,
    QuestionKind,
    Rating,
    RectificationStatus,
    RoundStatus,
    SchedulePreset,
)
from propdesk.surveys.models import (
    Answer,
    Distribution,
    Question,
    Questionnaire,
    Rectification,
    Response,
    SurveyRound,
    SurveySchedule,
)

# -- schedule (SUR-1) -----------------------------------------------------------------------


def schedule_of(project: Project) -> SurveySchedule:
    """The project's schedule; the half-yearly preset with the 60% / 50% targets when unset."""
    return SurveySchedule.objects.filter(project=project).first() or SurveySchedule(project=project)


@transaction.atomic
def schedule_set(
    *,
    project: Project,
    by,
    preset: str,
    windows: Iterable | None = None,
    distribution_target: int = 60,
    return_target: int = 50,
) -> SurveySchedule:
    scoping.require(by, Cap.SURVEY_MANAGE, project.pk)
    if preset not in SchedulePreset.values:
        raise DomainError("schedule_preset_invalid", _("调查频次无效（SUR-1）"), field="preset", rule="SUR-1")
    checked = presets.check_windows(windows) if preset == SchedulePreset.CUSTOM else []
    if preset == SchedulePreset.CUSTOM and not checked:
        raise DomainError("schedule_empty", _("自定义调查计划须至少设置一个调查时段（SUR-1）"), field="windows", rule="SUR-1")
    for name, value in (("distribution_target", distribution_target), ("return_target", return_target)):
        if not 0 <= int(value) <= 100:
            raise DomainError("target_invalid", _("目标比例须在 0–100% 之间（SUR-2）"), field=name, rule="SUR-2")
    schedule, _created = SurveySchedule.objects.update_or_create(
        project=project,
        defaults={
            "preset": preset,
            "windows": [list(w) for w in checked],
            "distribution_target": distribution_target,
            "return_target": return_target,
        },
    )
    return schedule


# -- questionnaires -------------------------------------------------------------------------


def _require_questionnaire(by, questionnaire: Questionnaire) -> None:
    """Project questionnaires: SURVEY_MANAGE in the project; templates: company-wide."""
    if questionnaire.project_id is None:
        if Cap.SURVEY_MANAGE not in scoping.project_caps(by).get(None, frozenset()):
            raise Http404
    else:
        scoping.require(by, Cap.SURVEY_MANAGE, questionnaire.project_id)


def _check_editable(questionnaire: Questionnaire) -> None:
    if questionnaire.rounds.exclude(status=RoundStatus.DRAFT).exists():
        raise DomainError(
            "questionnaire_in_use",
            _("该问卷已用于已公告的调查，不能再修改；请复制一份后修改"),
            field="questionnaire",
            rule="SUR-2",
        )


@transaction.atomic
def questionnaire_create(*, project: Project | None, title: str, by, intro: str = "") -> Questionnaire:
    questionnaire = Questionnaire(project=project, title=title.strip(), intro=intro, created_by=by)
    _require_questionnaire(by, questionnaire)
    if not questionnaire.title:
        raise DomainError("title_required", _("请填写问卷名称"), field="title")
    questionnaire.save()
    return questionnaire


@transaction.atomic
def questionnaire_copy(*, source: Questionnaire, project: Project, by, title: str = "") -> Questionnaire:
    """A project's own copy of a template or of another of its questionnaires, questions included."""
    scoping.require(by, Cap.SURVEY_MANAGE, project.pk)
    if source.project_id is not None:
        scoping.require(by, Cap.SURVEY_VIEW, source.project_id)
    copy = Questionnaire.objects.create(
        project=project, title=title.strip() or source.title, intro=source.intro, copied_from=source, created_by=by
    )
    Question.objects.bulk_create(
        Question(questionnaire=copy, position=q.position, department=q.department, text=q.text, kind=q.kind)
        for q in source.questions.all()
    )
    return copy


def _check_question(department: str, text: str, kind: str) -> str:
    if department not in Department.values:
        raise DomainError("department_invalid", _("请选择题目所属部门"), field="department")
    if kind not in QuestionKind.values:
        raise DomainError("kind_invalid", _("请选择题型"), field="kind")
    text = (text or "").strip()
    if not text:
        raise DomainError("text_required", _("请填写题目"), field="text")
    return text


@transaction.atomic
def question_add(*, questionnaire: Questionnaire, department: str, text: str, kind: str, by) -> Question:
    _require_questionnaire(by, questionnaire)
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    _check_editable(questionnaire)
    text = _check_question(department, text, kind)
    last = questionnaire.questions.aggregate(n=Max("position"))["n"] or 0
    return Question.objects.create(questionnaire=questionnaire, position=last + 1, department=department, text=text, kind=kind)


@transaction.atomic
def question_update(*, question: Question, department: str, text: str, kind: str, by) -> Question:
    _require_questionnaire(by, question.questionnaire)
    _check_editable(question.questionnaire)
    question.text = _check_question(department, text, kind)
    question.department, question.kind = department, kind
    question.save(update_fields=["text", "department", "kind"])
    return question


def _renumber(questionnaire: Questionnaire, ordered: list[Question]) -> None:
    for position, question in enumerate(ordered, start=1):
        if question.position != position:
            question.position = position
            question.save(update_fields=["position"])


@transaction.atomic
def question_move(*, question: Question, by, up: bool) -> None:
    """Swap the question with the one before (`up`) or after it."""
    questionnaire = question.questionnaire
    _require_questionnaire(by, questionnaire)
    Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    _check_editable(questionnaire)
    ordered = list(questionnaire.questions.order_by("position", "id"))
    index = next(i for i, q in enumerate(ordered) if q.pk == question.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    _renumber(questionnaire, ordered)


@transaction.atomic
def question_remove(*, question: Question, by) -> None:
    questionnaire = question.questionnaire
    _require_questionnaire(by, questionnaire)
    Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    _check_editable(questionnaire)
    if question.answers.exists():
        raise DomainError("question_answered", _("该题已有答卷，不能删除"), field="question")
    question.delete()
    _renumber(questionnaire, list(questionnaire.questions.order_by("position", "id")))


# -- rounds (SUR-1, SUR-2, SUR-4) -----------------------------------------------------------


@transaction.atomic
def round_create(
    *,
    project: Project,
    questionnaire: Questionnaire,
    by,
    name: str = "",
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
) -> SurveyRound:
    """A draft round. Without dates the period is the schedule's window running today or
    the next one (SUR-1). A company template is copied into the project first, so later
    edits to the template never change the round."""
    scoping.require(by, Cap.SURVEY_MANAGE, project.pk)
    if questionnaire.project_id not in (None, project.pk):
        raise Http404
    if questionnaire.project_id is None:
        questionnaire = questionnaire_copy(source=questionnaire, project=project, by=by)
    if not questionnaire.questions.exists():
        raise DomainError("questionnaire_empty", _("问卷还没有题目"), field="questionnaire")
    schedule = schedule_of(project)
    if period_start is None or period_end is None:
        period_start, period_end = presets.next_window(schedule.preset, timezone.localdate(), schedule.windows)
        preset = schedule.preset
    else:
        preset = SchedulePreset.CUSTOM
    if period_start > period_end:
        raise DomainError("period_order", _("调查开始日期不能晚于截止日期（SUR-1）"), field="period_end", rule="SUR-1")
    name = name.strip() or _("%(y)s年%(m)s月满意度调查") % {"y": period_start.year, "m": period_start.month}
    return SurveyRound.objects.create(
        project=project,
        questionnaire=questionnaire,
        name=name,
        preset=preset,
        period_start=period_start,
        period_end=period_end,
        distribution_target=schedule.distribution_target,
        return_target=schedule.return_target,
        created_by=by,
    )


def _move(survey: SurveyRound, to: str, *, by, cap: Cap = Cap.SURVEY_MANAGE, rule: str) -> SurveyRound:
    """The one door for status changes: refuses a move the state machine does not allow."""
    scoping.require(by, cap, survey.project_id)
    survey = SurveyRound.objects.select_for_update().get(pk=survey.pk)
    if to not in ROUND_MOVES[survey.status]:
        raise DomainError(
            "round_move_invalid",
            _("调查“%(name)s”当前为“%(from)s”，不能改为“%(to)s”（%(rule)s）")
            % {"name": survey.name, "from": survey.get_status_display(), "to": RoundStatus(to).label, "rule": rule},
            field="status",
            rule=rule,
        )
    survey.status = to
    return survey


@transaction.atomic
def round_announce(*, survey: SurveyRound, by, announcement: str) -> SurveyRound:
    """SUR-2: the notice put up beforehand, telling residents the round is coming."""
    if not (announcement or "").strip():
        raise DomainError(
            "announcement_required", _("请填写调查公告内容（SUR-2：调查前须事先公告）"), field="announcement", rule="SUR-2"
        )
    survey = _move(survey, RoundStatus.ANNOUNCED, by=by, rule="SUR-2")
    survey.announcement, survey.announced_at, survey.announced_by = announcement.strip(), timezone.now(), by
    survey.save(update_fields=["status", "announcement", "announced_at", "announced_by"])
    return survey


@transaction.atomic
def round_open(*, survey: SurveyRound, by) -> SurveyRound:
    """SUR-2: only an announced round opens."""
    scoping.require(by, Cap.SURVEY_MANAGE, survey.project_id)
    if SurveyRound.objects.select_for_update().get(pk=survey.pk).status == RoundStatus.DRAFT:
        raise DomainError("round_not_announced", _("调查开始前须先发布调查公告（SUR-2）"), field="announcement", rule="SUR-2")
    survey = _move(survey, RoundStatus.OPEN, by=by, rule="SUR-2")
    survey.opened_at = timezone.now()
    survey.save(update_fields=["status", "opened_at"])
    return survey


@transaction.atomic
def round_close(*, survey: SurveyRound, by) -> SurveyRound:
    survey = _move(survey, RoundStatus.CLOSED, by=by, rule="SUR-2")
    survey.closed_at = timezone.now()
    survey.save(update_fields=["status", "closed_at"])
    return survey


@transaction.atomic
def round_publish(*, survey: SurveyRound, by, notice: str = "") -> SurveyRound:
    """SUR-4: the results put up for residents, once the round is closed."""
    survey = _move(survey, RoundStatus.PUBLISHED, by=by, rule="SUR-4")
    survey.published_at, survey.published_by, survey.result_notice = timezone.now(), by, notice.strip()
    survey.save(update_fields=["status", "published_at", "published_by", "result_notice"])
    return survey


# -- distribution (SUR-2) -------------------------------------------------------------------


def _check_house(survey: SurveyRound, house: House) -> None:
    if house.project_id != survey.project_id:
        raise Http404


def _check_handing_out(survey: SurveyRound) -> None:
    if survey.status not in (RoundStatus.ANNOUNCED, RoundStatus.OPEN):
        raise DomainError(
            "round_not_distributing",
            _("调查“%(name)s”当前为“%(status)s”，不能发放问卷（SUR-2：公告后、截止前发放）")
            % {"name": survey.name, "status": survey.get_status_display()},
            field="round",
            rule="SUR-2",
        )


@transaction.atomic
def distribution_record(
    *, survey: SurveyRound, house: House, by, channel: str = Channel.PAPER, on: dt.date | None = None
) -> Distribution:
    """One questionnaire handed to a household (发放登记); a second time is refused."""
    scoping.require(by, Cap.SURVEY_ENTER, survey.project_id)
    _check_house(survey, house)
    survey = SurveyRound.objects.select_for_update().get(pk=survey.pk)
    _check_handing_out(survey)
    if Distribution.objects.filter(round=survey, house=house).exists():
        raise DomainError("already_distributed", _("%(house)s 已登记发放") % {"house": house.code}, field="house", rule="SUR-2")
    return Distribution.objects.create(
        project_id=survey.project_id,
        round=survey,
        house=house,
        channel=channel,
        distributed_on=on or timezone.localdate(),
        distributed_by=by,
    )


@transaction.atomic
def distribution_building(*, survey: SurveyRound, building: Building, by, on: dt.date | None = None) -> int:
    """Paper questionnaires handed to every household of a building not yet given one; the count."""
    scoping.require(by, Cap.SURVEY_ENTER, survey.project_id)
    if building.project_id != survey.project_id:
        raise Http404
    survey = SurveyRound.objects.select_for_update().get(pk=survey.pk)
    _check_handing_out(survey)
    done = set(Distribution.objects.filter(round=survey).values_list("house_id", flat=True))
    houses = [pk for pk in selectors.household_ids(survey.project_id, building_id=building.pk) if pk not in done]
    day = on or timezone.localdate()
    Distribution.objects.bulk_create(
        Distribution(project_id=survey.project_id, round=survey, house_id=pk, distributed_on=day, distributed_by=by)
        for pk in houses
    )
    return len(houses)


# -- responses ------------------------------------------------------------------------------


def _check_open(survey: SurveyRound) -> None:
    if not survey.accepts_answers:
        raise DomainError(
            "round_not_open",
            _("调查“%(name)s”当前为“%(status)s”，不再接受答卷（SUR-2）")
            % {"name": survey.name, "status": survey.get_status_display()},
            field="round",
            rule="SUR-2",
        )


def _clean_answers(survey: SurveyRound, answers: Mapping[int, object]) -> list[Answer]:
    """{question id: value (ratings 1–4, scores 1–5) or text} → unsaved Answer rows."""
    questions = {q.pk: q for q in survey.questionnaire.questions.all()}
    rows = []
    for key, raw in answers.items():
        question = questions.get(int(key))
        if question is None:
            raise DomainError("question_unknown", _("第 %(q)s 题不属于本问卷") % {"q": key}, field="answers")
        if raw in (None, ""):
            continue
        if question.kind == QuestionKind.TEXT:
            rows.append(Answer(question=question, text=str(raw).strip()))
            continue
        allowed = Rating.values if question.kind == QuestionKind.RATING else range(SCORE_MIN, SCORE_MAX + 1)
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = None
        if value not in allowed:
            hint = _("1 满意、2 较满意、3 一般、4 不满意") if question.kind == QuestionKind.RATING else _("1–5 分")
            raise DomainError(
                "answer_invalid",
                _("第 %(n)s 题“%(text)s”的答案无效，请填 %(hint)s")
                % {"n": question.position, "text": question.text, "hint": hint},
                field=f"q{question.pk}",
            )
        rows.append(Answer(question=question, value=value))
    if not any(row.value is not None for row in rows):
        raise DomainError("answers_empty", _("答卷没有任何评价，请至少填写一题"), field="answers")
    return rows


def _save_response(*, survey: SurveyRound, house: House, by, channel: str, answers, respondent_name: str) -> Response:
    survey = SurveyRound.objects.select_for_update().select_related("questionnaire").get(pk=survey.pk)
    _check_open(survey)
    rows = _clean_answers(survey, answers)
    if Response.objects.filter(round=survey, house=house).exists():
        raise DomainError(
            "response_exists",
            _("%(house)s 已提交过本次调查的答卷，每户每次调查只收一份") % {"house": house.code},
            field="house",
            rule="SUR-2",
        )
    try:
        with transaction.atomic():
            response = Response.objects.create(
                project_id=survey.project_id,
                round=survey,
                house=house,
                channel=channel,
                respondent_name=respondent_name.strip(),
                entered_by=by,
            )
    except IntegrityError:  # the same house saved at the same moment elsewhere
        raise DomainError(
            "response_exists", _("%(house)s 已提交过本次调查的答卷") % {"house": house.code}, field="house", rule="SUR-2"
        ) from None
    for row in rows:
        row.response = response
    Answer.objects.bulk_create(rows)
    Distribution.objects.get_or_create(
        round=survey,
        house=house,
        defaults={
            "project_id": survey.project_id,
            "channel": channel,
            "distributed_on": timezone.localdate(),
            "distributed_by": by,
        },
    )
    return response


@transaction.atomic
def response_enter(
    *, survey: SurveyRound, house: House, by, answers: Mapping[int, object], respondent_name: str = ""
) -> Response:
    """A paper questionnaire typed in by staff. A house not yet registered as handed out
    is registered now (the paper came back, so it was handed out)."""
    scoping.require(by, Cap.SURVEY_ENTER, survey.project_id)
    _check_house(survey, house)
    return _save_response(
        survey=survey, house=house, by=by, channel=Channel.PAPER, answers=answers, respondent_name=respondent_name
    )


@transaction.atomic
def response_submit(*, survey: SurveyRound, house: House, by, answers: Mapping[int, object]) -> Response:
    """A resident answering online for a house their account is bound to (an active
    occupancy); any other house is "not found"."""
    if house.pk not in scoping.resident_house_ids(by):
        raise Http404
    _check_house(survey, house)
    return _save_response(survey=survey, house=house, by=by, channel=Channel.ONLINE, answers=answers, respondent_name=str(by))


# -- rectification (SUR-4) ------------------------------------------------------------------


@transaction.atomic
def rectification_write(
    *,
    survey: SurveyRound,
    by,
    issue: str,
    measures: str,
    prevention: str,
    reply: str,
    question: Question | None = None,
    department: str = "",
) -> Rectification:
    """The reply to an unsatisfied item (客户意见回复表), written after the round closed."""
    scoping.require(by, Cap.SURVEY_MANAGE, survey.project_id)
    survey = SurveyRound.objects.get(pk=survey.pk)  # the status as it stands now
    if survey.status not in (RoundStatus.CLOSED, RoundStatus.PUBLISHED):
        raise DomainError("round_not_closed", _("调查截止后才能填写整改回复（SUR-4）"), field="round", rule="SUR-4")
    if question is not None:
        if question.questionnaire_id != survey.questionnaire_id:
            raise DomainError("question_unknown", _("该题不属于本次调查的问卷"), field="question", rule="SUR-4")
        department = department or question.department
    if department not in Department.values:
        raise DomainError("department_invalid", _("请选择责任部门（SUR-4）"), field="department", rule="SUR-4")
    fields = {"issue": issue, "measures": measures, "prevention": prevention, "reply": reply}
    labels = {"issue": _("不满意事项"), "measures": _("整改措施"), "prevention": _("预防措施"), "reply": _("书面回复")}
    for name, value in fields.items():
        if not (value or "").strip():
            raise DomainError(
                f"{name}_required", _("请填写%(label)s（SUR-4）") % {"label": labels[name]}, field=name, rule="SUR-4"
            )
    return Rectification.objects.create(
        project_id=survey.project_id,
        round=survey,
        question=question,
        department=department,
        written_by=by,
        **{name: value.strip() for name, value in fields.items()},
    )


@transaction.atomic
def rectification_approve(*, rectification: Rectification, by, note: str = "") -> Rectification:
    """SUR-4: the PM approves the reply; never the person who wrote it."""
    scoping.require(by, Cap.SURVEY_APPROVE, rectification.project_id)
    rectification = Rectification.objects.select_for_update().get(pk=rectification.pk)
    if rectification.status != RectificationStatus.DRAFT:
        raise DomainError("already_approved", _("该整改回复已批准"), field="status", rule="SUR-4")
    if rectification.written_by_id == by.pk:
        raise DomainError(
            "approver_is_writer",
            _("审批人不能是整改回复的填写人，须由另一人（项目经理）批准（SUR-4）"),
            field="approved_by",
            rule="SUR-4",
        )
    rectification.status = RectificationStatus.APPROVED
    rectification.approved_by, rectification.approved_at, rectification.approval_note = by, timezone.now(), note.strip()
    rectification.save(update_fields=["status", "approved_by", "approved_at", "approval_note"])
    return rectification
