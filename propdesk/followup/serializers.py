"""Visit API shapes (style practice 7): `…Input` is what a call takes (the rules live
in followup.services), `…Output` what it returns."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from propdesk.core.api import InputSerializer
from propdesk.desk.repair_forms import SIGNATURE_DATA_URL_MAX
from propdesk.followup import clock
from propdesk.followup.choices import SCORE_MAX, SCORE_MIN, VisitMethod
from propdesk.followup.forms import NEW_TICKET_TYPES
from propdesk.followup.models import ReturnVisit


class VisitOutput(serializers.ModelSerializer):
    """A return visit: what it is about (a ticket, or a household's move-in), when it is
    due and whether that has passed, who visits, and — once made — its record and review."""

    project_name = serializers.CharField(source="project.name", read_only=True)
    purpose_display = serializers.CharField(source="get_purpose_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    method_display = serializers.CharField(source="get_method_display", read_only=True)
    subject = serializers.CharField(read_only=True)
    ticket_number = serializers.CharField(source="ticket.number", read_only=True, default=None)
    house_code = serializers.CharField(source="house.code", read_only=True, default=None)
    visitor_name = serializers.CharField(source="visitor", read_only=True, default=None)
    overdue = serializers.SerializerMethodField(help_text=_("仍未回访且已过回访时限"))
    has_signature = serializers.SerializerMethodField()

    class Meta:
        model = ReturnVisit
        fields = [
            "id",
            "project",
            "project_name",
            "ticket",
            "ticket_number",
            "occupancy",
            "subject",
            "purpose",
            "purpose_display",
            "round",
            "house",
            "house_code",
            "visitor",
            "visitor_name",
            "in_person_required",
            "status",
            "status_display",
            "created_at",
            "due_at",
            "warn_at",
            "overdue",
            "rules",
            "done_at",
            "done_by",
            "method",
            "method_display",
            "contact_name",
            "handled",
            "satisfied",
            "other_matters",
            "score_quality",
            "score_result",
            "score_attitude",
            "note",
            "has_signature",
            "sent_back_at",
            "rework_due_at",
            "follow_up_ticket",
            "reviewed_at",
            "reviewed_by",
            "review_note",
        ]
        read_only_fields = fields

    def get_overdue(self, visit: ReturnVisit) -> bool:
        return clock.is_overdue(visit, timezone.now())

    def get_has_signature(self, visit: ReturnVisit) -> bool:
        return bool(visit.signature or visit.signed_sheet)


_SCORE = {"min_value": SCORE_MIN, "max_value": SCORE_MAX}


class VisitRecordInput(InputSerializer):
    """The visit record (VIS-2, VIS-6) as on the console's form: method, the three
    questions, three 1–5 scores; for a visit in person or on site the customer's
    signature (a `data:image/png;base64,…` URL, as the signature pad sends it); what
    else the customer raised may open a new ticket (`new_type`, `new_category`,
    `new_title`)."""

    method = serializers.ChoiceField(label=_("回访方式"), choices=VisitMethod.choices)
    handled = serializers.BooleanField(label=_("是否已处理"))
    satisfied = serializers.BooleanField(label=_("是否满意"))
    score_quality = serializers.IntegerField(label=_("质量"), **_SCORE)
    score_result = serializers.IntegerField(label=_("效果"), **_SCORE)
    score_attitude = serializers.IntegerField(label=_("态度"), **_SCORE)
    other_matters = serializers.CharField(label=_("其他意见或建议"), allow_blank=True, required=False, max_length=4000)
    note = serializers.CharField(label=_("回访记录"), allow_blank=True, required=False, max_length=4000)
    contact_name = serializers.CharField(label=_("受访客户"), allow_blank=True, required=False, max_length=50)
    signature = serializers.CharField(
        label=_("客户签名"), allow_blank=True, required=False, max_length=SIGNATURE_DATA_URL_MAX, help_text=_("PNG，data URL")
    )
    new_type = serializers.ChoiceField(label=_("转为新工单"), choices=NEW_TICKET_TYPES, required=False)
    new_category = serializers.CharField(label=_("新工单分类"), allow_blank=True, required=False, max_length=20)
    new_title = serializers.CharField(label=_("新工单摘要"), allow_blank=True, required=False, max_length=120)

    def new_ticket(self, data: dict) -> dict | None:
        if not data.get("new_type"):
            return None
        return {
            "type": data["new_type"],
            "category": data.get("new_category", ""),
            "title": data.get("new_title", ""),
            "description": data.get("other_matters", ""),
        }


class VisitReviewInput(InputSerializer):
    note = serializers.CharField(label=_("审核意见"), allow_blank=True, required=False, max_length=4000)
