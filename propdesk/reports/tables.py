"""The report as tables: what the page shows and what every Excel export holds, from one
declaration. A number cell carries its drill-down key, so the page links each number to
the rows behind it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from propdesk.reports.selectors import KpiReport, Timely


@dataclass(frozen=True)
class Num:
    """A number on the report: a count, an amount, or a percentage (None: "—")."""

    value: int | Decimal | None
    report: str = ""  # drill-down report and cell; empty: not a count of rows
    cell: str = ""
    project: int | None = None  # narrows the drill-down to one project (the ranking)
    month: dt.date | None = None  # drills into that month instead (the trend)
    percent: bool = False

    @property
    def text(self) -> str:
        if self.value is None:
            return "—"
        return f"{self.value}%" if self.percent else str(self.value)


@dataclass(frozen=True)
class Table:
    name: str  # the export's and the page section's key
    title: str
    headers: tuple[str, ...]
    rows: list[tuple] = field(default_factory=list)
    note: str = ""


def pct(value: Decimal | None) -> Num:
    return Num(value, percent=True)


def _timely_cells(t: Timely, report: str, prefix: str, suffix: str = "", project: int | None = None) -> tuple:
    def cell(outcome: str) -> str:
        return f"{prefix}:{outcome}{suffix}" if prefix else f"{outcome}{suffix}"

    return (
        Num(t.decided, report, cell("decided"), project),
        Num(t.met, report, cell("met"), project),
        Num(t.breached, report, cell("breached"), project),
        Num(t.pending, report, cell("pending"), project),
        pct(t.rate),
    )


TIMELY_HEADERS = ("已到期", "按时", "超时", "未到期", "及时率(%)")


def report_tables(report: KpiReport) -> list[Table]:
    c, t, cmp, sla, rep = report.contacts, report.tickets, report.complaints, report.sla, report.repairs
    timely_headers = tuple(_(h) for h in TIMELY_HEADERS)
    tables = [
        Table(
            "contacts-channel",
            _("来电来访：按渠道（DESK-1）"),
            (_("渠道"), _("次数")),
            [(r.label, Num(r.count, "contacts", f"channel:{r.key}")) for r in c.by_channel]
            + [(_("合计"), Num(c.total, "contacts", "total"))],
        ),
        Table(
            "contacts-type",
            _("来电来访：按类型（OPS-4）"),
            (_("类型"), _("次数")),
            [(r.label, Num(r.count, "contacts", f"type:{r.key}")) for r in c.by_type],
            note=_("类型取自来电来访转成或并入的工单；回访、催费提醒由回访与收费模块统计。"),
        ),
        Table(
            "contacts-outcome",
            _("来电来访：按结果"),
            (_("结果"), _("次数")),
            [(r.label, Num(r.count, "contacts", f"outcome:{r.key}")) for r in c.by_outcome],
        ),
        Table(
            "tickets-type",
            _("工单：按类型"),
            (_("类型"), _("受理")),
            [(r.label, Num(r.count, "tickets", f"type:{r.key}")) for r in t.by_type]
            + [(_("合计"), Num(t.total, "tickets", "total"))],
        ),
        Table(
            "tickets-category",
            _("工单：按分类"),
            (_("类型 · 分类"), _("受理")),
            [(r.label, Num(r.count, "tickets", f"category:{r.key}")) for r in t.by_category],
        ),
        Table(
            "complaints",
            _("投诉统计（CMP-11）"),
            (_("项目"), _("数值")),
            [
                (_("投诉"), Num(cmp.total, "complaints", "total")),
                (_("有效投诉"), Num(cmp.effective, "complaints", "effective")),
                (_("无效投诉"), Num(cmp.invalid, "complaints", "invalid")),
                (_("待定性"), Num(cmp.pending, "complaints", "pending")),
                (_("有效投诉率(%)"), pct(cmp.effective_rate)),
                (_("处理时限已到期"), Num(cmp.handling.decided, "complaints", "handling:decided")),
                (_("按时处理"), Num(cmp.handling.met, "complaints", "handling:met")),
                (_("处理及时率(%)"), pct(cmp.handling.rate)),
            ],
            note=_("有效投诉率 = 有效投诉 ÷ 已定性投诉（有效 + 无效）；处理及时率 = 本期到期的投诉“解决”时限中按时完成的比例。"),
        ),
        Table(
            "sla",
            _("服务时限及时率"),
            (_("时限类别"), *timely_headers),
            [(r.label, *_timely_cells(r.timely, "sla", "", f":{r.kind}")) for r in sla.by_kind]
            + [(_("合计"), *_timely_cells(sla.overall, "sla", "", ":all"))],
            note=_("时限在本期内到期的计时：及时率 = 按时 ÷（按时 + 超时）；未到期的不计入。"),
        ),
        Table(
            "breaches",
            _("超时：按责任部门"),
            (_("部门"), _("超时")),
            [(r.label, Num(r.count, "sla", f"department:{r.key}")) for r in sla.breaches_by_department],
        ),
        Table(
            "repairs",
            _("维修统计（REP-9）"),
            (_("工种"), _("报修"), _("已完成")),
            [
                (r.label, Num(r.count, "repairs", f"trade:{r.key}"), Num(r.done, "repairs", f"trade_done:{r.key}"))
                for r in rep.by_trade
            ]
            + [(_("合计"), Num(rep.total, "repairs", "total"), Num(rep.done, "repairs", "done"))],
        ),
        Table(
            "paid-repairs",
            _("有偿维修（REP-9）"),
            (_("项目"), _("数值")),
            [
                (_("本期完工的有偿维修"), Num(rep.paid_count, "repairs", "paid")),
                (_("有偿维修收入(元)"), Num(rep.paid_income)),
            ],
        ),
    ]
    v = report.visits
    tables.append(
        Table(
            "visits",
            _("回访率与满意度（VIS-4、VIS-2）"),
            (_("项目"), _("数值")),
            [
                (_("本期应回访"), Num(v.due, "visits", "due")),
                (_("已回访"), Num(v.done, "visits", "done")),
                (_("回访率(%)"), pct(v.rate)),
                (_("按时回访"), Num(v.on_time, "visits", "on_time")),
                (_("已回答是否满意"), Num(v.answered, "visits", "answered")),
                (_("满意"), Num(v.satisfied, "visits", "satisfied")),
                (_("满意率(%)"), pct(v.satisfied_rate)),
                (_("退回责任人（不满意或未处理）"), Num(v.sent_back, "visits", "sent_back")),
                (_("已评分"), Num(v.scored, "visits", "scored")),
                (_("质量平均分"), Num(v.score_quality)),
                (_("效果平均分"), Num(v.score_result)),
                (_("态度平均分"), Num(v.score_attitude)),
            ],
            note=_(
                "回访时限在本期内的回访（待回访与已回访）：回访率 = 已回访 ÷ 本期应回访；按时 = 回访时间不晚于回访时限；"
                "满意率 = 满意 ÷ 已回答是否满意；平均分（1–5 分）取已评分回访的平均值。"
            ),
        )
    )
    if report.proactive:
        tables.append(_proactive_table(report.proactive))
    if report.ranking:
        tables.append(
            Table(
                "ranking",
                _("项目排名"),
                (
                    _("名次"),
                    _("项目"),
                    _("来电来访"),
                    _("工单"),
                    _("及时率(%)"),
                    _("有效投诉率(%)"),
                    _("回访率(%)"),
                    _("满意率(%)"),
                ),
                [
                    (
                        n,
                        r.project.name,
                        Num(r.contacts, "contacts", "total", r.project.pk),
                        Num(r.tickets, "tickets", "total", r.project.pk),
                        pct(r.timely.rate),
                        pct(r.effective_rate),
                        pct(r.visit_rate),
                        pct(r.satisfied_rate),
                    )
                    for n, r in enumerate(report.ranking, start=1)
                ],
                note=_("按及时率从高到低，及时率相同时有效投诉率低者在前。"),
            )
        )
    if report.trend:
        tables.append(
            Table(
                "trend",
                _("近12个月趋势"),
                (_("月份"), _("来电来访"), _("工单"), _("及时率(%)")),
                [
                    (
                        f"{p.month:%Y-%m}",
                        Num(p.contacts, "contacts", "total", month=p.month),
                        Num(p.tickets, "tickets", "total", month=p.month),
                        pct(p.timely.rate),
                    )
                    for p in report.trend
                ],
            )
        )
    return tables


def excel_value(value):
    """A cell as Excel holds it: numbers as numbers, no rate as "—"."""
    if isinstance(value, Num):
        return "—" if value.value is None else value.value
    return value


@dataclass(frozen=True)
class Comparison:
    label: str
    current: Num
    previous: str
    change: str


def _change(current, previous, *, percent: bool) -> str:
    if current is None or previous is None:
        return "—"
    delta = current - previous
    sign = "+" if delta > 0 else ""
    return _("%(d)s 个百分点") % {"d": f"{sign}{delta}"} if percent else f"{sign}{delta}"


def comparison(report: KpiReport) -> list[Comparison]:
    """The headline numbers beside the previous period's."""
    now, before = report.summary, report.previous
    rows = [
        (_("来电来访"), Num(now.contacts, "contacts", "total"), before.contacts, False),
        (_("受理工单"), Num(now.tickets, "tickets", "total"), before.tickets, False),
        (_("投诉"), Num(now.complaints, "complaints", "total"), before.complaints, False),
        (_("有效投诉率"), pct(now.effective_rate), before.effective_rate, True),
        (_("服务时限及时率"), pct(now.timely_rate), before.timely_rate, True),
        (_("超时"), Num(now.breaches, "sla", "breached:all"), before.breaches, False),
        (_("报修"), Num(now.repairs, "repairs", "total"), before.repairs, False),
        (_("有偿维修收入(元)"), Num(now.paid_income), before.paid_income, False),
        (_("回访率"), pct(now.visit_rate), before.visit_rate, True),
        (_("回访满意率"), pct(now.satisfied_rate), before.satisfied_rate, True),
    ]
    return [
        Comparison(label, num, Num(prev, percent=percent).text, _change(num.value, prev, percent=percent))
        for label, num, prev, percent in rows
    ]


def _proactive_table(summaries) -> Table:
    """VIS-7 quota progress of the month: the customer-service department's households
    visited against its quota, and how many assistants reached theirs."""
    rows = [
        (s.project_name, Num(s.department_households), Num(s.department_quota), Num(s.assistants_met), Num(s.assistants))
        for s in summaries
    ]
    return Table(
        "proactive",
        _("主动访问指标完成情况（VIS-7）"),
        (_("项目"), _("客服部走访户数"), _("部门月指标"), _("达标客服专员"), _("客服专员")),
        rows,
        note=_("本月主动访问的住户数（同一户多次访问计一户）；客服专员个人月指标见“访问进度”。"),
    )
