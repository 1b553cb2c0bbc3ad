"""Service-desk console forms: shape and parse input only; the rules live in services.
Also the read-back (复述确认, DESK-1): the sentence the assistant reads to the customer,
made from what was typed into the contact form."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from propdesk.desk.choices import (
    TYPE_CATEGORIES,
    Channel,
    ContactOutcome,
    Department,
    Priority,
    Status,
    TicketType,
)
from propdesk.residents.choices import Gender

# Every category value of every type; the page shows only those of the chosen type and
# ticket_open refuses a category that does not belong to it (CMP-3).
CATEGORY_CHOICES = sorted({choice for choices in TYPE_CATEGORIES.values() for choice in choices.choices})
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _local_now() -> str:
    return timezone.localtime().strftime(DATETIME_LOCAL)


class ContactForm(forms.Form):
    """One call or visit (客户来电来访记录, DESK-1) and how it ends."""

    project = forms.IntegerField(label=_lazy("项目"), required=False, widget=forms.HiddenInput)
    channel = forms.ChoiceField(label=_lazy("渠道"), choices=Channel.choices, initial=Channel.PHONE)
    received_at = forms.DateTimeField(
        label=_lazy("来电/来访时间"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    caller_number = forms.CharField(label=_lazy("来电号码"), max_length=20, required=False)
    caller_name = forms.CharField(label=_lazy("客户姓名"), max_length=50, required=False)
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    house = forms.IntegerField(required=False, widget=forms.HiddenInput)
    content = forms.CharField(label=_lazy("内容"), widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.ChoiceField(
        label=_lazy("处理结果"), choices=ContactOutcome.choices, initial=ContactOutcome.ANSWERED, widget=forms.RadioSelect
    )
    answer = forms.CharField(label=_lazy("答复内容"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    type = forms.ChoiceField(label=_lazy("工单类型"), choices=TicketType.choices, initial=TicketType.REPAIR, required=False)
    category = forms.ChoiceField(label=_lazy("分类"), choices=[("", "—"), *CATEGORY_CHOICES], required=False)
    priority = forms.ChoiceField(label=_lazy("等级"), choices=[("", "—"), *Priority.choices], required=False)
    title = forms.CharField(label=_lazy("工单摘要"), max_length=120, required=False)
    department = forms.ChoiceField(label=_lazy("责任部门"), choices=[("", "—"), *Department.choices], required=False)
    location = forms.CharField(label=_lazy("公共区域/位置"), max_length=120, required=False)
    existing_ticket = forms.IntegerField(label=_lazy("并入工单"), required=False)
    referred_to = forms.IntegerField(label=_lazy("转介服务商"), required=False)
    read_back = forms.CharField(label=_lazy("复述确认"), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("received_at", _local_now())
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        if outcome == ContactOutcome.ANSWERED and not (data.get("answer") or "").strip():
            self.add_error("answer", _("请填写答复内容"))
        if outcome == ContactOutcome.TICKET:
            if not data.get("type"):
                self.add_error("type", _("请选择工单类型"))
            if not (data.get("title") or "").strip():
                self.add_error("title", _("请填写工单摘要"))
        if outcome == ContactOutcome.LINKED and not data.get("existing_ticket"):
            self.add_error("existing_ticket", _("请在右侧选择要并入的未完成工单"))
        if outcome == ContactOutcome.REFERRED and not data.get("referred_to"):
            self.add_error("referred_to", _("请选择转介的周边服务商"))
        return data

    def ticket_fields(self) -> dict:
        """The fields of ticket_open for a contact that opens a ticket."""
        data = self.cleaned_data
        return {
            "type": data["type"],
            "title": data["title"],
            "description": data["content"],
            "priority": data["priority"] or None,
            "category": data["category"],
            "department": data["department"],
            "location": data["location"],
        }


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_lazy("变为"), choices=Status.choices)
    note = forms.CharField(label=_lazy("说明"), required=False, max_length=2000)


class AssignForm(forms.Form):
    assignee = forms.IntegerField(label=_lazy("处理人"))
    department = forms.ChoiceField(label=_lazy("责任部门"), choices=[("", "—"), *Department.choices], required=False)
    note = forms.CharField(label=_lazy("说明"), required=False, max_length=2000)


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_lazy("等级"), choices=Priority.choices)
    reason = forms.CharField(label=_lazy("原因"), required=False, max_length=2000)


class CommentForm(forms.Form):
    note = forms.CharField(label=_lazy("备注"), required=False, max_length=4000)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_lazy("附件（JPEG/PNG/PDF）"))


# --- read-back (复述确认, DESK-1) ----------------------------------------------------------


def _salutation(person, caller_name: str) -> str:
    """张先生 / 张女士 for a person whose gender is known, else the name as given."""
    name = (person.name if person is not None else "") or caller_name.strip()
    if person is not None and person.name and person.gender == Gender.MALE:
        return _("%(surname)s先生") % {"surname": person.name[0]}
    if person is not None and person.name and person.gender == Gender.FEMALE:
        return _("%(surname)s女士") % {"surname": person.name[0]}
    return name


def _promise(ticket_type: str, priority: str, department: str) -> str:
    by = _("由%(dept)s") % {"dept": Department(department).label} if department in Department.values else ""
    if ticket_type == TicketType.EMERGENCY or priority == Priority.VERY_URGENT:
        return _("立即%(by)s安排人员到场处理") % {"by": by}
    if priority == Priority.URGENT:
        return _("尽快%(by)s安排维修人员上门处理") % {"by": by}
    if ticket_type == TicketType.REPAIR:
        return _("%(by)s安排维修人员与您预约上门时间") % {"by": by}
    if ticket_type == TicketType.COMPLAINT:
        return _("%(by)s核实处理，并在规定时限内给您答复") % {"by": by}
    return _("%(by)s尽快处理并给您答复") % {"by": by}


def read_back_text(
    *,
    content: str,
    outcome: str,
    person=None,
    caller_name: str = "",
    house=None,
    location: str = "",
    answer: str = "",
    ticket_type: str = "",
    priority: str = "",
    department: str = "",
    existing_ticket=None,
    provider=None,
) -> str:
    """“张先生您好，跟您确认一下：您反映 3-2-1201 卫生间漏水。我们将……。以上内容对吗？”"""
    content = content.strip().rstrip("。.!！")
    if not content:
        return ""
    who = _salutation(person, caller_name)
    place = house.code if house is not None else location.strip()
    parts = [
        _("%(who)s您好，跟您确认一下：") % {"who": who} if who else _("您好，跟您确认一下："),
        (_("您反映 %(place)s %(content)s。") if place else _("您反映%(content)s。")) % {"place": place, "content": content},
    ]
    if outcome == ContactOutcome.ANSWERED and answer.strip():
        parts.append(_("我们的答复是：%(answer)s。") % {"answer": answer.strip().rstrip("。.")})
    elif outcome == ContactOutcome.TICKET and ticket_type in TicketType.values:
        parts.append(
            _("我们已登记为%(type)s，将%(promise)s。")
            % {"type": TicketType(ticket_type).label, "promise": _promise(ticket_type, priority, department)}
        )
    elif outcome == ContactOutcome.REFERRED and provider is not None:
        parts.append(
            _("本公司暂不提供这项服务，为您推荐%(name)s，电话 %(phone)s。")
            % {"name": provider.name, "phone": provider.phone}
        )
    elif outcome == ContactOutcome.LINKED and existing_ticket is not None:
        parts.append(
            _("此事已在处理中（工单 %(number)s），我们已补充您反映的情况，会尽快给您答复。") % {"number": existing_ticket.number}
        )
    parts.append(_("请问以上内容对吗？"))
    return "".join(parts)
