from django.contrib import admin

from propdesk.estate.models import Company, Project


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name",)


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    """Projects are configuration; houses and people are kept through the console and
    import so that every change goes through the services and keeps its history."""

    list_display = ("code", "name", "company", "service_phone", "active")
    list_filter = ("active", "company")
    search_fields = ("code", "name")

    def save_model(self, request, obj, form, change):
        from propdesk.residents.services import archive_checklist_seed_defaults

        super().save_model(request, obj, form, change)
        if not change:
            archive_checklist_seed_defaults(project=obj)
