"""Resident choices, declared once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAO = "hk_macao", _("港澳居民来往内地通行证")
    TAIWAN = "taiwan", _("台湾居民来往大陆通行证")
    OTHER = "other", _("其他")


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")
    UNKNOWN = "", _("未填")


class OccupantRole(models.TextChoices):
    OWNER = "owner", _("业主")
    CO_OWNER = "co_owner", _("共有人")
    FAMILY = "family", _("家属")
    TENANT = "tenant", _("租户")
    RELATIVE = "relative", _("借住亲友")
    HELPER = "helper", _("保姆/家教")
    OFFICE_STAFF = "office_staff", _("办公人员")


# Roles that hold title to the house: a transfer (MOV-13) replaces exactly these.
OWNING_ROLES = (OccupantRole.OWNER, OccupantRole.CO_OWNER)


class OccupancyEnd(models.TextChoices):
    DEREGISTERED = "deregistered", _("迁出注销")
    TRANSFERRED = "transferred", _("房屋转让")
    LEASE_ENDED = "lease_ended", _("退租")
    CORRECTION = "correction", _("登记有误")


class ArchiveItemStatus(models.TextChoices):
    MISSING = "missing", _("缺失")
    RECEIVED = "received", _("已收")
    NOT_APPLICABLE = "na", _("不适用")


class LoanStatus(models.TextChoices):
    REQUESTED = "requested", _("待审批")
    REJECTED = "rejected", _("已驳回")
    APPROVED = "approved", _("已批准")
    LENT = "lent", _("已借出")
    RETURNED = "returned", _("已归还")


# The default archive checklist, rule ARC-2, in the seed's order.
DEFAULT_ARCHIVE_CHECKLIST = (
    "入伙会签单",
    "临时管理规约",
    "前期物业服务协议",
    "入伙交费单",
    "接管验收记录",
    "住户成员情况登记表",
    "房屋装饰装修管理协议",
    "装修开工申请表",
    "装修人员登记表",
    "装修承诺书",
    "装修缴费通知单",
    "防火责任书",
    "业主身份证复印件",
    "房屋结构图",
)


class ImportKind(models.TextChoices):
    HOUSES = "houses", _("房屋")
    RESIDENTS = "residents", _("住户")


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all", _("全部正确才导入")
    VALID_ROWS = "valid", _("只导入正确的行")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("未导入")
