"""The one ticket engine (工单): every contact (来电来访) and every ticket of any type, with
an append-only timeline. Type-specific details (complaint classification, repair work
orders) hang off Ticket one-to-one; SLA clocks live in the sla app."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from propdesk.core.models import ProjectScopedModel
from propdesk.desk.choices import (
    OPEN_STATUSES,
    STATUS_COLOURS,
    WORK_ORDER_TYPES,
    Channel,
    ContactOutcome,
    Department,
    EmergencyKind,
    Escalation,
    EventKind,
    LineStage,
    PriceKind,
    Priority,
    RepairTrade,
    Status,
    TicketType,
    Validity,
)


class Ticket(ProjectScopedModel):
    """A ticket (工单) of any type: inquiry, request, suggestion, complaint, repair, paid
    service, emergency, praise. Status changes only through desk.services.ticket_transition."""

    number = models.CharField(_("工单号"), max_length=20)
    type = models.CharField(_("类型"), max_length=12, choices=TicketType.choices)
    category = models.CharField(_("分类"), max_length=20, blank=True)
    priority = models.CharField(_("等级"), max_length=12, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.NEW)
    title = models.CharField(_("摘要"), max_length=120)
    description = models.TextField(_("内容"), blank=True)
    channel = models.CharField(_("来源渠道"), max_length=10, choices=Channel.choices, default=Channel.PHONE)
    # house and assignee: no index of their own — ticket_house_idx and ticket_assignee_idx
    # lead with them, and every ticket INSERT maintains each index of this big table.
    house = models.ForeignKey(
        "estate.House",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("房屋"),
        db_index=False,
    )
    location = models.CharField(_("公共区域/位置"), max_length=120, blank=True)
    reporter = models.ForeignKey(
        "residents.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="tickets", verbose_name=_("报告人")
    )
    reporter_name = models.CharField(_("报告人姓名"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("首问责任人")
    )
    department = models.CharField(_("责任部门"), max_length=20, choices=Department.choices, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
        db_index=False,
    )
    created_at = models.DateTimeField(_("受理时间"))
    resolved_at = models.DateTimeField(_("处理完成时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    # The earliest deadline of the ticket's running SLA clocks, kept by the sla app so that
    # queues sort and filter on one indexed column.
    next_deadline_at = models.DateTimeField(_("最近时限"), null=True, blank=True)

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="ticket_number_unique")]
        indexes = [
            models.Index(fields=["project", "status", "next_deadline_at"], name="ticket_queue_idx"),
            # The open queue in queue order (desk.selectors.QUEUE_ORDER), open tickets only:
            # the first page over many projects (head office) is read in index order and
            # joined 50 rows at a time instead of joining and sorting every open ticket.
            models.Index(
                fields=["next_deadline_at", "created_at", "id"],
                condition=Q(status__in=[s.value for s in Status if s in OPEN_STATUSES]),
                name="ticket_open_queue_idx",
            ),
            models.Index(fields=["project", "type", "created_at"], name="ticket_type_idx"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_idx"),
            models.Index(fields=["house", "created_at"], name="ticket_house_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS[Status(self.status)]

    @property
    def place(self) -> str:
        return self.house.code if self.house_id else self.location

    @property
    def has_work_order(self) -> bool:
        """Repairs and special services are dispatched on a work order (派工单)."""
        return self.type in WORK_ORDER_TYPES


class TicketEvent(ProjectScopedModel):
    """One entry of a ticket's timeline (who, when, what, before → after). Append-only:
    never edited or deleted; statistics and SLA facts read these rows."""

    # No index of its own: ticket_event_idx (ticket, at) leads with it.
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events", db_index=False)
    kind = models.CharField(_("事件"), max_length=12, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("操作人")
    )
    at = models.DateTimeField(_("时间"))
    before = models.JSONField(_("变更前"), default=dict, blank=True)
    after = models.JSONField(_("变更后"), default=dict, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("工单事件")
        verbose_name_plural = _("工单事件")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_idx")]


class TicketAttachment(ProjectScopedModel):
    """A photo or document on a ticket (checked by content like archive scans)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("文件"), upload_to="tickets/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=50)
    size = models.PositiveIntegerField(_("大小(字节)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("工单附件")
        verbose_name_plural = _("工单附件")
        ordering = ["uploaded_at", "id"]


class Contact(ProjectScopedModel):
    """One call or visit at the service centre (客户来电来访记录, DESK-1): channel, time,
    caller number, person, house, content, the read-back confirmed with the customer, and
    how it ended (answered on the spot, or a ticket)."""

    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    received_at = models.DateTimeField(_("来电/来访时间"))
    caller_number = models.CharField(_("来电号码"), max_length=20, blank=True)
    person = models.ForeignKey(
        "residents.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="contacts", verbose_name=_("客户")
    )
    caller_name = models.CharField(_("客户姓名"), max_length=50, blank=True)
    house = models.ForeignKey(
        "estate.House", on_delete=models.PROTECT, null=True, blank=True, related_name="contacts", verbose_name=_("房屋")
    )
    content = models.TextField(_("内容"))
    read_back = models.TextField(_("复述确认"), blank=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=ContactOutcome.choices)
    answer = models.TextField(_("答复内容"), blank=True)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="contacts", verbose_name=_("工单")
    )
    referred_to = models.ForeignKey(
        "desk.ServiceProvider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("转介服务商"),
    )
    receiver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("接待人"))

    class Meta:
        verbose_name = _("来电来访记录")
        verbose_name_plural = _("来电来访记录")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["project", "received_at"], name="contact_time_idx"),
            models.Index(fields=["house", "received_at"], name="contact_house_idx"),
            models.Index(fields=["person", "received_at"], name="contact_person_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=[ContactOutcome.ANSWERED, ContactOutcome.REFERRED]) | Q(ticket__isnull=False),
                name="contact_ticket_unless_answered",
            ),
            models.CheckConstraint(
                condition=~Q(outcome=ContactOutcome.REFERRED) | Q(referred_to__isnull=False), name="contact_referral_provider"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.received_at:%Y-%m-%d %H:%M}"


class Happening(ProjectScopedModel):
    """One happening several customers complain about (同一事件, CMP-5): linking complaints
    here counts distinct complainants; at MAJOR_COMPLAINANTS all become major, once."""

    title = models.CharField(_("事件"), max_length=120)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))
    promoted_at = models.DateTimeField(_("升级为重大投诉时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("投诉事件")
        verbose_name_plural = _("投诉事件")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class ComplaintDetail(models.Model):
    """What a complaint adds to its ticket (CMP-2, CMP-4, CMP-8): who or which department
    is complained about, what the customer asks for, the supervisor's classification, and
    the recorded handling steps."""

    ticket = models.OneToOneField(Ticket, on_delete=models.PROTECT, related_name="complaint", primary_key=True)
    complained_department = models.CharField(_("被投诉部门"), max_length=20, choices=Department.choices, blank=True)
    complained_person = models.CharField(_("被投诉人"), max_length=50, blank=True)
    customer_demand = models.TextField(_("客户要求"), blank=True)
    validity = models.CharField(_("定性"), max_length=10, choices=Validity.choices, default=Validity.PENDING)
    explanation = models.TextField(_("向客户的解释"), blank=True)
    classified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("定性人")
    )
    classified_at = models.DateTimeField(_("定性时间"), null=True, blank=True)
    happening = models.ForeignKey(
        Happening, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints", verbose_name=_("同一事件")
    )
    opinion = models.TextField(_("客服主管处理意见"), blank=True)
    handling = models.TextField(_("责任部门处理情况"), blank=True)
    result_told = models.TextField(_("处理结果告知客户"), blank=True)

    class Meta:
        verbose_name = _("投诉信息")
        verbose_name_plural = _("投诉信息")

    def __str__(self) -> str:
        return f"{self.ticket} ({self.get_validity_display()})"


# --- Repairs and work orders (REP-1…7) ----------------------------------------------------
# Writes live in desk.repairs; amounts go through core.money.

_MONEY = {"max_digits": 10, "decimal_places": 2}


class PriceItem(ProjectScopedModel):
    """One line of a project's published price list for paid work (有偿服务价目表,
    REP-4/DESK-8): labour items and materials for repairs, and the special services the
    company offers (特约服务: cleaning a flat, moving furniture…) with the department
    that does them. A quote copies the price it was made at, so a later price change
    never alters a quote already given."""

    kind = models.CharField(_("类别"), max_length=10, choices=PriceKind.choices)
    trade = models.CharField(_("工种"), max_length=20, choices=RepairTrade.choices, blank=True)
    department = models.CharField(_("承办部门"), max_length=20, choices=Department.choices, blank=True)
    name = models.CharField(_("项目名称"), max_length=80)
    description = models.CharField(_("服务内容"), max_length=300, blank=True)
    unit = models.CharField(_("单位"), max_length=10)
    unit_price = models.DecimalField(_("单价(元)"), **_MONEY)
    active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("有偿服务价目")
        verbose_name_plural = _("有偿服务价目表")
        ordering = ["project", "kind", "trade", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "kind", "name"], name="price_item_unique"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="price_item_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit_price}元/{self.unit}）"


class ServiceProvider(ProjectScopedModel):
    """A nearby provider the desk refers customers to for a service the company does not
    offer (周边便民服务商, DESK-8)."""

    name = models.CharField(_("名称"), max_length=80)
    services = models.CharField(_("服务范围"), max_length=200)
    phone = models.CharField(_("电话"), max_length=20)
    address = models.CharField(_("地址"), max_length=120, blank=True)
    active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("周边服务商")
        verbose_name_plural = _("周边服务商")
        ordering = ["project", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="service_provider_unique")]

    def __str__(self) -> str:
        return f"{self.name}（{self.services}）"


class WorkOrder(models.Model):
    """What a repair adds to its ticket (派工单): the REP-1 appointment facts, free or
    paid with the quote the customer accepts before work starts (REP-4), the open pool
    technicians grab from (抢单, REP-5), arrival and completion with the customer's
    signature or the reporter's confirmation (REP-6/7), temporary measures and
    escalation (REP-6), and the final charge billing reads (REP-9).

    Status moves stay on the ticket (desk.services.ticket_transition); the ticket's
    timeline records every step."""

    ticket = models.OneToOneField(Ticket, on_delete=models.PROTECT, related_name="work_order", primary_key=True)
    # REP-1
    appointment_start = models.DateTimeField(_("预约开始"), null=True, blank=True)
    appointment_end = models.DateTimeField(_("预约结束"), null=True, blank=True)
    someone_home = models.BooleanField(_("家中有人"), null=True, blank=True)
    spare_key_allowed = models.BooleanField(_("可用备用钥匙"), default=False)
    # REP-4
    paid = models.BooleanField(_("有偿服务"), default=False)
    quote_version = models.PositiveIntegerField(_("报价版本"), default=0)
    quote_total = models.DecimalField(_("报价合计(元)"), null=True, blank=True, **_MONEY)
    quote_accepted_at = models.DateTimeField(_("客户确认报价时间"), null=True, blank=True)
    quote_accepted_by = models.CharField(_("确认报价的客户"), max_length=50, blank=True)
    # REP-5 dispatch: the open pool (抢单池)
    pool_open = models.BooleanField(_("在抢单池"), default=False)
    pooled_at = models.DateTimeField(_("放入抢单池时间"), null=True, blank=True)
    grabbed_at = models.DateTimeField(_("抢单时间"), null=True, blank=True)
    # On site and done (REP-6/7)
    arrived_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完工时间"), null=True, blank=True)
    completion_note = models.TextField(_("维修情况"), blank=True)
    signature = models.FileField(_("客户签名"), upload_to="signatures/%Y/%m/", blank=True)
    confirmed_by_name = models.CharField(_("报告人确认"), max_length=50, blank=True)
    final_version = models.PositiveIntegerField(_("结算版本"), default=0)
    final_charge = models.DecimalField(_("实收费用(元)"), null=True, blank=True, **_MONEY)
    # Billing reads final_charge of paid orders and stamps this when it has taken it (REP-9).
    charge_passed_at = models.DateTimeField(_("转入收费时间"), null=True, blank=True)
    # REP-6: not fixable now; major failures
    temporary_measure = models.TextField(_("临时措施"), blank=True)
    temporary_measure_at = models.DateTimeField(_("临时措施时间"), null=True, blank=True)
    escalated_to = models.CharField(_("上报对象"), max_length=20, choices=Escalation.choices, blank=True)
    escalation_note = models.TextField(_("上报说明"), blank=True)
    escalated_at = models.DateTimeField(_("上报时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("派工单")
        verbose_name_plural = _("派工单")
        indexes = [models.Index(fields=["pooled_at"], condition=Q(pool_open=True), name="work_order_pool_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(appointment_start__isnull=True)
                | Q(appointment_end__isnull=True)
                | Q(appointment_end__gt=models.F("appointment_start")),
                name="work_order_appointment_order",
            ),
            models.CheckConstraint(condition=Q(paid=True) | Q(quote_accepted_at__isnull=True), name="work_order_quote_paid_only"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket.number} {self.ticket.title}"

    @property
    def quote_accepted(self) -> bool:
        return self.quote_accepted_at is not None

    def lines_of(self, stage: str):
        """The current lines of a stage (the latest quote version, the latest settlement)."""
        version = self.quote_version if stage == LineStage.QUOTE else self.final_version
        return self.lines.filter(stage=stage, version=version).select_related("price_item")


class WorkOrderLine(models.Model):
    """One priced line of a work order: labour or material, quantity × unit price =
    amount (core.money). Never edited: a new quote is a new version; lines of an accepted
    quote stay as the customer accepted them."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="lines")
    stage = models.CharField(_("阶段"), max_length=10, choices=LineStage.choices)
    version = models.PositiveIntegerField(_("版本"))
    price_item = models.ForeignKey(
        PriceItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("价目")
    )
    kind = models.CharField(_("类别"), max_length=10, choices=PriceKind.choices)
    name = models.CharField(_("名称"), max_length=80)
    unit = models.CharField(_("单位"), max_length=10, blank=True)
    quantity = models.DecimalField(_("数量"), **_MONEY)
    unit_price = models.DecimalField(_("单价(元)"), **_MONEY)
    amount = models.DecimalField(_("金额(元)"), **_MONEY)

    class Meta:
        verbose_name = _("派工单明细")
        verbose_name_plural = _("派工单明细")
        ordering = ["work_order", "stage", "version", "id"]
        indexes = [models.Index(fields=["work_order", "stage", "version"], name="work_order_line_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="work_order_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="work_order_line_price_not_negative"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="work_order_line_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}"


# --- Emergencies (DESK-7, INC-4) and the duty roster ---------------------------------------
# Writes live in desk.emergencies.


class EmergencyPlan(models.Model):
    """An emergency plan (应急预案, INC-4): the department that answers and the steps to
    go through, one per line. Company-wide when `project` is empty; a project's own plan
    for a kind replaces the company-wide one there."""

    project = models.ForeignKey(
        "estate.Project", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("项目")
    )
    kind = models.CharField(_("事件类别"), max_length=20, choices=EmergencyKind.choices)
    department = models.CharField(_("处置部门"), max_length=20, choices=Department.choices)
    steps = models.TextField(_("处置步骤"), help_text=_("每行一步"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("应急预案")
        verbose_name_plural = _("应急预案")
        ordering = ["kind", "project"]
        constraints = [
            models.UniqueConstraint(fields=["project", "kind"], name="emergency_plan_unique"),
            models.UniqueConstraint(fields=["kind"], condition=Q(project__isnull=True), name="emergency_plan_company_unique"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def step_list(self) -> list[str]:
        return [line.strip() for line in self.steps.splitlines() if line.strip()]


class EmergencyDetail(models.Model):
    """What an emergency adds to its ticket (DESK-7): the plan it follows, whom the one
    click notified and when, and the written summary required before it is done (INC-4)."""

    ticket = models.OneToOneField(Ticket, on_delete=models.PROTECT, related_name="emergency", primary_key=True)
    plan = models.ForeignKey(
        EmergencyPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("应急预案")
    )
    notified_at = models.DateTimeField(_("通知时间"))
    responders = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("已通知人员"))
    summary = models.TextField(_("书面总结"), blank=True)
    summary_at = models.DateTimeField(_("总结时间"), null=True, blank=True)
    summary_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("总结人")
    )

    class Meta:
        verbose_name = _("紧急求助信息")
        verbose_name_plural = _("紧急求助信息")

    def __str__(self) -> str:
        return str(self.ticket)


class EmergencyCheck(models.Model):
    """One step of the plan's checklist for one emergency, copied when the emergency was
    raised so that a later change to the plan never alters what was asked then. Ticked
    once, never unticked."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="emergency_checks")
    position = models.PositiveSmallIntegerField(_("序号"))
    text = models.CharField(_("步骤"), max_length=300)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("完成人")
    )

    class Meta:
        verbose_name = _("预案步骤")
        verbose_name_plural = _("预案步骤")
        ordering = ["ticket", "position"]
        constraints = [models.UniqueConstraint(fields=["ticket", "position"], name="emergency_check_unique")]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"


class DutyShift(ProjectScopedModel):
    """One shift of the duty roster (值班表): who answers for a department from when to
    when. An emergency notifies whoever is on duty for its plan's department."""

    department = models.CharField(_("部门"), max_length=20, choices=Department.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="duty_shifts", verbose_name=_("值班人")
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("值班")
        verbose_name_plural = _("值班表")
        ordering = ["starts_at", "department", "id"]
        indexes = [models.Index(fields=["project", "department", "ends_at"], name="duty_shift_idx")]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="duty_shift_order")]

    def __str__(self) -> str:
        return f"{self.get_department_display()} {self.user} {self.starts_at:%m-%d %H:%M}"
