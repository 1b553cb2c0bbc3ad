"""From a number to the rows behind it: `drilldown(ids, period, report, cell, now=)`
returns the queryset of tickets, contacts, SLA clocks or return visits a report cell counted, filtered
exactly as selectors counted it (the same `*_in` / `*_q` filters). An unknown report or
cell raises `UnknownCell` (the page answers 404).

Cell keys, per report:
    contacts    total · channel:<channel> · outcome:<outcome> · type:<ticket type | none>
    tickets     total · type:<type> · category:<type>:<category>
    complaints  total · effective · invalid · classified · pending · handling:<met|breached|decided|pending>
    sla         <met|breached|decided|pending>:<target kind | all> · department:<department | none>
    repairs     total · done · trade:<trade> · trade_done:<trade> · paid
    visits      due · done · on_time · answered · satisfied · sent_back · scored
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from propdesk.desk.choices import Channel, ContactOutcome, TicketType, Validity
from propdesk.reports import selectors as s
from propdesk.reports.periods import Period
from propdesk.sla.choices import TargetKind

TICKETS, CONTACTS, CLOCKS, VISITS = "tickets", "contacts", "clocks", "visits"
REPORTS = ("contacts", "tickets", "complaints", "sla", "repairs", "visits")


class UnknownCell(LookupError):
    pass


@dataclass(frozen=True)
class Drill:
    rows: str  # TICKETS, CONTACTS, CLOCKS or VISITS: what the queryset holds
    queryset: QuerySet
    title: str


def _clock_q(outcome: str, now: dt.datetime) -> Q:
    if outcome == "met":
        return s.met_q()
    if outcome == "breached":
        return s.breached_q(now)
    if outcome == "decided":
        return s.met_q() | s.breached_q(now)
    if outcome == "pending":
        return s.pending_q(now)
    raise UnknownCell(outcome)


def _outcome_label(outcome: str) -> str:
    return {"met": _("按时"), "breached": _("超时"), "decided": _("已到期"), "pending": _("未到期")}[outcome]


def _contacts(ids, start, end, cell: str) -> Drill:
    qs = s.contacts_in(ids, start, end)
    dim, _sep, key = cell.partition(":")
    if cell == "total":
        return Drill(CONTACTS, qs, _("来电来访"))
    if dim == "channel" and key in Channel.values:
        return Drill(CONTACTS, qs.filter(channel=key), _("来电来访 · 渠道：%(x)s") % {"x": Channel(key).label})
    if dim == "outcome" and key in ContactOutcome.values:
        return Drill(CONTACTS, qs.filter(outcome=key), _("来电来访 · 结果：%(x)s") % {"x": ContactOutcome(key).label})
    if dim == "type" and key == s.NO_TICKET:
        return Drill(CONTACTS, qs.filter(ticket__isnull=True), _("来电来访 · %(x)s") % {"x": s.type_label(key)})
    if dim == "type" and key in TicketType.values:
        return Drill(CONTACTS, qs.filter(ticket__type=key), _("来电来访 · 类型：%(x)s") % {"x": s.type_label(key)})
    raise UnknownCell(cell)


def _tickets(ids, start, end, cell: str) -> Drill:
    qs = s.tickets_in(ids, start, end)
    parts = cell.split(":")
    if cell == "total":
        return Drill(TICKETS, qs, _("受理工单"))
    if parts[0] == "type" and len(parts) == 2 and parts[1] in TicketType.values:
        return Drill(TICKETS, qs.filter(type=parts[1]), _("工单 · 类型：%(x)s") % {"x": s.type_label(parts[1])})
    if parts[0] == "category" and len(parts) == 3 and parts[1] in TicketType.values:
        title = _("工单 · 分类：%(x)s") % {"x": s.category_label(parts[1], parts[2])}
        return Drill(TICKETS, qs.filter(type=parts[1], category=parts[2]), title)
    raise UnknownCell(cell)


def _complaints(ids, start, end, cell: str, now) -> Drill:
    qs = s.tickets_in(ids, start, end).filter(type=TicketType.COMPLAINT)
    cells = {
        "total": (qs, _("投诉")),
        "effective": (qs.filter(complaint__validity=Validity.EFFECTIVE), _("有效投诉")),
        "invalid": (qs.filter(complaint__validity=Validity.INVALID), _("无效投诉")),
        "classified": (qs.filter(complaint__validity__in=s.CLASSIFIED), _("已定性投诉")),
        "pending": (qs.exclude(complaint__validity__in=s.CLASSIFIED), _("待定性投诉")),
    }
    if cell in cells:
        return Drill(TICKETS, *cells[cell])
    dim, _sep, outcome = cell.partition(":")
    if dim == "handling":
        clocks = s.clocks_due(ids, start, end).filter(kind=TargetKind.RESOLVE, ticket__type=TicketType.COMPLAINT)
        return Drill(CLOCKS, clocks.filter(_clock_q(outcome, now)), _("投诉处理时限 · %(x)s") % {"x": _outcome_label(outcome)})
    raise UnknownCell(cell)


def _sla(ids, start, end, cell: str, now) -> Drill:
    qs = s.clocks_due(ids, start, end)
    dim, _sep, key = cell.partition(":")
    if dim == "department":
        qs = qs.filter(s.breached_q(now))
        qs = qs.filter(ticket__department="" if key == s.NO_DEPARTMENT else key)
        return Drill(CLOCKS, qs, _("超时 · %(x)s") % {"x": s.department_label(key)})
    if key != "all":
        if key not in TargetKind.values:
            raise UnknownCell(cell)
        qs = qs.filter(kind=key)
    kind = _("全部时限") if key == "all" else TargetKind(key).label
    return Drill(CLOCKS, qs.filter(_clock_q(dim, now)), _("%(kind)s · %(x)s") % {"kind": kind, "x": _outcome_label(dim)})


def _repairs(ids, start, end, cell: str) -> Drill:
    qs = s.tickets_in(ids, start, end).filter(type=TicketType.REPAIR)
    dim, _sep, key = cell.partition(":")
    if cell == "total":
        return Drill(TICKETS, qs, _("报修"))
    if cell == "done":
        return Drill(TICKETS, qs.filter(status__in=s.DONE), _("报修 · 已完成"))
    if cell == "paid":
        return Drill(TICKETS, s.paid_repairs_in(ids, start, end), _("有偿维修（本期完工）"))
    if dim in ("trade", "trade_done"):
        qs = qs.filter(category=key)
        if dim == "trade_done":
            qs = qs.filter(status__in=s.DONE)
        return Drill(TICKETS, qs, _("报修 · %(x)s") % {"x": s.category_label(TicketType.REPAIR, key)})
    raise UnknownCell(cell)


def _visits(ids, start, end, cell: str) -> Drill:
    qs = s.visits_due(ids, start, end)
    cells = {
        "due": (None, _("本期应回访")),
        "done": (s.visit_done_q(), _("已回访")),
        "on_time": (s.visit_on_time_q(), _("按时回访")),
        "answered": (s.visit_answered_q(), _("已回答是否满意的回访")),
        "satisfied": (s.visit_satisfied_q(), _("客户满意的回访")),
        "sent_back": (s.visit_sent_back_q(), _("退回责任人（不满意或未处理）")),
        "scored": (s.visit_scored_q(), _("已评分的回访")),
    }
    if cell not in cells:
        raise UnknownCell(cell)
    q, title = cells[cell]
    return Drill(VISITS, qs if q is None else qs.filter(q), title)


def drilldown(ids: Iterable[int], period: Period, report: str, cell: str, *, now: dt.datetime) -> Drill:
    ids = list(ids)
    start, end = period.start, period.end
    if report == "contacts":
        return _contacts(ids, start, end, cell)
    if report == "tickets":
        return _tickets(ids, start, end, cell)
    if report == "complaints":
        return _complaints(ids, start, end, cell, now)
    if report == "sla":
        return _sla(ids, start, end, cell, now)
    if report == "repairs":
        return _repairs(ids, start, end, cell)
    if report == "visits":
        return _visits(ids, start, end, cell)
    raise UnknownCell(report)
