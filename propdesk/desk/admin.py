from django.contrib import admin

# --- Repairs: the published price list (REP-4/DESK-8) ------------------------------------
from propdesk.desk.models import PriceItem


@admin.register(PriceItem)
class PriceItemAdmin(admin.ModelAdmin):
    """The price list of paid work per project (有偿服务价目表): labour items and
    materials. A quote copies the price it was made at: changing a price here never
    alters a quote already given; retire an item by unticking 在用 (quoted items cannot
    be deleted)."""

    list_display = ("name", "kind", "trade", "unit", "unit_price", "active", "project")
    list_filter = ("project", "kind", "trade", "active")
    list_editable = ("unit_price", "active")
    search_fields = ("name",)
    ordering = ("project", "kind", "trade", "name")


# --- end of repairs -----------------------------------------------------------------------
