"""The one scoping helper: project access by role, the same 404 for 'missing' and 'not yours'."""

import datetime as dt

import pytest
from django.http import Http404

from propdesk.accounts.models import Membership
from propdesk.accounts.roles import Cap, Role
from propdesk.core import scoping
from propdesk.estate.models import House
from propdesk.residents.services import occupancy_end


def test_staff_see_only_their_projects(world):
    assert scoping.visible_project_ids(world.assistant, Cap.HOUSE_VIEW) == {world.project_a.pk}
    assert set(scoping.restrict(House.objects.all(), world.assistant, Cap.HOUSE_VIEW)) == {world.house_a}


def test_company_wide_membership_covers_every_active_project(world):
    head_office = world.users[("head_office", "*")]
    assert scoping.visible_project_ids(head_office, Cap.HOUSE_VIEW) == {world.project_a.pk, world.project_b.pk}
    assert scoping.visible_project_ids(head_office, Cap.HOUSE_CHANGE) == frozenset()


def test_other_project_and_missing_give_the_same_404(world):
    with pytest.raises(Http404) as other:
        scoping.access(House.objects.all(), world.assistant, Cap.HOUSE_VIEW, pk=world.house_b.pk)
    with pytest.raises(Http404) as missing:
        scoping.access(House.objects.all(), world.assistant, Cap.HOUSE_VIEW, pk=10**9)
    assert str(other.value) == str(missing.value)
    with pytest.raises(Http404):
        scoping.access(House.objects.all(), world.assistant, Cap.HOUSE_VIEW, pk="not-a-number")


def test_roles_add_up_within_a_project(world):
    engineer = world.users[("engineer", "a")]
    assert not scoping.has_cap(engineer, Cap.PII_REVEAL, world.project_a.pk)
    Membership.objects.create(user=engineer, project=world.project_a, role=Role.SUPERVISOR)
    scoping.forget(engineer)
    assert scoping.has_cap(engineer, Cap.PII_REVEAL, world.project_a.pk)
    assert not scoping.has_cap(engineer, Cap.PII_REVEAL, world.project_b.pk)


def test_inactive_users_and_residents_get_no_staff_access(world):
    world.assistant.is_active = False
    scoping.forget(world.assistant)
    assert scoping.visible_project_ids(world.assistant, Cap.HOUSE_VIEW) == frozenset()
    assert scoping.visible_project_ids(world.resident_user, Cap.HOUSE_VIEW) == frozenset()


def test_resident_account_bound_to_own_houses_only(world):
    assert scoping.resident_house_ids(world.resident_user) == {world.house_a.pk}
    assert scoping.resident_house_ids(world.assistant) == frozenset()
    occupancy_end(occupancy=world.owner_a, end_date=dt.date(2026, 1, 1))
    assert scoping.resident_house_ids(world.resident_user) == frozenset()
