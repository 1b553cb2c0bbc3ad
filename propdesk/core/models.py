"""Shared kernel models: the project-scoped base."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectScopedModel(models.Model):
    """A row that belongs to one project (小区/项目): the unit of access (design idea 1)."""

    project = models.ForeignKey("estate.Project", on_delete=models.PROTECT, verbose_name=_("项目"), related_name="+")

    class Meta:
        abstract = True


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True
