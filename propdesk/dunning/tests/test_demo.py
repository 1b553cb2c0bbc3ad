"""The demo shows dunning on the console: steps on arrears houses of 阳光花园 — a reminder,
a demand letter with its tracking number, a promise, an instalment plan — and one
limitation warning told to the supervisor; the worklist and report pages are not empty."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from propdesk.accounts.models import User
from propdesk.dunning import selectors
from propdesk.dunning.choices import StepKind
from propdesk.dunning.models import DunningStep, InstalmentPlan, PaymentPromise
from propdesk.estate.models import Project
from propdesk.notifications.models import Notification


@pytest.mark.django_db
def test_fee7_demo_dunning_in_the_first_project():
    call_command("seed_demo", scale="small", stdout=io.StringIO())
    project = Project.objects.order_by("pk").first()
    steps = DunningStep.objects.filter(project=project)
    assert {StepKind.PHONE, StepKind.LETTER, StepKind.VISIT} <= set(steps.values_list("kind", flat=True))
    assert steps.get(kind=StepKind.LETTER).tracking_number.startswith("SF")
    assert PaymentPromise.objects.filter(project=project).count() == 2
    assert InstalmentPlan.objects.filter(project=project).exists()
    warnings = selectors.limitation_warnings(project_ids=[project.pk])
    assert warnings and Notification.objects.filter(kind="dunning.limitation").exists()
    assert Notification.objects.filter(kind="dunning.promise_broken").exists()
    cashier = User.objects.filter(memberships__role="cashier", memberships__project=project).first()
    client = Client()
    client.force_login(cashier)
    page = client.get(reverse("dunning:worklist")).content.decode()
    assert "催缴函" in page and 'id="limitation-warnings"' in page
    house = steps.get(kind=StepKind.LETTER).house
    letter = client.get(reverse("dunning:letter", args=[house.pk]), {"step": steps.get(kind=StepKind.LETTER).pk})
    assert letter.status_code == 200 and steps.get(kind=StepKind.LETTER).tracking_number in letter.content.decode()
    report = client.get(reverse("billing:collection")).content.decode()
    assert 'id="collection-projects"' in report and project.name in report
