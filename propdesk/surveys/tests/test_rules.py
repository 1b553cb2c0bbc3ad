"""The survey rules SUR-1…4, one test each (and their edges): schedule presets, announce
before opening and the distribution / return targets, the tabulation against a hand
count, publishing and the PM's approval of rectification replies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from propdesk.core.errors import DomainError
from propdesk.estate.services import house_create
from propdesk.residents.services import occupant_register
from propdesk.surveys import presets, selectors, services
from propdesk.surveys.choices import RoundStatus, SchedulePreset
from propdesk.surveys.models import Response

from .conftest import make_round, qs

pytestmark = pytest.mark.django_db


def _households(world, count: int, building: str = "5"):
    houses = []
    for index in range(count):
        house = house_create(
            project=world.project_a,
            building_number=building,
            entrance_number="1",
            room=f"{index + 1:02d}01",
            floor=index + 1,
            area=Decimal("80"),
        )
        occupant_register(house=house, person_data={"name": f"住户{index}"}, role="owner", start_date=dt.date(2024, 1, 1))
        houses.append(house)
    return houses


def test_sur1_presets_give_the_half_year_and_quarterly_windows():
    assert presets.windows_in_year(SchedulePreset.HALF_YEARLY, 2026) == [
        (dt.date(2026, 1, 15), dt.date(2026, 1, 30)),
        (dt.date(2026, 7, 1), dt.date(2026, 7, 15)),
    ]
    assert len(presets.windows_in_year(SchedulePreset.QUARTERLY, 2026)) == 4
    # the window running today, else the next one (into next year)
    assert presets.next_window(SchedulePreset.HALF_YEARLY, dt.date(2026, 7, 10)) == (dt.date(2026, 7, 1), dt.date(2026, 7, 15))
    assert presets.next_window(SchedulePreset.HALF_YEARLY, dt.date(2026, 7, 16)) == (dt.date(2027, 1, 15), dt.date(2027, 1, 30))
    with pytest.raises(DomainError) as bad:
        presets.check_windows([["07-15", "07-01"]])
    assert bad.value.rule == "SUR-1"


def test_sur1_round_period_comes_from_the_project_schedule(world, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a: dt.date(2026, 5, 20))
    manager = world.users[("manager", "a")]
    survey = make_round(world, world.project_a, status="draft")
    assert (survey.period_start, survey.period_end) == (dt.date(2026, 7, 1), dt.date(2026, 7, 15))
    services.schedule_set(project=world.project_a, by=manager, preset=SchedulePreset.QUARTERLY)
    survey = services.round_create(project=world.project_a, questionnaire=survey.questionnaire, by=manager)
    assert (survey.period_start, survey.period_end) == (dt.date(2026, 6, 1), dt.date(2026, 6, 15))
    services.schedule_set(project=world.project_a, by=manager, preset=SchedulePreset.CUSTOM, windows=[["10-08", "10-20"]])
    survey = services.round_create(project=world.project_a, questionnaire=survey.questionnaire, by=manager)
    assert (survey.period_start, survey.preset) == (dt.date(2026, 10, 8), SchedulePreset.CUSTOM)
    with pytest.raises(DomainError):
        services.schedule_set(project=world.project_a, by=manager, preset=SchedulePreset.CUSTOM, windows=[])


def test_sur2_a_round_opens_only_after_its_announcement(world):
    manager = world.users[("manager", "a")]
    survey = make_round(world, world.project_a, status="draft")
    with pytest.raises(DomainError) as refused:
        services.round_open(survey=survey, by=manager)
    assert refused.value.code == "round_not_announced" and refused.value.rule == "SUR-2"
    with pytest.raises(DomainError):
        services.round_announce(survey=survey, by=manager, announcement="  ")
    services.round_announce(survey=survey, by=manager, announcement="下周开展满意度调查")
    assert services.round_open(survey=survey, by=manager).status == RoundStatus.OPEN


def test_sur2_distribution_and_return_rates_per_building_against_the_targets(world):
    manager = world.users[("manager", "a")]
    houses = _households(world, 10)
    survey = make_round(world, world.project_a)
    q = qs(survey)
    for house in houses[:6]:
        services.distribution_record(survey=survey, house=house, by=world.assistant)
    for house in houses[:2]:
        services.response_enter(survey=survey, house=house, by=world.assistant, answers={q[0].pk: 1})
    row = next(r for r in selectors.progress(survey).rows if r.label.startswith("5"))
    assert (row.households, row.distributed, row.returned) == (10, 6, 2)
    assert row.distribution_rate == Decimal("60.0") and row.distribution_met  # ≥ 60 %
    assert row.return_rate == Decimal("33.3") and not row.return_met  # < 50 % of those handed out
    services.response_enter(survey=survey, house=houses[2], by=world.assistant, answers={q[0].pk: 2})
    row = next(r for r in selectors.progress(survey).rows if r.label.startswith("5"))
    assert row.return_rate == Decimal("50.0") and row.return_met
    total = selectors.progress(survey).total
    assert total.households == 11  # with 3-2-1201 of the base world
    # a building handed out at once: only the households not yet given one
    assert services.distribution_building(survey=survey, building=houses[0].building, by=manager) == 4


def test_sur2_closed_round_refuses_answers_in_chinese(rounds):
    manager = rounds.users[("manager", "a")]
    services.round_close(survey=rounds.round_a, by=manager)
    with pytest.raises(DomainError) as refused:
        services.response_enter(
            survey=rounds.round_a, house=rounds.house_a, by=rounds.assistant, answers={qs(rounds.round_a)[0].pk: 1}
        )
    assert refused.value.code == "round_not_open" and "不再接受答卷" in refused.value.message and refused.value.rule == "SUR-2"
    with pytest.raises(DomainError):
        services.distribution_record(survey=rounds.round_a, house=rounds.house_a, by=rounds.assistant)


def test_one_response_per_house_per_round(rounds):
    q = qs(rounds.round_a)
    services.response_enter(survey=rounds.round_a, house=rounds.house_a, by=rounds.assistant, answers={q[0].pk: 1})
    with pytest.raises(DomainError) as refused:
        services.response_enter(survey=rounds.round_a, house=rounds.house_a, by=rounds.supervisor, answers={q[0].pk: 4})
    assert refused.value.code == "response_exists"
    with pytest.raises(DomainError):  # online, by the resident of that house
        services.response_submit(survey=rounds.round_a, house=rounds.house_a, by=rounds.resident_user, answers={q[0].pk: 2})
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database says so too
        Response.objects.create(
            project=rounds.project_a, round=rounds.round_a, house=rounds.house_a, channel="paper", entered_by=rounds.assistant
        )


def test_answers_are_checked_per_kind(rounds):
    q = qs(rounds.round_a)
    for bad in ({q[0].pk: 5}, {q[2].pk: 0}, {q[3].pk: "只写了意见"}):
        with pytest.raises(DomainError):
            services.response_enter(survey=rounds.round_a, house=rounds.house_a, by=rounds.assistant, answers=bad)
    assert not Response.objects.exists()


def test_sur3_tabulation_equals_the_hand_count(world):
    houses = _households(world, 6)
    survey = make_round(world, world.project_a)
    service, security, cleaning, remarks = qs(survey)
    papers = [  # (客服, 治安, 保洁 1–5, 意见)
        (1, 1, 5, ""),
        (1, 2, 4, "电梯常坏"),
        (2, 4, 3, ""),
        (3, 4, 2, "夜间巡逻少"),
        (4, 1, 5, ""),
        (1, None, 1, ""),
    ]
    for house, (a, b, c, text) in zip(houses, papers, strict=True):
        answers = {service.pk: a, security.pk: b, cleaning.pk: c, remarks.pk: text}
        services.response_enter(survey=survey, house=house, by=world.assistant, answers=answers)
    table = selectors.tabulate(survey)
    by_q = {r.question.pk: r for r in table.questions}
    # 客服: 满意 3, 较满意 1, 一般 1, 不满意 1 → satisfied 4/6; points 3×100+80+60+0 = 440
    assert [n for _v, _l, n in by_q[service.pk].counts] == [3, 1, 1, 1]
    assert by_q[service.pk].satisfaction_rate == Decimal("66.7") and by_q[service.pk].score == Decimal("73.3")
    # 治安: 2 满意, 1 较满意, 2 不满意, one left blank → 5 answered; (2×100 + 80)/5 = 56
    assert by_q[security.pk].answered == 5 and by_q[security.pk].unsatisfied == 2 and by_q[security.pk].score == Decimal("56.0")
    # 保洁 (5..1): 5,4,3,2,5,1 → 5:2 4:1 3:1 2:1 1:1; satisfied (4–5) 3/6; points (100+80+60+40+100+20)/6 = 66.7
    assert [n for _v, _l, n in by_q[cleaning.pk].counts] == [2, 1, 1, 1, 1]
    assert by_q[cleaning.pk].satisfaction_rate == Decimal("50.0") and by_q[cleaning.pk].score == Decimal("66.7")
    assert sorted(by_q[remarks.pk].texts) == sorted(["电梯常坏", "夜间巡逻少"])
    departments = {d.department: d for d in table.departments}
    # 客服部: only the rating question counts (free text has no score)
    assert departments["customer_service"].score == Decimal("73.3") and departments["customer_service"].questions == 1
    assert departments["security"].satisfaction_rate == Decimal("60.0")
    assert table.responses == 6
    assert {r.question.pk for r in table.unsatisfied_items} == {service.pk, security.pk, cleaning.pk}


def test_sur4_publish_only_after_closing_and_rectification_approved_by_another(rounds):
    manager, supervisor = rounds.users[("manager", "a")], rounds.supervisor
    survey = rounds.round_a
    q = qs(survey)
    services.response_enter(survey=survey, house=rounds.house_a, by=rounds.assistant, answers={q[1].pk: 4})
    with pytest.raises(DomainError) as early:
        services.round_publish(survey=survey, by=manager)
    assert early.value.rule == "SUR-4"
    with pytest.raises(DomainError):  # replies after the round closed
        services.rectification_write(
            survey=survey, by=supervisor, question=q[1], issue="x", measures="x", prevention="x", reply="x"
        )
    survey = services.round_close(survey=survey, by=manager)
    with pytest.raises(DomainError) as missing:
        services.rectification_write(
            survey=survey, by=supervisor, question=q[1], issue="夜间巡逻少", measures="", prevention="x", reply="x"
        )
    assert missing.value.field == "measures"
    reply = services.rectification_write(
        survey=survey,
        by=supervisor,
        question=q[1],
        issue="夜间巡逻少",
        measures="夜班增加两次巡逻",
        prevention="巡逻签到纳入考核",
        reply="已增加夜间巡逻频次",
    )
    assert reply.department == "security"
    own = services.rectification_write(
        survey=survey, by=manager, department="cleaning", issue="x", measures="x", prevention="x", reply="x"
    )
    with pytest.raises(DomainError) as self_approval:
        services.rectification_approve(rectification=own, by=manager)
    assert self_approval.value.code == "approver_is_writer"
    approved = services.rectification_approve(rectification=reply, by=manager, note="同意")
    assert approved.status == "approved" and approved.approved_by == manager
    with pytest.raises(DomainError):
        services.rectification_approve(rectification=reply, by=manager)
    published = services.round_publish(survey=survey, by=manager, notice="本次调查满意率 …")
    assert published.status == RoundStatus.PUBLISHED and published.published_at is not None


def test_questionnaire_is_frozen_once_announced_and_a_template_is_copied(rounds):
    manager = rounds.users[("manager", "a")]
    with pytest.raises(DomainError) as frozen:
        services.question_add(
            questionnaire=rounds.round_a.questionnaire, department="cleaning", text="x", kind="rating", by=manager
        )
    assert frozen.value.code == "questionnaire_in_use"
    admin = rounds.users[("admin", "*")]
    template = services.questionnaire_create(project=None, title="公司模板", by=admin)
    services.question_add(questionnaire=template, department="engineering", text="维修及时性", kind="rating", by=admin)
    services.question_add(questionnaire=template, department="landscaping", text="绿化养护", kind="score", by=admin)
    second = services.question_add(questionnaire=template, department="security", text="门岗", kind="rating", by=admin)
    services.question_move(question=second, by=admin, up=True)
    assert [q.text for q in template.questions.order_by("position")] == ["维修及时性", "门岗", "绿化养护"]
    survey = services.round_create(project=rounds.project_a, questionnaire=template, by=manager)
    assert survey.questionnaire.project == rounds.project_a and survey.questionnaire.copied_from == template
    assert [q.text for q in qs(survey)] == ["维修及时性", "门岗", "绿化养护"]
    from django.http import Http404

    with pytest.raises(Http404):  # a project PM may not change the company template
        services.question_add(questionnaire=template, department="security", text="x", kind="rating", by=manager)
