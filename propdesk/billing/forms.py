"""Forms of the cashier's console: they parse what was typed; the rules are the services'."""

from __future__ import annotations

import datetime as dt
import json

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.billing.choices import FeeKind, PaymentMethod, Treatment
from propdesk.estate.choices import Usage

_MONEY = {"max_digits": 12, "decimal_places": 2}
_MONEY_ERRORS = {"invalid": _("请输入金额，如 123.45"), "max_decimal_places": _("金额最多两位小数")}


class LineIdsField(forms.TypedMultipleChoiceField):
    """The lines ticked, as ids: whether they are still open is the service's to say (a
    retried submission names lines its first try has paid)."""

    def valid_value(self, value) -> bool:
        return True


class PaymentForm(forms.Form):
    """收费台: the lines picked, method, amount, cash tendered; the idempotency key was
    generated when the form was rendered, so a double-click or a retry pays once."""

    lines = LineIdsField(label=_("账目"), coerce=int, required=False)
    method = forms.ChoiceField(label=_("付款方式"), choices=PaymentMethod.choices, initial=PaymentMethod.CASH)
    amount = forms.DecimalField(label=_("实收金额"), min_value=0, error_messages=_MONEY_ERRORS, **_MONEY)
    tendered = forms.DecimalField(
        label=_("收到现金"),
        required=False,
        min_value=0,
        error_messages=_MONEY_ERRORS,
        help_text=_("现金收款时填写，用于找零"),
        **_MONEY,
    )
    payer_name = forms.CharField(label=_("交款人"), max_length=50, required=False)
    reference = forms.CharField(label=_("交易流水号"), max_length=64, required=False, help_text=_("转账、POS、扫码收款填写"))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, line_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].choices = list(line_choices)
        self.fields["amount"].error_messages["required"] = _("请填写实收金额")


def _month_choices(back: int = 24) -> list[tuple[str, str]]:
    month = timezone.localdate().replace(day=1)
    out = []
    for _i in range(back):
        out.append((f"{month:%Y-%m}", f"{month.year}年{month.month}月"))
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return out


def parse_month(value: str | None) -> dt.date | None:
    try:
        return dt.datetime.strptime(value or "", "%Y-%m").date()  # noqa: DTZ007 — a month, no time
    except ValueError:
        return None


class RunForm(forms.Form):
    project = forms.TypedChoiceField(label=_("项目"), coerce=int)
    month = forms.ChoiceField(label=_("账期"))

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.pk, p.name) for p in projects]
        self.fields["month"].choices = _month_choices()

    def clean_month(self):
        return parse_month(self.cleaned_data["month"])


class CloseForm(forms.Form):
    counted_cash = forms.DecimalField(label=_("清点现金"), min_value=0, error_messages=_MONEY_ERRORS, **_MONEY)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counted_cash"].error_messages["required"] = _("请填写清点现金")


# -- 收费标准 (FEE-1) -------------------------------------------------------------------------


def _project_field(projects) -> forms.TypedChoiceField:
    field = forms.TypedChoiceField(label=_("项目"), coerce=int)
    field.choices = [(p.pk, p.name) for p in projects]
    return field


class FeeItemForm(forms.Form):
    """A new fee item; its pricing kind and code cannot change once lines name them."""

    project = forms.TypedChoiceField(label=_("项目"), coerce=int)
    code = forms.SlugField(label=_("编码"), max_length=20, help_text=_("字母、数字、下划线，如 wyf"))
    name = forms.CharField(label=_("名称"), max_length=50)
    kind = forms.ChoiceField(label=_("计费方式"), choices=FeeKind.choices)
    unit = forms.CharField(label=_("计量单位"), max_length=10, required=False, help_text=_("按表计量时填写，如：吨、度"))

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"] = _project_field(projects)


class FeeItemEditForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=50)
    unit = forms.CharField(label=_("计量单位"), max_length=10, required=False)
    is_management_fee = forms.BooleanField(label=_("物业管理费（托管房屋按比例收取）"), required=False)
    late_fee_applies = forms.BooleanField(label=_("逾期计收违约金"), required=False)
    active = forms.BooleanField(label=_("启用"), required=False)


class FeeRateForm(forms.Form):
    """A new rate from a date on (FEE-1): the earlier rates stay as history."""

    usage = forms.ChoiceField(label=_("房屋用途"), choices=[("", _("所有用途")), *Usage.choices], required=False)
    effective_from = forms.DateField(label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"}))
    unit_price = forms.DecimalField(label=_("单价"), min_value=0, error_messages=_MONEY_ERRORS, **_MONEY)
    tiers = forms.CharField(
        label=_("阶梯价"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_('按表计量可填，如 [{"up_to": "10", "unit_price": "3.00"}, {"up_to": null, "unit_price": "4.50"}]'),
    )
    approval_ref = forms.CharField(label=_("批准文号"), max_length=100)
    notice_ref = forms.CharField(label=_("公示/通知编号"), max_length=100, required=False)

    def clean_tiers(self):
        raw = self.cleaned_data["tiers"].strip()
        if not raw:
            return []
        try:
            tiers = json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_("阶梯价格式有误")) from None
        if not isinstance(tiers, list) or not all(isinstance(t, dict) for t in tiers):
            raise forms.ValidationError(_("阶梯价格式有误"))
        return tiers


class PolicyForm(forms.Form):
    """出账规则 (FEE-2, FEE-8)."""

    custody_percent = forms.IntegerField(label=_("托管房屋管理费比例(%)"), min_value=0, max_value=100)
    unsold_treatment = forms.ChoiceField(label=_("未售房屋"), choices=Treatment.choices)
    unsold_percent = forms.IntegerField(label=_("未售房屋收费比例(%)"), min_value=0, max_value=100)
    not_handed_over_treatment = forms.ChoiceField(label=_("未交房房屋"), choices=Treatment.choices)
    not_handed_over_percent = forms.IntegerField(label=_("未交房房屋收费比例(%)"), min_value=0, max_value=100)
    due_day = forms.IntegerField(label=_("次月缴费截止日"), min_value=1, max_value=28)


# -- 审批申请 (FEE-3, FEE-4, FEE-5) -----------------------------------------------------------


class _ApprovalForm(forms.Form):
    reason = forms.CharField(label=_("申请原因"), max_length=200)


class WaiverRequestForm(_ApprovalForm):
    """减免: the whole open amount (amount empty) or part of it."""

    line = forms.TypedChoiceField(label=_("账目"), coerce=int)
    amount = forms.DecimalField(
        label=_("减免金额"), required=False, min_value=0, error_messages=_MONEY_ERRORS, help_text=_("留空表示全部"), **_MONEY
    )

    def __init__(self, *args, line_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = list(line_choices)


class ReversalRequestForm(_ApprovalForm):
    payment = forms.TypedChoiceField(label=_("收款"), coerce=int)

    def __init__(self, *args, payment_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payment"].choices = list(payment_choices)


class ExtensionRequestForm(_ApprovalForm):
    bill = forms.TypedChoiceField(label=_("账单"), coerce=int)
    to_date = forms.DateField(label=_("新的缴费截止日"), widget=forms.DateInput(attrs={"type": "date"}))
    dispute = forms.TypedChoiceField(label=_("相关异议"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, bill_choices=(), dispute_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bill"].choices = list(bill_choices)
        self.fields["dispute"].choices = [("", "—"), *dispute_choices]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("批准")), ("reject", _("驳回"))], widget=forms.HiddenInput)
    note = forms.CharField(label=_("审批意见"), max_length=200, required=False)


# -- 账单异议 (FEE-4) --------------------------------------------------------------------------


class DisputeForm(forms.Form):
    bill = forms.TypedChoiceField(label=_("账单"), coerce=int)
    customer_name = forms.CharField(label=_("提出人"), max_length=50, required=False)
    reason = forms.CharField(label=_("异议内容"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, bill_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bill"].choices = list(bill_choices)


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(label=_("处理结论"), choices=[("upheld", _("异议成立")), ("rejected", _("异议不成立"))])
    resolution = forms.CharField(label=_("处理结果"), widget=forms.Textarea(attrs={"rows": 3}))
