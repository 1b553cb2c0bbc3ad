"""The visit record form (VIS-2, VIS-6), phone-friendly; the community-activity form (VIS-1)."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from propdesk.desk.choices import TicketType
from propdesk.followup.choices import SCORE_MAX, SCORE_MIN, VisitMethod

_YES_NO = [("yes", _("是")), ("no", _("否"))]
_SCORES = [(n, str(n)) for n in range(SCORE_MAX, SCORE_MIN - 1, -1)]
# What a customer may raise during a visit: a new ticket of these types (VIS-2 "anything else").
NEW_TICKET_TYPES = [
    (t.value, t.label)
    for t in (TicketType.SUGGESTION, TicketType.REQUEST, TicketType.INQUIRY, TicketType.COMPLAINT, TicketType.REPAIR)
]


class VisitRecordForm(forms.Form):
    method = forms.ChoiceField(label=_("回访方式"), choices=VisitMethod.choices, widget=forms.RadioSelect)
    contact_name = forms.CharField(label=_("受访客户"), max_length=50, required=False)
    handled = forms.ChoiceField(label=_("是否已处理"), choices=_YES_NO, widget=forms.RadioSelect)
    satisfied = forms.ChoiceField(label=_("是否满意"), choices=_YES_NO, widget=forms.RadioSelect)
    score_quality = forms.TypedChoiceField(label=_("质量"), choices=_SCORES, coerce=int, widget=forms.RadioSelect)
    score_result = forms.TypedChoiceField(label=_("效果"), choices=_SCORES, coerce=int, widget=forms.RadioSelect)
    score_attitude = forms.TypedChoiceField(label=_("态度"), choices=_SCORES, coerce=int, widget=forms.RadioSelect)
    other_matters = forms.CharField(label=_("其他意见或建议"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(label=_("回访记录"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    new_type = forms.ChoiceField(label=_("转为新工单"), choices=[("", "—"), *NEW_TICKET_TYPES], required=False)
    new_category = forms.CharField(label=_("新工单分类"), max_length=20, required=False)
    new_title = forms.CharField(label=_("新工单摘要"), max_length=120, required=False)
    signature = forms.CharField(required=False, widget=forms.HiddenInput)
    signed_sheet = forms.FileField(label=_("客户签字的回访单扫描件"), required=False)

    def new_ticket(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("new_type"):
            return None
        return {
            "type": data["new_type"],
            "category": data.get("new_category", ""),
            "title": data.get("new_title", ""),
            "description": data.get("other_matters", ""),
        }


class ActivityForm(forms.Form):
    """Record a community activity (社区活动, VIS-1) in one of the user's projects."""

    project = forms.ModelChoiceField(label=_("项目"), queryset=None, empty_label=None)
    title = forms.CharField(label=_("活动名称"), max_length=100)
    held_on = forms.DateField(label=_("活动日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        from propdesk.estate.models import Project

        self.fields["project"].queryset = Project.objects.filter(pk__in=[p.pk for p in projects]).order_by("name")


def parse_house_codes(text: str) -> list[str]:
    """House codes typed as a list: separated by commas (, ，), 、, semicolons or spaces;
    each once, in the order given."""
    return list(dict.fromkeys(c.upper() for c in re.split(r"[\s,，、;；]+", text or "") if c))
