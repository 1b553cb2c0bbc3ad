"""Service-desk console pages: the permission matrix of every page and action (role × own
project / other project / no login / resident), the contact desk (DESK-1: caller
lookup, read-back, contact → ticket), the guarded state machine on the ticket page, the
queue (filters, order, relative deadlines, export, query count), "我的工单" and the
house-page section."""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from openpyxl import load_workbook

from propdesk.accounts.roles import ROLE_CAPS, Cap, Role
from propdesk.desk import repairs, services
from propdesk.desk.choices import ContactOutcome, EventKind, Status
from propdesk.desk.models import Contact, PriceItem, Ticket, TicketAttachment, TicketEvent, WorkOrder

STAFF_ROLES = [r.value for r in Role if r not in (Role.HEAD_OFFICE, Role.ADMIN)]
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


def holds(role: str, cap: Cap) -> bool:
    return cap in ROLE_CAPS[role]


def _repair(world, code: str = "a", **extra) -> Ticket:
    """An urgent plumbing repair at project `code`'s house, received by its assistant."""
    house = world.house_a if code == "a" else world.house_b
    person = world.person_a if code == "a" else world.person_b
    fields = {"title": "卫生间水管漏水", "priority": "urgent", "category": "plumbing", **extra}
    return services.ticket_open(
        project=house.project, type="repair", by=world.users[("assistant", code)], house=house, reporter=person, **fields
    )


def _request(world, code: str = "a", **extra) -> Ticket:
    """A request (需求) at project `code`'s house: every status move is generic, unlike a
    repair, which starts and finishes through its work order (REP-4/REP-6)."""
    house = world.house_a if code == "a" else world.house_b
    fields = {"title": "更换门禁卡", **extra}
    return services.ticket_open(project=house.project, type="request", by=world.users[("assistant", code)], house=house, **fields)


def _attachment(world, ticket: Ticket, code: str = "a") -> TicketAttachment:
    upload = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    return services.ticket_attach(ticket=ticket, upload=upload, by=world.users[("assistant", code)])


@pytest.fixture
def tickets(world):
    """One ticket per project; ticket numbers run per project, so the titles tell them apart."""
    return {"a": _repair(world, "a"), "b": _repair(world, "b", title="翠湖苑 1-1-101 暖气不热")}


@pytest.fixture
def attachments(world, tickets):
    return {code: _attachment(world, tickets[code], code) for code in ("a", "b")}


# --- permission matrix: pages -------------------------------------------------------------

LIST_PAGES = [
    ("desk:contact-new", Cap.TICKET_CREATE),
    ("desk:contacts", Cap.TICKET_VIEW),
    ("desk:tickets", Cap.TICKET_VIEW),
    ("desk:mine", Cap.TICKET_HANDLE),
]


def _object_pages(tickets, attachments, code):
    return [
        ("ticket", reverse("desk:ticket", args=[tickets[code].pk]), Cap.TICKET_VIEW),
        ("attachment", reverse("desk:attachment", args=[attachments[code].pk]), Cap.TICKET_VIEW),
    ]


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_pages_permission_matrix(world, client, tickets, attachments, role):
    """Pages by capability in the own project; another project's ticket is the same 404
    as a missing one, and lists never show it."""
    client.force_login(world.users[(role, "a")])
    for name, cap in LIST_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == (200 if holds(role, cap) else 404), (role, name)
    if holds(role, Cap.TICKET_VIEW):
        html = client.get(reverse("desk:tickets")).content.decode()
        assert tickets["a"].title in html and tickets["b"].title not in html
    for name, url, cap in _object_pages(tickets, attachments, "a"):
        assert client.get(url).status_code == (200 if holds(role, cap) else 404), (role, name, "own")
    for name, url, _cap in _object_pages(tickets, attachments, "b"):
        assert client.get(url).status_code == 404, (role, name, "other project")
    assert client.get(reverse("desk:ticket", args=[999999])).status_code == 404


@pytest.mark.parametrize("who", [("head_office", "*"), ("admin", "*")])
def test_company_wide_roles_see_both_projects(world, client, tickets, who):
    client.force_login(world.users[who])
    html = client.get(reverse("desk:tickets")).content.decode()
    assert tickets["a"].title in html and tickets["b"].title in html
    for ticket in tickets.values():
        assert client.get(reverse("desk:ticket", args=[ticket.pk])).status_code == 200


def test_resident_account_gets_no_desk_page(world, client, tickets, attachments):
    client.force_login(world.resident_user)
    for name, _cap in LIST_PAGES:
        assert client.get(reverse(name)).status_code == 404, name
    for name, url, _cap in _object_pages(tickets, attachments, "a"):
        assert client.get(url).status_code == 404, name


def test_pages_need_login(world, client, tickets, attachments):
    urls = [reverse(name) for name, _cap in LIST_PAGES] + [url for _n, url, _c in _object_pages(tickets, attachments, "a")]
    urls += [reverse("desk:contact-lookup") + "?q=5678", reverse("desk:caller-panel") + f"?person={world.person_a.pk}"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


# --- permission matrix: actions -----------------------------------------------------------


def _action_posts(world, ticket):
    pk = ticket.pk
    return [
        ("comment", reverse("desk:ticket-comment", args=[pk]), {"note": "已电话联系"}, Cap.TICKET_VIEW),
        ("priority", reverse("desk:ticket-priority", args=[pk]), {"priority": "very_urgent", "reason": "水漫楼下"}, "dispatch"),
        ("attach", reverse("desk:ticket-attach", args=[pk]), None, Cap.TICKET_VIEW),
    ]


def _may(role: str, cap) -> bool:
    if cap == "dispatch":
        return holds(role, Cap.TICKET_DISPATCH) or holds(role, Cap.TICKET_CLASSIFY)
    return holds(role, cap)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_actions_permission_matrix(world, client, tickets, role):
    """Comment, priority and attachment: by capability in the own project (302), 404
    without it and in the other project; nothing is written when refused."""
    client.force_login(world.users[(role, "a")])
    for code, ticket in tickets.items():
        for name, url, data, cap in _action_posts(world, ticket):
            before = TicketEvent.objects.filter(ticket=ticket).count()
            payload = data or {"file": SimpleUploadedFile("a.png", PNG, content_type="image/png")}
            status = client.post(url, payload).status_code
            allowed = code == "a" and _may(role, cap)
            assert status == (302 if allowed else 404), (role, name, code, status)
            assert TicketEvent.objects.filter(ticket=ticket).count() == before + (1 if allowed else 0), (role, name, code)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_transition_and_assign_permission_matrix(world, client, role):
    """A handler moves a ticket assigned to them; the receiver hands over a ticket they
    received; the other project's ticket is a 404 for everyone."""
    user = world.users[(role, "a")]
    client.force_login(user)
    own = _repair(world, "a")
    if holds(role, Cap.TICKET_HANDLE):
        services.ticket_assign(ticket=own, assignee=user, by=world.assistant)
    status = client.post(reverse("desk:ticket-transition", args=[own.pk]), {"to_status": "in_progress"}).status_code
    assert status == (302 if holds(role, Cap.TICKET_HANDLE) else 404), (role, status)
    if holds(role, Cap.TICKET_CREATE):
        received = services.ticket_open(project=world.project_a, type="request", title="借梯子", by=user)
        engineer = world.users[("engineer", "a")]
        status = client.post(reverse("desk:ticket-assign", args=[received.pk]), {"assignee": engineer.pk}).status_code
        assert status == 302 and Ticket.objects.get(pk=received.pk).assignee == engineer, role
    other = _repair(world, "b")
    for url in (reverse("desk:ticket-transition", args=[other.pk]), reverse("desk:ticket-assign", args=[other.pk])):
        assert client.post(url, {"to_status": "in_progress", "assignee": user.pk}).status_code == 404, (role, url)
    assert Ticket.objects.get(pk=other.pk).status == Status.NEW


# --- the contact desk (DESK-1) ------------------------------------------------------------


def test_lookup_by_last_four_digits_finds_person_and_house_in_own_projects_only(world, client):
    client.force_login(world.assistant)
    html = client.get(reverse("desk:contact-lookup"), {"q": "5678"}, headers={"HX-Request": "true"}).content.decode()
    assert "张三" in html and "3-2-1201" in html and "138****5678" in html and "13812345678" not in html
    assert "<html" not in html
    html = client.get(reverse("desk:contact-lookup"), {"q": "3-2-1201"}).content.decode()
    assert f"house={world.house_a.pk}" in html
    client.force_login(world.outsider)
    html = client.get(reverse("desk:contact-lookup"), {"q": "5678"}).content.decode()
    assert "张三" not in html and "没有找到" in html


def test_caller_panel_shows_open_tickets_and_last_contacts_before_a_word(world, client):
    done = _request(world, title="门锁坏了")
    services.ticket_transition(ticket=done, to_status="resolved", by=world.assistant, note="已修")
    open_ticket = _repair(world)
    for n in range(6):
        services.contact_log(
            project=world.project_a,
            channel="phone",
            content=f"咨询停车费{n}",
            by=world.assistant,
            house=world.house_a,
            answer="100元/月",
        )
    client.force_login(world.assistant)
    response = client.get(reverse("desk:caller-panel"), {"person": world.person_a.pk})
    html = response.content.decode()
    assert response["HX-Trigger-After-Settle"] == "desk-caller-picked"
    # the person's only house is picked with them
    assert f'name="house" value="{world.house_a.pk}"' in html and f'name="person" value="{world.person_a.pk}"' in html
    assert open_ticket.number in html and done.number not in html
    assert html.count("咨询停车费") == 5 and "咨询停车费0" not in html  # the last five, newest first
    assert 'id="caller-arrears"' in html  # the empty slot billing fills later
    assert "13812345678" not in html
    client.force_login(world.outsider)
    assert client.get(reverse("desk:caller-panel"), {"person": world.person_a.pk}).status_code == 404


def test_read_back_is_built_from_the_inputs(world, client):
    client.force_login(world.assistant)
    data = {
        "person": world.person_a.pk,
        "house": world.house_a.pk,
        "content": "卫生间水管漏水",
        "outcome": "ticket",
        "type": "repair",
        "priority": "urgent",
        "department": "engineering",
    }
    html = client.post(reverse("desk:read-back"), data).content.decode()
    assert "张先生您好，跟您确认一下：您反映 3-2-1201 卫生间水管漏水。" in html
    assert "我们已登记为报修，将尽快由工程部安排维修人员上门处理。请问以上内容对吗？" in html
    assert 'name="read_back"' in html
    html = client.post(
        reverse("desk:read-back"), {"content": "物业费怎么交", "outcome": "answered", "answer": "前台或微信缴纳"}
    ).content
    assert "您好，跟您确认一下：您反映物业费怎么交。我们的答复是：前台或微信缴纳。" in html.decode()


def _contact_post(world, **extra):
    data = {
        "channel": "phone",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "caller_number": "138 1234 5678",
        "person": world.person_a.pk,
        "house": world.house_a.pk,
        "content": "卫生间水管漏水，楼下已经渗水",
        "outcome": "ticket",
        "type": "repair",
        "category": "plumbing",
        "priority": "urgent",
        "title": "卫生间水管漏水",
        "department": "engineering",
        "read_back": "张先生您好，跟您确认一下：您反映 3-2-1201 卫生间水管漏水。",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def test_desk1_contact_opens_a_ticket_and_keeps_the_read_back(world, client):
    client.force_login(world.assistant)
    response = client.post(reverse("desk:contact-new"), _contact_post(world))
    contact = Contact.objects.get()
    ticket = contact.ticket
    assert response.status_code == 302 and response["Location"] == reverse("desk:ticket", args=[ticket.pk])
    assert contact.outcome == ContactOutcome.TICKET and contact.read_back.startswith("张先生您好")
    assert (contact.person, contact.house, contact.caller_number, contact.receiver) == (
        world.person_a,
        world.house_a,
        "13812345678",
        world.assistant,
    )
    assert (ticket.type, ticket.category, ticket.priority, ticket.department) == ("repair", "plumbing", "urgent", "engineering")
    assert (ticket.house, ticket.reporter, ticket.description) == (world.house_a, world.person_a, "卫生间水管漏水，楼下已经渗水")
    html = client.get(response["Location"]).content.decode()
    assert ticket.number in html and "138****5678" in html and "13812345678" not in html
    assert "已登记来电，并生成工单" in html and 'id="timeline"' in html and "创建" in html


def test_desk1_answered_on_the_spot_goes_to_the_contact_list(world, client):
    client.force_login(world.assistant)
    data = _contact_post(world, outcome="answered", answer="物业费可在前台或微信缴纳", read_back="")
    response = client.post(reverse("desk:contact-new"), data)
    assert response.status_code == 302 and response["Location"] == reverse("desk:contacts")
    contact = Contact.objects.get()
    assert contact.outcome == ContactOutcome.ANSWERED and contact.ticket is None and not Ticket.objects.exists()
    # no read-back came with the form (no script): the same sentence is made on the server
    assert contact.read_back.startswith("张先生您好，跟您确认一下") and "物业费可在前台或微信缴纳" in contact.read_back


def test_desk1_contact_joins_an_open_ticket(world, client, tickets):
    client.force_login(world.assistant)
    data = _contact_post(world, outcome="linked", existing_ticket=tickets["a"].pk, content="又打来催修")
    response = client.post(reverse("desk:contact-new"), data)
    assert response["Location"] == reverse("desk:ticket", args=[tickets["a"].pk])
    assert Contact.objects.get().outcome == ContactOutcome.LINKED
    assert tickets["a"].events.filter(kind=EventKind.COMMENT, note__contains="又打来催修").exists()
    # a refused form keeps the chosen ticket chosen
    html = client.post(reverse("desk:contact-new"), {**data, "content": ""}).content.decode()
    assert f'name="existing_ticket" value="{tickets["a"].pk}" checked' in html
    client.force_login(world.outsider)
    data = _contact_post(world, outcome="linked", existing_ticket=tickets["a"].pk, person=None, house=None)
    assert client.post(reverse("desk:contact-new"), data).status_code == 404


def test_contact_form_shows_rule_errors_in_chinese(world, client):
    client.force_login(world.assistant)
    response = client.post(reverse("desk:contact-new"), _contact_post(world, category=""))
    assert response.status_code == 400 and "请选择分类" in response.content.decode()
    response = client.post(reverse("desk:contact-new"), _contact_post(world, outcome="answered", answer=""))
    assert response.status_code == 400 and "请填写答复内容" in response.content.decode()
    # a common-area repair needs a location when no house is picked (CMP-2)
    response = client.post(reverse("desk:contact-new"), _contact_post(world, person=None, house=None))
    assert response.status_code == 400 and "请填写房号或公共区域位置" in response.content.decode()
    assert not Contact.objects.exists() and not Ticket.objects.exists()
    # the picked caller stays picked on the redisplayed form
    html = client.post(reverse("desk:contact-new"), _contact_post(world, title="")).content.decode()
    assert f'name="person" value="{world.person_a.pk}"' in html and "请填写工单摘要" in html


def test_contact_for_another_projects_house_is_404(world, client):
    client.force_login(world.assistant)
    response = client.post(reverse("desk:contact-new"), _contact_post(world, house=world.house_b.pk, person=None))
    assert response.status_code == 404 and not Contact.objects.exists()


def test_contact_page_prefills_the_house_from_the_house_page(world, client):
    client.force_login(world.assistant)
    html = client.get(reverse("desk:contact-new"), {"house": world.house_a.pk}).content.decode()
    assert f'name="house" value="{world.house_a.pk}"' in html and "3-2-1201" in html
    assert 'value="phone"' in html and 'type="datetime-local"' in html


# --- the ticket page: the state machine, shown and enforced -------------------------------


def _move_values(html: str) -> set[str]:
    form = re.search(r'<form[^>]*id="transition-form".*?</form>', html, re.S)
    return set(re.findall(r'name="to_status" value="(\w+)"', form.group(0))) if form else set()


def test_only_allowed_transitions_are_shown(world, client, tickets):
    ticket = _request(world)
    client.force_login(world.assistant)  # dispatcher
    url = reverse("desk:ticket", args=[ticket.pk])
    assert _move_values(client.get(url).content.decode()) == {"assigned", "in_progress", "resolved", "cancelled"}
    services.ticket_transition(ticket=ticket, to_status="resolved", by=world.assistant)
    assert _move_values(client.get(url).content.decode()) == {"closed", "in_progress"}
    engineer = world.users[("engineer", "a")]
    client.force_login(engineer)  # not assigned to him: no buttons, no assign, no priority
    html = client.get(url).content.decode()
    assert _move_values(html) == set() and 'id="assign-form"' not in html and 'id="priority-form"' not in html
    assert 'id="comment-form"' in html


def test_transitions_are_enforced_with_chinese_messages(world, client, tickets):
    ticket = tickets["a"]
    client.force_login(world.assistant)
    url = reverse("desk:ticket-transition", args=[ticket.pk])
    response = client.post(url, {"to_status": "closed"})
    assert response.status_code == 400 and "工单状态不能从“新建”变为“已关闭”" in response.content.decode()
    response = client.post(url, {"to_status": "cancelled", "note": ""})
    assert response.status_code == 400 and "取消工单须填写原因" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.NEW
    client.force_login(world.users[("guard", "a")])  # may handle tickets, but not this one
    response = client.post(url, {"to_status": "in_progress"})
    assert response.status_code == 400 and "只有处理人或派单员可以变更该工单" in response.content.decode()
    client.force_login(world.assistant)
    response = client.post(url, {"to_status": "cancelled", "note": "客户已自行修好"})
    assert response.status_code == 302 and Ticket.objects.get(pk=ticket.pk).status == Status.CANCELLED


def test_assign_then_timeline_reads_who_when_what_before_after(world, client, tickets):
    ticket = tickets["a"]
    engineer = world.users[("engineer", "a")]
    client.force_login(world.assistant)
    detail = client.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    select = re.search(r'<select name="assignee".*?</select>', detail, re.S).group(0)
    # the project's staff who may handle tickets — nobody from project b, no cashier
    assert str(engineer) in select and "工程维修b" not in select and "收银员a" not in select
    response = client.post(
        reverse("desk:ticket-assign", args=[ticket.pk]), {"assignee": engineer.pk, "department": "engineering", "note": "请尽快"}
    )
    assert response.status_code == 302
    client.post(reverse("desk:ticket-priority", args=[ticket.pk]), {"priority": "very_urgent", "reason": "水漫楼下"})
    html = client.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    timeline = re.search(r'<ol class="timeline".*?</ol>', html, re.S).group(0)
    assert "派单" in timeline and f"处理人：— → {engineer}" in timeline and "状态：新建 → 已派单" in timeline
    assert "等级：紧急 → 特急" in timeline and "水漫楼下" in timeline and str(world.assistant) in timeline
    # an assignee from another project is refused on the form
    response = client.post(reverse("desk:ticket-assign", args=[ticket.pk]), {"assignee": world.users[("engineer", "b")].pk})
    assert response.status_code == 400 and "请选择本项目能处理工单的人员" in response.content.decode()


def test_priority_only_from_the_types_list_and_with_a_reason(world, client, tickets):
    client.force_login(world.supervisor)
    url = reverse("desk:ticket-priority", args=[tickets["a"].pk])
    response = client.post(url, {"priority": "major", "reason": "x"})
    assert response.status_code == 400 and "该类型工单的等级只能是" in response.content.decode()
    response = client.post(url, {"priority": "general", "reason": ""})
    assert response.status_code == 400 and "变更等级须填写原因" in response.content.decode()


def test_attachments_upload_and_scoped_download(world, client, tickets):
    client.force_login(world.users[("engineer", "a")])
    url = reverse("desk:ticket-attach", args=[tickets["a"].pk])
    response = client.post(url, {"file": SimpleUploadedFile("漏点.png", PNG, content_type="image/png")})
    assert response.status_code == 302
    attachment = TicketAttachment.objects.get()
    download = client.get(reverse("desk:attachment", args=[attachment.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == PNG
    html = client.get(reverse("desk:ticket", args=[tickets["a"].pk])).content.decode()
    assert "漏点.png" in html and "/media/" not in html
    response = client.post(url, {"file": SimpleUploadedFile("x.png", b"GIF89a....", content_type="image/png")})
    assert response.status_code == 400 and "只接受 PDF、JPEG、PNG" in response.content.decode()
    client.force_login(world.outsider)
    assert client.get(reverse("desk:attachment", args=[attachment.pk])).status_code == 404


# --- the queue ----------------------------------------------------------------------------


def test_queue_orders_by_next_deadline_nulls_last_then_created(world, client):
    now = timezone.now()
    late, soon, none_old, none_new = (_repair(world, title=t) for t in ("迟了", "快了", "无时限旧", "无时限新"))
    Ticket.objects.filter(pk=late.pk).update(next_deadline_at=now - dt.timedelta(hours=2, minutes=5))
    Ticket.objects.filter(pk=soon.pk).update(next_deadline_at=now + dt.timedelta(minutes=25, seconds=30))
    client.force_login(world.assistant)
    html = client.get(reverse("desk:tickets")).content.decode()
    order = [html.index(t.number) for t in (late, soon, none_old, none_new)]
    assert order == sorted(order)
    assert "已超时 2 小时" in html and "还剩 25 分钟" in html


def test_queue_filters(world, client):
    engineer = world.users[("engineer", "a")]
    mine = _repair(world, title="给排水-派给工程")
    services.ticket_assign(ticket=mine, assignee=engineer, by=world.assistant, department="engineering")
    complaint = services.ticket_open(
        project=world.project_a,
        type="complaint",
        title="保安态度差",
        category="attitude",
        by=world.assistant,
        house=world.house_a,
    )
    done = _request(world, title="已修好的灯")
    services.ticket_transition(ticket=done, to_status="resolved", by=world.assistant)
    client.force_login(world.assistant)
    url = reverse("desk:tickets")

    def shown(**params):
        html = client.get(url, params).content.decode()
        return {t.title for t in (mine, complaint, done) if t.number in html}

    assert shown() == {mine.title, complaint.title}  # open ones by default
    assert shown(group="done") == {done.title}
    assert shown(group="all") == {mine.title, complaint.title, done.title}
    assert shown(type="complaint") == {complaint.title}
    assert shown(priority="minor") == {complaint.title}
    assert shown(department="engineering") == {mine.title}
    assert shown(assignee=engineer.pk) == {mine.title}
    assert shown(q="保安") == {complaint.title}
    assert shown(q=complaint.number[:-1], group="all") >= {complaint.title}
    client.force_login(engineer)
    assert shown(mine="true") == {mine.title}
    html = client.get(url, {"type": "complaint"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in html and complaint.number in html


def test_queue_export_is_what_is_shown_with_masked_phones(world, client):
    repair = _repair(world)
    services.ticket_open(
        project=world.project_a, type="complaint", title="噪音", category="other", by=world.assistant, location="中心花园"
    )
    client.force_login(world.assistant)
    response = client.get(reverse("desk:tickets-export"), {"type": "repair"})
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("工单号", "项目", "类型")
    assert [row[0] for row in rows[1:]] == [repair.number]
    assert rows[1][9] == "138****5678" and rows[1][7] == "3-2-1201" and rows[1][3] == "给排水"
    client.force_login(world.users[("engineer", "a")])  # no DATA_EXPORT: header only
    rows = list(load_workbook(BytesIO(client.get(reverse("desk:tickets-export")).content)).active.iter_rows())
    assert len(rows) == 1


def test_queue_query_count_is_locked(world, client, django_assert_max_num_queries):
    engineer = world.users[("engineer", "a")]
    for index in range(30):
        ticket = _repair(world, title=f"报修{index}")
        if index % 2:
            services.ticket_assign(ticket=ticket, assignee=engineer, by=world.assistant)
    client.force_login(world.assistant)
    # session, user, memberships, count, one page (project/house/assignee joined), assignee
    # choices, and the shell's project switcher and notification bell
    with django_assert_max_num_queries(8):
        response = client.get(reverse("desk:tickets"))
    assert response.status_code == 200 and response.content.decode().count("报修") >= 30


# --- the contact log ----------------------------------------------------------------------


def test_contact_list_filters_and_export(world, client):
    yesterday = timezone.now() - dt.timedelta(days=1)
    services.contact_log(
        project=world.project_a,
        channel="visit",
        content="询问装修手续",
        by=world.assistant,
        answer="需先申请",
        received_at=yesterday,
    )
    services.contact_log(
        project=world.project_a,
        channel="phone",
        content="楼道灯不亮",
        by=world.assistant,
        caller_number="13900002222",
        ticket={"type": "repair", "title": "楼道灯不亮", "category": "electrical", "location": "3栋2单元5楼"},
    )
    services.contact_log(project=world.project_b, channel="phone", content="B项目的来电", by=world.outsider, answer="好的")
    client.force_login(world.assistant)
    url = reverse("desk:contacts")
    html = client.get(url).content.decode()
    assert "询问装修手续" in html and "楼道灯不亮" in html and "B项目的来电" not in html
    assert "139****2222" in html and "13900002222" not in html
    assert "询问装修手续" not in client.get(url, {"channel": "phone"}).content.decode()
    assert "楼道灯不亮" not in client.get(url, {"outcome": "answered"}).content.decode()
    today = timezone.localdate().isoformat()
    html = client.get(url, {"date_from": today, "date_to": today}).content.decode()
    assert "楼道灯不亮" in html and "询问装修手续" not in html
    rows = list(
        load_workbook(BytesIO(client.get(reverse("desk:contacts-export"), {"channel": "phone"}).content)).active.iter_rows(
            values_only=True
        )
    )
    assert [row[6] for row in rows[1:]] == ["楼道灯不亮"] and rows[1][3] == "139****2222"


# --- 我的工单 -----------------------------------------------------------------------------


def test_mine_lists_my_tickets_and_starts_and_resolves_them(world, client, tickets):
    engineer = world.users[("engineer", "a")]
    tickets = {"a": _request(world, title="更换楼道灯管")}
    services.ticket_assign(ticket=tickets["a"], assignee=engineer, by=world.assistant)
    other = _repair(world, title="别人的")
    services.ticket_assign(ticket=other, assignee=world.users[("guard", "a")], by=world.assistant)
    client.force_login(engineer)
    url = reverse("desk:mine")
    html = client.get(url).content.decode()
    assert tickets["a"].number in html and other.number not in html and 'value="in_progress"' in html
    transition = reverse("desk:ticket-transition", args=[tickets["a"].pk])
    assert client.post(transition, {"to_status": "in_progress", "next": url})["Location"] == url
    html = client.get(url).content.decode()
    assert 'value="in_progress"' not in html and 'value="resolved"' in html
    # a refused move comes back to the list as a message
    response = client.post(transition, {"to_status": "closed", "next": url}, follow=True)
    assert "工单状态不能从“处理中”变为“已关闭”" in response.content.decode()
    client.post(transition, {"to_status": "resolved", "note": "更换三通，已试水", "next": url})
    assert tickets["a"].number not in client.get(url).content.decode()
    kinds = [(e.after.get("status"), e.actor) for e in TicketEvent.objects.filter(ticket=tickets["a"], kind="status")]
    assert kinds == [("in_progress", engineer), ("resolved", engineer)]


def _card(html: str, ticket: Ticket) -> str:
    """The card of `ticket` on 我的工单 ("" when it is not listed)."""
    found = re.search(rf'<article class="card mine-ticket" id="mine-{ticket.pk}">.*?</article>', html, re.S)
    return found.group(0) if found else ""


def _paid_repair_quoted(world, engineer) -> Ticket:
    """A paid repair assigned to `engineer`, quoted but not yet accepted by the customer (REP-4)."""
    ticket = _repair(world, title="更换水龙头（有偿）", priority="general")
    labour = PriceItem.objects.create(
        project=world.project_a, kind="labour", trade="plumbing", name="更换水龙头", unit="次", unit_price="30.00"
    )
    repairs.work_order_prepare(ticket=ticket, by=world.assistant, paid=True)
    repairs.work_order_quote(ticket=ticket, lines=[(labour, "1")], by=world.assistant)
    services.ticket_assign(ticket=ticket, assignee=engineer, by=world.assistant)
    return ticket


def test_mine_shows_every_type_and_repairs_as_their_work_orders(world, client):
    """One 我的工单: a request with its start button; a repair with its on-site promise,
    the visit facts, 到场 — held while a paid quote waits for the customer — and, on site,
    完工 on the work order (never a bare resolve, REP-6)."""
    engineer = world.users[("engineer", "a")]
    request = _request(world, title="更换楼道灯管")
    urgent = _repair(world, title="卫生间水管漏水")
    visit = _repair(world, title="厨房下水慢", priority="general")
    start = timezone.now() + dt.timedelta(days=1)
    repairs.work_order_prepare(
        ticket=visit,
        by=world.assistant,
        appointment_start=start,
        appointment_end=start + dt.timedelta(hours=2),
        someone_home=False,
        spare_key_allowed=True,
    )
    for ticket in (request, urgent, visit):
        services.ticket_assign(ticket=ticket, assignee=engineer, by=world.assistant)
    quoted = _paid_repair_quoted(world, engineer)
    on_site = _repair(world, title="阳台地漏堵塞")
    services.ticket_assign(ticket=on_site, assignee=engineer, by=world.assistant)
    repairs.work_order_arrive(ticket=on_site, by=engineer)
    client.force_login(engineer)
    html = client.get(reverse("desk:mine")).content.decode()

    card = _card(html, request)
    assert 'value="in_progress"' in card and reverse("repairs:order", args=[request.pk]) not in card
    card = _card(html, urgent)
    assert "15 分钟内到场" in card and "3-2-1201" in card and "138****5678" in card
    assert reverse("repairs:arrive", args=[urgent.pk]) in card and 'value="in_progress"' not in card
    assert f"{reverse('repairs:order', args=[urgent.pk])}#complete" not in card
    card = _card(html, visit)
    assert f"按预约时间 {timezone.localtime(start):%m-%d %H:%M} 到场" in card
    assert "家中无人" in card and "可用备用钥匙" in card
    card = _card(html, quoted)
    assert "客户确认报价后才能开工" in card and f"{reverse('repairs:order', args=[quoted.pk])}#quote" in card
    assert reverse("repairs:arrive", args=[quoted.pk]) not in card and "有偿" in card
    card = _card(html, on_site)
    assert f"{reverse('repairs:order', args=[on_site.pk])}#complete" in card
    assert reverse("repairs:arrive", args=[on_site.pk]) not in card and 'value="resolved"' not in card
    assert reverse("repairs:pool") in html  # engineers grab from the pool


def test_mine_arrive_from_the_list_records_the_arrival_and_comes_back(world, client, tickets):
    engineer = world.users[("engineer", "a")]
    services.ticket_assign(ticket=tickets["a"], assignee=engineer, by=world.assistant)
    client.force_login(engineer)
    url = reverse("desk:mine")
    response = client.post(reverse("repairs:arrive", args=[tickets["a"].pk]), {"next": url}, follow=True)
    assert response.redirect_chain == [(url, 302)] and "已登记到场" in response.content.decode()
    card = _card(response.content.decode(), tickets["a"])
    assert "处理中" in card and reverse("repairs:arrive", args=[tickets["a"].pk]) not in card
    assert WorkOrder.objects.get(pk=tickets["a"].pk).arrived_at is not None


def test_mine_shows_the_pool_only_to_those_who_grab(world, client):
    client.force_login(world.users[("guard", "a")])
    html = client.get(reverse("desk:mine")).content.decode()
    assert f'href="{reverse("repairs:pool")}"' not in html.split('<main class="content">')[1]
    assert "目前没有派给您的未完成工单" in html


def test_mine_is_the_only_my_tickets_page(world, client):
    client.force_login(world.users[("engineer", "a")])
    assert client.get("/repairs/mine/").status_code == 404
    with pytest.raises(NoReverseMatch):
        reverse("repairs:mine")


def test_mine_query_count_is_locked(world, client, django_assert_max_num_queries):
    engineer = world.users[("engineer", "a")]
    for index in range(10):
        ticket = _repair(world, title=f"报修{index}") if index % 2 else _request(world, title=f"需求{index}")
        services.ticket_assign(ticket=ticket, assignee=engineer, by=world.assistant)
    _paid_repair_quoted(world, engineer)
    client.force_login(engineer)
    # session, user, memberships, the tickets with their work orders, the pool count, and
    # the shell's project switcher and notification bell
    with django_assert_max_num_queries(7):
        response = client.get(reverse("desk:mine"))
    assert response.status_code == 200 and response.content.decode().count('class="card mine-ticket"') == 11


# --- the house page section ---------------------------------------------------------------


def test_house_section_shows_recent_tickets_and_contacts(world, client, tickets):
    services.contact_log(
        project=world.project_a, channel="phone", content="问物业费", by=world.assistant, house=world.house_a, answer="2元/m²"
    )
    client.force_login(world.users[("cleaner", "a")])  # may see tickets, not persons
    html = client.get(reverse("estate:house", args=[world.house_a.pk])).content.decode()
    assert 'id="section-tickets"' in html and "工单与来电" in html
    assert tickets["a"].number in html and "问物业费" in html and tickets["b"].title not in html
    assert html.index('id="section-tickets"') < html.index('id="section-parking"')
    client.force_login(world.assistant)
    html = client.get(reverse("estate:house", args=[world.house_a.pk])).content.decode()
    assert html.index('id="section-archive"') < html.index('id="section-tickets"')
    assert f"{reverse('desk:contact-new')}?house={world.house_a.pk}" in html


def test_nav_links_to_the_desk(world, client):
    client.force_login(world.assistant)
    html = client.get(reverse("core:home")).content.decode()
    for name in ("desk:contact-new", "desk:contacts", "desk:tickets", "desk:mine"):
        assert f'href="{reverse(name)}"' in html


def test_rep6_repairs_finish_on_their_work_order_not_with_a_bare_button(world, client, tickets):
    engineer = world.users[("engineer", "a")]
    services.ticket_assign(ticket=tickets["a"], assignee=engineer, by=world.assistant)
    services.ticket_transition(ticket=tickets["a"], to_status="in_progress", by=engineer)
    client.force_login(engineer)
    html = client.get(reverse("desk:mine")).content.decode()
    assert reverse("repairs:order", args=[tickets["a"].pk]) in html and 'value="resolved"' not in html
    html = client.get(reverse("desk:ticket", args=[tickets["a"].pk])).content.decode()
    assert reverse("repairs:print", args=[tickets["a"].pk]) in html and 'value="resolved"' not in html
