"""Estate API shapes (style practice 7): what each call takes (`…Input`, validated here
for shape only — the rules live in services) and what it returns (`…Output`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from propdesk.core.api import InputSerializer
from propdesk.estate.choices import HouseStatus, Usage
from propdesk.estate.models import Building, Entrance, House, ParkingSpace, Project

# Building, entrance and room numbers make up the house code `3-2-1201` (housecode.py).
_CODE_PART = r"^[0-9A-Za-z]{1,8}$"
_SMALLINT = (-32768, 32767)  # House.floor is a SmallIntegerField


# --- output -----------------------------------------------------------------------------


class ProjectOutput(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "code", "name", "address", "service_phone", "active"]
        read_only_fields = fields


class BuildingOutput(serializers.ModelSerializer):
    class Meta:
        model = Building
        fields = ["id", "project", "number", "name", "floors"]
        read_only_fields = fields


class EntranceOutput(serializers.ModelSerializer):
    building_number = serializers.CharField(source="building.number", read_only=True)

    class Meta:
        model = Entrance
        fields = ["id", "project", "building", "building_number", "number"]
        read_only_fields = fields


class ParkingSpaceOutput(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    house_code = serializers.CharField(source="house.code", read_only=True, allow_null=True, default=None)

    class Meta:
        model = ParkingSpace
        fields = ["id", "project", "code", "zone", "kind", "kind_display", "house", "house_code"]
        read_only_fields = fields


class HouseOutput(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    building_number = serializers.CharField(source="building.number", read_only=True)
    entrance_number = serializers.CharField(source="entrance.number", read_only=True)
    usage_display = serializers.CharField(source="get_usage_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    status_colour = serializers.CharField(read_only=True)

    class Meta:
        model = House
        fields = [
            "id",
            "project",
            "project_name",
            "building",
            "building_number",
            "entrance",
            "entrance_number",
            "room",
            "code",
            "floor",
            "area",
            "usage",
            "usage_display",
            "sold",
            "handover_date",
            "status",
            "status_display",
            "status_colour",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# --- input ------------------------------------------------------------------------------


class HouseUpdateInput(InputSerializer):
    """The descriptive fields `house_update` accepts (status has its own call)."""

    floor = serializers.IntegerField(label=_("楼层"), min_value=_SMALLINT[0], max_value=_SMALLINT[1])
    area = serializers.DecimalField(label=_("建筑面积"), max_digits=9, decimal_places=2)
    usage = serializers.ChoiceField(label=_("用途"), choices=Usage.choices)
    sold = serializers.BooleanField(label=_("已售"))
    handover_date = serializers.DateField(label=_("交房日期"), allow_null=True)
    notes = serializers.CharField(label=_("备注"), allow_blank=True, max_length=2000)


class HouseCreateInput(InputSerializer):
    project = serializers.IntegerField(label=_("项目"), min_value=1)
    building_number = serializers.RegexField(_CODE_PART, label=_("楼栋号"))
    entrance_number = serializers.RegexField(_CODE_PART, label=_("单元号"))
    room = serializers.RegexField(_CODE_PART, label=_("房号"))
    floor = serializers.IntegerField(label=_("楼层"), min_value=_SMALLINT[0], max_value=_SMALLINT[1])
    area = serializers.DecimalField(label=_("建筑面积"), max_digits=9, decimal_places=2)
    usage = serializers.ChoiceField(label=_("用途"), choices=Usage.choices, default=Usage.RESIDENTIAL)
    sold = serializers.BooleanField(label=_("已售"), default=True)
    handover_date = serializers.DateField(label=_("交房日期"), allow_null=True, default=None)
    status = serializers.ChoiceField(label=_("房屋状态"), choices=HouseStatus.choices, default=HouseStatus.NOT_HANDED_OVER)


class HouseStatusInput(InputSerializer):
    """A status change (物业动态, MOV-14) always carries its reason."""

    status = serializers.ChoiceField(label=_("房屋状态"), choices=HouseStatus.choices)
    reason = serializers.CharField(label=_("原因"), max_length=200, allow_blank=True)  # required: house_change_status
