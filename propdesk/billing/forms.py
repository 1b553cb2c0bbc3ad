"""Forms of the cashier's console: they parse what was typed; the rules are the services'."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.billing.choices import PaymentMethod

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
