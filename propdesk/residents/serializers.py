"""Resident and archive API shapes (style practice 7): `…Input` shapes what a call
takes (the rules live in services), `…Output` what it returns. Personal data always
leaves masked (ARC-5); the full value only through `POST persons/{id}/reveal/`."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from propdesk.core.api import InputSerializer
from propdesk.core.masking import mask_id_number, mask_phone
from propdesk.estate.models import House
from propdesk.residents.choices import ArchiveItemStatus, Gender, IdType, LoanStatus, OccupancyEnd, OccupantRole
from propdesk.residents.models import ArchiveFile, ArchiveLoan, Occupancy, Person, PiiAccess

_PHONE_IN_TEXT = re.compile(r"\d{5,}")


# --- persons ----------------------------------------------------------------------------


class PersonOutput(serializers.ModelSerializer):
    """A person with ID number and every phone masked (ARC-5)."""

    project_name = serializers.CharField(source="project.name", read_only=True)
    gender_display = serializers.CharField(source="get_gender_display", read_only=True)
    id_type_display = serializers.CharField(source="get_id_type_display", read_only=True)
    id_number = serializers.SerializerMethodField(help_text=_("脱敏显示；完整号码见 reveal"))
    mobile = serializers.SerializerMethodField(help_text=_("脱敏显示；完整号码见 reveal"))
    other_phones = serializers.SerializerMethodField(help_text=_("脱敏显示"))
    emergency_phone = serializers.SerializerMethodField(help_text=_("脱敏显示"))

    class Meta:
        model = Person
        fields = [
            "id",
            "project",
            "project_name",
            "name",
            "gender",
            "gender_display",
            "birthday",
            "mobile",
            "other_phones",
            "id_type",
            "id_type_display",
            "id_number",
            "emergency_contact",
            "emergency_phone",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_id_number(self, person: Person) -> str:
        return mask_id_number(person.id_number)

    def get_mobile(self, person: Person) -> str:
        return mask_phone(person.mobile)

    def get_other_phones(self, person: Person) -> str:
        return _PHONE_IN_TEXT.sub(lambda match: mask_phone(match.group()), person.other_phones)

    def get_emergency_phone(self, person: Person) -> str:
        return mask_phone(person.emergency_phone)


class PersonHouseOutput(serializers.ModelSerializer):
    """One active tie of a person to a house, as shown in search results."""

    house_code = serializers.CharField(source="house.code", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Occupancy
        fields = ["id", "house", "house_code", "role", "role_display", "is_primary_contact"]
        read_only_fields = fields


class PersonSearchOutput(PersonOutput):
    houses = PersonHouseOutput(source="active_occupancies", many=True, read_only=True)

    class Meta(PersonOutput.Meta):
        fields = [*PersonOutput.Meta.fields, "houses"]
        read_only_fields = fields


class SearchHouseOutput(serializers.ModelSerializer):
    """A house found by search (its project is loaded with it; nothing else is)."""

    project_name = serializers.CharField(source="project.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    status_colour = serializers.CharField(read_only=True)

    class Meta:
        model = House
        fields = ["id", "project", "project_name", "code", "floor", "area", "usage", "status", "status_display", "status_colour"]
        read_only_fields = fields


class SearchOutput(serializers.Serializer):
    query = serializers.CharField()
    houses = SearchHouseOutput(many=True)
    persons = PersonSearchOutput(many=True)


class PersonUpdateInput(InputSerializer):
    """The person fields `person_update` accepts; the ID number is checked there (GB 11643)."""

    name = serializers.CharField(label=_("姓名"), max_length=50, allow_blank=True)  # required: person_clean
    gender = serializers.ChoiceField(label=_("性别"), choices=Gender.choices, allow_blank=True, required=False)
    birthday = serializers.DateField(label=_("出生日期"), allow_null=True, required=False)
    mobile = serializers.CharField(label=_("手机号"), max_length=20, allow_blank=True, required=False)
    other_phones = serializers.CharField(label=_("其他电话"), max_length=100, allow_blank=True, required=False)
    id_type = serializers.ChoiceField(label=_("证件类型"), choices=IdType.choices, required=False)
    id_number = serializers.CharField(label=_("证件号码"), max_length=30, allow_blank=True, required=False)
    emergency_contact = serializers.CharField(label=_("紧急联系人"), max_length=50, allow_blank=True, required=False)
    emergency_phone = serializers.CharField(label=_("紧急联系电话"), max_length=20, allow_blank=True, required=False)
    notes = serializers.CharField(label=_("备注"), allow_blank=True, required=False, max_length=2000)


class PersonCreateInput(PersonUpdateInput):
    project = serializers.IntegerField(label=_("项目"), min_value=1)


class PiiRevealInput(InputSerializer):
    field = serializers.ChoiceField(label=_("字段"), choices=PiiAccess.Field.choices)


class PiiRevealOutput(serializers.Serializer):
    field = serializers.ChoiceField(choices=PiiAccess.Field.choices)
    value = serializers.CharField(help_text=_("完整值；本次查看已记录（ARC-5）"))


# --- occupancies ------------------------------------------------------------------------


class OccupancyOutput(serializers.ModelSerializer):
    house_code = serializers.CharField(source="house.code", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    end_reason_display = serializers.CharField(source="get_end_reason_display", read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = Occupancy
        fields = [
            "id",
            "project",
            "house",
            "house_code",
            "person",
            "person_name",
            "role",
            "role_display",
            "start_date",
            "end_date",
            "end_reason",
            "end_reason_display",
            "is_primary_contact",
            "is_active",
        ]
        read_only_fields = fields


class OccupancyCreateInput(InputSerializer):
    house = serializers.IntegerField(label=_("房屋"), min_value=1)
    person = serializers.IntegerField(label=_("人员"), min_value=1)
    role = serializers.ChoiceField(label=_("身份"), choices=OccupantRole.choices)
    start_date = serializers.DateField(label=_("起始日期"))
    is_primary_contact = serializers.BooleanField(label=_("主要联系人"), default=False)


class OccupantRegisterInput(PersonUpdateInput):
    """住户登记 at one house: the person (found by ID number in the project and updated,
    or created) and their tie to the house."""

    role = serializers.ChoiceField(label=_("身份"), choices=OccupantRole.choices)
    start_date = serializers.DateField(label=_("起始日期"))
    is_primary_contact = serializers.BooleanField(label=_("主要联系人"), default=False)


class HouseTransferInput(InputSerializer):
    """House transfer (MOV-13): the new owners in order — the first becomes the owner and
    primary contact, the others co-owners."""

    # An empty list is refused by house_transfer, with the rule's own error (MOV-13).
    new_owners = serializers.ListField(label=_("新业主"), child=serializers.IntegerField(min_value=1), max_length=10)
    transfer_date = serializers.DateField(label=_("转让日期"))

    def validate_new_owners(self, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise serializers.ValidationError(_("同一人员只能填写一次"), code="duplicate")
        return value


class OccupancyEndInput(InputSerializer):
    """Deregistration (MOV-11): the row is ended with a date and reason, never deleted."""

    end_date = serializers.DateField(label=_("结束日期"))
    end_reason = serializers.ChoiceField(label=_("结束原因"), choices=OccupancyEnd.choices, default=OccupancyEnd.DEREGISTERED)


# --- archive ----------------------------------------------------------------------------


class CompletenessOutput(serializers.Serializer):
    received = serializers.IntegerField()
    applicable = serializers.IntegerField(help_text=_("“不适用”的项目不计入（ARC-2）"))
    percent = serializers.IntegerField()


class ChecklistLineOutput(serializers.Serializer):
    item_type = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=ArchiveItemStatus.choices)
    status_display = serializers.CharField()
    note = serializers.CharField()
    updated_at = serializers.DateTimeField(allow_null=True)


class PaperArchiveOutput(serializers.Serializer):
    cabinet = serializers.CharField()
    box = serializers.CharField()
    folder = serializers.CharField()
    updated_at = serializers.DateTimeField()


class HouseArchiveOutput(serializers.Serializer):
    """A house's archive (ARC-2/3): every checklist line with its state, the
    completeness, and where the paper file is kept."""

    house = serializers.IntegerField()
    house_code = serializers.CharField()
    completeness = CompletenessOutput()
    checklist = ChecklistLineOutput(many=True)
    paper = PaperArchiveOutput(allow_null=True)


class ArchiveItemSetInput(InputSerializer):
    """One checklist line of a house marked missing / received / not applicable (ARC-2)."""

    item_type = serializers.IntegerField(label=_("档案项目"), min_value=1)
    status = serializers.ChoiceField(label=_("状态"), choices=ArchiveItemStatus.choices)
    note = serializers.CharField(label=_("备注"), max_length=200, allow_blank=True, default="")


class PaperArchiveInput(InputSerializer):
    """Where the paper file of a house is kept (双档案, ARC-3); a part left out is cleared."""

    cabinet = serializers.CharField(label=_("档案柜"), max_length=30, allow_blank=True, default="")
    box = serializers.CharField(label=_("档案盒"), max_length=30, allow_blank=True, default="")
    folder = serializers.CharField(label=_("档案袋/夹"), max_length=30, allow_blank=True, default="")


class ArchiveFileOutput(serializers.ModelSerializer):
    house_code = serializers.CharField(source="house.code", read_only=True)
    item_type_name = serializers.CharField(source="item_type.name", read_only=True, allow_null=True, default=None)
    uploaded_by = serializers.StringRelatedField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ArchiveFile
        fields = [
            "id",
            "project",
            "house",
            "house_code",
            "item_type",
            "item_type_name",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, scan: ArchiveFile) -> str:
        return reverse("archive-file-download", args=[scan.pk])


class ArchiveFileUploadInput(InputSerializer):
    """A scan (PDF/JPEG/PNG, type judged by content — ARC-3), optionally for one
    checklist line, which it then marks received."""

    house = serializers.IntegerField(label=_("房屋"), min_value=1)
    item_type = serializers.IntegerField(label=_("档案项目"), min_value=1, allow_null=True, required=False)
    file = serializers.FileField(label=_("扫描件"))


class ArchiveLoanOutput(serializers.ModelSerializer):
    house_code = serializers.CharField(source="house.code", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    is_overdue = serializers.SerializerMethodField()
    requested_by = serializers.StringRelatedField()
    decided_by = serializers.StringRelatedField()
    returned_to = serializers.StringRelatedField()

    class Meta:
        model = ArchiveLoan
        fields = [
            "id",
            "project",
            "house",
            "house_code",
            "items",
            "borrower_name",
            "borrower_department",
            "purpose",
            "due_date",
            "status",
            "status_display",
            "is_overdue",
            "requested_by",
            "decided_by",
            "decided_at",
            "decision_note",
            "lent_at",
            "returned_at",
            "returned_to",
            "created_at",
        ]
        read_only_fields = fields

    def get_is_overdue(self, loan: ArchiveLoan) -> bool:
        return loan.status == LoanStatus.LENT and loan.due_date < timezone.localdate()


class ArchiveLoanRequestInput(InputSerializer):
    house = serializers.IntegerField(label=_("房屋"), min_value=1)
    # Blank text is refused by archive_loan_request, with the rule's own error.
    items = serializers.CharField(label=_("借阅材料"), max_length=300, allow_blank=True)
    borrower_name = serializers.CharField(label=_("借阅人"), max_length=50, allow_blank=True)
    borrower_department = serializers.CharField(label=_("借阅部门"), max_length=50, allow_blank=True, default="")
    purpose = serializers.CharField(label=_("借阅用途"), max_length=200, allow_blank=True)
    due_date = serializers.DateField(label=_("应还日期"))


class ArchiveLoanDecisionInput(InputSerializer):
    """Approval or rejection (ARC-5); a rejection needs the note."""

    decision_note = serializers.CharField(label=_("审批意见"), max_length=200, allow_blank=True, default="")
