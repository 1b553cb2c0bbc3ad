"""Console forms of dunning: shape only — the rules live in `dunning.services`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from propdesk.dunning.choices import StepKind

DATE = forms.DateInput(attrs={"type": "date"})


class StepForm(forms.Form):
    kind = forms.ChoiceField(label=_("催缴方式"), choices=StepKind.choices)
    on_date = forms.DateField(label=_("日期"), widget=DATE, required=False, help_text=_("留空为今天"))
    amount_demanded = forms.DecimalField(
        label=_("催缴金额"), max_digits=14, decimal_places=2, required=False, help_text=_("留空为逾期欠费及违约金合计")
    )
    deadline = forms.DateField(label=_("缴费期限"), widget=DATE, required=False)
    tracking_number = forms.CharField(label=_("快递单号"), max_length=40, required=False, help_text=_("催缴函必填"))
    note = forms.CharField(label=_("情况记录"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    override_reason = forms.CharField(
        label=_("越级原因"), max_length=200, required=False, help_text=_("仅客服主管、项目经理：未满足催缴顺序时填写")
    )
    file = forms.FileField(label=_("凭证（PDF/JPEG/PNG）"), required=False)


class PromiseForm(forms.Form):
    amount = forms.DecimalField(label=_("承诺金额"), max_digits=14, decimal_places=2)
    promised_date = forms.DateField(label=_("承诺缴费日"), widget=DATE)
    follow_up_date = forms.DateField(label=_("跟进日期"), widget=DATE, required=False, help_text=_("留空为承诺日次日"))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class PlanForm(forms.Form):
    count = forms.IntegerField(label=_("期数"), min_value=1, max_value=36)
    first_due = forms.DateField(label=_("首期日期"), widget=DATE)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
