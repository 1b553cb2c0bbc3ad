"""Console forms: shape and parse input only; rules live in services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from propdesk.estate.choices import HouseStatus, Usage
from propdesk.estate.models import Project


class HouseForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none())
    building_number = forms.CharField(label=_("楼栋号"), max_length=8)
    entrance_number = forms.CharField(label=_("单元号"), max_length=8)
    room = forms.CharField(label=_("房号"), max_length=8)
    floor = forms.IntegerField(label=_("楼层"), min_value=-5, max_value=200)
    area = forms.DecimalField(label=_("建筑面积(m²)"), max_digits=9, decimal_places=2)
    usage = forms.ChoiceField(label=_("用途"), choices=Usage.choices)
    sold = forms.BooleanField(label=_("已售"), required=False, initial=True)
    handover_date = forms.DateField(label=_("交房日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label=_("房屋状态"), choices=HouseStatus.choices)

    def __init__(self, *args, project_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(pk__in=project_ids)
