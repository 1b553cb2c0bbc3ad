"""Filters of the notification list."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from propdesk.notifications.models import Notification


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(label=_("未读"), field_name="read_at", lookup_expr="isnull")
    kind = filters.CharFilter(label=_("类别"))

    class Meta:
        model = Notification
        fields = ["unread", "kind"]
