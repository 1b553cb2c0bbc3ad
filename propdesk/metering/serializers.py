"""Metering API shapes: what each call takes (`…Input`, shape only — the rules live in
the services) and what it returns (`…Output`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from propdesk.core.api import InputSerializer
from propdesk.metering.models import Meter, Reading, ReadingRound

_READING = {"max_digits": 14, "decimal_places": 2}


class MeterOutput(serializers.ModelSerializer):
    house_code = serializers.CharField(source="house.code", read_only=True, allow_null=True, default=None)
    # Plain text, not an enum: "kind" is taken by other apps' choice sets in the schema.
    kind = serializers.CharField(read_only=True, help_text="water / electricity / gas")

    class Meta:
        model = Meter
        fields = [
            "id",
            "project",
            "house",
            "house_code",
            "building",
            "kind",
            "item",
            "serial",
            "name",
            "multiplier",
            "digits",
            "installed_on",
            "initial_reading",
            "carry_over",
            "replaced_on",
            "final_reading",
            "replaces",
        ]
        read_only_fields = fields


class MeterCreateInput(InputSerializer):
    project = serializers.IntegerField(label=_("项目"))
    house = serializers.IntegerField(label=_("房屋"), required=False, allow_null=True)
    building = serializers.IntegerField(label=_("楼栋"), required=False, allow_null=True)
    kind = serializers.CharField(
        label=_("表类型"), max_length=12, help_text=_("water（水表）/ electricity（电表）/ gas（燃气表）")
    )
    item = serializers.IntegerField(label=_("收费项目"), required=False, allow_null=True)
    serial = serializers.CharField(label=_("表号"), max_length=40)
    name = serializers.CharField(label=_("名称"), max_length=50, required=False, default="")
    multiplier = serializers.DecimalField(label=_("倍率"), max_digits=8, decimal_places=2, required=False, default=1)
    digits = serializers.IntegerField(label=_("整数位数"), min_value=1, max_value=9, required=False, default=5)
    installed_on = serializers.DateField(label=_("安装日期"), required=False, allow_null=True)
    initial_reading = serializers.DecimalField(label=_("起始读数"), **_READING, required=False, default=0)


class MeterReplaceInput(InputSerializer):
    final_reading = serializers.DecimalField(label=_("拆表读数"), **_READING)
    serial = serializers.CharField(label=_("新表表号"), max_length=40)
    initial_reading = serializers.DecimalField(label=_("新表起始读数"), **_READING, required=False, default=0)
    on = serializers.DateField(label=_("换表日期"), required=False, allow_null=True)


class ReadingRoundOutput(serializers.ModelSerializer):
    class Meta:
        model = ReadingRound
        fields = ["id", "project", "period", "buildings", "status", "opened_by", "opened_at", "closed_by", "closed_at"]
        read_only_fields = fields


class ReadingRoundCreateInput(InputSerializer):
    project = serializers.IntegerField(label=_("项目"))
    buildings = serializers.ListField(label=_("楼栋"), child=serializers.IntegerField(), min_length=1)
    period = serializers.DateField(label=_("抄表月份"))


class ReadingOutput(serializers.ModelSerializer):
    flags = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Reading
        fields = [
            "id",
            "project",
            "meter",
            "round",
            "purpose",
            "value",
            "read_on",
            "read_by",
            "previous_value",
            "usage",
            "flag_lower",
            "flag_spike",
            "flag_custody",
            "flags",
            "anomaly",
            "status",
            "rollover",
            "confirmed_by",
            "confirmed_at",
            "current",
            "supersedes",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class ReadingCreateInput(InputSerializer):
    round = serializers.IntegerField(label=_("抄表轮次"))
    meter = serializers.IntegerField(label=_("水电表"))
    value = serializers.DecimalField(label=_("读数"), **_READING)
    read_on = serializers.DateField(label=_("抄表日期"), required=False, allow_null=True)
    note = serializers.CharField(label=_("备注"), max_length=200, required=False, default="", allow_blank=True)


class ReadingDecisionInput(InputSerializer):
    rollover = serializers.BooleanField(label=_("表盘翻转"), required=False, default=False)
    note = serializers.CharField(label=_("说明"), max_length=200, required=False, default="", allow_blank=True)
