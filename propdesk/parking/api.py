"""Parking API (/api/v1/): monthly rentals (月租) with their periods, renewals and end;
IC cards (issue against the deposit, return, lost); the temporary-parking fee (FEE-10).

Same shape as `desk.api`: rows through the scoping helper (`core.api.ScopedViewSet`),
input through an `…Input` serializer, writes through `parking.services`, results through
an `…Output` serializer. Reading needs PARKING_VIEW, changing PARKING_MANAGE; without it
the caller gets the same 404 as for a missing row.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from propdesk.accounts.roles import Cap
from propdesk.billing.choices import PaymentMethod
from propdesk.core import scoping
from propdesk.core.api import InputSerializer, ScopedViewSet, read_input
from propdesk.estate.models import House, ParkingSpace, Project
from propdesk.parking import services
from propdesk.parking.choices import CardStatus
from propdesk.parking.models import ICCard, ParkingRental, RentalPeriod
from propdesk.parking.tariff import temporary_fee_breakdown


class RentalFilter(filters.FilterSet):
    project = filters.NumberFilter(label=_("项目"))
    house = filters.NumberFilter(label=_("房屋"))
    live = filters.BooleanFilter(label=_("在租"), field_name="ended_on", lookup_expr="isnull")

    class Meta:
        model = ParkingRental
        fields = ["project", "house", "live"]


class CardFilter(filters.FilterSet):
    project = filters.NumberFilter(label=_("项目"))
    rental = filters.NumberFilter(label=_("月租"))
    status = filters.ChoiceFilter(label=_("状态"), choices=CardStatus.choices)

    class Meta:
        model = ICCard
        fields = ["project", "rental", "status"]


class PeriodOutput(serializers.ModelSerializer):
    charged = serializers.SerializerMethodField()

    class Meta:
        model = RentalPeriod
        fields = ["id", "starts_on", "ends_on", "months", "amount", "line", "charged"]

    def get_charged(self, period) -> bool:
        return period.line_id is not None


class RentalOutput(serializers.ModelSerializer):
    space_code = serializers.CharField(source="space.code", read_only=True)
    house_code = serializers.CharField(source="house.code", read_only=True)
    periods = PeriodOutput(many=True, read_only=True)

    class Meta:
        model = ParkingRental
        fields = [
            "id",
            "project",
            "space",
            "space_code",
            "house",
            "house_code",
            "renter_name",
            "renter_phone",
            "plates",
            "monthly_rent",
            "started_on",
            "ended_on",
            "periods",
        ]


class CardOutput(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    deposit_receipt_number = serializers.CharField(source="deposit.receipt_number", read_only=True)

    class Meta:
        model = ICCard
        fields = [
            "id",
            "project",
            "number",
            "rental",
            "deposit",
            "deposit_receipt_number",
            "status",
            "status_display",
            "issued_on",
            "closed_on",
        ]


class RentalCreateInput(InputSerializer):
    space = serializers.IntegerField(label=_("车位"), min_value=1)
    house = serializers.IntegerField(label=_("房屋"), min_value=1)
    renter_name = serializers.CharField(label=_("租用人"), max_length=50)
    renter_phone = serializers.CharField(label=_("联系电话"), max_length=20, required=False, default="", allow_blank=True)
    plates = serializers.CharField(label=_("车牌号"), max_length=100)
    months = serializers.IntegerField(label=_("租期（月）"), min_value=1, max_value=services.MAX_MONTHS)
    started_on = serializers.DateField(label=_("起租日期"), required=False)
    monthly_rent = serializers.DecimalField(label=_("月租金"), max_digits=10, decimal_places=2, required=False)


class RenewInput(InputSerializer):
    months = serializers.IntegerField(label=_("续租月数"), min_value=1, max_value=services.MAX_MONTHS)


class CardIssueInput(InputSerializer):
    number = serializers.CharField(label=_("卡号"), max_length=32)
    method = serializers.ChoiceField(label=_("押金付款方式"), choices=PaymentMethod.choices)
    idempotency_key = serializers.CharField(label=_("提交标识"), max_length=64)


@extend_schema_view(
    create=extend_schema(
        request=RentalCreateInput,
        responses={201: RentalOutput},
        description="新增月租（FEE-10，默认 100 元/月）；登记人有出账权限时租金即计入房屋账单。",
    ),
    renew=extend_schema(request=RenewInput, responses=RentalOutput, description="续租：从上一租期结束起新增租期。"),
    end=extend_schema(request=None, responses=RentalOutput, description="退租：须先退还或挂失IC卡。"),
    cards=extend_schema(
        request=CardIssueInput,
        responses={201: CardOutput},
        description="发IC卡：只发给在租期内的月租车主，同时收取IC卡押金（默认 50 元，押金收据单独编号）。",
    ),
)
class RentalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Monthly parking rentals (车位月租) with their rent periods."""

    queryset = ParkingRental.objects.select_related("space", "house").prefetch_related("periods").order_by("space__code", "-id")
    serializer_class = RentalOutput
    filterset_class = RentalFilter
    view_cap = Cap.PARKING_VIEW
    action_caps = {
        "create": Cap.PARKING_MANAGE,
        "renew": Cap.PARKING_MANAGE,
        "end": Cap.PARKING_MANAGE,
        "cards": Cap.PARKING_MANAGE,
    }

    def create(self, request):
        data = read_input(RentalCreateInput, request)
        space = scoping.access(ParkingSpace.objects.all(), request.user, Cap.PARKING_MANAGE, pk=data.pop("space"))
        house = scoping.access(House.objects.all(), request.user, Cap.PARKING_MANAGE, pk=data.pop("house"))
        rental = services.rental_create(space=space, house=house, by=request.user, **data)
        return Response(RentalOutput(rental).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def renew(self, request, pk=None):
        rental = self.get_object()
        data = read_input(RenewInput, request)
        services.rental_renew(rental=rental, months=data["months"], by=request.user)
        return Response(RentalOutput(ParkingRental.objects.get(pk=rental.pk)).data)

    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        rental = services.rental_end(rental=self.get_object(), by=request.user)
        return Response(RentalOutput(rental).data)

    @action(detail=True, methods=["post"])
    def cards(self, request, pk=None):
        rental = self.get_object()
        data = read_input(CardIssueInput, request)
        card = services.card_issue(rental=rental, by=request.user, **data)
        return Response(CardOutput(card).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    return_card=extend_schema(request=None, responses=CardOutput, description="退卡；押金随后在押金中申请退还（FEE-9）。"),
    lost=extend_schema(request=None, responses=CardOutput, description="挂失。"),
)
class CardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Parking IC cards (停车IC卡)."""

    queryset = ICCard.objects.select_related("deposit").order_by("number", "-id")
    serializer_class = CardOutput
    filterset_class = CardFilter
    view_cap = Cap.PARKING_VIEW
    action_caps = {"return_card": Cap.PARKING_MANAGE, "lost": Cap.PARKING_MANAGE}

    @action(detail=True, methods=["post"], url_path="return")
    def return_card(self, request, pk=None):
        return Response(CardOutput(services.card_return(card=self.get_object(), by=request.user)).data)

    @action(detail=True, methods=["post"])
    def lost(self, request, pk=None):
        return Response(CardOutput(services.card_lost(card=self.get_object(), by=request.user)).data)


class FeeQuery(InputSerializer):
    project = serializers.IntegerField(label=_("项目"), min_value=1)
    entry = serializers.DateTimeField(label=_("入场时间"))
    exit = serializers.DateTimeField(label=_("出场时间"))

    def validate(self, attrs):
        if attrs["exit"] < attrs["entry"]:
            raise serializers.ValidationError({"exit": _("出场时间不能早于入场时间")})
        return attrs


class DayPartOutput(serializers.Serializer):
    day = serializers.DateField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    fee = serializers.DecimalField(max_digits=10, decimal_places=2)


class FeeOutput(serializers.Serializer):
    total = serializers.DecimalField(max_digits=10, decimal_places=2)
    parts = DayPartOutput(many=True)


class TemporaryFeeViewSet(viewsets.ViewSet):
    """临时停车计费 (FEE-10): the fee of a stay under the project's tariff, per calendar day."""

    @extend_schema(
        parameters=[FeeQuery],
        responses=FeeOutput,
        description="按自然日分段：每段 2 小时内 2 元，之后每开始一小时 1 元，每日封顶 6 元（项目可配置）。",
    )
    def list(self, request):
        query = FeeQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        project = scoping.access(Project.objects.all(), request.user, Cap.PARKING_VIEW, field="id", pk=data["project"])
        tariff = services.temporary_tariff(services.tariff_of(project))
        tz = timezone.get_current_timezone()
        result = temporary_fee_breakdown(data["entry"].astimezone(tz), data["exit"].astimezone(tz), tariff)
        return Response(FeeOutput(result).data)


def register(router) -> None:
    router.register("parking-rentals", RentalViewSet, basename="parking-rental")
    router.register("parking-cards", CardViewSet, basename="parking-card")
    router.register("parking-temporary-fee", TemporaryFeeViewSet, basename="parking-temporary-fee")
