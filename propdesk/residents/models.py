"""People, occupancy and the house archive (住户档案, ARC-1…3, ARC-5)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from propdesk.core.models import ProjectScopedModel, TimestampedModel
from propdesk.residents.choices import (
    ArchiveItemStatus,
    Gender,
    IdType,
    ImportKind,
    ImportMode,
    ImportStatus,
    LoanStatus,
    OccupancyEnd,
    OccupantRole,
)


class Person(ProjectScopedModel, TimestampedModel):
    """A person known to a project (业主/住户/租户…). Search keys are stored beside the
    values they come from so that every lookup is an indexed equality or prefix match."""

    name = models.CharField(_("姓名"), max_length=50)
    name_initials = models.CharField(_("姓名拼音首字母"), max_length=20, editable=False)
    name_pinyin = models.CharField(_("姓名拼音"), max_length=100, editable=False)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birthday = models.DateField(_("出生日期"), null=True, blank=True)
    mobile = models.CharField(_("手机号"), max_length=20, blank=True)
    mobile_last4 = models.CharField(max_length=4, blank=True, editable=False)
    other_phones = models.CharField(_("其他电话"), max_length=100, blank=True)
    id_type = models.CharField(_("证件类型"), max_length=12, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number = models.CharField(_("证件号码"), max_length=30, blank=True)
    id_last4 = models.CharField(max_length=4, blank=True, editable=False)
    photo = models.ImageField(_("照片"), upload_to="persons/%Y/%m/", blank=True)
    emergency_contact = models.CharField(_("紧急联系人"), max_length=50, blank=True)
    emergency_phone = models.CharField(_("紧急联系电话"), max_length=20, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="persons",
        verbose_name=_("住户账号"),
    )
    history = HistoricalRecords(excluded_fields=["updated_at", "name_initials", "name_pinyin"])

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["project", "name_pinyin", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "id_type", "id_number"], condition=~Q(id_number=""), name="person_id_unique"
            )
        ]
        indexes = [
            models.Index(fields=["project", "mobile"], name="person_mobile_idx"),
            models.Index(fields=["project", "mobile_last4"], name="person_mobile4_idx"),
            models.Index(fields=["project", "id_last4"], name="person_id4_idx"),
            models.Index(fields=["project", "name_initials"], name="person_initials_idx"),
            models.Index(fields=["project", "name"], name="person_name_idx"),
            models.Index(fields=["id_number"], condition=~Q(id_number=""), name="person_id_number_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Occupancy(ProjectScopedModel, TimestampedModel):
    """A person's tie to a house (入住关系) with a role and dates. Ended, never deleted
    (MOV-11 deregistration, MOV-13 transfer)."""

    house = models.ForeignKey("estate.House", on_delete=models.PROTECT, related_name="occupancies", verbose_name=_("房屋"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="occupancies", verbose_name=_("人员"))
    role = models.CharField(_("身份"), max_length=12, choices=OccupantRole.choices)
    start_date = models.DateField(_("起始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=16, choices=OccupancyEnd.choices, blank=True)
    is_primary_contact = models.BooleanField(_("主要联系人"), default=False)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("入住登记")
        verbose_name_plural = _("入住登记")
        ordering = ["house", "end_date", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["house", "person", "role"], condition=Q(end_date__isnull=True), name="occupancy_active_unique"
            )
        ]
        indexes = [models.Index(fields=["house", "end_date"], name="occupancy_house_idx")]

    def __str__(self) -> str:
        return f"{self.house} {self.person} ({self.get_role_display()})"

    @property
    def is_active(self) -> bool:
        return self.end_date is None


class ArchiveItemType(ProjectScopedModel):
    """One line of a project's archive checklist (ARC-2); configurable per project."""

    name = models.CharField(_("档案项目"), max_length=50)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("档案清单项")
        verbose_name_plural = _("档案清单项")
        ordering = ["project", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="archive_type_unique")]

    def __str__(self) -> str:
        return self.name


class ArchiveItem(ProjectScopedModel):
    """A house's state for one checklist line. No row means 'missing'."""

    house = models.ForeignKey("estate.House", on_delete=models.PROTECT, related_name="archive_items")
    item_type = models.ForeignKey(ArchiveItemType, on_delete=models.PROTECT, related_name="items")
    status = models.CharField(_("状态"), max_length=10, choices=ArchiveItemStatus.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("档案项")
        verbose_name_plural = _("档案项")
        constraints = [models.UniqueConstraint(fields=["house", "item_type"], name="archive_item_unique")]


class ArchiveFile(ProjectScopedModel):
    """A scanned file (PDF/JPEG/PNG) in a house's electronic archive (ARC-3)."""

    house = models.ForeignKey("estate.House", on_delete=models.PROTECT, related_name="archive_files")
    item_type = models.ForeignKey(
        ArchiveItemType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="files",
        verbose_name=_("档案项目"),
    )
    file = models.FileField(_("文件"), upload_to="archive/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=50)
    size = models.PositiveIntegerField(_("大小(字节)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("档案扫描件")
        verbose_name_plural = _("档案扫描件")
        ordering = ["-uploaded_at", "-id"]


class PaperArchive(ProjectScopedModel):
    """Where a house's paper file lives (双档案, ARC-3): cabinet / box / folder."""

    house = models.OneToOneField("estate.House", on_delete=models.PROTECT, related_name="paper_archive")
    cabinet = models.CharField(_("档案柜"), max_length=30, blank=True)
    box = models.CharField(_("档案盒"), max_length=30, blank=True)
    folder = models.CharField(_("档案袋/夹"), max_length=30, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("纸质档案位置")
        verbose_name_plural = _("纸质档案位置")

    def __str__(self) -> str:
        return " / ".join(part for part in (self.cabinet, self.box, self.folder) if part)


class ArchiveLoan(ProjectScopedModel, TimestampedModel):
    """An archive-lending record (档案借阅登记, ARC-5): lent only after a supervisor approves."""

    house = models.ForeignKey("estate.House", on_delete=models.PROTECT, related_name="archive_loans", verbose_name=_("房屋"))
    items = models.CharField(_("借阅材料"), max_length=300)
    borrower_name = models.CharField(_("借阅人"), max_length=50)
    borrower_department = models.CharField(_("借阅部门"), max_length=50, blank=True)
    purpose = models.CharField(_("借阅用途"), max_length=200)
    due_date = models.DateField(_("应还日期"))
    status = models.CharField(_("状态"), max_length=10, choices=LoanStatus.choices, default=LoanStatus.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记人")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("审批人")
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    lent_at = models.DateTimeField(_("借出时间"), null=True, blank=True)
    returned_at = models.DateTimeField(_("归还时间"), null=True, blank=True)
    returned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("接收人")
    )

    class Meta:
        verbose_name = _("档案借阅")
        verbose_name_plural = _("档案借阅")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "status", "due_date"], name="loan_overdue_idx")]


class PiiAccess(ProjectScopedModel):
    """A reveal of a person's full ID number or phone (ARC-5): who, whose, when."""

    class Field(models.TextChoices):
        ID_NUMBER = "id_number", _("证件号码")
        MOBILE = "mobile", _("手机号")

    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("查看人"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("被查看人"))
    field = models.CharField(_("字段"), max_length=10, choices=Field.choices)
    at = models.DateTimeField(_("时间"), db_index=True)
    address = models.GenericIPAddressField(_("IP地址"), null=True)

    class Meta:
        verbose_name = _("敏感信息查看记录")
        verbose_name_plural = _("敏感信息查看记录")
        ordering = ["-at"]


class ImportJob(ProjectScopedModel, TimestampedModel):
    """An Excel import of houses or residents, run in the background with progress."""

    kind = models.CharField(_("导入类型"), max_length=10, choices=ImportKind.choices)
    mode = models.CharField(_("导入方式"), max_length=5, choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=200)
    status = models.CharField(_("状态"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变化"), default=0)
    error_count = models.PositiveIntegerField(_("错误行数"), default=0)
    errors = models.JSONField(_("错误明细"), default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]

    @property
    def percent(self) -> int:
        return 100 if not self.total_rows else min(100, self.processed_rows * 100 // self.total_rows)


class OverviewReview(ProjectScopedModel):
    """The monthly full review of a project's customer overview (客户情况一览表核对, ARC-4):
    who confirmed, for which month, that every house's residents and contacts are current."""

    month = models.DateField(_("月份"))  # the first day of the month reviewed
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("核对人")
    )
    reviewed_at = models.DateTimeField(_("核对时间"))
    note = models.CharField(_("核对说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("客户情况一览表核对")
        verbose_name_plural = _("客户情况一览表核对")
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["project", "month"], name="overview_review_month_unique")]
