"""Metering list filters: related rows by plain id (never a model choice, which would
tell the caller another project's row exists)."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from propdesk.metering.choices import MeterKind, ReadingStatus, RoundStatus
from propdesk.metering.models import Meter, Reading, ReadingRound


class MeterFilter(filters.FilterSet):
    project = filters.NumberFilter(label=_("项目"))
    house = filters.NumberFilter(label=_("房屋"))
    building = filters.NumberFilter(label=_("楼栋"), method="in_building")
    kind = filters.ChoiceFilter(label=_("表类型"), choices=MeterKind.choices)
    active = filters.BooleanFilter(label=_("在用"), field_name="replaced_on", lookup_expr="isnull")

    class Meta:
        model = Meter
        fields = ["project", "house", "building", "kind", "active"]

    def in_building(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(house__building_id=value) | Q(building_id=value))


class ReadingRoundFilter(filters.FilterSet):
    project = filters.NumberFilter(label=_("项目"))
    status = filters.ChoiceFilter(label=_("状态"), choices=RoundStatus.choices)
    period = filters.DateFilter(label=_("抄表月份"))

    class Meta:
        model = ReadingRound
        fields = ["project", "status", "period"]


class ReadingFilter(filters.FilterSet):
    project = filters.NumberFilter(label=_("项目"))
    round = filters.NumberFilter(label=_("抄表轮次"))
    meter = filters.NumberFilter(label=_("水电表"))
    status = filters.ChoiceFilter(label=_("状态"), choices=ReadingStatus.choices)
    current = filters.BooleanFilter(label=_("有效"))

    class Meta:
        model = Reading
        fields = ["project", "round", "meter", "status", "current"]
