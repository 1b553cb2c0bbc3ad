"""Survey forms: shape only — the rules are in surveys.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from propdesk.surveys.choices import Department, QuestionKind


class RoundForm(forms.Form):
    project = forms.ModelChoiceField(queryset=None, label=_("项目"))
    questionnaire = forms.ModelChoiceField(queryset=None, label=_("问卷"))
    name = forms.CharField(label=_("名称"), max_length=100, required=False)
    period_start = forms.DateField(label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, projects, questionnaires, **kwargs):
        super().__init__(*args, **kwargs)
        from propdesk.estate.models import Project

        self.fields["project"].queryset = Project.objects.filter(pk__in=[p.pk for p in projects])
        self.fields["questionnaire"].queryset = questionnaires
        self.fields["period_start"].help_text = _("留空则按调查计划取最近的调查时段（SUR-1）")


class QuestionForm(forms.Form):
    department = forms.ChoiceField(label=_("部门"), choices=Department.choices)
    text = forms.CharField(label=_("题目"), max_length=200)
    kind = forms.ChoiceField(label=_("题型"), choices=QuestionKind.choices)


class RectificationForm(forms.Form):
    question = forms.ModelChoiceField(queryset=None, label=_("调查项目"), required=False)
    department = forms.ChoiceField(label=_("责任部门"), choices=[("", _("按题目")), *Department.choices], required=False)
    issue = forms.CharField(label=_("不满意事项"), widget=forms.Textarea(attrs={"rows": 2}))
    measures = forms.CharField(label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 3}))
    prevention = forms.CharField(label=_("预防措施"), widget=forms.Textarea(attrs={"rows": 3}))
    reply = forms.CharField(label=_("书面回复"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question"].queryset = questions
