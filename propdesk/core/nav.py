"""The console navigation, declared once: each entry names its page, its label and the
capabilities the page requires (any one of them, in any project), so a user sees a link
only when the page would serve them. Rendered by `{% sidenav %}` (templatetags/nav.py).

The capabilities are the ones each view asks the scoping helper for; the nav tests open
every link a role is shown and expect 200, so menu and pages cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from propdesk.accounts.roles import Cap
from propdesk.core import scoping

STAFF, RESIDENTS, EVERYONE = "staff", "residents", "everyone"


@dataclass(frozen=True)
class NavEntry:
    url_name: str | None  # None: a module still to come, shown greyed out
    label: str | Promise
    caps: tuple[Cap, ...] = ()  # staff: any one of them, in any project; empty: every staff member
    audience: str = STAFF  # resident accounts see only the RESIDENTS and EVERYONE entries

    def shown_to(self, user, held: frozenset[Cap]) -> bool:
        """`held`: the capabilities the user holds in some project (scoping.held_caps)."""
        if user.is_resident:
            return self.audience != STAFF
        return self.audience != RESIDENTS and (not self.caps or any(cap in held for cap in self.caps))


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url: str | None  # None: not yet available
    current: bool = False


NAV: tuple[NavEntry, ...] = (
    NavEntry("core:home", _("工作台")),
    NavEntry("core:home", _("住户服务"), audience=RESIDENTS),
    NavEntry("core:search", _("查询"), (Cap.PERSON_VIEW, Cap.HOUSE_VIEW)),
    NavEntry("residents:overview", _("客户情况一览表"), (Cap.PERSON_VIEW,)),
    NavEntry("estate:status-sheet", _("物业动态表"), (Cap.HOUSE_VIEW,)),
    NavEntry("residents:loans", _("档案借阅"), (Cap.ARCHIVE_VIEW,)),
    NavEntry("residents:imports", _("数据导入"), (Cap.DATA_IMPORT,)),
    NavEntry("notifications:inbox", _("通知"), audience=EVERYONE),
    NavEntry("desk:contact-new", _("来电来访登记"), (Cap.TICKET_CREATE,)),
    NavEntry("emergency:new", _("紧急求助"), (Cap.TICKET_CREATE,)),
    NavEntry("desk:contacts", _("来电来访记录"), (Cap.TICKET_VIEW,)),
    NavEntry("desk:tickets", _("工单"), (Cap.TICKET_VIEW,)),
    NavEntry("desk:mine", _("我的工单"), (Cap.TICKET_HANDLE,)),
    NavEntry("sla:board", _("服务时限看板"), (Cap.TICKET_VIEW,)),
    NavEntry("sla:policies", _("时限策略"), (Cap.TICKET_VIEW,)),
    NavEntry("repairs:pool", _("抢单池"), (Cap.REPAIR_GRAB, Cap.TICKET_DISPATCH)),
    NavEntry("repairs:unfinished", _("未完成派工单"), (Cap.TICKET_DISPATCH,)),
    NavEntry("services:catalogue", _("特约服务"), (Cap.TICKET_VIEW,)),
    NavEntry("services:stats", _("特约服务统计"), (Cap.TICKET_VIEW,)),
    NavEntry("emergency:duty", _("值班表"), (Cap.TICKET_VIEW,)),
    NavEntry("emergency:plans", _("应急预案"), (Cap.TICKET_VIEW,)),
    NavEntry("reports:kpi", _("报表"), (Cap.TICKET_VIEW,)),
    NavEntry("followup:todo", _("回访待办"), (Cap.VISIT_RECORD,)),
    NavEntry("followup:review", _("回访审核"), (Cap.VISIT_REVIEW,)),
    NavEntry("followup:activities", _("社区活动"), (Cap.VISIT_MANAGE,)),
    NavEntry("outreach:visits", _("主动访问"), (Cap.VISIT_RECORD,)),
    NavEntry("outreach:progress", _("访问进度"), (Cap.VISIT_MANAGE,)),
    NavEntry("outreach:care", _("客户关怀"), (Cap.VISIT_RECORD,)),
    NavEntry("surveys:rounds", _("满意度调查"), (Cap.SURVEY_VIEW,)),
    NavEntry("surveys:questionnaires", _("调查问卷"), (Cap.SURVEY_MANAGE,)),
    NavEntry("surveys:rectifications", _("整改回复"), (Cap.SURVEY_VIEW,)),
    NavEntry("surveys:mine", _("满意度调查"), audience=RESIDENTS),
    NavEntry("billing:desk", _("收费台"), (Cap.FEE_VIEW,)),
    NavEntry("billing:arrears", _("欠费清单"), (Cap.FEE_VIEW,)),
    NavEntry("billing:notices", _("缴费通知单"), (Cap.FEE_VIEW,)),
    NavEntry("billing:runs", _("月度出账"), (Cap.FEE_BILL,)),
    NavEntry("billing:close", _("收银日结"), (Cap.FEE_COLLECT,)),
    NavEntry("billing:approvals", _("审批"), (Cap.FEE_COLLECT,)),
    NavEntry("billing:disputes", _("账单异议"), (Cap.FEE_VIEW,)),
    NavEntry("billing:fee-items", _("收费标准"), (Cap.FEE_CONFIGURE,)),
    NavEntry("billing:policy", _("出账规则"), (Cap.FEE_CONFIGURE,)),
    NavEntry("bankcollect:batches", _("银行托收"), (Cap.FEE_VIEW,)),
    NavEntry("metering:rounds", _("抄表"), (Cap.METER_READ,)),
    NavEntry("dunning:worklist", _("催缴工作台"), (Cap.FEE_VIEW,)),
    NavEntry("billing:collection", _("收费报表"), (Cap.FEE_VIEW,)),
    NavEntry("deposits:list", _("押金"), (Cap.FEE_VIEW,)),
    NavEntry("parking:rentals", _("停车"), (Cap.PARKING_VIEW,)),
    NavEntry(None, _("装修管理")),
    NavEntry(None, _("前台登记")),
    NavEntry(None, _("通知公告")),
    NavEntry(None, _("巡查与交接班")),
    NavEntry("api-docs", _("API 文档")),
)


def nav_items(user, current_path: str = "") -> list[NavItem]:
    """The menu `user` sees, in order: the pages they may use, and (staff) the modules to come."""
    if user is None or not user.is_authenticated:
        return []
    held = scoping.held_caps(user)
    items = []
    for entry in NAV:
        if not entry.shown_to(user, held):
            continue
        url = reverse(entry.url_name) if entry.url_name else None
        items.append(NavItem(entry.label, url, url is not None and url == current_path))
    return items
