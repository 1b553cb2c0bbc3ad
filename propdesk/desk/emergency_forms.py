"""Forms of the emergency pages (DESK-7) and the duty roster: shape and parse input
only; the rules live in desk.emergencies."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _lazy

from propdesk.desk.choices import Channel, Department, EmergencyKind
from propdesk.desk.forms import DATETIME_LOCAL

_DATETIME = {
    "input_formats": [DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
    "widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
}


class EmergencyForm(forms.Form):
    """The one-click emergency (紧急求助): what, where, who called."""

    project = forms.IntegerField(label=_lazy("项目"), required=False)
    kind = forms.ChoiceField(label=_lazy("事件类别"), choices=EmergencyKind.choices, widget=forms.RadioSelect)
    place = forms.CharField(label=_lazy("房号或位置"), max_length=120)
    content = forms.CharField(label=_lazy("情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    caller_name = forms.CharField(label=_lazy("报告人"), max_length=50, required=False)
    caller_number = forms.CharField(label=_lazy("联系电话"), max_length=20, required=False)
    channel = forms.ChoiceField(label=_lazy("来源渠道"), choices=Channel.choices, initial=Channel.PHONE)


class DutyShiftForm(forms.Form):
    project = forms.IntegerField(label=_lazy("项目"), required=False)
    department = forms.ChoiceField(label=_lazy("部门"), choices=Department.choices)
    user = forms.IntegerField(label=_lazy("值班人"))
    starts_at = forms.DateTimeField(label=_lazy("开始时间"), **_DATETIME)
    ends_at = forms.DateTimeField(label=_lazy("结束时间"), **_DATETIME)
    repeat_days = forms.IntegerField(label=_lazy("连续天数"), min_value=1, initial=1)
