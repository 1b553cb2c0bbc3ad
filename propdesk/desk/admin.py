from django.contrib import admin

from propdesk.desk.models import DutyShift, EmergencyPlan, PriceItem, ServiceProvider

# --- Repairs and special services: the published price list (REP-4/DESK-8) ---------------


@admin.register(PriceItem)
class PriceItemAdmin(admin.ModelAdmin):
    """The price list of paid work per project (有偿服务价目表): labour items and
    materials. A quote copies the price it was made at: changing a price here never
    alters a quote already given; retire an item by unticking 在用 (quoted items cannot
    be deleted)."""

    list_display = ("name", "kind", "trade", "department", "unit", "unit_price", "active", "project")
    list_filter = ("project", "kind", "trade", "department", "active")
    list_editable = ("unit_price", "active")
    search_fields = ("name",)
    ordering = ("project", "kind", "trade", "name")


@admin.register(ServiceProvider)
class ServiceProviderAdmin(admin.ModelAdmin):
    """Nearby providers the desk refers customers to (周边便民服务商, DESK-8)."""

    list_display = ("name", "services", "phone", "address", "active", "project")
    list_filter = ("project", "active")
    search_fields = ("name", "services")


# --- Emergencies (DESK-7, INC-4) ------------------------------------------------------------


@admin.register(EmergencyPlan)
class EmergencyPlanAdmin(admin.ModelAdmin):
    """Emergency plans (应急预案): the company-wide plan per kind (project empty) and any
    project's own version. An emergency copies the steps when it is raised, so editing a
    plan never changes the checklist of one already under way."""

    list_display = ("kind", "project", "department", "updated_at")
    list_filter = ("kind", "department", "project")


@admin.register(DutyShift)
class DutyShiftAdmin(admin.ModelAdmin):
    """The duty roster (值班表); staff keep it on the 值班表 page."""

    list_display = ("starts_at", "ends_at", "department", "user", "project")
    list_filter = ("project", "department")
    date_hierarchy = "starts_at"
