"""Resident and archive list filters (django-filter). Related rows are filtered by plain
id, never by a model choice, so another project's ids look like missing ones."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from propdesk.residents.choices import LoanStatus, OccupantRole
from propdesk.residents.models import ArchiveFile, ArchiveLoan, Occupancy, Person


class PersonFilter(filters.FilterSet):
    project = filters.NumberFilter(label=_("项目"))
    name = filters.CharFilter(label=_("姓名（前缀）"), lookup_expr="startswith")
    mobile_last4 = filters.CharFilter(label=_("手机尾号（4位）"))

    class Meta:
        model = Person
        fields = ["project", "name", "mobile_last4"]


class OccupancyFilter(filters.FilterSet):
    house = filters.NumberFilter(label=_("房屋"))
    person = filters.NumberFilter(label=_("人员"))
    role = filters.ChoiceFilter(label=_("身份"), choices=OccupantRole.choices)
    active = filters.BooleanFilter(label=_("在住"), field_name="end_date", lookup_expr="isnull")

    class Meta:
        model = Occupancy
        fields = ["house", "person", "role", "active"]


class ArchiveFileFilter(filters.FilterSet):
    house = filters.NumberFilter(label=_("房屋"))
    item_type = filters.NumberFilter(label=_("档案项目"))

    class Meta:
        model = ArchiveFile
        fields = ["house", "item_type"]


class ArchiveLoanFilter(filters.FilterSet):
    house = filters.NumberFilter(label=_("房屋"))
    status = filters.ChoiceFilter(label=_("状态"), choices=LoanStatus.choices)
    overdue = filters.BooleanFilter(label=_("逾期未还"), method="filter_overdue")

    class Meta:
        model = ArchiveLoan
        fields = ["house", "status", "overdue"]

    def filter_overdue(self, queryset, name, value):
        """Lent and past the due date (the console's overdue list)."""
        overdue = {"status": LoanStatus.LENT, "due_date__lt": timezone.localdate()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)
