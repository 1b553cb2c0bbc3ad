"""Outreach forms: the proactive visit record (VIS-7), the project's settings, a care task's close."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from propdesk.accounts.roles import Role
from propdesk.desk.choices import ComplaintCategory, Department
from propdesk.notifications.selectors import staff_with_role
from propdesk.outreach.choices import CareStatus, GreetingMethod, OpinionKind, OutreachMethod, Satisfaction
from propdesk.outreach.models import OutreachPolicy
from propdesk.residents.models import Person

_VISITORS = (Role.ASSISTANT, Role.SUPERVISOR, Role.MANAGER)


class ProactiveVisitForm(forms.Form):
    visited_on = forms.DateField(label=_("访问日期"), widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(label=_("访问方式"), choices=OutreachMethod.choices, widget=forms.RadioSelect)
    appointment_at = forms.DateTimeField(
        label=_("预约时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("上门访问须先致电预约"),
    )
    entered_home = forms.BooleanField(label=_("进入室内（须两名员工同行）"), required=False)
    companion = forms.ModelChoiceField(label=_("同行人员"), queryset=get_user_model().objects.none(), required=False)
    person = forms.ModelChoiceField(label=_("受访客户"), queryset=Person.objects.none(), required=False)
    visitor = forms.ModelChoiceField(label=_("访问人"), queryset=get_user_model().objects.none(), required=False)
    department = forms.ChoiceField(label=_("访问部门"), choices=[("", _("按访问人岗位")), *Department.choices], required=False)
    satisfaction = forms.TypedChoiceField(label=_("满意度"), choices=Satisfaction.choices, coerce=int, widget=forms.RadioSelect)
    opinions = forms.CharField(label=_("客户意见和建议"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    opinion_kind = forms.ChoiceField(label=_("意见转为"), choices=OpinionKind.choices, required=False)
    opinion_category = forms.ChoiceField(
        label=_("投诉分类"), choices=[("", "—"), *ComplaintCategory.choices], required=False, help_text=_("转为投诉时必选")
    )
    note = forms.CharField(label=_("访问记录"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, house, may_manage: bool, **kwargs):
        super().__init__(*args, **kwargs)
        staff = staff_with_role(
            house.project_id, [r.value for r in Role if r not in (Role.HEAD_OFFICE, Role.ADMIN)], company_wide=False
        )
        self.fields["companion"].queryset = staff
        self.fields["person"].queryset = Person.objects.filter(
            occupancies__house=house, occupancies__end_date__isnull=True
        ).distinct()
        if may_manage:
            self.fields["visitor"].queryset = staff_with_role(house.project_id, _VISITORS, company_wide=False)
        else:
            del self.fields["visitor"]


class OutreachPolicyForm(forms.ModelForm):
    class Meta:
        model = OutreachPolicy
        fields = [
            "department_quota",
            "assistant_quota",
            "recent_days",
            "birthday_from",
            "birthday_to",
            "festival_ahead",
            "greeting_template",
        ]


class CareCloseForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(CareStatus.DONE, _("已问候")), (CareStatus.SKIPPED, _("不问候"))], initial=CareStatus.DONE
    )
    method = forms.ChoiceField(choices=[("", "—"), *GreetingMethod.choices], required=False)
    note = forms.CharField(max_length=200, required=False)
    send = forms.BooleanField(required=False)
