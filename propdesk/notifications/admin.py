from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from propdesk.notifications import services
from propdesk.notifications.choices import DeliveryStatus
from propdesk.notifications.models import ChannelAddress, Delivery, Notification, mask_address


class ReadOnlyAdmin(admin.ModelAdmin):
    """The record of what was sent: viewed, never edited."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ("channel", "masked_address", "status", "attempts", "sent_at", "provider_message_id", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("地址"))
    def masked_address(self, delivery):
        return delivery.masked_address


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "recipient", "kind", "title", "severity", "project", "read_at", "not_before")
    list_filter = ("severity", "kind", "project", "deliveries__channel", "deliveries__status")
    search_fields = ("title", "kind", "dedupe_key", "recipient__username", "recipient__display_name")
    date_hierarchy = "created_at"
    list_select_related = ("recipient", "project")
    exclude = ("params",)
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "notification",
        "channel",
        "masked_address",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "short_error",
    )
    list_filter = ("channel", "status")
    search_fields = ("notification__title", "provider_message_id")
    date_hierarchy = "created_at"
    list_select_related = ("notification__recipient",)
    exclude = ("address",)
    readonly_fields = ("masked_address",)
    actions = ["retry"]

    @admin.display(description=_("地址"))
    def masked_address(self, delivery):
        return delivery.masked_address

    @admin.display(description=_("错误信息"))
    def short_error(self, delivery):
        return delivery.error[:80]

    @admin.action(description=_("重新发送所选的失败记录"), permissions=["retry"])
    def retry(self, request, queryset):
        retried = 0
        for delivery in queryset.filter(status=DeliveryStatus.FAILED):
            services.delivery_retry(delivery=delivery)
            retried += 1
        self.message_user(
            request, ngettext("已重新发送 %(n)d 条", "已重新发送 %(n)d 条", retried) % {"n": retried}, messages.SUCCESS
        )

    def has_retry_permission(self, request):
        return request.user.has_perm("notifications.change_delivery")


@admin.register(ChannelAddress)
class ChannelAddressAdmin(admin.ModelAdmin):
    """Users' WeChat openids (the service account's). SMS goes to the user's mobile."""

    list_display = ("user", "channel", "masked", "created_at")
    list_filter = ("channel",)
    search_fields = ("user__username", "user__display_name")
    raw_id_fields = ("user",)

    @admin.display(description=_("地址"))
    def masked(self, row):
        return mask_address(row.channel, row.address)
