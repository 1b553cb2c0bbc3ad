"""Forms of the deposit pages: they parse what was typed; the rules are the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from propdesk.billing.choices import PaymentMethod
from propdesk.deposits.choices import DeductionKind, DepositKind, DepositStatus
from propdesk.deposits.services import DEPOSIT_METHODS

_MONEY = {"max_digits": 12, "decimal_places": 2}
_MONEY_ERRORS = {"invalid": _("请输入金额，如 123.45"), "max_decimal_places": _("金额最多两位小数")}
METHOD_CHOICES = [(m.value, m.label) for m in DEPOSIT_METHODS]
DEDUCTION_ROWS = 3


class DepositForm(forms.Form):
    """收取押金: the project, the house (optional, by its code), kind, payer, amount, method."""

    project = forms.TypedChoiceField(label=_("项目"), coerce=int)
    house = forms.CharField(label=_("房号"), max_length=30, required=False, help_text=_("如 3-2-1201；无房屋可留空"))
    kind = forms.ChoiceField(label=_("押金类型"), choices=DepositKind.choices)
    payer_name = forms.CharField(label=_("交款人"), max_length=50)
    amount = forms.DecimalField(label=_("押金金额"), min_value=0, error_messages=_MONEY_ERRORS, **_MONEY)
    method = forms.ChoiceField(label=_("付款方式"), choices=METHOD_CHOICES, initial=PaymentMethod.CASH)
    reference = forms.CharField(label=_("交易流水号"), max_length=64, required=False)
    purpose = forms.CharField(label=_("事由"), max_length=200, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.pk, p.name) for p in projects]


class RefundForm(forms.Form):
    """押金退还申请: deduct the house's unpaid fees (FEE-9) and up to three itemised fines or
    other deductions, each with its reason."""

    deduct_fees = forms.BooleanField(label=_("从押金中抵扣该房屋欠费"), required=False)
    method = forms.ChoiceField(label=_("退款方式"), choices=METHOD_CHOICES, initial=PaymentMethod.CASH)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = [(k.value, k.label) for k in DeductionKind if k != DeductionKind.FEES]
        for i in range(1, DEDUCTION_ROWS + 1):
            self.fields[f"kind_{i}"] = forms.ChoiceField(label=_("扣款类型"), choices=kinds, required=False)
            self.fields[f"reason_{i}"] = forms.CharField(label=_("扣款原因"), max_length=200, required=False)
            self.fields[f"amount_{i}"] = forms.DecimalField(
                label=_("扣款金额"), required=False, min_value=0, error_messages=_MONEY_ERRORS, **_MONEY
            )

    def rows(self):
        return [(self[f"kind_{i}"], self[f"reason_{i}"], self[f"amount_{i}"]) for i in range(1, DEDUCTION_ROWS + 1)]

    def deductions(self):
        from propdesk.deposits.services import Deduction

        data = self.cleaned_data
        out = [Deduction(DeductionKind.FEES)] if data["deduct_fees"] else []
        for i in range(1, DEDUCTION_ROWS + 1):
            reason, amount = data.get(f"reason_{i}", ""), data.get(f"amount_{i}")
            if reason or amount:
                out.append(Deduction(data.get(f"kind_{i}") or DeductionKind.FINE, reason, amount if amount is not None else 0))
        return out


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("驳回原因"), max_length=200)


STATUS_CHOICES = [("", _("全部状态")), *DepositStatus.choices]
KIND_CHOICES = [("", _("全部类型")), *DepositKind.choices]
