"""Service-desk API shapes (style practice 7): `…Input` shapes what a call takes (the
rules live in services), `…Output` what it returns. Phones always leave masked (ARC-5)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from propdesk.core.api import BuiltFieldsOnce, InputSerializer
from propdesk.core.masking import mask_phone
from propdesk.desk import repairs, selectors
from propdesk.desk.choices import TRANSITIONS, Channel, Department, Escalation, LineStage, Priority, Status, TicketType
from propdesk.desk.models import (
    Contact,
    DutyShift,
    EmergencyCheck,
    EmergencyDetail,
    Ticket,
    TicketAttachment,
    TicketEvent,
    WorkOrder,
    WorkOrderLine,
)
from propdesk.desk.repair_forms import SIGNATURE_DATA_URL_MAX

# --- output -------------------------------------------------------------------------------


class TicketOutput(BuiltFieldsOnce, serializers.ModelSerializer):
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


class TicketEventOutput(BuiltFieldsOnce, serializers.ModelSerializer):
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


class TicketAttachmentOutput(BuiltFieldsOnce, serializers.ModelSerializer):
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


# --- work orders (报修·派工, REP-1…7) -------------------------------------------------------


class WorkOrderLineOutput(serializers.ModelSerializer):
    """One priced line: quantity × unit price = amount (yuan, as strings)."""

    kind = serializers.CharField(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = WorkOrderLine
        fields = ["id", "price_item", "kind", "kind_display", "name", "unit", "quantity", "unit_price", "amount"]
        read_only_fields = fields


class WorkOrderOutput(serializers.ModelSerializer):
    """A repair's work order (派工单): the appointment facts (REP-1), the current quote and
    whether the customer accepted it (REP-4), the pool (REP-5), arrival and completion with
    the final lines and charge (REP-6/7), the temporary measure and the escalation (REP-6).
    A repair not yet prepared answers with the blank order."""

    ticket_number = serializers.CharField(source="ticket.number", read_only=True)
    ticket_status = serializers.CharField(source="ticket.status", read_only=True)
    ticket_status_display = serializers.CharField(source="ticket.get_status_display", read_only=True)
    assignee = serializers.IntegerField(source="ticket.assignee_id", read_only=True, allow_null=True)
    assignee_name = serializers.SerializerMethodField()
    promise = serializers.SerializerMethodField(help_text=_("到场承诺（REP-2）"))
    quote_lines = serializers.SerializerMethodField()
    quote_accepted = serializers.BooleanField(read_only=True)
    signed = serializers.SerializerMethodField(help_text=_("已有客户签名"))
    final_lines = serializers.SerializerMethodField()
    escalated_to = serializers.CharField(read_only=True)
    escalated_to_display = serializers.CharField(source="get_escalated_to_display", read_only=True)

    class Meta:
        model = WorkOrder
        fields = [
            "ticket",
            "ticket_number",
            "ticket_status",
            "ticket_status_display",
            "assignee",
            "assignee_name",
            "promise",
            "appointment_start",
            "appointment_end",
            "someone_home",
            "spare_key_allowed",
            "paid",
            "quote_version",
            "quote_lines",
            "quote_total",
            "quote_accepted",
            "quote_accepted_at",
            "quote_accepted_by",
            "pool_open",
            "pooled_at",
            "grabbed_at",
            "arrived_at",
            "completed_at",
            "completion_note",
            "signed",
            "confirmed_by_name",
            "final_version",
            "final_lines",
            "final_charge",
            "temporary_measure",
            "temporary_measure_at",
            "escalated_to",
            "escalated_to_display",
            "escalation_note",
            "escalated_at",
        ]
        read_only_fields = fields

    def get_assignee_name(self, work_order: WorkOrder) -> str:
        return str(work_order.ticket.assignee) if work_order.ticket.assignee_id else ""

    def get_promise(self, work_order: WorkOrder) -> str:
        return repairs.onsite_promise(work_order.ticket, work_order)

    @extend_schema_field(WorkOrderLineOutput(many=True))
    def get_quote_lines(self, work_order: WorkOrder) -> list[dict]:
        return WorkOrderLineOutput(work_order.lines_of(LineStage.QUOTE), many=True).data if work_order.quote_version else []

    def get_signed(self, work_order: WorkOrder) -> bool:
        return bool(work_order.signature)

    @extend_schema_field(WorkOrderLineOutput(many=True))
    def get_final_lines(self, work_order: WorkOrder) -> list[dict]:
        return WorkOrderLineOutput(work_order.lines_of(LineStage.FINAL), many=True).data if work_order.final_version else []


class PoolOrderOutput(TicketOutput):
    """A repair waiting in the open pool (抢单池): the ticket, since when it waits, the
    on-site promise, and whether the caller may grab it (engineering technicians)."""

    pooled_at = serializers.DateTimeField(source="work_order.pooled_at", read_only=True)
    promise = serializers.SerializerMethodField(help_text=_("到场承诺（REP-2）"))
    can_grab = serializers.SerializerMethodField(help_text=_("调用者可以抢单"))

    class Meta(TicketOutput.Meta):
        fields = [*TicketOutput.Meta.fields, "pooled_at", "promise", "can_grab"]
        read_only_fields = fields

    def get_promise(self, ticket: Ticket) -> str:
        return repairs.onsite_promise(ticket, ticket.work_order)

    def get_can_grab(self, ticket: Ticket) -> bool:
        return ticket.project_id in self.context.get("grab_project_ids", ())


class WorkOrderPrepareInput(InputSerializer):
    """REP-1, the whole set each time (a field left out is cleared): the appointment slot,
    someone home, the spare key, free or paid (REP-4)."""

    appointment_start = serializers.DateTimeField(label=_("预约开始"), required=False, allow_null=True)
    appointment_end = serializers.DateTimeField(label=_("预约结束"), required=False, allow_null=True)
    someone_home = serializers.BooleanField(label=_("家中是否有人"), required=False, allow_null=True, default=None)
    spare_key_allowed = serializers.BooleanField(label=_("可使用备用钥匙入户"), default=False)
    paid = serializers.BooleanField(label=_("有偿服务（保修期外入户维修）"), default=False)


class QuoteLineInput(InputSerializer):
    price_item = serializers.IntegerField(label=_("价目"), min_value=1)
    quantity = serializers.DecimalField(label=_("数量"), max_digits=10, decimal_places=2)


class WorkOrderQuoteInput(InputSerializer):
    """A quote from the project's published price list (REP-4); each call is a new version."""

    lines = QuoteLineInput(label=_("报价明细"), many=True)


class WorkOrderAcceptInput(InputSerializer):
    accepted_by = serializers.CharField(label=_("确认报价的客户姓名"), allow_blank=True, max_length=50)


class WorkOrderArriveInput(InputSerializer):
    at = serializers.DateTimeField(label=_("到场时间"), required=False, help_text=_("默认为现在"))


class MaterialInput(InputSerializer):
    """A price-list item (charged at its published price), or a named material with its
    unit price."""

    price_item = serializers.IntegerField(label=_("价目"), min_value=1, required=False, allow_null=True)
    name = serializers.CharField(label=_("材料名称"), max_length=80, allow_blank=True, required=False)
    quantity = serializers.DecimalField(label=_("数量"), max_digits=10, decimal_places=2)
    unit_price = serializers.DecimalField(label=_("单价"), max_digits=10, decimal_places=2, required=False, allow_null=True)


class WorkOrderCompleteInput(InputSerializer):
    """Completion (REP-6/7): for a house the customer's signature, a PNG as base64 (a
    `data:image/png;base64,…` URL or the bare base64); for a common area the name of the
    reporter or assistant who confirms."""

    note = serializers.CharField(label=_("维修情况"), allow_blank=True, max_length=4000)
    materials = MaterialInput(label=_("材料及人工"), many=True, required=False)
    signature = serializers.CharField(
        label=_("客户签名"), allow_blank=True, required=False, max_length=SIGNATURE_DATA_URL_MAX, help_text=_("PNG，base64")
    )
    confirmed_by_name = serializers.CharField(label=_("报告人确认"), allow_blank=True, required=False, max_length=50)


class WorkOrderMeasureInput(InputSerializer):
    measure = serializers.CharField(label=_("临时措施"), allow_blank=True, max_length=4000)


class WorkOrderEscalateInput(InputSerializer):
    to = serializers.ChoiceField(label=_("上报对象"), choices=Escalation.choices)
    note = serializers.CharField(label=_("上报说明"), allow_blank=True, max_length=4000)


# --- emergencies (紧急求助, DESK-7/INC-4) and the duty roster ---------------------------------


class PersonRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class EmergencyCheckOutput(serializers.ModelSerializer):
    done_by_name = serializers.SerializerMethodField()

    class Meta:
        model = EmergencyCheck
        fields = ["position", "text", "done_at", "done_by", "done_by_name"]
        read_only_fields = fields

    def get_done_by_name(self, check: EmergencyCheck) -> str:
        return str(check.done_by) if check.done_by_id else ""


class EmergencyOutput(serializers.ModelSerializer):
    """An emergency (DESK-7): its kind and the plan it follows, the department that
    answers, whom the one click notified and when, the plan's checklist as copied onto the
    ticket (each step with who ticked it and when), and the written summary (INC-4)."""

    ticket_number = serializers.CharField(source="ticket.number", read_only=True)
    ticket_status = serializers.CharField(source="ticket.status", read_only=True)
    ticket_status_display = serializers.CharField(source="ticket.get_status_display", read_only=True)
    kind = serializers.CharField(source="ticket.category", read_only=True)
    kind_display = serializers.SerializerMethodField()
    department = serializers.CharField(source="ticket.department", read_only=True)
    department_display = serializers.CharField(source="ticket.get_department_display", read_only=True)
    responders = serializers.SerializerMethodField()
    checklist = serializers.SerializerMethodField()
    summary_by_name = serializers.SerializerMethodField()

    class Meta:
        model = EmergencyDetail
        fields = [
            "ticket",
            "ticket_number",
            "ticket_status",
            "ticket_status_display",
            "kind",
            "kind_display",
            "plan",
            "department",
            "department_display",
            "notified_at",
            "responders",
            "checklist",
            "summary",
            "summary_at",
            "summary_by",
            "summary_by_name",
        ]
        read_only_fields = fields

    def get_kind_display(self, detail: EmergencyDetail) -> str:
        return selectors.category_label(detail.ticket.type, detail.ticket.category)

    @extend_schema_field(PersonRefOutput(many=True))
    def get_responders(self, detail: EmergencyDetail) -> list[dict]:
        return [{"id": user.pk, "name": str(user)} for user in sorted(detail.responders.all(), key=lambda u: u.pk)]

    @extend_schema_field(EmergencyCheckOutput(many=True))
    def get_checklist(self, detail: EmergencyDetail) -> list[dict]:
        return EmergencyCheckOutput(detail.ticket.emergency_checks.all(), many=True).data

    def get_summary_by_name(self, detail: EmergencyDetail) -> str:
        return str(detail.summary_by) if detail.summary_by_id else ""


class EmergencyCheckInput(InputSerializer):
    position = serializers.IntegerField(label=_("步骤序号"), min_value=1)


class EmergencyInformInput(InputSerializer):
    note = serializers.CharField(label=_("告知来电人的内容"), allow_blank=True, max_length=2000)


class EmergencySummaryInput(InputSerializer):
    summary = serializers.CharField(label=_("书面总结"), allow_blank=True, max_length=4000)


class DutyShiftOutput(serializers.ModelSerializer):
    """One shift of the duty roster (值班表)."""

    project_name = serializers.CharField(source="project.name", read_only=True)
    department_display = serializers.CharField(source="get_department_display", read_only=True)
    user_name = serializers.CharField(source="user", read_only=True)
    created_by_name = serializers.CharField(source="created_by", read_only=True)

    class Meta:
        model = DutyShift
        fields = [
            "id",
            "project",
            "project_name",
            "department",
            "department_display",
            "user",
            "user_name",
            "starts_at",
            "ends_at",
            "created_by",
            "created_by_name",
            "created_at",
        ]
        read_only_fields = fields


class DutyShiftCreateInput(InputSerializer):
    """A shift, and the same hours on each of the following `repeat_days - 1` days."""

    project = serializers.IntegerField(label=_("项目"), min_value=1)
    department = serializers.ChoiceField(label=_("部门"), choices=Department.choices)
    user = serializers.IntegerField(label=_("值班人"), min_value=1)
    starts_at = serializers.DateTimeField(label=_("开始时间"))
    ends_at = serializers.DateTimeField(label=_("结束时间"))
    repeat_days = serializers.IntegerField(label=_("连续天数"), default=1)
