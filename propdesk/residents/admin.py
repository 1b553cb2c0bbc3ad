from django.contrib import admin

from propdesk.residents.models import ArchiveItemType, PiiAccess


@admin.register(ArchiveItemType)
class ArchiveItemTypeAdmin(admin.ModelAdmin):
    """The archive checklist per project (ARC-2 is the default set)."""

    list_display = ("name", "project", "order", "active")
    list_filter = ("project", "active")
    list_editable = ("order", "active")


@admin.register(PiiAccess)
class PiiAccessAdmin(admin.ModelAdmin):
    """Who saw whose full ID number or phone (ARC-5): read only."""

    list_display = ("at", "viewer", "person", "field", "project", "address")
    list_filter = ("project", "field")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
