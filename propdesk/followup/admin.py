from django.contrib import admin

from propdesk.followup.models import ReturnVisitPolicy


@admin.register(ReturnVisitPolicy)
class ReturnVisitPolicyAdmin(admin.ModelAdmin):
    """Return-visit policies (回访策略) per project or company-wide — per ticket type, or
    "新入住" for move-ins (VIS-3); presets come from `followup.services.visit_policies_install`."""

    list_display = (
        "name",
        "project",
        "ticket_type",
        "category",
        "delay",
        "delay_unit",
        "coverage_percent",
        "visitor",
        "midterm_after_days",
        "active",
    )
    list_filter = ("project", "ticket_type", "active")
