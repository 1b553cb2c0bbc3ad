"""Survey test fixtures: a questionnaire (two rating questions for customer service and
security, one 1–5 score for cleaning, one free text) and an open round in each project."""

from __future__ import annotations

import pytest

from propdesk.surveys import services


def make_round(world, project, *, status="open"):
    manager = world.users[("manager", project.code)]
    questionnaire = services.questionnaire_create(project=project, title="2026 年满意度调查表", by=manager)
    for department, text, kind in (
        ("customer_service", "客服人员服务态度", "rating"),
        ("security", "小区治安与门岗", "rating"),
        ("cleaning", "公共区域保洁", "score"),
        ("customer_service", "其他意见和建议", "text"),
    ):
        services.question_add(questionnaire=questionnaire, department=department, text=text, kind=kind, by=manager)
    survey = services.round_create(project=project, questionnaire=questionnaire, by=manager)
    if status in ("announced", "open", "closed", "published"):
        services.round_announce(survey=survey, by=manager, announcement="7 月 1 日起开展满意度调查，请支持")
    if status in ("open", "closed", "published"):
        services.round_open(survey=survey, by=manager)
    survey.refresh_from_db()
    return survey


def qs(survey):
    """The round's questions in order."""
    return list(survey.questionnaire.questions.order_by("position"))


@pytest.fixture
def rounds(world):
    """An open round in project a and in project b."""
    world.round_a = make_round(world, world.project_a)
    world.round_b = make_round(world, world.project_b)
    return world
