"""Parking operations (FEE-10): rentals, rent periods and their charges, IC cards, the
tariff and the weekly rental-list export. One transaction each; a broken rule raises a
DomainError.

Rent goes into the ledger through billing's public `charge_add` (FEE_BILL), one line per
period on the rented house's bill, under the project's active parking fee item
(FeeKind.PARKING). The period row keeps the line, locked while charging, so a period is
never charged twice; the monthly run does not bill parking (billing.choices.MONTHLY_KINDS).
A period registered by someone without FEE_BILL (a supervisor) waits as 待出账 until a
cashier or PM charges it.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.accounts.roles import Cap
from propdesk.billing.adjustments import charge_add
from propdesk.billing.choices import FeeKind
from propdesk.billing.models import BillLine, FeeItem
from propdesk.core import scoping
from propdesk.core.errors import DomainError
from propdesk.core.excel import workbook_bytes
from propdesk.core.money import Number, money
from propdesk.deposits.choices import DepositKind
from propdesk.deposits.services import deposit_take
from propdesk.estate.choices import ParkingKind
from propdesk.estate.models import House, ParkingSpace, Project
from propdesk.parking.choices import CardStatus
from propdesk.parking.models import ICCard, ParkingRental, ParkingTariff, RentalExport, RentalPeriod
from propdesk.parking.selectors import rental_rows
from propdesk.parking.tariff import TemporaryTariff

MAX_MONTHS = 24
TARIFF_FIELDS = ("monthly_rent", "card_deposit", "base_hours", "base_fee", "hourly_fee", "daily_cap")


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved `months` months on, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


# -- tariff ---------------------------------------------------------------------------------


def tariff_of(project: Project | int) -> ParkingTariff:
    """The project's tariff, or an unsaved one with the FEE-10 defaults."""
    project_id = project if isinstance(project, int) else project.pk
    return ParkingTariff.objects.filter(project_id=project_id).first() or ParkingTariff(project_id=project_id)


def temporary_tariff(tariff: ParkingTariff) -> TemporaryTariff:
    return TemporaryTariff(
        base_hours=tariff.base_hours,
        base_fee=money(tariff.base_fee),
        hourly_fee=money(tariff.hourly_fee),
        daily_cap=money(tariff.daily_cap),
    )


@transaction.atomic
def tariff_set(*, project: Project, by, **fields) -> ParkingTariff:
    """Set the project's parking tariff (PARKING_MANAGE); unnamed fields keep their value."""
    scoping.require(by, Cap.PARKING_MANAGE, project.pk)
    unknown = set(fields) - set(TARIFF_FIELDS)
    if unknown:
        raise TypeError(f"unknown tariff fields: {sorted(unknown)}")
    tariff = ParkingTariff.objects.select_for_update().filter(project=project).first() or ParkingTariff(project=project)
    for name, value in fields.items():
        if name == "base_hours":
            if not isinstance(value, int) or not 1 <= value <= 24:
                raise DomainError("tariff_base_hours", _("起步时长须为 1 至 24 小时"), field=name, rule="FEE-10")
        else:
            try:
                value = money(value)
            except (TypeError, ValueError):
                raise DomainError("tariff_amount_invalid", _("金额无效"), field=name, rule="FEE-10") from None
            if value < 0 or (name == "monthly_rent" and value == 0):
                raise DomainError("tariff_amount_invalid", _("金额须大于零"), field=name, rule="FEE-10")
        setattr(tariff, name, value)
    tariff.updated_by = by
    tariff.save()
    return tariff


# -- rentals and periods --------------------------------------------------------------------


def _parking_item(project_id: int) -> FeeItem:
    item = FeeItem.objects.filter(project_id=project_id, kind=FeeKind.PARKING, active=True).order_by("code").first()
    if item is None:
        raise DomainError("parking_fee_item_missing", _("请先在收费项目中设置启用的车位租金项目"), field="rental", rule="FEE-10")
    return item


def _months(months: int) -> int:
    if not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise DomainError("rental_months_invalid", _("租期须为 1 至 24 个月"), field="months", rule="FEE-10")
    return months


def _add_period(rental: ParkingRental, *, starts_on: dt.date, months: int, by, on_date: dt.date | None) -> RentalPeriod:
    period = RentalPeriod.objects.create(
        project_id=rental.project_id,
        rental=rental,
        starts_on=starts_on,
        ends_on=add_months(starts_on, months),
        months=months,
        amount=money(rental.monthly_rent * months),
        created_by=by,
    )
    if scoping.has_cap(by, Cap.FEE_BILL, rental.project_id):
        period_charge(period=period, by=by, on_date=on_date)
        period.refresh_from_db()
    return period


@transaction.atomic
def rental_create(
    *,
    space: ParkingSpace,
    house: House,
    renter_name: str,
    plates: str,
    months: int,
    by,
    started_on: dt.date | None = None,
    monthly_rent: Number | None = None,
    renter_phone: str = "",
    on_date: dt.date | None = None,
) -> ParkingRental:
    """Rent a space monthly (月租, FEE-10) to the occupant of `house`: the rental and its
    first period of `months` months from `started_on`. The rent is the project tariff's
    (100 yuan a month by default) unless given. Only a space of kind 月租车位, with no live
    rental, can be rented. The period is charged at once when `by` holds FEE_BILL."""
    scoping.require(by, Cap.PARKING_MANAGE, space.project_id)
    if house.project_id != space.project_id:
        raise DomainError("rental_house_project", _("房屋与车位不属于同一项目"), field="house", rule="FEE-10")
    if space.kind != ParkingKind.RENTED:
        raise DomainError("rental_space_not_rentable", _("只有月租车位可以按月出租"), field="space", rule="FEE-10")
    renter_name, plates = (
        renter_name.strip(),
        ",".join(p.strip().upper() for p in plates.replace("，", ",").split(",") if p.strip()),
    )
    if not renter_name:
        raise DomainError("rental_renter_required", _("请填写租用人"), field="renter_name", rule="FEE-10")
    if not plates:
        raise DomainError("rental_plates_required", _("请填写车牌号"), field="plates", rule="FEE-10")
    _months(months)
    rent = money(tariff_of(space.project_id).monthly_rent if monthly_rent is None else monthly_rent)
    if rent <= 0:
        raise DomainError("rental_rent_invalid", _("月租金须大于零"), field="monthly_rent", rule="FEE-10")
    space = ParkingSpace.objects.select_for_update().get(pk=space.pk)
    if ParkingRental.objects.filter(space=space, ended_on__isnull=True).exists():
        raise DomainError("rental_space_taken", _("该车位已出租"), field="space", rule="FEE-10")
    started_on = started_on or timezone.localdate()
    rental = ParkingRental.objects.create(
        project_id=space.project_id,
        space=space,
        house=house,
        renter_name=renter_name[:50],
        renter_phone=renter_phone.strip()[:20],
        plates=plates[:100],
        monthly_rent=rent,
        started_on=started_on,
        created_by=by,
    )
    _add_period(rental, starts_on=started_on, months=months, by=by, on_date=on_date)
    return rental


@transaction.atomic
def rental_renew(*, rental: ParkingRental, months: int, by, on_date: dt.date | None = None) -> RentalPeriod:
    """Renew (续租) a live rental by `months` months: a new period from the end of the
    last one, at the rental's monthly rent (FEE-10)."""
    scoping.require(by, Cap.PARKING_MANAGE, rental.project_id)
    _months(months)
    rental = ParkingRental.objects.select_for_update().get(pk=rental.pk)
    if rental.ended_on is not None:
        raise DomainError("rental_ended", _("该月租已退租"), rule="FEE-10")
    last = rental.periods.order_by("-starts_on").first()
    starts_on = last.ends_on if last else rental.started_on
    return _add_period(rental, starts_on=starts_on, months=months, by=by, on_date=on_date)


@transaction.atomic
def period_charge(*, period: RentalPeriod, by, on_date: dt.date | None = None) -> BillLine:
    """Charge a period's rent as a billing line (FEE_BILL, through billing's charge_add):
    months × monthly rent on the rented house's bill, charged on `on_date` (today), due
    by the period's first day (or at once when it has begun). Idempotent: a period
    already charged returns its line."""
    scoping.require(by, Cap.PARKING_VIEW, period.project_id)
    period = (
        RentalPeriod.objects.select_for_update(of=("self",)).select_related("rental__space", "rental__house").get(pk=period.pk)
    )
    if period.line_id is not None:
        return period.line
    rental = period.rental
    on_date = on_date or timezone.localdate()
    line = charge_add(
        house=rental.house,
        item=_parking_item(rental.project_id),
        by=by,
        unit_price=rental.monthly_rent,
        qty=period.months,
        description=_("车位租金 %(space)s %(start)s至%(end)s")
        % {"space": rental.space.code, "start": f"{period.starts_on:%Y-%m-%d}", "end": f"{period.last_day:%Y-%m-%d}"},
        due_date=max(on_date, period.starts_on),
        on_date=on_date,
    )
    period.line = line
    period.save(update_fields=["line"])
    return line


@transaction.atomic
def rental_end(*, rental: ParkingRental, by, on_date: dt.date | None = None) -> ParkingRental:
    """End a rental (退租). Its IC cards must be returned or reported lost first."""
    scoping.require(by, Cap.PARKING_MANAGE, rental.project_id)
    rental = ParkingRental.objects.select_for_update().get(pk=rental.pk)
    if rental.ended_on is not None:
        raise DomainError("rental_ended", _("该月租已退租"), rule="FEE-10")
    if rental.cards.filter(status=CardStatus.ISSUED).exists():
        raise DomainError("rental_cards_out", _("请先退还或挂失该月租的IC卡"), rule="FEE-10")
    on_date = on_date or timezone.localdate()
    if on_date < rental.started_on:
        raise DomainError("rental_end_before_start", _("退租日期不能早于起租日期"), field="on_date", rule="FEE-10")
    rental.ended_on = on_date
    rental.save(update_fields=["ended_on"])
    return rental


def is_monthly_renter(rental: ParkingRental, on_date: dt.date) -> bool:
    """A live rental with a period covering `on_date`: a monthly renter that day."""
    if rental.ended_on is not None and rental.ended_on <= on_date:
        return False
    return rental.periods.filter(starts_on__lte=on_date, ends_on__gt=on_date).exists()


# -- IC cards -------------------------------------------------------------------------------


@transaction.atomic
def card_issue(
    *, rental: ParkingRental, number: str, by, method: str, idempotency_key: str, on_date: dt.date | None = None
) -> ICCard:
    """Issue a parking IC card (FEE-10) to a monthly renter — refused to anyone else —
    against the tariff's card deposit (50 yuan by default), taken through the deposits
    app with its own 押金收据 (PARKING_MANAGE and FEE_COLLECT)."""
    scoping.require(by, Cap.PARKING_MANAGE, rental.project_id)
    rental = ParkingRental.objects.select_for_update(of=("self",)).select_related("house", "project").get(pk=rental.pk)
    on_date = on_date or timezone.localdate()
    if not is_monthly_renter(rental, on_date):
        raise DomainError("card_not_monthly_renter", _("IC卡只发给在租期内的月租车主（FEE-10）"), field="rental", rule="FEE-10")
    number = number.strip().upper()
    if not number or len(number) > 32:
        raise DomainError("card_number_required", _("请填写卡号"), field="number", rule="FEE-10")
    existing = ICCard.objects.filter(project_id=rental.project_id, deposit__idempotency_key=idempotency_key).first()
    if existing is not None and existing.rental_id == rental.pk and existing.number == number:
        return existing  # a retried submission
    if ICCard.objects.filter(project_id=rental.project_id, number=number, status=CardStatus.ISSUED).exists():
        raise DomainError("card_number_in_use", _("该卡号正在使用中"), field="number", rule="FEE-10")
    deposit = deposit_take(
        project=rental.project,
        by=by,
        kind=DepositKind.IC_CARD,
        amount=tariff_of(rental.project_id).card_deposit,
        payer_name=rental.renter_name,
        method=method,
        idempotency_key=idempotency_key,
        house=rental.house,
        taken_on=on_date,
        purpose=_("停车IC卡 %(number)s（车位 %(space)s）") % {"number": number, "space": rental.space.code},
    )
    try:
        with transaction.atomic():
            return ICCard.objects.create(
                project_id=rental.project_id, number=number, rental=rental, deposit=deposit, issued_on=on_date, issued_by=by
            )
    except IntegrityError:
        raise DomainError("card_key_reused", _("该提交标识已用于另一张卡"), field="idempotency_key", rule="FEE-10") from None


def _close_card(card: ICCard, *, status: str, by, on_date: dt.date | None) -> ICCard:
    scoping.require(by, Cap.PARKING_MANAGE, card.project_id)
    card = ICCard.objects.select_for_update().get(pk=card.pk)
    if card.status != CardStatus.ISSUED:
        raise DomainError("card_closed", _("该卡已退还或挂失"), rule="FEE-10")
    card.status = status
    card.closed_on = on_date or timezone.localdate()
    card.closed_by = by
    card.save(update_fields=["status", "closed_on", "closed_by"])
    return card


@transaction.atomic
def card_return(*, card: ICCard, by, on_date: dt.date | None = None) -> ICCard:
    """The renter hands the card back (退卡). Its deposit stays held until its refund is
    requested and approved in the deposits app (FEE-9: the house settled or the owed
    amount deducted)."""
    return _close_card(card, status=CardStatus.RETURNED, by=by, on_date=on_date)


@transaction.atomic
def card_lost(*, card: ICCard, by, on_date: dt.date | None = None) -> ICCard:
    """Report a card lost (挂失): it stops; its number may be issued again. The deposit
    stays held (its refund may deduct the card's cost)."""
    return _close_card(card, status=CardStatus.LOST, by=by, on_date=on_date)


# -- weekly export --------------------------------------------------------------------------

EXPORT_HEADERS = ("车位", "区域", "车牌号", "租用人", "房屋", "租期开始", "租期结束", "租金", "已缴", "IC卡")


def export_rows(rows) -> list[tuple]:
    return [
        (
            r.space_code,
            r.zone,
            r.plates,
            r.renter_name,
            r.house_code,
            r.starts_on,
            r.last_day,
            r.amount,
            _("已缴") if r.paid else (_("待出账") if r.uncharged else _("未缴")),
            r.cards,
        )
        for r in rows
    ]


def week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@transaction.atomic
def rental_export_week(*, project: Project, week: dt.date | None = None) -> tuple[RentalExport, bool]:
    """The project's monthly rental list (月租车辆清单) for the week starting on Monday
    `week` (this week), stored once: (export, created). Run by the weekly beat task."""
    today = timezone.localdate()
    week = week_of(week or today)
    as_of = today if week == week_of(today) else week  # this week's list: as it stands today
    existing = RentalExport.objects.filter(project=project, week=week).first()
    if existing is not None:
        return existing, False
    rows = export_rows(rental_rows(project_ids=[project.pk], as_of=as_of))
    content = workbook_bytes("月租车辆清单", EXPORT_HEADERS, rows)
    export = RentalExport(project=project, week=week, rows=len(rows))
    export.file.save(f"rentals-{project.code}-{week:%Y%m%d}.xlsx", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            export.save()
    except IntegrityError:  # another worker stored this week's at the same moment
        export.file.delete(save=False)
        return RentalExport.objects.get(project=project, week=week), False
    return export, True
