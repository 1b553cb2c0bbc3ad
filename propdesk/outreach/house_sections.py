"""The outreach section of the house page: the household 360° (客户360) — contact
history, complaints and repairs, return-visit answers and the satisfaction trend,
proactive visits (VIS-7) and the risk flags."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.house_page import HouseSection, register_house_section
from propdesk.outreach.selectors import household_360


def trend_chart(trend):
    """The satisfaction trend as a small server-drawn SVG (reports.charts), or None."""
    if len(trend) < 2:
        return None
    from propdesk.reports.charts import line_chart

    labels = [day.strftime("%y-%m-%d") for day, _score, _source in trend]
    values = [round(score, 1) for _day, score, _source in trend]
    return line_chart(labels, [(_("满意度评分"), values, "#1565c0")], title=_("满意度趋势"), top=5)


def _household(request, house):
    view = household_360(house)
    return {
        "view": view,
        "chart": trend_chart(view.trend),
        "can_record": scoping.has_cap(request.user, Cap.VISIT_RECORD, house.project_id),
    }


register_house_section(
    HouseSection(
        key="household360",
        title=_lazy("客户360：服务记录与风险"),
        template="outreach/_section_household.html",
        order=35,
        cap=Cap.TICKET_VIEW,
        context=_household,
    )
)
