from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html

from propdesk.reports.tables import Num

register = template.Library()


@register.simple_tag
def report_cell(value, period):
    """A table cell's content: a number linked to its drill-down, a rate, or plain text."""
    if not isinstance(value, Num):
        return value
    if not value.report or value.value is None:
        return value.text
    params = {"period": period.kind, "date": period.first.isoformat(), "report": value.report, "cell": value.cell}
    if value.month is not None:
        params.update(period="month", date=value.month.isoformat())
    if value.project is not None:
        params["project"] = value.project
    url = f"{reverse('reports:drill')}?{urlencode(params)}"
    return format_html('<a class="drill" href="{}">{}</a>', url, value.text)
