"""Demo surveys (small and default scales) for the first project (阳光花园), through the
survey services so the console shows real numbers:

- a company template questionnaire (公司模板) with questions per department, copied into
  the project;
- this year's January round (15–30 January; last year's when January is still to come):
  announced, about 65% of households handed a paper form, about 55% of those typed back
  in, closed, two rectification replies (one approved by the PM), results published;
- a half-yearly round in progress (opened five days ago, ten days to go): about a third of
  the households handed out and some answers typed in, the resident demo login's house
  still to answer online.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from django.utils import timezone

from propdesk.accounts.models import User
from propdesk.accounts.roles import Role
from propdesk.core import scoping
from propdesk.estate.models import Project
from propdesk.surveys import selectors, services
from propdesk.surveys.choices import QuestionKind
from propdesk.surveys.models import Rectification, SurveyRound

QUESTIONS = (
    ("customer_service", "客服人员的服务态度", QuestionKind.RATING),
    ("customer_service", "报修、投诉处理的及时性", QuestionKind.RATING),
    ("security", "门岗值守与来访登记", QuestionKind.RATING),
    ("security", "小区夜间巡逻与治安", QuestionKind.RATING),
    ("cleaning", "楼道及公共区域保洁", QuestionKind.RATING),
    ("cleaning", "垃圾清运及时", QuestionKind.SCORE),
    ("landscaping", "绿化养护", QuestionKind.RATING),
    ("engineering", "电梯、水电等设施维护", QuestionKind.RATING),
    ("engineering", "维修质量", QuestionKind.SCORE),
    ("customer_service", "您对物业服务的其他意见和建议", QuestionKind.TEXT),
)
# Answer weights per question (满意, 较满意, 一般, 不满意) — security at night is the weak spot.
RATING_WEIGHTS = {"小区夜间巡逻与治安": (30, 30, 25, 15), "电梯、水电等设施维护": (35, 35, 20, 10)}
DEFAULT_WEIGHTS = (50, 32, 14, 4)
REMARKS = ("希望增加夜间巡逻", "电梯偶尔停运，请加强维护", "保洁阿姨很负责", "建议增加儿童游乐设施", "停车位紧张")


def _answers(rng: random.Random, questions) -> dict[int, object]:
    answers: dict[int, object] = {}
    for question in questions:
        if question.kind == QuestionKind.RATING:
            answers[question.pk] = rng.choices((1, 2, 3, 4), weights=RATING_WEIGHTS.get(question.text, DEFAULT_WEIGHTS))[0]
        elif question.kind == QuestionKind.SCORE:
            answers[question.pk] = rng.choices((5, 4, 3, 2, 1), weights=(45, 30, 15, 7, 3))[0]
        elif rng.random() < 0.15:
            answers[question.pk] = rng.choice(REMARKS)
    return answers


def _hand_out_and_answer(rng, survey, houses, staff, *, share_out: float, share_back: float, skip=frozenset()) -> Counter:
    counts: Counter = Counter()
    questions = list(survey.questionnaire.questions.order_by("position"))
    handed = rng.sample(houses, round(len(houses) * share_out))
    for house in handed:
        services.distribution_record(survey=survey, house=house, by=staff, on=survey.period_start)
        counts["surveys.Distribution"] += 1
    answering = [h for h in handed if h.pk not in skip]
    for house in rng.sample(answering, min(len(answering), round(len(handed) * share_back))):
        services.response_enter(survey=survey, house=house, by=staff, answers=_answers(rng, questions))
        counts["surveys.Response"] += 1
    return counts


def _back_date(survey: SurveyRound, start: dt.date, end: dt.date | None) -> None:
    """Put the round's timestamps where the dates say (the services stamp 'now')."""
    at = lambda day, hour: dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())  # noqa: E731
    fields = {"created_at": at(start - dt.timedelta(days=10), 9), "announced_at": at(start - dt.timedelta(days=7), 10)}
    fields["opened_at"] = at(start, 8)
    if end is not None:
        fields.update(closed_at=at(end, 18), published_at=at(end + dt.timedelta(days=10), 10))
    SurveyRound.objects.filter(pk=survey.pk).update(**{k: v for k, v in fields.items() if getattr(survey, k) is not None})


def seed_surveys(*, projects: list[Project], staff: dict, rng: random.Random) -> Counter:
    """The template, a published January round and a round in progress for the first project."""
    counts: Counter = Counter()
    if not projects:
        return counts
    project = projects[0]
    admin = User.objects.filter(memberships__role=Role.ADMIN, memberships__project__isnull=True).order_by("pk").first()
    manager = staff.get(("manager", 0), admin)
    supervisor = staff.get(("supervisor", 0), admin)
    assistant = staff.get(("assistant", 0), supervisor)
    template = services.questionnaire_create(
        project=None,
        title="业主满意度调查表（公司模板）",
        by=admin,
        intro="尊敬的业主：为不断提高服务质量，请您对以下项目作出评价。",
    )
    for department, text, kind in QUESTIONS:
        services.question_add(questionnaire=template, department=department, text=text, kind=kind, by=admin)
    counts["surveys.Questionnaire"] += 1
    houses = list(selectors.households(project.pk).order_by("pk"))
    today = timezone.localdate()

    # January (SUR-1 preset): closed and published, with replies (SUR-4).
    year = today.year if today > dt.date(today.year, 2, 10) else today.year - 1
    start, end = dt.date(year, 1, 15), dt.date(year, 1, 30)
    january = services.round_create(
        project=project,
        questionnaire=template,
        by=supervisor,
        name=f"{year}年上半年满意度调查",
        period_start=start,
        period_end=end,
    )
    services.round_announce(
        survey=january, by=supervisor, announcement=f"定于 {year} 年 1 月 15 日至 30 日开展业主满意度书面调查，敬请支持。"
    )
    services.round_open(survey=january, by=supervisor)
    counts += _hand_out_and_answer(rng, january, houses, assistant, share_out=0.65, share_back=0.55)
    january = services.round_close(survey=january, by=supervisor)
    questions = {q.text: q for q in january.questionnaire.questions.all()}
    patrol = services.rectification_write(
        survey=january,
        by=supervisor,
        question=questions["小区夜间巡逻与治安"],
        issue="部分业主反映夜间巡逻次数少、单元门常开",
        measures="夜班巡逻由每晚 2 次增至 4 次，单元门闭门器全部检修",
        prevention="巡逻签到纳入秩序维护部月度考核，每周抽查单元门",
        reply="感谢您的意见。我们已增加夜间巡逻频次并检修全部单元门闭门器，欢迎继续监督。",
    )
    services.rectification_approve(rectification=patrol, by=manager, note="同意，请秩序维护部落实")
    services.rectification_write(
        survey=january,
        by=supervisor,
        question=questions["电梯、水电等设施维护"],
        issue="电梯偶有停运，维修等待时间长",
        measures="与电梯维保单位约定 30 分钟到场，更换 2 号楼老化门机",
        prevention="电梯月检记录公示，故障率纳入维保合同考核",
        reply="电梯维保响应时间已缩短，2 号楼门机已更换。",
    )
    counts["surveys.Rectification"] += 2
    services.round_publish(
        survey=january, by=manager, notice=f"{year} 年上半年满意度调查结果已统计，详见各部门满意率，不满意项整改回复另行公告。"
    )
    _back_date(SurveyRound.objects.get(pk=january.pk), start, end)
    written = dt.datetime.combine(end + dt.timedelta(days=5), dt.time(15), tzinfo=timezone.get_current_timezone())
    Rectification.objects.filter(round=january).update(written_at=written)
    Rectification.objects.filter(pk=patrol.pk).update(approved_at=written + dt.timedelta(days=2))

    # A half-yearly round in progress; the resident login's house answers online.
    resident_houses = frozenset().union(
        *(scoping.resident_house_ids(user) for user in User.objects.filter(kind=User.Kind.RESIDENT))
    )
    start = today - dt.timedelta(days=5)
    current = services.round_create(
        project=project,
        questionnaire=january.questionnaire,
        by=supervisor,
        name=f"{today.year}年下半年满意度调查",
        period_start=start,
        period_end=today + dt.timedelta(days=10),
    )
    services.round_announce(
        survey=current, by=supervisor, announcement="本次满意度调查可填写纸质问卷，也可在住户服务中在线填写。"
    )
    services.round_open(survey=current, by=supervisor)
    counts += _hand_out_and_answer(rng, current, houses, assistant, share_out=0.35, share_back=0.4, skip=resident_houses)
    _back_date(SurveyRound.objects.get(pk=current.pk), start, None)
    counts["surveys.SurveyRound"] += 2
    return counts
