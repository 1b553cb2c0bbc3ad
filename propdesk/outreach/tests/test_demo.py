"""The demo shows outreach on the console: quotas, this month's proactive visits of 阳光花园
(one opinion → ticket), care tasks of the coming days."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from propdesk.estate.models import Project
from propdesk.outreach.models import CareTask, OutreachPolicy, ProactiveVisit

pytestmark = pytest.mark.django_db


def test_demo_seeds_visits_and_care_tasks():
    call_command("seed_demo", scale="small", stdout=io.StringIO())
    sunshine = Project.objects.get(name="阳光花园")
    today = timezone.localdate()
    visits = ProactiveVisit.objects.filter(project=sunshine, visited_on__gte=today.replace(day=1), visited_on__lte=today)
    assert 10 <= visits.count() <= 15 and OutreachPolicy.objects.filter(project=sunshine).exists()
    assert visits.filter(ticket__isnull=False).count() == 1
    assert not visits.filter(entered_home=True, companion__isnull=True).exists()
    tasks = CareTask.objects.filter(project=sunshine)
    assert tasks.exists() and tasks.filter(status="done").count() == 1
