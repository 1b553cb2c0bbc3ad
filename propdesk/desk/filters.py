"""Service-desk list filters (django-filter), shared by the console pages, their Excel
exports and the API. Related rows are filtered by plain id, never by a model choice, so
another project's ids look like missing ones."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from propdesk.desk.choices import DONE_STATUSES, OPEN_STATUSES, Channel, ContactOutcome, Department, Priority, Status, TicketType
from propdesk.desk.models import Contact, DutyShift, Ticket


class StatusGroup:
    OPEN = "open"
    DONE = "done"
    ALL = "all"
    CHOICES = ((OPEN, _("未完成")), (DONE, _("已完成")), (ALL, _("全部")))


class TicketFilter(filters.FilterSet):
    project = filters.NumberFilter(label=_("项目"))
    type = filters.ChoiceFilter(label=_("类型"), choices=TicketType.choices)
    status = filters.ChoiceFilter(label=_("状态"), choices=Status.choices)
    group = filters.ChoiceFilter(label=_("状态分组"), choices=StatusGroup.CHOICES, method="filter_group")
    priority = filters.ChoiceFilter(label=_("等级"), choices=Priority.choices)
    department = filters.ChoiceFilter(label=_("责任部门"), choices=Department.choices)
    assignee = filters.NumberFilter(label=_("处理人"))
    mine = filters.BooleanFilter(label=_("派给我的"), method="filter_mine")
    house = filters.NumberFilter(label=_("房屋"))
    reporter = filters.NumberFilter(label=_("报告人"))
    q = filters.CharFilter(label=_("工单号/摘要"), method="filter_q")

    class Meta:
        model = Ticket
        fields = ["project", "type", "status", "group", "priority", "department", "assignee", "mine", "house", "reporter", "q"]

    def filter_group(self, queryset, name, value):
        if value == StatusGroup.OPEN:
            return queryset.filter(status__in=OPEN_STATUSES)
        if value == StatusGroup.DONE:
            return queryset.filter(status__in=DONE_STATUSES)
        return queryset

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None:
            return queryset
        return queryset.filter(assignee_id=user.pk)

    def filter_q(self, queryset, name, value):
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(Q(number__startswith=text) | Q(title__icontains=text))


class ContactFilter(filters.FilterSet):
    project = filters.NumberFilter(label=_("项目"))
    date_from = filters.DateFilter(label=_("起始日期"), field_name="received_at", lookup_expr="date__gte")
    date_to = filters.DateFilter(label=_("截止日期"), field_name="received_at", lookup_expr="date__lte")
    channel = filters.ChoiceFilter(label=_("渠道"), choices=Channel.choices)
    outcome = filters.ChoiceFilter(label=_("结果"), choices=ContactOutcome.choices)
    house = filters.NumberFilter(label=_("房屋"))
    person = filters.NumberFilter(label=_("客户"))
    ticket = filters.NumberFilter(label=_("工单"))

    class Meta:
        model = Contact
        fields = ["project", "date_from", "date_to", "channel", "outcome", "house", "person", "ticket"]


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class DutyShiftFilter(filters.FilterSet):
    """The duty roster (值班表): shifts overlapping the days `date_from`…`date_to`, or
    covering the instant `at` (who is on duty then)."""

    project = filters.NumberFilter(label=_("项目"))
    department = filters.ChoiceFilter(label=_("部门"), choices=Department.choices)
    user = filters.NumberFilter(label=_("值班人"))
    date_from = filters.DateFilter(label=_("起始日期"), method="filter_date_from")
    date_to = filters.DateFilter(label=_("截止日期"), method="filter_date_to")
    at = filters.IsoDateTimeFilter(label=_("在岗时刻"), method="filter_at")

    class Meta:
        model = DutyShift
        fields = ["project", "department", "user", "date_from", "date_to", "at"]

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(ends_at__gt=_local_midnight(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(starts_at__lt=_local_midnight(value + dt.timedelta(days=1)))

    def filter_at(self, queryset, name, value):
        return queryset.filter(starts_at__lte=value, ends_at__gt=value)
