"""Forms of the parking pages: they parse what was typed; the rules are the services'."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from propdesk.billing.choices import PaymentMethod
from propdesk.deposits.forms import METHOD_CHOICES

_MONEY = {"max_digits": 10, "decimal_places": 2}
_LOCAL = "%Y-%m-%dT%H:%M"


class RentalForm(forms.Form):
    """新增月租: the space (by its code), the house (by its code), renter, plates, months."""

    project = forms.TypedChoiceField(label=_("项目"), coerce=int)
    space = forms.CharField(label=_("车位编号"), max_length=20)
    house = forms.CharField(label=_("房号"), max_length=30, help_text=_("如 3-2-1201，租金计入该房屋账单"))
    renter_name = forms.CharField(label=_("租用人"), max_length=50)
    renter_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    plates = forms.CharField(label=_("车牌号"), max_length=100, help_text=_("多个车牌用逗号分隔"))
    started_on = forms.DateField(label=_("起租日期"), widget=forms.DateInput(attrs={"type": "date"}))
    months = forms.TypedChoiceField(label=_("租期（月）"), coerce=int, choices=[(n, n) for n in (1, 3, 6, 12)], initial=1)
    monthly_rent = forms.DecimalField(
        label=_("月租金"), required=False, min_value=0, help_text=_("留空按项目收费标准（默认 100 元/月）"), **_MONEY
    )

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.pk, p.name) for p in projects]


class RenewForm(forms.Form):
    months = forms.TypedChoiceField(label=_("续租月数"), coerce=int, choices=[(n, n) for n in (1, 3, 6, 12)], initial=1)


class CardForm(forms.Form):
    number = forms.CharField(label=_("卡号"), max_length=32)
    method = forms.ChoiceField(label=_("押金付款方式"), choices=METHOD_CHOICES, initial=PaymentMethod.CASH)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class TariffForm(forms.Form):
    project = forms.TypedChoiceField(label=_("项目"), coerce=int)
    monthly_rent = forms.DecimalField(label=_("月租金（元/月）"), min_value=0, **_MONEY)
    card_deposit = forms.DecimalField(label=_("IC卡押金（元）"), min_value=0, **_MONEY)
    base_hours = forms.IntegerField(label=_("起步时长（小时）"), min_value=1, max_value=24)
    base_fee = forms.DecimalField(label=_("起步价（元）"), min_value=0, **_MONEY)
    hourly_fee = forms.DecimalField(label=_("超时每小时（元）"), min_value=0, **_MONEY)
    daily_cap = forms.DecimalField(label=_("每日封顶（元）"), min_value=0, **_MONEY)

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.pk, p.name) for p in projects]


class CalculatorForm(forms.Form):
    """The guard's calculator: entry and exit, local time (minutes)."""

    project = forms.TypedChoiceField(label=_("项目"), coerce=int, required=False)
    entry = forms.DateTimeField(
        label=_("入场时间"), input_formats=[_LOCAL], widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_LOCAL)
    )
    exit = forms.DateTimeField(
        label=_("出场时间"), input_formats=[_LOCAL], widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_LOCAL)
    )

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.pk, p.name) for p in projects]

    def clean(self):
        data = super().clean()
        entry, exit = data.get("entry"), data.get("exit")
        if entry and exit and exit < entry:
            self.add_error("exit", _("出场时间不能早于入场时间"))
        return data


def now_local() -> dt.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)
