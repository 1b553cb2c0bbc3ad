"""The configuration screens (policies with targets, targets with levels; clocks and
firings read-only; a policy in use is frozen — new version, then activate) and the
`sla_install_presets` command."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from propdesk.desk.choices import Priority, TicketType
from propdesk.sla.choices import TargetKind
from propdesk.sla.models import SlaClock, SlaPolicy
from propdesk.sla.services import sla_sweep
from propdesk.sla.tests.conftest import at, open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, world):
    """The company-wide system administrator (Role.ADMIN holds SLA_CONFIGURE) as a superuser."""
    user = world.users[("admin", "*")]
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(user)
    return client


def _policy(priority=Priority.MINOR) -> SlaPolicy:
    return SlaPolicy.objects.get(ticket_type=TicketType.COMPLAINT, priority=priority, active=True)


def test_admin_pages_render(staff_client, world, presets, clock):
    ticket = open_ticket(world, TicketType.COMPLAINT, Priority.MINOR)
    clock.set(at(2026, 6, 1, 15, 0))
    sla_sweep()
    policy = _policy()
    target = policy.targets.get(kind=TargetKind.RESOLVE)
    clock_row = SlaClock.objects.get(ticket=ticket, kind=TargetKind.RESOLVE)
    assert staff_client.get("/admin/sla/slapolicy/").status_code == 200
    page = staff_client.get(f"/admin/sla/slapolicy/{policy.pk}/change/")
    assert page.status_code == 200
    assert "cmp5" not in page.content.decode()  # levels live on the target's page
    target_page = staff_client.get(f"/admin/sla/slatarget/{target.pk}/change/").content.decode()
    assert "cmp5-unresolved-7d" in target_page and "overrun-supervisor" in target_page
    assert staff_client.get("/admin/sla/slaclock/").status_code == 200
    clock_page = staff_client.get(f"/admin/sla/slaclock/{clock_row.pk}/change/").content.decode()
    assert f"breach:{target.pk}" in clock_page
    assert staff_client.get("/admin/sla/slafiring/").status_code == 200


def test_a_policy_in_use_is_frozen_and_changes_through_a_new_version(staff_client, world, presets, clock):
    policy = _policy()
    unused = _policy(Priority.IMPORTANT)
    open_ticket(world, TicketType.COMPLAINT, Priority.MINOR)
    response = staff_client.post(f"/admin/sla/slapolicy/{policy.pk}/change/", {"name": "改名"})
    assert response.status_code == 403
    assert staff_client.get(f"/admin/sla/slapolicy/{unused.pk}/change/").status_code == 200

    staff_client.post("/admin/sla/slapolicy/", {"action": "new_version", "_selected_action": [policy.pk]})
    draft = SlaPolicy.objects.get(ticket_type=TicketType.COMPLAINT, priority=Priority.MINOR, version=2)
    assert not draft.active
    assert staff_client.get(f"/admin/sla/slapolicy/{draft.pk}/change/").status_code == 200  # editable
    staff_client.post("/admin/sla/slapolicy/", {"action": "activate", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    policy.refresh_from_db()
    assert (draft.active, policy.active) == (True, False)


def test_command_installs_presets(world, calendar):
    out = io.StringIO()
    call_command("sla_install_presets", stdout=out)
    assert "created 12" in out.getvalue()
    call_command("sla_install_presets", "--variant", "001", "--project", world.project_a.code, stdout=out)
    assert SlaPolicy.objects.filter(project=world.project_a, preset="001", active=True).count() == 12
    with pytest.raises(CommandError):
        call_command("sla_install_presets", "--project", "nope")
