"""Survey pages (满意度调查, SUR-1…4): the round list and a round's live progress per
building, the questionnaire builder, fast paper-answer entry, results with the printable
满意度调查统计表 and Excel, rectification replies with the PM's approval, and the
resident's pages (answer online, published results). Thin: access through the one
scoping door, every rule in surveys.services and surveys.selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.console import render_page, selected_project_ids
from propdesk.core.errors import DomainError
from propdesk.core.excel import xlsx_response
from propdesk.estate.housecode import parse_house_code
from propdesk.estate.models import Building, House, Project
from propdesk.surveys import selectors, services
from propdesk.surveys.choices import Department, QuestionKind, RectificationStatus, RoundStatus, options
from propdesk.surveys.forms import QuestionForm, RectificationForm, RoundForm
from propdesk.surveys.models import Question, Questionnaire, Rectification, SurveyRound

ROUND_ROWS = 60


def access_round(user, pk: int, cap: Cap = Cap.SURVEY_VIEW) -> SurveyRound:
    """The one door to a round: 404 for missing and for another project's round alike."""
    return scoping.access(SurveyRound.objects.select_related("project", "questionnaire"), user, cap, pk=pk)


def access_questionnaire(user, pk: int) -> Questionnaire:
    """A project questionnaire of the user's projects, or a company template (read by
    every survey manager; changed only company-wide, see services)."""
    visible = scoping.visible_project_ids(user, Cap.SURVEY_MANAGE)
    if not visible:
        raise Http404
    found = Questionnaire.objects.filter(pk=pk).select_related("project").first()
    if found is None or (found.project_id is not None and found.project_id not in visible):
        raise Http404
    return found


def _projects(request, cap: Cap) -> frozenset[int]:
    project_ids = selected_project_ids(request, cap)
    if not project_ids:
        raise Http404
    return project_ids


def _error(request, exc: DomainError) -> None:
    messages.error(request, exc.message)


# -- rounds ---------------------------------------------------------------------------------


@login_required
def rounds(request):
    """满意度调查: every round of the selected projects with its live totals; a new round."""
    project_ids = _projects(request, Cap.SURVEY_VIEW)
    manage_ids = [pid for pid in project_ids if scoping.has_cap(request.user, Cap.SURVEY_MANAGE, pid)]
    projects = list(Project.objects.filter(pk__in=manage_ids).order_by("code"))
    questionnaires = Questionnaire.objects.filter(project__in=manage_ids) | Questionnaire.objects.filter(project__isnull=True)
    form = RoundForm(request.POST or None, projects=projects, questionnaires=questionnaires.select_related("project"))
    if request.method == "POST":
        if not projects:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                survey = services.round_create(
                    project=data["project"],
                    questionnaire=data["questionnaire"],
                    by=request.user,
                    name=data["name"],
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                )
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("已新建调查“%(name)s”") % {"name": survey.name})
                return redirect("surveys:round", survey.pk)
    listed = list(SurveyRound.objects.filter(project_id__in=project_ids).select_related("project")[:ROUND_ROWS])
    totals = selectors.progress_totals(listed)
    rows = [(survey, totals[survey.pk]) for survey in listed]
    schedules = [(p, services.schedule_of(p)) for p in projects]
    context = {"rows": rows, "form": form if projects else None, "schedules": schedules}
    return render_page(request, "surveys/rounds.html", context, status=400 if form.errors else 200)


@login_required
def round_detail(request, pk: int):
    """One round: status and actions, live progress per building (the htmx fragment polls)."""
    survey = access_round(request.user, pk)
    user = request.user
    context = {
        "survey": survey,
        "progress": selectors.progress(survey),
        "may_manage": scoping.has_cap(user, Cap.SURVEY_MANAGE, survey.project_id),
        "may_enter": scoping.has_cap(user, Cap.SURVEY_ENTER, survey.project_id),
        "buildings": Building.objects.filter(project_id=survey.project_id).order_by("number"),
        "S": RoundStatus,
    }
    return render_page(request, "surveys/round.html", context, fragment="surveys/_progress.html")


@login_required
@require_POST
def round_action(request, pk: int, action: str):
    """announce / open / close / publish (SUR-2, SUR-4)."""
    survey = access_round(request.user, pk, Cap.SURVEY_MANAGE)
    try:
        if action == "announce":
            services.round_announce(survey=survey, by=request.user, announcement=request.POST.get("announcement", ""))
        elif action == "open":
            services.round_open(survey=survey, by=request.user)
        elif action == "close":
            services.round_close(survey=survey, by=request.user)
        elif action == "publish":
            services.round_publish(survey=survey, by=request.user, notice=request.POST.get("notice", ""))
        else:
            raise Http404
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("已更新调查状态"))
    return redirect("surveys:round", survey.pk)


@login_required
@require_POST
def distribute(request, pk: int):
    """Register paper questionnaires handed out: a whole building, or one house code."""
    survey = access_round(request.user, pk, Cap.SURVEY_ENTER)
    try:
        building_id = request.POST.get("building", "")
        if building_id.isdigit():
            building = scoping.access(Building.objects.all(), request.user, Cap.SURVEY_ENTER, pk=int(building_id))
            count = services.distribution_building(survey=survey, building=building, by=request.user)
            messages.success(request, _("已登记发放 %(n)s 户") % {"n": count})
        else:
            house = _house_by_code(survey, request.POST.get("house", ""))
            services.distribution_record(survey=survey, house=house, by=request.user)
            messages.success(request, _("已登记发放 %(house)s") % {"house": house.code})
    except DomainError as exc:
        _error(request, exc)
    return redirect("surveys:round", survey.pk)


def _house_by_code(survey: SurveyRound, text: str) -> House:
    code = parse_house_code((text or "").strip())
    house = House.objects.filter(project_id=survey.project_id, code=str(code)).first() if code else None
    if house is None:
        raise DomainError(
            "house_unknown", _("房号“%(code)s”在本项目中不存在，请按 楼-单元-房号 输入") % {"code": text}, field="house"
        )
    return house


# -- paper entry ----------------------------------------------------------------------------


def _answers_from(post, questions) -> dict[int, str]:
    return {q.pk: post.get(f"q{q.pk}", "").strip() for q in questions}


@login_required
def entry(request, pk: int):
    """Fast paper-answer entry: the house code, then one digit per question (1 满意 … 4
    不满意, or the 1–5 score), Enter saves and the form comes back empty for the next house."""
    survey = access_round(request.user, pk, Cap.SURVEY_ENTER)
    questions = list(survey.questionnaire.questions.order_by("position", "id"))
    error, values, status = None, {}, 200
    if request.method == "POST":
        values = _answers_from(request.POST, questions)
        values["house"] = request.POST.get("house", "")
        values["respondent"] = request.POST.get("respondent", "")
        try:
            house = _house_by_code(survey, values["house"])
            services.response_enter(
                survey=survey,
                house=house,
                by=request.user,
                answers={q.pk: values[q.pk] for q in questions},
                respondent_name=values["respondent"],
            )
        except DomainError as exc:
            error, status = exc, 400
        else:
            messages.success(request, _("已录入 %(house)s") % {"house": house.code})
            return redirect("surveys:entry", survey.pk)
    rows = [(q, options(q.kind), values.get(q.pk, "")) for q in questions]
    total = selectors.progress(survey).total
    context = {"survey": survey, "rows": rows, "error": error, "values": values, "total": total}
    return render_page(request, "surveys/entry.html", context, status=status)


# -- results (SUR-3, SUR-4) -----------------------------------------------------------------

EXPORT_HEADERS = ("序号", "部门", "题目", "满意", "较满意", "一般", "不满意", "有效答卷", "满意率(%)", "得分")


def _export_rows(table):
    for r in table.questions:
        if r.question.kind == QuestionKind.TEXT:
            continue
        counts = [n for _v, _l, n in r.counts]
        if r.question.kind == QuestionKind.SCORE:  # 5,4 → satisfied/fairly; 3; 2,1 → unsatisfied
            counts = [counts[0], counts[1], counts[2], counts[3] + counts[4]]
        yield (
            r.question.position,
            r.question.get_department_display(),
            r.question.text,
            *counts,
            r.answered,
            r.satisfaction_rate,
            r.score,
        )
    for d in table.departments:
        yield ("", d.label, _("部门合计"), "", "", "", d.unsatisfied, d.answered, d.satisfaction_rate, d.score)


@login_required
def results(request, pk: int):
    """Results per question and per department (SUR-3); print and Excel; the unsatisfied
    items with their rectification replies (SUR-4)."""
    survey = access_round(request.user, pk)
    table = selectors.tabulate(survey)
    if request.GET.get("export") == "xlsx":
        scoping.require(request.user, Cap.DATA_EXPORT, survey.project_id)
        return xlsx_response(f"满意度调查统计表-{survey.name}.xlsx", "满意度调查统计表", EXPORT_HEADERS, _export_rows(table))
    context = {
        "survey": survey,
        "table": table,
        "progress": selectors.progress(survey),
        "rectifications": survey.rectifications.select_related("question", "written_by", "approved_by"),
        "may_manage": scoping.has_cap(request.user, Cap.SURVEY_MANAGE, survey.project_id),
        "may_export": scoping.has_cap(request.user, Cap.DATA_EXPORT, survey.project_id),
    }
    template = "surveys/print.html" if request.GET.get("print") else "surveys/results.html"
    return render_page(request, template, context)


# -- rectifications (SUR-4) -----------------------------------------------------------------


@login_required
def rectifications(request):
    """整改回复: the replies of the selected projects, those awaiting approval first."""
    project_ids = _projects(request, Cap.SURVEY_VIEW)
    rows = (
        Rectification.objects.filter(project_id__in=project_ids)
        .select_related("round", "question", "written_by", "approved_by", "project")
        .order_by("-status", "-written_at")[:200]
    )
    approvable = {pid for pid in project_ids if scoping.has_cap(request.user, Cap.SURVEY_APPROVE, pid)}
    return render_page(
        request, "surveys/rectifications.html", {"rows": rows, "approvable": approvable, "DRAFT": RectificationStatus.DRAFT}
    )


@login_required
def rectification_new(request, pk: int):
    survey = access_round(request.user, pk, Cap.SURVEY_MANAGE)
    questions = survey.questionnaire.questions.exclude(kind=QuestionKind.TEXT).order_by("position")
    initial = {}
    if request.GET.get("question", "").isdigit():
        initial["question"] = int(request.GET["question"])
    form = RectificationForm(request.POST or None, questions=questions, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.rectification_write(survey=survey, by=request.user, **data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("整改回复已提交，待项目经理批准"))
            return redirect("surveys:results", survey.pk)
    return render_page(
        request, "surveys/rectification_form.html", {"survey": survey, "form": form}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def rectification_approve(request, pk: int):
    rectification = scoping.access(Rectification.objects.all(), request.user, Cap.SURVEY_APPROVE, pk=pk)
    try:
        services.rectification_approve(rectification=rectification, by=request.user, note=request.POST.get("note", ""))
    except DomainError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("已批准整改回复"))
    return redirect("surveys:rectifications")


# -- questionnaire builder ------------------------------------------------------------------


@login_required
def questionnaires(request):
    """调查问卷: company templates and the projects' questionnaires; new, copy."""
    project_ids = _projects(request, Cap.SURVEY_MANAGE)
    projects = list(Project.objects.filter(pk__in=project_ids).order_by("code"))
    company_wide = Cap.SURVEY_MANAGE in scoping.project_caps(request.user).get(None, frozenset())
    if request.method == "POST":
        project_id = request.POST.get("project", "")
        project = next((p for p in projects if str(p.pk) == project_id), None)
        if project is None and not company_wide:
            raise Http404
        try:
            source_id = request.POST.get("copy_from", "")
            if source_id.isdigit():
                source = access_questionnaire(request.user, int(source_id))
                if project is None:
                    raise Http404
                made = services.questionnaire_copy(source=source, project=project, by=request.user)
            else:
                made = services.questionnaire_create(project=project, title=request.POST.get("title", ""), by=request.user)
        except DomainError as exc:
            _error(request, exc)
        else:
            return redirect("surveys:questionnaire", made.pk)
    rows = (
        Questionnaire.objects.filter(project__in=project_ids) | Questionnaire.objects.filter(project__isnull=True)
    ).select_related("project")
    context = {"rows": rows, "projects": projects, "company_wide": company_wide}
    return render_page(request, "surveys/questionnaires.html", context)


@login_required
def questionnaire(request, pk: int):
    """The builder: questions in order with add, edit, up/down and remove (htmx swaps the list)."""
    found = access_questionnaire(request.user, pk)
    form = QuestionForm(request.POST or None)
    if request.method == "POST":
        try:
            _builder_action(request, found, form)
        except DomainError as exc:
            _error(request, exc)
        if not request.htmx:
            return redirect("surveys:questionnaire", found.pk)
    questions = list(found.questions.order_by("position", "id"))
    locked = found.rounds.exclude(status=RoundStatus.DRAFT).exists()
    # a company template changes only company-wide (services); others may copy it
    read_only = found.project_id is None and Cap.SURVEY_MANAGE not in scoping.project_caps(request.user).get(None, frozenset())
    context = {
        "q": found,
        "questions": questions,
        "form": QuestionForm(),
        "locked": locked,
        "read_only": read_only,
        "departments": Department.choices,
    }
    return render_page(request, "surveys/questionnaire.html", context, fragment="surveys/_questions.html")


def _builder_action(request, found: Questionnaire, form: QuestionForm) -> None:
    op = request.POST.get("op", "add")
    if op == "add":
        if form.is_valid():
            services.question_add(questionnaire=found, by=request.user, **form.cleaned_data)
        else:
            raise DomainError("question_invalid", _("请填写题目、部门和题型"), field="text")
        return
    question = Question.objects.filter(questionnaire=found, pk=request.POST.get("question") or 0).first()
    if question is None:
        raise Http404
    if op in ("up", "down"):
        services.question_move(question=question, by=request.user, up=op == "up")
    elif op == "remove":
        services.question_remove(question=question, by=request.user)
    elif op == "edit" and form.is_valid():
        services.question_update(question=question, by=request.user, **form.cleaned_data)
    else:
        raise Http404


# -- residents ------------------------------------------------------------------------------


def _resident(request) -> frozenset[int]:
    if not request.user.is_resident:
        raise Http404
    return scoping.resident_house_ids(request.user)


@login_required
def mine(request):
    """The resident's surveys: open rounds to answer for their houses; published results."""
    house_ids = _resident(request)
    project_ids = set(House.objects.filter(pk__in=house_ids).values_list("project_id", flat=True))
    published = SurveyRound.objects.filter(project__in=project_ids, status=RoundStatus.PUBLISHED).select_related("project")
    context = {"open_rounds": selectors.resident_open_rounds(house_ids), "published": published}
    return render_page(request, "surveys/mine.html", context)


@login_required
def answer(request, pk: int, house_pk: int):
    """Answer online for one of the resident's houses (one response per house)."""
    house_ids = _resident(request)
    if house_pk not in house_ids:
        raise Http404
    house = House.objects.get(pk=house_pk)
    survey = SurveyRound.objects.filter(pk=pk, project_id=house.project_id).select_related("questionnaire").first()
    if survey is None or survey.status in (RoundStatus.DRAFT, RoundStatus.ANNOUNCED):
        raise Http404
    questions = list(survey.questionnaire.questions.order_by("position", "id"))
    error, values, status = None, {}, 200
    if request.method == "POST":
        values = _answers_from(request.POST, questions)
        try:
            services.response_submit(survey=survey, house=house, by=request.user, answers=values)
        except DomainError as exc:
            error, status = exc, 400
        else:
            messages.success(request, _("感谢您的参与，答卷已提交"))
            return redirect("surveys:mine")
    rows = [(q, options(q.kind), values.get(q.pk, "")) for q in questions]
    context = {"survey": survey, "house": house, "rows": rows, "error": error}
    return render_page(request, "surveys/answer.html", context, status=status)


@login_required
def published(request, pk: int):
    """The published results of a round of the resident's project, with the approved replies (SUR-4)."""
    house_ids = _resident(request)
    project_ids = set(House.objects.filter(pk__in=house_ids).values_list("project_id", flat=True))
    survey = SurveyRound.objects.filter(pk=pk, project__in=project_ids, status=RoundStatus.PUBLISHED).first()
    if survey is None:
        raise Http404
    replies = survey.rectifications.filter(status=RectificationStatus.APPROVED).select_related("question")
    context = {"survey": survey, "table": selectors.tabulate(survey), "replies": replies}
    return render_page(request, "surveys/published.html", context)
