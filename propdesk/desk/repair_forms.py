"""Forms of the repair pages: shape and parse input only; the rules live in desk.repairs.
Priced rows (quote lines, materials) arrive as parallel lists (one entry per row on the
phone form) and are parsed here into the tuples the services take."""

from __future__ import annotations

import base64
import binascii

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from propdesk.core.errors import DomainError
from propdesk.desk.choices import Escalation
from propdesk.desk.models import PriceItem, WorkOrder

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
_INPUT_FORMATS = [DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
# A data URL of a phone-drawn PNG signature: a few dozen kilobytes; refuse megabytes.
SIGNATURE_DATA_URL_MAX = 800 * 1024
QUOTE_ROWS = 5
MATERIAL_ROWS = 3


def _datetime_field(label):
    return forms.DateTimeField(
        label=label,
        required=False,
        input_formats=_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )


class PrepareForm(forms.Form):
    """REP-1: the appointment slot, someone home, the spare key, free or paid."""

    appointment_start = _datetime_field(_lazy("预约开始"))
    appointment_end = _datetime_field(_lazy("预约结束"))
    someone_home = forms.TypedChoiceField(
        label=_lazy("家中是否有人"),
        choices=[("", _lazy("未知")), ("yes", _lazy("有人")), ("no", _lazy("无人"))],
        coerce=lambda v: {"yes": True, "no": False}.get(v),
        empty_value=None,
        required=False,
    )
    spare_key_allowed = forms.BooleanField(label=_lazy("可使用备用钥匙入户"), required=False)
    paid = forms.BooleanField(label=_lazy("有偿服务（保修期外入户维修）"), required=False)

    @classmethod
    def for_order(cls, work_order: WorkOrder) -> PrepareForm:
        def local(value):
            return timezone.localtime(value).strftime(DATETIME_LOCAL) if value else None

        home = {True: "yes", False: "no"}.get(work_order.someone_home, "")
        return cls(
            initial={
                "appointment_start": local(work_order.appointment_start),
                "appointment_end": local(work_order.appointment_end),
                "someone_home": home,
                "spare_key_allowed": work_order.spare_key_allowed,
                "paid": work_order.paid,
            }
        )


class AcceptQuoteForm(forms.Form):
    accepted_by = forms.CharField(label=_lazy("确认报价的客户姓名"), max_length=50)


class MeasureForm(forms.Form):
    measure = forms.CharField(label=_lazy("临时措施"), widget=forms.Textarea(attrs={"rows": 2}))


class EscalateForm(forms.Form):
    to = forms.ChoiceField(label=_lazy("上报对象"), choices=Escalation.choices)
    note = forms.CharField(label=_lazy("上报说明"), widget=forms.Textarea(attrs={"rows": 2}))


def _item(items: dict[int, PriceItem], raw: str, field: str) -> PriceItem | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return items[int(raw)]
    except (ValueError, KeyError):
        raise DomainError("work_order_price_item_invalid", _("价目无效"), field=field, rule="REP-4") from None


def parse_quote_lines(post, items: dict[int, PriceItem]) -> list[tuple[PriceItem, str]]:
    """Rows of (price item, quantity) from `item` / `qty` lists; blank rows are skipped."""
    lines = []
    for n, (raw_item, qty) in enumerate(zip(post.getlist("item"), post.getlist("qty"), strict=False)):
        item = _item(items, raw_item, f"quote-{n}")
        if item is None and not qty.strip():
            continue
        if item is None:
            raise DomainError("work_order_price_item_invalid", _("请选择价目"), field=f"quote-{n}", rule="REP-4")
        lines.append((item, qty.strip() or "1"))
    return lines


def parse_materials(post, items: dict[int, PriceItem]) -> list[tuple]:
    """Rows of (price item | name, quantity[, unit price]) from the completion form:
    a row either picks a price-list item or names a material with its unit price."""
    rows = []
    columns = zip(post.getlist("m_item"), post.getlist("m_name"), post.getlist("m_qty"), post.getlist("m_price"), strict=False)
    for n, (raw_item, name, qty, price) in enumerate(columns):
        item = _item(items, raw_item, f"material-{n}")
        if item is None and not name.strip() and not qty.strip():
            continue
        qty = qty.strip() or "1"
        rows.append((item, qty) if item is not None else (name.strip(), qty, price.strip()))
    return rows


def decode_signature(data_url: str) -> bytes | None:
    """The PNG bytes of the signature pad's data URL (`data:image/png;base64,…`), or None
    when nothing was drawn. Whether it is a usable PNG is checked by the service."""
    data_url = (data_url or "").strip()
    if not data_url:
        return None
    if len(data_url) > SIGNATURE_DATA_URL_MAX:
        raise DomainError("signature_too_large", _("签名图片过大"), field="signature", rule="REP-6")
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix):
        raise DomainError("signature_not_png", _("签名须为 PNG 图片"), field="signature", rule="REP-6")
    try:
        return base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise DomainError("signature_not_png", _("签名须为 PNG 图片"), field="signature", rule="REP-6") from None
