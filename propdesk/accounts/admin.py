from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from propdesk.accounts.models import Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1


@admin.register(User)
class PropdeskUserAdmin(UserAdmin):
    list_display = ("username", "display_name", "kind", "mobile", "is_active", "last_login")
    list_filter = ("kind", "is_active", "memberships__role")
    search_fields = ("username", "display_name", "mobile")
    fieldsets = (*UserAdmin.fieldsets, ("propdesk", {"fields": ("kind", "display_name", "mobile")}))
    inlines = [MembershipInline]
