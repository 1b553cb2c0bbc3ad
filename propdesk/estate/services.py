"""Estate writes: one transactional function per business operation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.core.errors import DomainError
from propdesk.estate.choices import HouseStatus, Usage
from propdesk.estate.housecode import format_house_code
from propdesk.estate.models import Building, Company, Entrance, House, HouseStatusChange, Project


@transaction.atomic
def project_create(*, company: Company, code: str, name: str, address: str = "", service_phone: str = "") -> Project:
    """A new project with the default archive checklist (ARC-2)."""
    from propdesk.residents.services import archive_checklist_seed_defaults

    if Project.objects.filter(code=code).exists():
        raise DomainError("project_code_taken", _("项目编码 %(code)s 已存在") % {"code": code}, field="code")
    project = Project.objects.create(company=company, code=code, name=name, address=address, service_phone=service_phone)
    archive_checklist_seed_defaults(project=project)
    return project


def building_get_or_create(*, project: Project, number: str, floors: int = 1) -> Building:
    building, _created = Building.objects.get_or_create(
        project=project, number=number.upper(), defaults={"name": f"{number.upper()}栋", "floors": floors}
    )
    return building


def entrance_get_or_create(*, building: Building, number: str) -> Entrance:
    entrance, _created = Entrance.objects.get_or_create(project_id=building.project_id, building=building, number=number.upper())
    return entrance


def _check_area(area: Decimal) -> None:
    if area <= 0:
        raise DomainError("house_area_invalid", _("建筑面积必须大于0"), field="area")


@transaction.atomic
def house_create(
    *,
    project: Project,
    building_number: str,
    entrance_number: str,
    room: str,
    floor: int,
    area: Decimal,
    usage: str = Usage.RESIDENTIAL,
    sold: bool = True,
    handover_date: dt.date | None = None,
    status: str = HouseStatus.NOT_HANDED_OVER,
    by=None,
) -> House:
    """A house under its building and entrance (created when new); code `3-2-1201`."""
    _check_area(area)
    code = format_house_code(building_number, entrance_number, room)
    if House.objects.filter(project=project, code=code).exists():
        raise DomainError("house_code_taken", _("房屋编码 %(code)s 已存在") % {"code": code}, field="code")
    building = building_get_or_create(project=project, number=building_number)
    entrance = entrance_get_or_create(building=building, number=entrance_number)
    house = House.objects.create(
        project=project,
        building=building,
        entrance=entrance,
        room=room.upper(),
        code=code,
        floor=floor,
        area=area,
        usage=usage,
        sold=sold,
        handover_date=handover_date,
        status=status,
    )
    HouseStatusChange.objects.create(
        project=project,
        house=house,
        from_status="",
        to_status=status,
        reason=_("建档"),
        changed_by=by,
        changed_at=timezone.now(),
    )
    return house


@transaction.atomic
def house_update(*, house: House, by=None, **fields) -> House:
    """Edit a house's descriptive fields; the status changes only through
    `house_change_status`, and the code only through its parts (not editable here).
    Nothing is saved — and no history row written — when no value actually changes."""
    allowed = {"floor", "area", "usage", "sold", "handover_date", "notes"}
    unknown = set(fields) - allowed
    if unknown:
        raise DomainError("house_field_readonly", _("不能在此修改：%(f)s") % {"f": ", ".join(sorted(unknown))})
    if "area" in fields:
        _check_area(fields["area"])
    changed = [name for name, value in fields.items() if getattr(house, name) != value]
    if not changed:
        return house
    for name in changed:
        setattr(house, name, fields[name])
    house._history_user = by
    house.save(update_fields=[*changed, "updated_at"])
    return house


@transaction.atomic
def house_change_status(*, house: House, to_status: str, reason: str, by) -> HouseStatusChange | None:
    """Change a house's status (物业动态, MOV-14), keeping who/when/why. Setting the same
    status again records nothing."""
    if to_status not in HouseStatus.values:
        raise DomainError("house_status_invalid", _("无效的房屋状态：%(s)s") % {"s": to_status}, field="status")
    if not reason.strip():
        raise DomainError("house_status_reason_required", _("变更房屋状态须填写原因（MOV-14）"), field="reason", rule="MOV-14")
    house = House.objects.select_for_update().get(pk=house.pk)
    if house.status == to_status:
        return None
    change = HouseStatusChange.objects.create(
        project_id=house.project_id,
        house=house,
        from_status=house.status,
        to_status=to_status,
        reason=reason.strip(),
        changed_by=by,
        changed_at=timezone.now(),
    )
    house.status = to_status
    house._history_user = by
    house.save(update_fields=["status", "updated_at"])
    return change
