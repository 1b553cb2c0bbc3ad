"""Bank collection API (/api/v1/): mandates (托收协议, account numbers masked) and
collection batches — export a batch, import the bank's return file, read a batch with its
counts per status and its lines. Same shape as `desk.api`: rows through the scoping
helper, input through `…Input` serializers, writes through `bankcollect.services`.
Reads need FEE_VIEW; exports, imports and mandates FEE_COLLECT (404 without)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from propdesk.accounts.roles import Cap
from propdesk.bankcollect.models import BankMandate, BankProfile, BatchLine, CollectionBatch
from propdesk.bankcollect.selectors import batch_summary
from propdesk.bankcollect.services import batch_export, batch_import_return, mandate_save
from propdesk.core import scoping
from propdesk.core.api import InputSerializer, ScopedViewSet, read_input
from propdesk.core.errors import DomainError
from propdesk.estate.models import House

MAX_UPLOAD = 10 * 1024 * 1024


class MandateOutput(serializers.ModelSerializer):
    house_code = serializers.CharField(source="house.code", read_only=True)
    bank_name = serializers.CharField(source="profile.bank_name", read_only=True)
    account_number = serializers.CharField(source="masked_account", read_only=True, label=_("账号（掩码）"))

    class Meta:
        model = BankMandate
        fields = ["id", "project", "house", "house_code", "profile", "bank_name", "account_name", "account_number"]
        fields += ["active_from", "active_to", "note"]


class MandateInput(InputSerializer):
    house = serializers.IntegerField(label=_("房屋"), min_value=1)
    profile = serializers.IntegerField(label=_("托收银行"), min_value=1)
    account_name = serializers.CharField(label=_("户名"), max_length=50)
    account_number = serializers.CharField(label=_("账号"), max_length=40)
    active_from = serializers.DateField(label=_("生效日期"))
    active_to = serializers.DateField(label=_("终止日期"), required=False, allow_null=True)
    note = serializers.CharField(label=_("备注"), max_length=200, required=False, allow_blank=True)


class BatchLineOutput(serializers.ModelSerializer):
    house_code = serializers.CharField(source="house.code", read_only=True)
    account_name = serializers.CharField(source="mandate.account_name", read_only=True)
    account_number = serializers.CharField(source="mandate.masked_account", read_only=True, label=_("账号（掩码）"))
    status = serializers.CharField(read_only=True, help_text="pending / paid / failed / unmatched")

    class Meta:
        model = BatchLine
        fields = ["id", "seq", "reference", "house", "house_code", "account_name", "account_number", "periods"]
        fields += ["amount", "status", "reason_code", "reason", "payment", "return_row"]


class StatusRowOutput(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class BatchOutput(serializers.ModelSerializer):
    bank_name = serializers.CharField(source="profile.bank_name", read_only=True)
    status = serializers.CharField(read_only=True, help_text="exported / returned / closed")

    class Meta:
        model = CollectionBatch
        fields = ["id", "project", "profile", "bank_name", "number", "cutoff", "status", "line_count", "total_amount"]
        fields += ["exported_at", "returned_at", "imports", "closed_at"]


class BatchDetailOutput(BatchOutput):
    summary = serializers.SerializerMethodField()
    lines = BatchLineOutput(many=True, read_only=True)

    class Meta(BatchOutput.Meta):
        fields = [*BatchOutput.Meta.fields, "summary", "lines"]

    @extend_schema_field(StatusRowOutput(many=True))
    def get_summary(self, batch) -> list[dict]:
        return StatusRowOutput(batch_summary(batch).rows, many=True).data


class BatchExportInput(InputSerializer):
    profile = serializers.IntegerField(label=_("托收银行"), min_value=1)
    cutoff = serializers.DateField(label=_("截止账期"))


class ReturnFileInput(InputSerializer):
    file = serializers.FileField(label=_("回盘文件"))


class ImportResultOutput(serializers.Serializer):
    rows = serializers.IntegerField()
    paid = serializers.IntegerField()
    paid_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    already_paid = serializers.IntegerField()
    to_credit = serializers.IntegerField()
    failed = serializers.IntegerField()
    unmatched = serializers.IntegerField()
    not_returned = serializers.IntegerField()
    payments = serializers.ListField(child=serializers.IntegerField())


@extend_schema_view(create=extend_schema(request=MandateInput, responses={201: MandateOutput}))
class MandateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """托收协议 of the caller's projects; account numbers masked."""

    queryset = BankMandate.objects.select_related("house", "profile").order_by("project", "house__code", "-active_from")
    serializer_class = MandateOutput
    view_cap = Cap.FEE_VIEW
    action_caps = {"create": Cap.FEE_COLLECT}

    def create(self, request):
        data = read_input(MandateInput, request)
        house = scoping.access(House.objects.all(), request.user, Cap.FEE_COLLECT, pk=data.pop("house"))
        profile = scoping.access(BankProfile.objects.all(), request.user, Cap.FEE_COLLECT, pk=data.pop("profile"))
        mandate = mandate_save(by=request.user, house=house, profile=profile, **data)
        return Response(MandateOutput(mandate).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=extend_schema(responses=BatchDetailOutput),
    create=extend_schema(request=BatchExportInput, responses={201: BatchOutput}, description="生成托收批次并锁定金额。"),
    returns=extend_schema(
        request={"multipart/form-data": ReturnFileInput},
        responses=ImportResultOutput,
        description="导入银行回盘文件（CSV/xlsx），整份导入或整份不导入；重复导入不重复收款。",
    ),
)
class BatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """托收批次: export, return file, counts and lines."""

    queryset = CollectionBatch.objects.select_related("profile").order_by("-exported_at", "-id")
    serializer_class = BatchOutput
    view_cap = Cap.FEE_VIEW
    action_caps = {"create": Cap.FEE_COLLECT, "returns": Cap.FEE_COLLECT}
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_serializer_class(self):
        return BatchDetailOutput if self.action == "retrieve" else BatchOutput

    def retrieve(self, request, pk=None):
        batch = self.get_object()
        batch = CollectionBatch.objects.prefetch_related("lines__house", "lines__mandate").get(pk=batch.pk)
        return Response(BatchDetailOutput(batch).data)

    def create(self, request):
        data = read_input(BatchExportInput, request)
        profile = scoping.access(BankProfile.objects.all(), request.user, Cap.FEE_COLLECT, pk=data["profile"])
        batch = batch_export(profile=profile, cutoff=data["cutoff"], by=request.user)
        return Response(BatchOutput(batch).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def returns(self, request, pk=None):
        batch = self.get_object()
        upload = read_input(ReturnFileInput, request)["file"]
        if upload.size > MAX_UPLOAD:
            raise DomainError("return_file_too_large", str(_("文件过大（上限 10 MB）")), field="file")
        result = batch_import_return(batch=batch, content=upload.read(), filename=upload.name, by=request.user)
        return Response(ImportResultOutput(result).data)


def register(router) -> None:
    """Add this app's viewsets to the /api/v1/ router."""
    router.register("bank-mandates", MandateViewSet, basename="bank-mandate")
    router.register("bank-batches", BatchViewSet, basename="bank-batch")
