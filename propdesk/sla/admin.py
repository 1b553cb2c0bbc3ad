"""SLA configuration screens: policies with their targets (inline) and each target with
its escalation levels (inline); clocks and firings are a read-only record.

A policy that has clocks is read-only: "新建版本" copies it as an inactive draft to edit,
"启用" makes a version the active one (services.sla_policy_new_version / _activate)."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from propdesk.accounts.roles import Role
from propdesk.core.errors import DomainError
from propdesk.sla import services
from propdesk.sla.models import EscalationLevel, SlaClock, SlaFiring, SlaPolicy, SlaTarget


def _policy_in_use(policy: SlaPolicy | None) -> bool:
    return policy is not None and policy.pk is not None and SlaClock.objects.filter(target__policy=policy).exists()


class _FrozenWhenInUse:
    """Inline/admin mixin: nothing of a policy with clocks can be changed."""

    def _policy_of(self, obj):
        return obj if isinstance(obj, SlaPolicy) else getattr(obj, "policy", None)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not _policy_in_use(self._policy_of(obj))

    def has_add_permission(self, request, obj=None):
        if isinstance(self, admin.options.InlineModelAdmin):
            return super().has_add_permission(request, obj) and not _policy_in_use(self._policy_of(obj))
        return super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _policy_in_use(self._policy_of(obj))


class SlaTargetInline(_FrozenWhenInUse, admin.TabularInline):
    model = SlaTarget
    fields = ("kind", "amount", "unit", "start_event", "stop_event", "pause_when_waiting", "warn_at_percent", "rule")
    extra = 0
    show_change_link = True


class EscalationLevelForm(forms.ModelForm):
    notify_roles = forms.MultipleChoiceField(
        label=_("通知岗位"), choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = EscalationLevel
        fields = (
            "code",
            "rule",
            "anchor",
            "offset_minutes",
            "action",
            "raise_to",
            "condition",
            "notify_roles",
            "notify_holder",
            "urgent",
            "respect_office_hours",
        )


class EscalationLevelInline(_FrozenWhenInUse, admin.StackedInline):
    model = EscalationLevel
    form = EscalationLevelForm
    extra = 0
    fields = (
        ("code", "rule"),
        ("anchor", "offset_minutes"),
        ("action", "raise_to", "condition"),
        "notify_roles",
        ("notify_holder", "urgent", "respect_office_hours"),
    )


@admin.register(SlaPolicy)
class SlaPolicyAdmin(_FrozenWhenInUse, admin.ModelAdmin):
    list_display = ("name", "project", "ticket_type", "priority", "version", "active", "preset", "rules")
    list_filter = ("active", "ticket_type", "priority", "preset", "project")
    search_fields = ("name", "rules")
    list_select_related = ("project",)
    fields = ("name", "project", "ticket_type", "priority", "calendar", "version", "active", "preset", "rules", "created_at")
    readonly_fields = ("active", "preset", "created_at")
    inlines = [SlaTargetInline]
    actions = ["new_version", "activate"]

    @admin.action(description=_("复制为新版本（草稿）"))
    def new_version(self, request, queryset):
        for policy in queryset:
            try:
                copy = services.sla_policy_new_version(policy=policy, by=request.user)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
                return
            self.message_user(request, _("已建立 %(policy)s（未启用）") % {"policy": copy}, messages.SUCCESS)

    @admin.action(description=_("启用所选版本"))
    def activate(self, request, queryset):
        for policy in queryset:
            try:
                services.sla_policy_activate(policy=policy, by=request.user)
            except DomainError as error:
                self.message_user(request, f"{policy}: {error.message}", messages.ERROR)
                continue
            self.message_user(request, _("已启用 %(policy)s") % {"policy": policy}, messages.SUCCESS)


@admin.register(SlaTarget)
class SlaTargetAdmin(_FrozenWhenInUse, admin.ModelAdmin):
    list_display = ("__str__", "policy", "start_event", "stop_event", "warn_at_percent", "rule")
    list_filter = ("kind", "unit", "policy__active")
    list_select_related = ("policy",)
    inlines = [EscalationLevelInline]

    def has_module_permission(self, request):
        return False  # reached from its policy


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SlaFiringInline(admin.TabularInline):
    model = SlaFiring
    fields = ("key", "fired_at", "detail")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "kind", "state", "started_at", "deadline_at", "original_deadline_at", "met_at", "breached_at")
    list_filter = ("state", "kind", "project")
    search_fields = ("ticket__number",)
    date_hierarchy = "started_at"
    list_select_related = ("ticket",)
    inlines = [SlaFiringInline]


@admin.register(SlaFiring)
class SlaFiringAdmin(ReadOnlyAdmin):
    list_display = ("clock", "key", "fired_at")
    search_fields = ("key", "clock__ticket__number")
    date_hierarchy = "fired_at"
