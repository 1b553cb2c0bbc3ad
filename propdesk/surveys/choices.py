"""Survey choices, declared once: question kinds and their answer scales, the schedule
presets (SUR-1), round status (SUR-2/4), channels and rectification status."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from propdesk.desk.choices import Department

__all__ = ["Channel", "Department", "QuestionKind", "RectificationStatus", "RoundStatus", "SchedulePreset"]


class QuestionKind(models.TextChoices):
    RATING = "rating", _("满意度（满意/较满意/一般/不满意）")
    SCORE = "score", _("评分（1–5 分）")
    TEXT = "text", _("文字意见")


class Rating(models.IntegerChoices):
    """The four-step scale of the paper form (满意度调查表); the value is what staff type."""

    SATISFIED = 1, _("满意")
    FAIRLY = 2, _("较满意")
    AVERAGE = 3, _("一般")
    UNSATISFIED = 4, _("不满意")


# Points out of 100 each answer is worth in the department score (SUR-3).
RATING_POINTS = {Rating.SATISFIED: 100, Rating.FAIRLY: 80, Rating.AVERAGE: 60, Rating.UNSATISFIED: 0}
SCORE_MIN, SCORE_MAX = 1, 5
SCORE_POINTS = {score: score * 20 for score in range(SCORE_MIN, SCORE_MAX + 1)}
# What counts as satisfied (the satisfaction rate) and as unsatisfied (an item for
# rectification, SUR-4), per kind.
SATISFIED = {QuestionKind.RATING: {Rating.SATISFIED, Rating.FAIRLY}, QuestionKind.SCORE: {4, 5}}
UNSATISFIED = {QuestionKind.RATING: {Rating.UNSATISFIED}, QuestionKind.SCORE: {1, 2}}


def options(kind: str) -> list[tuple[int, str]]:
    """(value, label) of the answers a question of `kind` takes, in the order staff type them."""
    if kind == QuestionKind.RATING:
        return [(r.value, str(r.label)) for r in Rating]
    if kind == QuestionKind.SCORE:
        return [(score, _("%(n)s分") % {"n": score}) for score in range(SCORE_MAX, SCORE_MIN - 1, -1)]
    return []


class SchedulePreset(models.TextChoices):
    """When rounds run (SUR-1). Both seed variants ship; a project picks one and may
    override the windows."""

    HALF_YEARLY = "half_yearly", _("每半年（1月15–30日、7月1–15日）")
    QUARTERLY = "quarterly", _("每季度（3、6、9、12月1–15日）")
    CUSTOM = "custom", _("自定义")


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ANNOUNCED = "announced", _("已公告")
    OPEN = "open", _("调查中")
    CLOSED = "closed", _("已截止")
    PUBLISHED = "published", _("结果已公布")


# The only moves a round makes (SUR-2: announced before it opens; SUR-4: published after closing).
ROUND_MOVES: dict[str, frozenset[str]] = {
    RoundStatus.DRAFT: frozenset({RoundStatus.ANNOUNCED}),
    RoundStatus.ANNOUNCED: frozenset({RoundStatus.OPEN}),
    RoundStatus.OPEN: frozenset({RoundStatus.CLOSED}),
    RoundStatus.CLOSED: frozenset({RoundStatus.PUBLISHED}),
    RoundStatus.PUBLISHED: frozenset(),
}
ROUND_COLOURS = {
    RoundStatus.DRAFT: "#9e9e9e",
    RoundStatus.ANNOUNCED: "#1976d2",
    RoundStatus.OPEN: "#2e7d32",
    RoundStatus.CLOSED: "#ef6c00",
    RoundStatus.PUBLISHED: "#6a1b9a",
}


class Channel(models.TextChoices):
    PAPER = "paper", _("纸质")
    ONLINE = "online", _("线上")


class RectificationStatus(models.TextChoices):
    DRAFT = "draft", _("待审批")
    APPROVED = "approved", _("已批准")
