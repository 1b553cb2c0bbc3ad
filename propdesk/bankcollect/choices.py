"""Bank collection choices, declared once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FileFormat(models.TextChoices):
    CSV = "csv", _("CSV 文本")
    XLSX = "xlsx", _("Excel (.xlsx)")


class Encoding(models.TextChoices):
    GBK = "gbk", _("GBK（银行常用）")
    UTF8 = "utf-8", _("UTF-8")


class BatchStatus(models.TextChoices):
    """A collection batch: exported (sent to the bank) → returned (its return file
    imported, possibly more than once) → closed."""

    EXPORTED = "exported", _("已导出待回盘")
    RETURNED = "returned", _("已回盘")
    CLOSED = "closed", _("已关闭")


class LineStatus(models.TextChoices):
    PENDING = "pending", _("待回盘")
    PAID = "paid", _("扣款成功")
    FAILED = "failed", _("扣款失败")
    UNMATCHED = "unmatched", _("未匹配")


class ExportField(models.TextChoices):
    """The fixed set of fields a bank profile's columns are chosen from (in its order,
    with its own header labels)."""

    REFERENCE = "reference", _("托收编号")
    HOUSE_CODE = "house_code", _("房屋编码")
    ACCOUNT_NAME = "account_name", _("户名")
    ACCOUNT_NUMBER = "account_number", _("账号")
    AMOUNT = "amount", _("金额")
    PERIODS = "periods", _("账期")
    PROJECT = "project", _("项目")
    BANK = "bank", _("开户银行")
    SUMMARY = "summary", _("摘要")


# Extra columns of the bank's return file (fixed labels, Chinese as the banks write them).
RESULT_HEADER = "扣款结果"
REASON_CODE_HEADER = "失败代码"
REASON_HEADER = "失败原因"
COLLECTED_ON_HEADER = "扣款日期"

DEFAULT_COLUMNS = [
    {"field": ExportField.REFERENCE.value, "header": "托收编号"},
    {"field": ExportField.ACCOUNT_NAME.value, "header": "户名"},
    {"field": ExportField.ACCOUNT_NUMBER.value, "header": "账号"},
    {"field": ExportField.AMOUNT.value, "header": "金额"},
    {"field": ExportField.HOUSE_CODE.value, "header": "房屋编码"},
    {"field": ExportField.SUMMARY.value, "header": "摘要"},
]
