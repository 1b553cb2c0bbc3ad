"""The visit clock (VIS-6 "handed in within 24 h", VIS-3 due times): the visitor is
warned on the morning of the due day, the supervisor told once when a visit is overdue —
each exactly once per visit, however often the sweep runs — overdue visits stand out in
回访待办, and reports count them late (`reports.selectors.visit_on_time_q`)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from propdesk.followup.clock import visits_sweep
from propdesk.followup.models import ReturnVisit
from propdesk.followup.services import visit_record, warn_time
from propdesk.followup.tasks import sweep
from propdesk.notifications.models import Notification
from propdesk.reports.selectors import visit_on_time_q, visits_due

from .conftest import at, close, open_ticket

pytestmark = pytest.mark.django_db
GOOD = {"score_quality": 5, "score_result": 5, "score_attitude": 5}


@pytest.fixture
def visit(world, presets, clock):
    """A suggestion closed on Monday 2026-06-01 09:00: visited within one calendar week."""
    ticket = close(world, open_ticket(world, type="suggestion", category="", title="建议增设快递柜"))
    return ReturnVisit.objects.get(ticket=ticket)


def _sent(kind: str):
    return list(Notification.objects.filter(kind=kind).values_list("recipient_id", "dedupe_key"))


def test_vis6_visit_clock_starts_with_a_reminder_on_the_morning_of_the_due_day(visit):
    assert visit.due_at == at(2026, 6, 8, 9)
    assert visit.warn_at == at(2026, 6, 8, 8, 30)
    assert visit.next_check_at == visit.warn_at
    # Due before 08:30: the reminder goes the morning before; never before the visit exists.
    assert warn_time(at(2026, 6, 8, 8), at(2026, 6, 1)) == at(2026, 6, 7, 8, 30)
    assert warn_time(at(2026, 6, 1, 17), at(2026, 6, 1, 10)) == at(2026, 6, 1, 10)


def test_vis6_visitor_is_warned_once_on_the_due_morning(world, visit, clock):
    clock.set(at(2026, 6, 8, 8, 0))
    assert visits_sweep().warned == 0  # not yet
    clock.set(at(2026, 6, 8, 8, 31))
    report = visits_sweep()
    assert (report.warned, report.overdue, report.notified) == (1, 0, 1)
    assert _sent("visit.warn") == [(world.assistant.pk, f"visit:{visit.pk}:warn")]
    clock.set(at(2026, 6, 8, 8, 45))
    assert visits_sweep().warned == 0 and len(_sent("visit.warn")) == 1  # once per visit
    visit.refresh_from_db()
    assert visit.warned_at == at(2026, 6, 8, 8, 31) and visit.next_check_at == visit.due_at


def test_vis6_supervisor_is_told_once_when_a_visit_is_overdue(world, visit, clock):
    clock.set(at(2026, 6, 8, 9, 1))
    report = sweep()  # the Celery task, run eagerly
    # Already overdue at its first check: no reminder any more, the supervisor is told.
    assert (report["warned"], report["overdue"]) == (0, 1)
    assert _sent("visit.overdue") == [(world.supervisor.pk, f"visit:{visit.pk}:overdue")]
    for hour in (10, 11, 15):
        clock.set(at(2026, 6, 8, hour))
        assert visits_sweep().due == 0  # the clock has stopped: nothing more to check
    # Even a sweep that finds it again (its check time put back) fires nothing twice.
    ReturnVisit.objects.filter(pk=visit.pk).update(next_check_at=at(2026, 6, 8, 9))
    assert visits_sweep().overdue == 0
    assert len(_sent("visit.overdue")) == 1


def test_vis6_recorded_visit_stops_its_clock(world, visit, clock):
    clock.set(at(2026, 6, 5, 10))
    visit_record(visit=visit, by=world.assistant, method="phone", handled=True, satisfied=True, **GOOD)
    clock.set(at(2026, 6, 9, 10))
    assert visits_sweep().due == 0
    assert not Notification.objects.filter(kind__startswith="visit.").exists()


def test_vis6_overdue_visits_stand_out_in_the_todo_list_and_count_late_in_reports(world, presets, clock, client):
    late = ReturnVisit.objects.get(ticket=close(world, open_ticket(world, type="suggestion", category="", title="逾期回访")))
    clock.set(at(2026, 6, 3, 9))
    fresh = ReturnVisit.objects.get(ticket=close(world, open_ticket(world, type="suggestion", category="", title="未到期回访")))
    clock.set(at(2026, 6, 9, 10))  # `late` was due 06-08 09:00, `fresh` 06-10 09:00
    client.force_login(world.assistant)
    page = client.get(reverse("followup:todo")).content.decode()
    assert f'class="overdue" data-project="{world.project_a.pk}" data-visit="{late.pk}"' in page
    assert f'class="" data-project="{world.project_a.pk}" data-visit="{fresh.pk}"' in page
    assert 'id="visit-overdue-count"' in page
    # Reports: both are due in June, neither on time; `late` stays late once done.
    june = visits_due([world.project_a.pk], at(2026, 6, 1), at(2026, 7, 1))
    assert set(june.values_list("pk", flat=True)) == {late.pk, fresh.pk}
    assert not june.filter(visit_on_time_q()).exists()
    visit_record(visit=late, by=world.assistant, method="phone", handled=True, satisfied=True, **GOOD)
    visit_record(visit=fresh, by=world.assistant, method="phone", handled=True, satisfied=True, **GOOD)
    assert list(june.filter(visit_on_time_q()).values_list("pk", flat=True)) == [fresh.pk]
