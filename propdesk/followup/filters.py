"""Filters of the visit API: status, purpose, project, due (overdue / today / the next
seven days) and mine (assigned to the caller)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from propdesk.followup.choices import VisitPurpose, VisitStatus
from propdesk.followup.models import ReturnVisit

DUE_CHOICES = [("overdue", _("已超时")), ("today", _("今天到期")), ("week", _("七天内到期"))]


class VisitFilter(filters.FilterSet):
    project = filters.NumberFilter(label=_("项目"))
    status = filters.ChoiceFilter(label=_("状态"), choices=VisitStatus.choices)
    purpose = filters.ChoiceFilter(label=_("目的"), choices=VisitPurpose.choices)
    due = filters.ChoiceFilter(label=_("回访时限"), choices=DUE_CHOICES, method="filter_due")
    mine = filters.BooleanFilter(label=_("我的回访"), method="filter_mine")

    class Meta:
        model = ReturnVisit
        fields = ["project", "status", "purpose", "due", "mine"]

    def filter_due(self, queryset, name, value):
        """overdue: still planned past its due time (the visit clock; reports count it
        late); today: planned and due today (local); week: planned and due within 7 days."""
        now = timezone.now()
        planned = queryset.filter(status=VisitStatus.PLANNED)
        if value == "overdue":
            return planned.filter(due_at__lt=now)
        if value == "today":
            start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
            return planned.filter(due_at__gte=start, due_at__lt=start + dt.timedelta(days=1))
        if value == "week":
            return planned.filter(due_at__gte=now, due_at__lt=now + dt.timedelta(days=7))
        return queryset

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None:
            return queryset
        return queryset.filter(visitor_id=user.pk)
