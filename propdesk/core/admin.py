"""Configuration screens of the working calendar: a calendar with its weekly windows and
dated exceptions; special-hours days keep their windows on the exception's own page."""

from collections import defaultdict

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.core.errors import DomainError
from propdesk.core.models import BusinessCalendar, CalendarException, ExceptionWindow, WorkingWindow
from propdesk.core.services import COVERING_SOURCES, calendar_seed_holidays
from propdesk.core.workcalendar import check_windows


class WindowFormSet(BaseInlineFormSet):
    """No two windows of the same day may overlap — checked across the whole formset
    (the rows being edited together), not against stale rows in the database."""

    group_field: str | None = None

    def clean(self) -> None:
        super().clean()
        days = defaultdict(list)
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("start") is None or data.get("end") is None:
                continue
            days[data.get(self.group_field) if self.group_field else None].append((data["start"], data["end"]))
        for windows in days.values():
            try:
                check_windows(windows)
            except DomainError as error:
                raise ValidationError(error.message, code=error.code) from error


class WeeklyWindowFormSet(WindowFormSet):
    group_field = "weekday"


class WorkingWindowInline(admin.TabularInline):
    model = WorkingWindow
    formset = WeeklyWindowFormSet
    fields = ("weekday", "start", "end")
    extra = 0


class CalendarExceptionInline(admin.TabularInline):
    model = CalendarException
    fields = ("date", "kind", "name", "as_weekday", "source")
    extra = 0
    show_change_link = True  # special hours: their windows are edited on the exception's page

    def get_queryset(self, request):
        # This year onwards: past years' rows stay in the database but not on the page.
        return super().get_queryset(request).filter(date__year__gte=timezone.localdate().year)


def _mark_edited_seed_rows_manual(formset) -> None:
    """A seeded date an administrator edits becomes a local adjustment, so reseeding keeps it."""
    for form in formset.forms:
        instance = form.instance
        if (
            form.has_changed()
            and "source" not in form.changed_data
            and instance.pk
            and instance.source == CalendarException.Source.SEED
        ):
            instance.source = CalendarException.Source.MANUAL


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "project", "time_zone", "active", "coverage")
    list_filter = ("active",)
    search_fields = ("name", "project__name")
    inlines = [WorkingWindowInline, CalendarExceptionInline]
    actions = ["seed_holidays"]

    def get_queryset(self, request):
        year = timezone.localdate().year
        covering = CalendarException.objects.filter(
            calendar=OuterRef("pk"), kind=CalendarException.Kind.HOLIDAY, source__in=COVERING_SOURCES
        )
        return (
            super()
            .get_queryset(request)
            .select_related("project")
            .annotate(
                covers_this_year=Exists(covering.filter(date__year=year)),
                covers_next_year=Exists(covering.filter(date__year=year + 1)),
            )
        )

    @admin.display(description=_("今年/明年节假日数据"))
    def coverage(self, obj: BusinessCalendar) -> str:
        """Same test as services.calendar_coverage, annotated: one query for the list."""
        year = timezone.localdate().year
        flags = ((year, obj.covers_this_year), (year + 1, obj.covers_next_year))
        return " ".join(f"{y}{'✓' if ok else '✗'}" for y, ok in flags)

    def save_formset(self, request, form, formset, change):
        if formset.model is CalendarException:
            _mark_edited_seed_rows_manual(formset)
        super().save_formset(request, form, formset, change)

    @admin.action(description=_("导入今年和明年的法定节假日与调休（chinese-calendar）"))
    def seed_holidays(self, request, queryset):
        year = timezone.localdate().year
        for calendar in queryset:
            for seed_year in (year, year + 1):
                result = calendar_seed_holidays(calendar=calendar, year=seed_year)
                level = messages.SUCCESS if result.covered else messages.WARNING
                self.message_user(request, f"{calendar.name}：{result.message}", level)


class ExceptionWindowInline(admin.TabularInline):
    model = ExceptionWindow
    formset = WindowFormSet
    fields = ("start", "end")
    extra = 0


@admin.register(CalendarException)
class CalendarExceptionAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "name", "calendar", "source")
    list_filter = ("kind", "source", "calendar")
    search_fields = ("name",)
    date_hierarchy = "date"
    fields = ("calendar", "date", "kind", "name", "as_weekday", "source")
    inlines = [ExceptionWindowInline]

    def save_model(self, request, obj, form, change):
        if change and form.has_changed() and "source" not in form.changed_data and obj.source == CalendarException.Source.SEED:
            obj.source = CalendarException.Source.MANUAL
        super().save_model(request, obj, form, change)
