"""时限策略: the policy each ticket type × priority runs under in the selected projects —
the project's own version over the company preset, as the clocks pick it — with its
targets, pause rules and escalation levels in readable Chinese, the rule ids, the
calendar and the version; printable; edit links only for those the admin lets in."""

import html as html_lib
import re

import pytest
from django.urls import reverse

from propdesk.core.console import SESSION_KEY
from propdesk.desk.choices import Priority, TicketType, priorities_for
from propdesk.sla.models import SlaPolicy
from propdesk.sla.selectors import policies_in_force, policy_for
from propdesk.sla.services import sla_install_presets, sla_policy_activate, sla_policy_new_version


@pytest.fixture
def own_policies(world, presets):
    """Company preset 002; project a runs its own 001 policies (CMP-6, REP-3 variants)."""
    sla_install_presets(variant="001", project=world.project_a)


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def _shown(page: str, project) -> bool:
    return f'id="policies-project-{project.pk}"' in page


def _row(page: str, project, ticket_type: str, priority: str) -> str:
    """One project's type × priority row, as text (tags dropped, blanks squeezed)."""
    found = re.search(rf'<tr id="policy-{project.pk}-{ticket_type}-{priority}">.*?</tr>', page, re.S)
    assert found, f"no row {ticket_type} × {priority} for {project}"
    return _text(found.group(0))


def test_the_projects_own_version_overrides_the_company_preset(world, client, own_policies):
    client.force_login(world.users[("admin", "*")])
    page = client.get(reverse("sla:policies")).content.decode()
    row = _row(page, world.project_a, TicketType.COMPLAINT, Priority.MINOR)
    assert "投诉·轻微（001）" in row and "本项目设置" in row and "解决 2 个工作日" in row
    row = _row(page, world.project_b, TicketType.COMPLAINT, Priority.MINOR)
    assert "投诉·轻微（002）" in row and "公司预设" in row and "解决 4 小时（工作时间）" in row


def test_the_page_reads_the_policy_the_clocks_use(world, own_policies):
    """For every type × priority the page shows exactly what `policy_for` starts clocks under."""
    for block in policies_in_force([world.project_a.pk, world.project_b.pk]):
        rows = iter(block.rows)
        for ticket_type in TicketType:
            for priority in priorities_for(ticket_type):
                expected = policy_for(project_id=block.project.pk, ticket_type=ticket_type, priority=priority)
                row = next(rows)
                assert row.policy == expected and row.own == (expected.project_id == block.project.pk)


def test_targets_pauses_and_escalations_in_words_with_rule_ids(world, client, presets):
    client.force_login(world.supervisor)
    page, project = client.get(reverse("sla:policies")).content.decode(), world.project_a
    row = _row(page, project, TicketType.REPAIR, Priority.VERY_URGENT)
    assert "报修·特急（002） 第 1 版 · 公司预设" in row and "依据： DESK-3 DESK-4 REP-3 REP-2" in row
    assert "到场 10 分钟（24小时） REP-2" in row and "派单 3 分钟（24小时） DESK-4" in row
    assert "转交 10 分钟（24小时） DESK-3 受理时起算 · 完成条件：已转交/派单 · 等待时不暂停 · 用去 80% 时预警" in row
    assert "超时即：通知 客服主管（非工作时间顺延到上班后发送） DESK-3" in row
    assert "工作日历：不用（全部按自然时间计算）" in row
    row = _row(page, project, TicketType.REPAIR, Priority.GENERAL)
    assert "到场 当天下班前 REP-2" in row and "等待客户、配件或预约时暂停计时" in row
    assert "工作日历：公司默认工作日历" in row
    row = _row(page, project, TicketType.REQUEST, Priority.NORMAL)
    assert "答复 1 个工作日 DESK-6" in row
    row = _row(page, project, TicketType.COMPLAINT, Priority.MAJOR)
    assert "解决 15 天（自然日） CMP-6" in row and "答复 2 个工作日 CMP-6" in row
    assert "超时即：通知 项目经理、公司管理部" in row
    assert "开始计时后 7 天：升级为“重大”并通知 客服主管、项目经理、公司管理部（条件：有效投诉）" in row and "CMP-5" in row


def test_a_new_active_version_is_shown_with_its_number(world, client, presets):
    admin = world.users[("admin", "*")]
    preset = SlaPolicy.objects.get(project=None, ticket_type=TicketType.INQUIRY, priority=Priority.NORMAL, active=True)
    sla_policy_activate(policy=sla_policy_new_version(policy=preset, by=admin), by=admin)
    client.force_login(world.assistant)
    row = _row(client.get(reverse("sla:policies")).content.decode(), world.project_a, TicketType.INQUIRY, Priority.NORMAL)
    assert "第 2 版" in row and "第 1 版" not in row


def test_a_type_without_a_policy_says_so(world, client, calendar):
    client.force_login(world.assistant)
    page = client.get(reverse("sla:policies")).content.decode()
    assert "未设置时限" in _row(page, world.project_a, TicketType.REPAIR, Priority.URGENT)


def test_the_switcher_narrows_to_one_project(world, client, own_policies):
    client.force_login(world.users[("head_office", "*")])
    session = client.session
    session[SESSION_KEY] = world.project_b.pk
    session.save()
    page = client.get(reverse("sla:policies")).content.decode()
    assert _shown(page, world.project_b) and not _shown(page, world.project_a)


def test_edit_links_only_for_configurers_the_admin_lets_in(world, client, presets):
    admin = world.users[("admin", "*")]
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    policy = SlaPolicy.objects.filter(active=True).first()
    client.force_login(admin)
    page = client.get(reverse("sla:policies")).content.decode()
    assert reverse("admin:sla_slapolicy_changelist") in page and reverse("admin:sla_slapolicy_change", args=[policy.pk]) in page
    # A manager may configure SLA in the project but has no admin account: no link that would be refused.
    for user in (world.users[("manager", "a")], world.supervisor):
        client.force_login(user)
        assert "/admin/" not in client.get(reverse("sla:policies")).content.decode()


def test_printable(world, client, presets):
    client.force_login(world.supervisor)
    page = client.get(reverse("sla:policies")).content.decode()
    assert 'onclick="window.print()"' in page and 'class="print-only muted"' in page


def test_query_count_is_locked(world, client, own_policies, django_assert_max_num_queries):
    client.force_login(world.users[("admin", "*")])
    # session, user, memberships; the projects shown, policies, targets, levels, calendars;
    # the shell's project switcher and notification bell; and the active projects, read on
    # each scoping question of a company-wide role (selection, configure link, menu, switcher)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("sla:policies"))
    assert response.status_code == 200
