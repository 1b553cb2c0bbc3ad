"""Console forms: shape and parse input only; rules live in services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from propdesk.core.excel import XLSX
from propdesk.estate.models import Project
from propdesk.residents.choices import Gender, IdType, ImportKind, ImportMode, OccupantRole
from propdesk.residents.models import ArchiveItemType


class OccupantForm(forms.Form):
    """Register a person (new or found by ID number) at a house."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    mobile = forms.CharField(label=_("手机号"), max_length=20, required=False)
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices)
    id_number = forms.CharField(label=_("证件号码"), max_length=30, required=False)
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices, required=False)
    role = forms.ChoiceField(label=_("身份"), choices=OccupantRole.choices)
    start_date = forms.DateField(label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    is_primary_contact = forms.BooleanField(label=_("主要联系人"), required=False)


class ArchiveUploadForm(forms.Form):
    item_type = forms.ModelChoiceField(label=_("档案项目"), queryset=ArchiveItemType.objects.none(), required=False)
    file = forms.FileField(label=_("扫描件（PDF/JPEG/PNG）"))

    def __init__(self, *args, project_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_type"].queryset = ArchiveItemType.objects.filter(project_id=project_id, active=True)


class LoanForm(forms.Form):
    items = forms.CharField(label=_("借阅材料"), max_length=300)
    borrower_name = forms.CharField(label=_("借阅人"), max_length=50)
    borrower_department = forms.CharField(label=_("借阅部门"), max_length=50, required=False)
    purpose = forms.CharField(label=_("借阅用途"), max_length=200)
    due_date = forms.DateField(label=_("应还日期"), widget=forms.DateInput(attrs={"type": "date"}))


class PersonForm(forms.Form):
    """Edit a person's record (人员信息)."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices, required=False)
    birthday = forms.DateField(label=_("出生日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    mobile = forms.CharField(label=_("手机号"), max_length=20, required=False)
    other_phones = forms.CharField(label=_("其他电话"), max_length=100, required=False)
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices)
    id_number = forms.CharField(label=_("证件号码"), max_length=30, required=False)
    emergency_contact = forms.CharField(label=_("紧急联系人"), max_length=50, required=False)
    emergency_phone = forms.CharField(label=_("紧急联系电话"), max_length=20, required=False)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.FileField(label=_("照片（JPEG/PNG）"), required=False)


class ImportUploadForm(forms.Form):
    project = forms.ModelChoiceField(label=_("项目"), queryset=Project.objects.none(), empty_label=None)
    kind = forms.ChoiceField(label=_("导入内容"), choices=ImportKind.choices)
    mode = forms.ChoiceField(
        label=_("导入方式"), choices=ImportMode.choices, initial=ImportMode.ALL_OR_NOTHING, widget=forms.RadioSelect
    )
    file = forms.FileField(
        label=_("Excel 文件（.xlsx）"),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX}"}),
    )

    def __init__(self, *args, project_ids: frozenset[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(pk__in=project_ids).order_by("code")
