"""Notification API (/api/v1/notifications/): the caller's own inbox.

Notifications belong to a user, not to a project, so this is not a `ScopedViewSet`:
every row comes from `selectors.notifications_for(request.user)`, and another user's
notification is a 404 like a missing one.

    GET  notifications/?unread=true     the caller's notifications, unread first
    GET  notifications/{id}/
    POST notifications/{id}/read/       mark one read
    POST notifications/read-all/        mark all read → {"marked": n}
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from propdesk.notifications import selectors, services
from propdesk.notifications.filters import NotificationFilter
from propdesk.notifications.serializers import MarkedOutput, NotificationOutput


@extend_schema_view(
    read=extend_schema(request=None, responses=NotificationOutput, description="标为已读。"),
    read_all=extend_schema(request=None, responses=MarkedOutput, description="将全部未读通知标为已读。"),
)
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's notifications (通知), unread first."""

    serializer_class = NotificationOutput
    filterset_class = NotificationFilter

    def get_queryset(self):
        return selectors.inbox(self.request.user)

    def get_object(self):
        notification = selectors.access_notification(self.request.user, self.kwargs["pk"])
        self.check_object_permissions(self.request, notification)
        return notification

    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.notification_mark_read(notification=self.get_object())
        return Response(NotificationOutput(notification).data)

    @action(detail=False, methods=["post"], url_path="read-all", url_name="read-all")
    def read_all(self, request):
        return Response({"marked": services.notifications_mark_all_read(user=request.user)})


def register(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("notifications", NotificationViewSet, basename="notification")
