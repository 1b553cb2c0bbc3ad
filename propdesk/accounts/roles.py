"""Staff roles (岗位) and what each may do — declared once, read by the scoping helper."""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ASSISTANT = "assistant", _("客服专员")
    SUPERVISOR = "supervisor", _("客服主管")
    MANAGER = "manager", _("项目经理")
    ENGINEER = "engineer", _("工程维修")
    GUARD = "guard", _("保安")
    CLEANER = "cleaner", _("保洁")
    CASHIER = "cashier", _("收银员")
    ARCHIVIST = "archivist", _("档案员")
    HEAD_OFFICE = "head_office", _("公司管理部")
    ADMIN = "admin", _("系统管理员")


class Cap(StrEnum):
    """A capability: one thing a role may do in a project."""

    HOUSE_VIEW = "house.view"
    HOUSE_CHANGE = "house.change"
    PERSON_VIEW = "person.view"
    PERSON_CHANGE = "person.change"
    PII_REVEAL = "pii.reveal"  # see full ID numbers and phones (ARC-5), each reveal logged
    ARCHIVE_VIEW = "archive.view"
    ARCHIVE_CHANGE = "archive.change"
    ARCHIVE_LEND = "archive.lend"  # record archive loans and returns
    ARCHIVE_APPROVE_LOAN = "archive.approve_loan"  # ARC-5: supervisor approval
    DATA_IMPORT = "data.import"
    DATA_EXPORT = "data.export"
    TICKET_VIEW = "ticket.view"
    TICKET_CREATE = "ticket.create"  # log contacts, open tickets (REP-7: any staff reports a fault)
    TICKET_HANDLE = "ticket.handle"  # work on tickets assigned to oneself: accept, progress, resolve
    TICKET_DISPATCH = "ticket.dispatch"  # assign and transfer anyone's tickets, change status of any ticket (DESK-3/4)
    TICKET_CLASSIFY = "ticket.classify"  # complaint validity and severity (CMP-4/5)
    REPAIR_GRAB = "repair.grab"  # take a repair from the open pool (抢单, REP-5): engineering technicians
    SLA_CONFIGURE = "sla.configure"
    CATALOGUE_MANAGE = "catalogue.manage"  # the paid-service price list and nearby providers (DESK-8)
    FEE_VIEW = "fee.view"  # bills, balances, arrears, receipts of a house
    FEE_COLLECT = "fee.collect"  # take payments, issue receipts, apply credit, daily close (FEE-5/6)
    FEE_BILL = "fee.bill"  # the monthly billing run and one-off charges (FEE-2)
    FEE_CONFIGURE = "fee.configure"  # fee items, effective-dated rates, billing policy (FEE-1)
    FEE_APPROVE = "fee.approve"  # approve waivers, reversals, due-date extensions (FEE-3/4)
    VISIT_RECORD = "visit.record"  # make and record return visits assigned to oneself (VIS-2/5/6)
    VISIT_MANAGE = "visit.manage"  # see and record every return visit of the project (CS supervisor)
    VISIT_REVIEW = "visit.review"  # review return-visit records (VIS-6: the PM)
    # surveys (满意度调查, SUR-1…4)
    SURVEY_VIEW = "survey.view"  # rounds, live progress, results and 满意度调查统计表 (head office too: SUR-3 report)
    SURVEY_ENTER = "survey.enter"  # hand out questionnaires and type in paper answers (SUR-2)
    SURVEY_MANAGE = "survey.manage"  # build questionnaires, run rounds, publish, write rectifications (SUR-1…4)
    SURVEY_APPROVE = "survey.approve"  # approve rectification replies (SUR-4: the PM)
    # metering (抄表, issue 5 item 2)
    METER_READ = "meter.read"  # reading rounds, enter and import readings, print reading sheets
    METER_CONFIRM = "meter.confirm"  # confirm or reject anomalous readings, register and replace meters
    # dunning
    DUNNING_LEGAL = "dunning.legal"  # refer a debt to legal action, the last rung of FEE-7 (the PM)
    # parking (FEE-10)
    PARKING_VIEW = "parking.view"  # rentals, cards, the temporary-parking calculator (guards at the gate)
    PARKING_MANAGE = "parking.manage"  # rentals and renewals, IC cards, the parking tariff


_ALL_VIEW = {Cap.HOUSE_VIEW, Cap.PERSON_VIEW}
_FIELD = {Cap.TICKET_VIEW, Cap.TICKET_CREATE, Cap.TICKET_HANDLE}
_DESK = (
    _ALL_VIEW
    | _FIELD
    | {Cap.HOUSE_CHANGE, Cap.PERSON_CHANGE, Cap.ARCHIVE_VIEW, Cap.ARCHIVE_CHANGE, Cap.DATA_EXPORT, Cap.TICKET_DISPATCH}
)
# Fees: cashiers collect and bill; supervisors and PMs collect and approve; PMs configure.
_FEE_READ = {Cap.FEE_VIEW}
_FEE_LEAD = {Cap.FEE_VIEW, Cap.FEE_COLLECT, Cap.FEE_APPROVE}
_LEAD = {
    Cap.PII_REVEAL,
    Cap.ARCHIVE_LEND,
    Cap.ARCHIVE_APPROVE_LOAN,
    Cap.DATA_IMPORT,
    Cap.TICKET_CLASSIFY,
    Cap.CATALOGUE_MANAGE,
    Cap.VISIT_RECORD,
    Cap.VISIT_MANAGE,
}

# Surveys: assistants hand out and type in; supervisors run rounds; the PM also approves.
_SURVEY_DESK = {Cap.SURVEY_VIEW, Cap.SURVEY_ENTER}
_SURVEY_LEAD = _SURVEY_DESK | {Cap.SURVEY_MANAGE}
# Meters: assistants, engineers and cashiers read; supervisors and PMs also confirm anomalies.
_METER_LEAD = {Cap.METER_READ, Cap.METER_CONFIRM}
# Parking: guards use the calculator; cashiers, supervisors and PMs manage rentals and cards.
_PARKING_LEAD = {Cap.PARKING_VIEW, Cap.PARKING_MANAGE}

ROLE_CAPS: dict[str, frozenset[Cap]] = {
    Role.ASSISTANT: frozenset(_DESK | _FEE_READ | {Cap.VISIT_RECORD} | _SURVEY_DESK | {Cap.METER_READ} | {Cap.PARKING_VIEW}),
    Role.SUPERVISOR: frozenset(_DESK | _LEAD | _FEE_LEAD | _SURVEY_LEAD | _METER_LEAD | _PARKING_LEAD),
    Role.MANAGER: frozenset(
        _DESK
        | _LEAD
        | {Cap.SLA_CONFIGURE, Cap.VISIT_REVIEW}
        | _FEE_LEAD
        | {Cap.FEE_BILL, Cap.FEE_CONFIGURE, Cap.DUNNING_LEGAL}
        | _SURVEY_LEAD
        | {Cap.SURVEY_APPROVE}
        | _METER_LEAD
        | _PARKING_LEAD
    ),
    Role.ENGINEER: frozenset(_ALL_VIEW | _FIELD | {Cap.REPAIR_GRAB, Cap.METER_READ}),
    Role.GUARD: frozenset(_ALL_VIEW | _FIELD | {Cap.PARKING_VIEW}),
    Role.CLEANER: frozenset({Cap.HOUSE_VIEW} | _FIELD),
    Role.CASHIER: frozenset(
        _ALL_VIEW
        | {Cap.DATA_EXPORT, Cap.TICKET_VIEW, Cap.TICKET_CREATE}
        | {Cap.FEE_VIEW, Cap.FEE_COLLECT, Cap.FEE_BILL}
        | {Cap.METER_READ}
        | _PARKING_LEAD
    ),
    Role.ARCHIVIST: frozenset((_DESK - {Cap.TICKET_DISPATCH}) | {Cap.PII_REVEAL, Cap.ARCHIVE_LEND, Cap.DATA_IMPORT}),
    Role.HEAD_OFFICE: frozenset(_ALL_VIEW | {Cap.ARCHIVE_VIEW, Cap.DATA_EXPORT, Cap.TICKET_VIEW} | _FEE_READ | {Cap.SURVEY_VIEW}),
    Role.ADMIN: frozenset(set(Cap)),
}


def caps_of(role: str) -> frozenset[Cap]:
    return ROLE_CAPS.get(role, frozenset())
