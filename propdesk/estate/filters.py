"""Estate list filters (django-filter). Related rows are filtered by plain id, never by
a model choice: a choice field would answer "no such object" for another project's id
and so tell the caller it exists."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from propdesk.estate.choices import HouseStatus, ParkingKind, Usage
from propdesk.estate.housecode import parse_house_code
from propdesk.estate.models import Building, Entrance, House, ParkingSpace


class BuildingFilter(filters.FilterSet):
    project = filters.NumberFilter(label=_("项目"))

    class Meta:
        model = Building
        fields = ["project"]


class EntranceFilter(filters.FilterSet):
    project = filters.NumberFilter(label=_("项目"))
    building = filters.NumberFilter(label=_("楼栋"))

    class Meta:
        model = Entrance
        fields = ["project", "building"]


class ParkingSpaceFilter(filters.FilterSet):
    project = filters.NumberFilter(label=_("项目"))
    house = filters.NumberFilter(label=_("房屋"))
    kind = filters.ChoiceFilter(label=_("类型"), choices=ParkingKind.choices)

    class Meta:
        model = ParkingSpace
        fields = ["project", "house", "kind"]


class HouseFilter(filters.FilterSet):
    project = filters.NumberFilter(label=_("项目"))
    building = filters.NumberFilter(label=_("楼栋"))
    entrance = filters.NumberFilter(label=_("单元"))
    status = filters.ChoiceFilter(label=_("房屋状态"), choices=HouseStatus.choices)
    usage = filters.ChoiceFilter(label=_("用途"), choices=Usage.choices)
    sold = filters.BooleanFilter(label=_("已售"))
    code = filters.CharFilter(label=_("房屋编码"), method="filter_code")

    class Meta:
        model = House
        fields = ["project", "building", "entrance", "status", "usage", "sold", "code"]

    def filter_code(self, queryset, name, value):
        """A full code in any accepted spelling (`3栋2单元1201`) matches exactly; anything
        else is a prefix of the canonical code (`3-2-`)."""
        code = parse_house_code(value)
        if code is not None:
            return queryset.filter(code=str(code))
        return queryset.filter(code__startswith=value.strip().upper())
