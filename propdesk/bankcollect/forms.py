"""Forms of the bank collection pages: they parse what was typed; the rules are the services'."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.bankcollect.choices import Encoding, ExportField, FileFormat


class ExportForm(forms.Form):
    profile = forms.TypedChoiceField(label=_("托收银行"), coerce=int)
    cutoff = forms.DateField(label=_("截止账期"), help_text=_("收取该日所在月份及以前的欠费"))

    def __init__(self, *args, profiles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profile"].choices = [(p.pk, f"{p.project.name} · {p.bank_name}") for p in profiles]
        self.fields["cutoff"].initial = timezone.localdate()


class UploadForm(forms.Form):
    file = forms.FileField(label=_("回盘文件"), help_text=_("银行返回的 CSV 或 Excel (.xlsx) 文件"))


class MandateForm(forms.Form):
    house = forms.CharField(label=_("房屋编码"), max_length=30, help_text=_("如 3-2-1201"))
    profile = forms.TypedChoiceField(label=_("托收银行"), coerce=int)
    account_name = forms.CharField(label=_("户名"), max_length=50)
    account_number = forms.CharField(label=_("账号"), max_length=40)
    active_from = forms.DateField(label=_("生效日期"))
    active_to = forms.DateField(label=_("终止日期"), required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, profiles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profile"].choices = [(p.pk, f"{p.project.name} · {p.bank_name}") for p in profiles]


def columns_text(columns: list[dict]) -> str:
    return "\n".join(f"{c['field']}={c['header']}" for c in columns)


class ProfileForm(forms.Form):
    project = forms.TypedChoiceField(label=_("项目"), coerce=int)
    bank_name = forms.CharField(label=_("银行名称"), max_length=50)
    file_format = forms.ChoiceField(label=_("文件格式"), choices=FileFormat.choices)
    encoding = forms.ChoiceField(label=_("文件编码"), choices=Encoding.choices)
    columns = forms.CharField(
        label=_("导出列"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("每行一列，按顺序：字段=列名。可用字段：")
        + "、".join(f"{value}（{label}）" for value, label in ExportField.choices),
    )
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.pk, p.name) for p in projects]

    def clean_columns(self) -> list[dict]:
        columns = []
        for line in self.cleaned_data["columns"].splitlines():
            if not line.strip():
                continue
            field, _sep, header = line.partition("=")
            columns.append({"field": field.strip(), "header": header.strip()})
        return columns
