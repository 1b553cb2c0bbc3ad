"""Service-desk API shapes (style practice 7): `…Input` shapes what a call takes (the
rules live in services), `…Output` what it returns. Phones always leave masked (ARC-5)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from propdesk.core.api import InputSerializer
from propdesk.core.masking import mask_phone
from propdesk.desk import selectors
from propdesk.desk.choices import TRANSITIONS, Channel, Department, Priority, Status, TicketType
from propdesk.desk.models import Contact, Ticket, TicketAttachment, TicketEvent

# --- output -------------------------------------------------------------------------------


class TicketOutput(serializers.ModelSerializer):
    """A ticket as listed: labels beside codes, the reporter's phone masked, and the
    statuses the state machine allows next (whether the caller may make them is a
    matter of role and assignment)."""

    project_name = serializers.CharField(source="project.name", read_only=True)
    type_display = serializers.CharField(source="get_type_display", read_only=True)
    category_display = serializers.SerializerMethodField()
    priority_display = serializers.CharField(source="get_priority_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    status_colour = serializers.CharField(read_only=True)
    is_open = serializers.BooleanField(read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    department_display = serializers.CharField(source="get_department_display", read_only=True)
    house_code = serializers.SerializerMethodField()
    place = serializers.CharField(read_only=True)
    reporter_phone = serializers.SerializerMethodField(help_text=_("脱敏显示"))
    assignee_name = serializers.SerializerMethodField()
    next_statuses = serializers.SerializerMethodField(help_text=_("状态机允许的下一状态"))

    class Meta:
        model = Ticket
        fields = [
            "id",
            "project",
            "project_name",
            "number",
            "type",
            "type_display",
            "category",
            "category_display",
            "priority",
            "priority_display",
            "status",
            "status_display",
            "status_colour",
            "is_open",
            "title",
            "description",
            "channel",
            "channel_display",
            "house",
            "house_code",
            "location",
            "place",
            "reporter",
            "reporter_name",
            "reporter_phone",
            "receiver",
            "department",
            "department_display",
            "assignee",
            "assignee_name",
            "created_at",
            "resolved_at",
            "closed_at",
            "next_deadline_at",
            "next_statuses",
        ]
        read_only_fields = fields

    def get_category_display(self, ticket: Ticket) -> str:
        return selectors.category_label(ticket.type, ticket.category)

    def get_house_code(self, ticket: Ticket) -> str:
        return ticket.house.code if ticket.house_id else ""

    def get_reporter_phone(self, ticket: Ticket) -> str:
        return mask_phone(ticket.reporter_phone)

    def get_assignee_name(self, ticket: Ticket) -> str:
        return str(ticket.assignee) if ticket.assignee_id else ""

    def get_next_statuses(self, ticket: Ticket) -> list[str]:
        return [s for s in Status.values if s in TRANSITIONS[ticket.status]]


class ChangeOutput(serializers.Serializer):
    label = serializers.CharField()
    before = serializers.CharField()
    after = serializers.CharField()


class TicketEventOutput(serializers.ModelSerializer):
    """One timeline entry: the raw before/after and the same change in words."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    actor_name = serializers.SerializerMethodField()
    changes = serializers.SerializerMethodField()

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "kind_display", "actor", "actor_name", "at", "before", "after", "note", "changes"]
        read_only_fields = fields

    def get_actor_name(self, event: TicketEvent) -> str:
        return str(event.actor) if event.actor_id else ""

    def get_changes(self, event: TicketEvent) -> list[dict]:
        changes = self.context.get("changes", {}).get(event.pk, [])
        return ChangeOutput(changes, many=True).data


class TicketAttachmentOutput(serializers.ModelSerializer):
    uploaded_by_name = serializers.CharField(source="uploaded_by", read_only=True)

    class Meta:
        model = TicketAttachment
        fields = ["id", "original_name", "content_type", "size", "uploaded_by", "uploaded_by_name", "uploaded_at"]
        read_only_fields = fields


class TicketDetailOutput(TicketOutput):
    """A ticket with its timeline and attachments."""

    events = serializers.SerializerMethodField()
    attachments = TicketAttachmentOutput(many=True, read_only=True)

    class Meta(TicketOutput.Meta):
        fields = [*TicketOutput.Meta.fields, "events", "attachments"]
        read_only_fields = fields

    def get_events(self, ticket: Ticket) -> list[dict]:
        return events_data(ticket)


def events_data(ticket: Ticket) -> list[dict]:
    entries = selectors.timeline(ticket)
    changes = {entry.event.pk: entry.changes for entry in entries}
    return TicketEventOutput([entry.event for entry in entries], many=True, context={"changes": changes}).data


class ContactOutput(serializers.ModelSerializer):
    """A call or visit (DESK-1) with the caller number masked."""

    project_name = serializers.CharField(source="project.name", read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)
    caller_number = serializers.SerializerMethodField(help_text=_("脱敏显示"))
    house_code = serializers.SerializerMethodField()
    ticket_number = serializers.SerializerMethodField()
    receiver_name = serializers.CharField(source="receiver", read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "project",
            "project_name",
            "channel",
            "channel_display",
            "received_at",
            "caller_number",
            "caller_name",
            "person",
            "house",
            "house_code",
            "content",
            "read_back",
            "outcome",
            "outcome_display",
            "answer",
            "ticket",
            "ticket_number",
            "receiver",
            "receiver_name",
        ]
        read_only_fields = fields

    def get_caller_number(self, contact: Contact) -> str:
        return mask_phone(contact.caller_number)

    def get_house_code(self, contact: Contact) -> str:
        return contact.house.code if contact.house_id else ""

    def get_ticket_number(self, contact: Contact) -> str:
        return contact.ticket.number if contact.ticket_id else ""


# --- input --------------------------------------------------------------------------------


class TicketFieldsInput(InputSerializer):
    """The fields of a new ticket (ticket_open); the type decides which categories and
    priorities are allowed (CMP-3, CMP-5, REP-2)."""

    type = serializers.ChoiceField(label=_("工单类型"), choices=TicketType.choices)
    title = serializers.CharField(label=_("工单摘要"), max_length=120)
    description = serializers.CharField(label=_("内容"), allow_blank=True, required=False, max_length=4000)
    priority = serializers.ChoiceField(label=_("等级"), choices=Priority.choices, required=False)
    category = serializers.CharField(label=_("分类"), max_length=20, allow_blank=True, required=False)
    department = serializers.ChoiceField(label=_("责任部门"), choices=Department.choices, allow_blank=True, required=False)
    location = serializers.CharField(label=_("公共区域/位置"), max_length=120, allow_blank=True, required=False)


class TicketOpenInput(TicketFieldsInput):
    """A ticket opened directly (not from a contact). The project is the house's or the
    reporter's when one is given."""

    project = serializers.IntegerField(label=_("项目"), min_value=1, required=False)
    channel = serializers.ChoiceField(label=_("来源渠道"), choices=Channel.choices, required=False)
    house = serializers.IntegerField(label=_("房屋"), min_value=1, required=False, allow_null=True)
    reporter = serializers.IntegerField(label=_("报告人"), min_value=1, required=False, allow_null=True)
    reporter_name = serializers.CharField(label=_("报告人姓名"), max_length=50, allow_blank=True, required=False)
    reporter_phone = serializers.CharField(label=_("联系电话"), max_length=20, allow_blank=True, required=False)


class ContactCreateInput(InputSerializer):
    """A call or visit (DESK-1). It ends one way: `answer`, a new `ticket`, or joined to an
    `existing_ticket`."""

    project = serializers.IntegerField(label=_("项目"), min_value=1, required=False)
    channel = serializers.ChoiceField(label=_("渠道"), choices=Channel.choices)
    received_at = serializers.DateTimeField(label=_("来电/来访时间"), required=False)
    caller_number = serializers.CharField(label=_("来电号码"), max_length=20, allow_blank=True, required=False)
    caller_name = serializers.CharField(label=_("客户姓名"), max_length=50, allow_blank=True, required=False)
    person = serializers.IntegerField(label=_("客户"), min_value=1, required=False, allow_null=True)
    house = serializers.IntegerField(label=_("房屋"), min_value=1, required=False, allow_null=True)
    content = serializers.CharField(label=_("内容"), max_length=4000)
    read_back = serializers.CharField(label=_("复述确认"), allow_blank=True, required=False, max_length=4000)
    answer = serializers.CharField(label=_("答复内容"), allow_blank=True, required=False, max_length=4000)
    ticket = TicketFieldsInput(label=_("工单"), required=False)
    existing_ticket = serializers.IntegerField(label=_("并入工单"), min_value=1, required=False, allow_null=True)


class TransitionInput(InputSerializer):
    to_status = serializers.ChoiceField(label=_("目标状态"), choices=Status.choices)
    note = serializers.CharField(label=_("说明"), allow_blank=True, required=False, max_length=2000)


class AssignInput(InputSerializer):
    assignee = serializers.IntegerField(label=_("处理人"), min_value=1)
    department = serializers.ChoiceField(label=_("责任部门"), choices=Department.choices, allow_blank=True, required=False)
    note = serializers.CharField(label=_("说明"), allow_blank=True, required=False, max_length=2000)


class PriorityInput(InputSerializer):
    priority = serializers.ChoiceField(label=_("等级"), choices=Priority.choices)
    reason = serializers.CharField(label=_("原因"), allow_blank=True, required=False, max_length=2000)


class CommentInput(InputSerializer):
    note = serializers.CharField(label=_("备注"), allow_blank=True, max_length=4000)
