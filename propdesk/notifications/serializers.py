"""Notification API shapes: what the inbox calls return."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from propdesk.notifications.models import Notification


class NotificationOutput(serializers.ModelSerializer):
    """One of the caller's notifications."""

    project_name = serializers.CharField(source="project.name", read_only=True, default=None)
    severity = serializers.CharField(read_only=True, help_text=_("normal 普通 / urgent 紧急"))
    urgent = serializers.BooleanField(source="is_urgent", read_only=True)
    unread = serializers.BooleanField(source="is_unread", read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "link",
            "project",
            "project_name",
            "severity",
            "urgent",
            "unread",
            "created_at",
            "read_at",
        ]
        read_only_fields = fields


class MarkedOutput(serializers.Serializer):
    marked = serializers.IntegerField(help_text=_("标为已读的条数"))
