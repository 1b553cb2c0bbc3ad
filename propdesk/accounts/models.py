"""Accounts: staff and resident users, and staff roles per project (岗位授权)."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from propdesk.accounts.roles import Role


class User(AbstractUser):
    """A login. Staff reach projects through memberships; residents (业主/住户) reach
    only their own houses through the persons bound to them."""

    class Kind(models.TextChoices):
        STAFF = "staff", _("员工")
        RESIDENT = "resident", _("住户")

    kind = models.CharField(_("账号类型"), max_length=10, choices=Kind.choices, default=Kind.STAFF)
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    mobile = models.CharField(_("手机号"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_resident(self) -> bool:
        return self.kind == self.Kind.RESIDENT


class Membership(models.Model):
    """A staff member's role in one project; `project` empty means every project of the
    company (head office, system administrators)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("用户"))
    project = models.ForeignKey(
        "estate.Project",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("项目"),
    )
    role = models.CharField(_("岗位"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("岗位授权")
        verbose_name_plural = _("岗位授权")
        constraints = [models.UniqueConstraint(fields=["user", "project", "role"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.project or _('全部项目')}"


class LoginFailure(models.Model):
    """A failed login, for throttling (shared by every web node through the database)."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.GenericIPAddressField(null=True, db_index=True)
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.username} @ {self.at:%Y-%m-%d %H:%M}"
