"""Service-desk choices, declared once: channels, ticket types, priorities, departments,
categories, and the ticket state machine (statuses with their groups and transitions)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from propdesk.accounts.roles import Role


class Channel(models.TextChoices):
    """How a contact reached the desk (DESK-1)."""

    PHONE = "phone", _("电话")
    VISIT = "visit", _("来访")
    LETTER = "letter", _("信函")
    ONLINE = "online", _("微信/网上")
    STAFF = "staff", _("员工报告")
    PATROL = "patrol", _("巡查发现")


class TicketType(models.TextChoices):
    INQUIRY = "inquiry", _("咨询")
    REQUEST = "request", _("需求")
    SUGGESTION = "suggestion", _("建议")
    COMPLAINT = "complaint", _("投诉")
    REPAIR = "repair", _("报修")
    SERVICE = "service", _("特约服务")
    EMERGENCY = "emergency", _("紧急求助")
    PRAISE = "praise", _("表扬")


class Priority(models.TextChoices):
    """Severity of a complaint (CMP-5), urgency of a repair (REP-2), or normal."""

    NORMAL = "normal", _("一般")
    MINOR = "minor", _("轻微")
    IMPORTANT = "important", _("重要")
    MAJOR = "major", _("重大")
    GENERAL = "general", _("普通")
    URGENT = "urgent", _("紧急")
    VERY_URGENT = "very_urgent", _("特急")


# Which priorities each ticket type uses; the first is the default.
TYPE_PRIORITIES: dict[str, tuple[str, ...]] = {
    TicketType.COMPLAINT: (Priority.MINOR, Priority.IMPORTANT, Priority.MAJOR),
    TicketType.REPAIR: (Priority.GENERAL, Priority.URGENT, Priority.VERY_URGENT),
    TicketType.EMERGENCY: (Priority.VERY_URGENT,),
}
DEFAULT_PRIORITIES = (Priority.NORMAL,)


# Ticket types whose work is dispatched on a work order (派工单): repairs (REP-1…7) and
# special services (特约服务, DESK-8).
WORK_ORDER_TYPES = frozenset({TicketType.REPAIR, TicketType.SERVICE})


def priorities_for(ticket_type: str) -> tuple[str, ...]:
    return TYPE_PRIORITIES.get(ticket_type, DEFAULT_PRIORITIES)


class Department(models.TextChoices):
    CUSTOMER_SERVICE = "customer_service", _("客服部")
    ENGINEERING = "engineering", _("工程部")
    SECURITY = "security", _("秩序维护部")
    CLEANING = "cleaning", _("保洁部")
    LANDSCAPING = "landscaping", _("绿化部")
    MANAGEMENT = "management", _("管理处")


class ComplaintCategory(models.TextChoices):
    """Complaint categories, rule CMP-3."""

    SECURITY = "security", _("安保")
    CLEANING = "cleaning", _("清洁")
    LANDSCAPING = "landscaping", _("绿化")
    ENGINEERING = "engineering", _("工程维修")
    MAIL = "mail", _("信件报刊收发")
    DECORATION = "decoration", _("装修管理")
    ATTITUDE = "attitude", _("员工服务态度")
    OTHER = "other", _("其它")


class RepairTrade(models.TextChoices):
    """Repair trades (报修工种)."""

    PLUMBING = "plumbing", _("给排水")
    ELECTRICAL = "electrical", _("电气")
    GAS = "gas", _("燃气")
    DOOR_WINDOW = "door_window", _("门窗五金")
    CIVIL = "civil", _("土建")
    ELEVATOR = "elevator", _("电梯")
    FIRE = "fire", _("消防")
    HVAC = "hvac", _("空调暖通")
    LOW_VOLTAGE = "low_voltage", _("弱电门禁")
    OTHER = "other", _("其他")


class EmergencyKind(models.TextChoices):
    """Kinds of emergency (紧急求助, DESK-7), each with its plan (应急预案, INC-4)."""

    CRIME_IN_PROGRESS = "crime_in_progress", _("刑案：正在作案")
    CRIME_FLED = "crime_fled", _("刑案：作案人已逃离")
    FIRE = "fire", _("火警")
    SPECIAL_PERSON = "special_person", _("特殊人物保护")
    ELECTRIC_SHOCK = "electric_shock", _("触电事故")
    GAS_POISONING = "gas_poisoning", _("煤气中毒")
    FACILITY_ACCIDENT = "facility_accident", _("房屋设施设备事故")
    ELEVATOR = "elevator", _("电梯困人")
    TYPHOON_FLOOD = "typhoon_flood", _("防台防汛")
    SUICIDE = "suicide", _("自杀事件")
    TRAFFIC = "traffic", _("交通事故")
    THEFT_ROBBERY = "theft_robbery", _("内盗、存提款被劫")
    CONSTRUCTION = "construction", _("施工现场事故")
    BURST_PIPE = "burst_pipe", _("爆管、水浸")
    POWER_OUTAGE = "power_outage", _("突发停电")
    CRY_FOR_HELP = "cry_for_help", _("求救（急病、被困等）")


TYPE_CATEGORIES: dict[str, type[models.TextChoices]] = {
    TicketType.COMPLAINT: ComplaintCategory,
    TicketType.REPAIR: RepairTrade,
    TicketType.EMERGENCY: EmergencyKind,
}


class Status(models.TextChoices):
    NEW = "new", _("新建")
    ASSIGNED = "assigned", _("已派单")
    IN_PROGRESS = "in_progress", _("处理中")
    WAITING_CUSTOMER = "waiting_customer", _("等待客户")
    WAITING_PARTS = "waiting_parts", _("等待配件")
    WAITING_APPOINTMENT = "waiting_appointment", _("等待预约")
    RESOLVED = "resolved", _("已处理")
    CLOSED = "closed", _("已关闭")
    CANCELLED = "cancelled", _("已取消")


OPEN_STATUSES = frozenset(
    {Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING_CUSTOMER, Status.WAITING_PARTS, Status.WAITING_APPOINTMENT}
)
# Statuses in which SLA clocks pause (waiting for the customer, parts, an appointment).
PAUSED_STATUSES = frozenset({Status.WAITING_CUSTOMER, Status.WAITING_PARTS, Status.WAITING_APPOINTMENT})
DONE_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED, Status.CANCELLED})

STATUS_COLOURS = {
    Status.NEW: "#1565c0",
    Status.ASSIGNED: "#6a1b9a",
    Status.IN_PROGRESS: "#ef6c00",
    Status.WAITING_CUSTOMER: "#8d6e63",
    Status.WAITING_PARTS: "#8d6e63",
    Status.WAITING_APPOINTMENT: "#8d6e63",
    Status.RESOLVED: "#2e7d32",
    Status.CLOSED: "#616161",
    Status.CANCELLED: "#9e9e9e",
}

_WORKING = {Status.IN_PROGRESS, *PAUSED_STATUSES, Status.RESOLVED, Status.CANCELLED}

# The state machine: every allowed move. Anything else is refused by ticket_transition.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED, Status.CANCELLED}),
    Status.ASSIGNED: frozenset(_WORKING),
    Status.IN_PROGRESS: frozenset(_WORKING - {Status.IN_PROGRESS}),
    Status.WAITING_CUSTOMER: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.CANCELLED}),
    Status.WAITING_PARTS: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.CANCELLED}),
    Status.WAITING_APPOINTMENT: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.CANCELLED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset({Status.IN_PROGRESS}),
    Status.CANCELLED: frozenset(),
}


class EventKind(models.TextChoices):
    """What an entry of a ticket's timeline records."""

    CREATED = "created", _("创建")
    STATUS = "status", _("状态变更")
    ASSIGNED = "assigned", _("派单")
    TRANSFERRED = "transferred", _("转交")
    PRIORITY = "priority", _("等级变更")
    CATEGORY = "category", _("分类变更")
    COMMENT = "comment", _("备注")
    ATTACHMENT = "attachment", _("附件")
    REOPENED = "reopened", _("重新打开")
    SLA = "sla", _("时限")
    CLASSIFIED = "classified", _("投诉定性")
    LINKED = "linked", _("关联同一事件")
    STEP = "step", _("处理步骤")
    WORK_ORDER = "work_order", _("派工单")
    EMERGENCY = "emergency", _("应急处置")


class ContactOutcome(models.TextChoices):
    ANSWERED = "answered", _("当场答复")
    TICKET = "ticket", _("转为工单")
    LINKED = "linked", _("并入已有工单")
    REFERRED = "referred", _("转介周边服务商")


class Validity(models.TextChoices):
    """A complaint's classification by the supervisor (CMP-4)."""

    PENDING = "pending", _("待定性")
    EFFECTIVE = "effective", _("有效投诉")
    INVALID = "invalid", _("无效投诉")


class ComplaintStep(models.TextChoices):
    """The recorded steps of the complaint flow (CMP-8)."""

    OPINION = "opinion", _("客服主管处理意见")
    HANDLING = "handling", _("责任部门处理情况")
    RESULT_TOLD = "result_told", _("处理结果告知客户")


# CMP-5: this many distinct customers complaining about one happening make it major.
MAJOR_COMPLAINANTS = 5


# --- Repairs and work orders (REP-1…7) ----------------------------------------------------


class PriceKind(models.TextChoices):
    """A line of the published price list (有偿服务价目表, REP-4/DESK-8)."""

    LABOUR = "labour", _("人工")
    MATERIAL = "material", _("材料")
    SERVICE = "service", _("特约服务")


class LineStage(models.TextChoices):
    """A work order's priced lines: the quote the customer accepts before work starts,
    and what was finally used and charged (REP-4)."""

    QUOTE = "quote", _("报价")
    FINAL = "final", _("结算")


class Escalation(models.TextChoices):
    """Whom a failure is escalated to (REP-6)."""

    MANAGER = "manager", _("项目经理")
    COMPANY_ENGINEERING = "company_engineering", _("公司工程部")
    CONTRACTOR = "contractor", _("保修单位")
    INSURER = "insurer", _("保险公司")


class WorkOrderStep(models.TextChoices):
    """What a work-order event (EventKind.WORK_ORDER) records; `after["step"]`."""

    PREPARED = "prepared", _("派工信息")
    QUOTED = "quoted", _("报价")
    QUOTE_ACCEPTED = "quote_accepted", _("客户确认报价")
    POOLED = "pooled", _("放入抢单池")
    UNPOOLED = "unpooled", _("撤出抢单池")
    COMPLETED = "completed", _("完工确认")
    MEASURE = "measure", _("临时措施")
    ESCALATED = "escalated", _("上报")


# --- Emergencies (DESK-7, INC-4) ----------------------------------------------------------


class EmergencyStep(models.TextChoices):
    """What an emergency event (EventKind.EMERGENCY) records; `after["step"]`."""

    NOTIFIED = "notified", _("通知值班人员")
    CHECKED = "checked", _("预案步骤完成")
    CALLER_INFORMED = "caller_informed", _("告知来电人")
    SUMMARY = "summary", _("书面总结")


# Who answers for a department when nobody is on the duty roster (DESK-7).
DEPARTMENT_ROLES: dict[str, tuple[str, ...]] = {
    Department.SECURITY: (Role.GUARD,),
    Department.ENGINEERING: (Role.ENGINEER,),
    Department.CLEANING: (Role.CLEANER,),
    Department.LANDSCAPING: (Role.CLEANER,),
    Department.CUSTOMER_SERVICE: (Role.ASSISTANT, Role.SUPERVISOR),
    Department.MANAGEMENT: (Role.MANAGER,),
}
