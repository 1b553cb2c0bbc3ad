"""The KPI numbers (CMP-11, REP-9, OPS-4, DESK-1, VIS-4, VIS-2) on a month of varied data, and each
number equal to the rows its drill-down lists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from propdesk.reports import drilldown as drill
from propdesk.reports import selectors as s
from propdesk.reports.periods import Period, PeriodKind, mean
from propdesk.reports.tables import Num, report_tables
from propdesk.reports.tests.conftest import NOW

JUNE = Period.containing(PeriodKind.MONTH, dt.date(2026, 6, 15))


def _report(world, ids=None):
    return s.kpi_report(ids or {world.project_a.pk}, JUNE, now=NOW)


def test_ops4_contacts_by_type_channel_and_outcome(world, kpi):
    c = _report(world).contacts
    assert c.total == 6
    assert {r.key: r.count for r in c.by_channel if r.count} == {"phone": 4, "visit": 1, "online": 1}
    assert {r.key: r.count for r in c.by_outcome if r.count} == {"ticket": 3, "linked": 1, "answered": 2}
    assert {r.key: r.count for r in c.by_type if r.count} == {"complaint": 2, "repair": 2, s.NO_TICKET: 2}


def test_desk1_every_channel_is_listed_even_when_none_came(world, kpi):
    assert [r.key for r in _report(world).contacts.by_channel] == ["phone", "visit", "letter", "online", "staff", "patrol"]


def test_tickets_by_type_and_category_count_what_was_received_in_the_period(world, kpi):
    t = _report(world).tickets
    assert t.total == 12  # the praise of 30 June 23:00 counts, the inquiry of 1 July 00:00 does not
    assert {r.key: r.count for r in t.by_type if r.count} == {"complaint": 6, "repair": 4, "inquiry": 1, "praise": 1}
    categories = {r.key: r.count for r in t.by_category}
    assert categories["repair:plumbing"] == 3 and categories["complaint:cleaning"] == 3


def test_cmp11_effective_complaint_rate_is_effective_over_classified(world, kpi):
    cmp = _report(world).complaints
    assert (cmp.total, cmp.effective, cmp.invalid, cmp.pending) == (6, 3, 1, 2)
    assert cmp.effective_rate == Decimal("75.0")


def test_cmp11_timely_handling_rate_reads_the_resolve_clocks_like_the_sla_board(world, kpi):
    handling = _report(world).complaints.handling
    # met twice; breached once recorded, once running past its deadline; one due later; one paused
    assert (handling.met, handling.breached, handling.pending) == (2, 2, 1)
    assert handling.rate == Decimal("50.0")


def test_timely_rate_per_target_kind_counts_clocks_due_in_the_period(world, kpi):
    sla = _report(world).sla
    kinds = {r.kind: (r.timely.met, r.timely.breached, r.timely.pending) for r in sla.by_kind}
    assert kinds == {
        "transfer": (0, 0, 0),
        "dispatch": (1, 0, 0),
        "on_site": (1, 1, 0),
        "first_answer": (0, 0, 0),
        "resolve": (2, 2, 1),
    }
    assert sla.overall.rate == Decimal("57.1")  # 4 of 7
    assert next(r for r in sla.by_kind if r.kind == "transfer").timely.rate is None  # nothing due: "—", not 0


def test_breaches_by_department(world, kpi):
    assert {r.key: r.count for r in _report(world).sla.breaches_by_department} == {"cleaning": 1, s.NO_DEPARTMENT: 2}


def test_rep9_paid_repair_income_counts_repairs_completed_in_the_period(world, kpi):
    rep = _report(world).repairs
    assert (rep.total, rep.done) == (4, 2)
    assert [(r.key, r.count, r.done) for r in rep.by_trade] == [("plumbing", 3, 2), ("electrical", 1, 0)]
    # completed in June: two received in June and one received in May; the unfinished one waits
    assert (rep.paid_count, rep.paid_income) == (3, Decimal("230.75"))


def test_vis4_return_visit_rate_is_done_over_due_in_the_period(world, kpi):
    v = _report(world).visits
    # due in June: five (one still planned); May's, July's and project b's stay out
    assert (v.due, v.done) == (5, 4)
    assert v.rate == Decimal("80.0")


def test_vis4_return_visits_done_on_time_are_done_by_their_deadline(world, kpi):
    # on time: early, and exactly at the deadline; the one done two days late is not
    assert _report(world).visits.on_time == 3
    listed = drill.drilldown({world.project_a.pk}, JUNE, "visits", "on_time", now=NOW).queryset
    assert kpi.visit_late not in set(listed) and kpi.visit_unanswered in set(listed)


def test_vis4_return_visit_rate_without_visits_due_is_no_rate(world):
    v = _report(world).visits
    assert (v.due, v.rate, v.satisfied_rate, v.score_quality) == (0, None, None, None)


def test_vis2_satisfaction_rate_is_satisfied_over_done_visits_with_an_answer(world, kpi):
    v = _report(world).visits
    # the visit recorded without an answer is done but not in the satisfied rate
    assert (v.answered, v.satisfied) == (3, 2)
    assert v.satisfied_rate == Decimal("66.7")


def test_vis2_satisfaction_unsatisfied_or_not_handled_visits_are_sent_back(world, kpi):
    assert _report(world).visits.sent_back == 2
    listed = drill.drilldown({world.project_a.pk}, JUNE, "visits", "sent_back", now=NOW).queryset
    assert set(listed) == {kpi.visit_late, kpi.visit_unhandled}


def test_vis2_satisfaction_scores_are_averaged_to_one_place_half_up(world, kpi):
    v = _report(world).visits
    assert v.scored == 3
    # quality (5+3+4)/3, result (4+3+4)/3, attitude (5+2+4)/3
    assert (v.score_quality, v.score_result, v.score_attitude) == (Decimal("4.0"), Decimal("3.7"), Decimal("3.7"))
    assert (mean(17, 4), mean(13, 4), mean(5, 3), mean(0, 0)) == (Decimal("4.3"), Decimal("3.3"), Decimal("1.7"), None)


def test_previous_period_and_other_projects_stay_out(world, kpi):
    report = _report(world)
    assert (report.previous.contacts, report.previous.tickets, report.previous.breaches) == (1, 1, 1)
    assert (report.previous.visit_rate, report.previous.satisfied_rate) == (Decimal("100.0"), Decimal("100.0"))
    assert report.ranking == [] and len(report.trend) == 12
    june = report.trend[-1]
    assert (june.month, june.tickets, june.contacts, june.timely.rate) == (dt.date(2026, 6, 1), 12, 6, Decimal("57.1"))
    assert report.trend[-2].tickets == 1 and report.trend[0].month == dt.date(2025, 7, 1)


def test_company_ranking_orders_projects_by_timely_rate(world, kpi):
    ranking = _report(world, {world.project_a.pk, world.project_b.pk}).ranking
    assert [r.project.code for r in ranking] == ["a", "b"]
    b = ranking[1]
    assert (b.contacts, b.tickets, b.timely.rate, b.effective_rate) == (1, 1, Decimal("0.0"), Decimal("100.0"))
    assert (b.visit_rate, b.satisfied_rate) == (Decimal("100.0"), Decimal("0.0"))
    a = ranking[0]
    assert (a.visit_rate, a.satisfied_rate) == (Decimal("80.0"), Decimal("66.7"))


def _numbers(report):
    for table in report_tables(report):
        for row in table.rows:
            for value in row:
                if isinstance(value, Num) and value.report:
                    yield table.name, value


@pytest.mark.parametrize("company_wide", [False, True])
def test_every_reported_number_equals_the_rows_its_drilldown_lists(world, kpi, company_wide):
    ids = {world.project_a.pk, world.project_b.pk} if company_wide else {world.project_a.pk}
    report = _report(world, ids)
    checked = 0
    visit_cells = set()
    for table, num in _numbers(report):
        period = Period.containing(PeriodKind.MONTH, num.month) if num.month else JUNE
        scope = {num.project} if num.project else ids
        rows = drill.drilldown(scope, period, num.report, num.cell, now=NOW).queryset
        assert rows.count() == num.value, (table, num.cell, num.project, num.month)
        checked += 1
        if num.report == "visits":
            visit_cells.add(num.cell)
    assert checked > 60
    assert visit_cells == {"due", "done", "on_time", "answered", "satisfied", "sent_back", "scored"}
    # and the drill-down lists the very rows, not just as many
    own = {world.project_a.pk}
    listed = drill.drilldown(own, JUNE, "repairs", "paid", now=NOW).queryset
    assert {t.pk for t in listed} == {kpi.plumbing[0].pk, kpi.plumbing[1].pk, kpi.may_repair.pk}
    breached = drill.drilldown(own, JUNE, "complaints", "handling:breached", now=NOW).queryset
    assert {c.ticket_id for c in breached} == {kpi.effective[2].pk, kpi.invalid.pk}
    due = drill.drilldown(own, JUNE, "visits", "due", now=NOW).queryset
    assert set(due) == {kpi.visit_good, kpi.visit_late, kpi.visit_unhandled, kpi.visit_planned, kpi.visit_unanswered}


def test_an_unknown_cell_is_refused(world):
    refused = [("tickets", "type:nope"), ("sla", "late:resolve"), ("sla", "met:nope"), ("visits", "nope"), ("nope", "total")]
    for report, cell in refused:
        with pytest.raises(drill.UnknownCell):
            drill.drilldown({world.project_a.pk}, JUNE, report, cell, now=NOW)


def test_the_monthly_report_is_a_fixed_number_of_queries(world, kpi, django_assert_num_queries):
    """Without daily facts (test_facts has the report with them): one query for the days
    that have facts, 5 grouped queries a period (this one and the previous), 4 for the
    ranking and the projects, 3 for the trend, 5 for the proactive-visit quotas (VIS-7)."""
    ids = {world.project_a.pk, world.project_b.pk}
    with django_assert_num_queries(1 + 5 + 5 + 4 + 1 + 3 + 5):
        s.kpi_report(ids, JUNE, now=NOW)
