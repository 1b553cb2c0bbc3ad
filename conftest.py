"""Shared test fixtures: two projects, a staff member per role in each, a resident.

The base world follows the style guide: an assistant, a supervisor, a technician… of
project A; the same roles in project B (the outsiders); head office over both.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import caches

from propdesk.celery import app as celery_app

celery_app.conf.task_always_eager = True
celery_app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    from propdesk.core import configcache

    configcache.forget()  # each test's configuration is its own (its rows are rolled back)
    settings.MEDIA_ROOT = tmp_path / "media"
    # Password hashing is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Ids come round again between tests: no option list cached by an earlier one.
    caches["local"].clear()


@pytest.fixture
def world(db):
    from propdesk.accounts.models import Membership, User
    from propdesk.accounts.roles import Role
    from propdesk.estate.models import Company
    from propdesk.estate.services import house_create, project_create
    from propdesk.residents.services import occupant_register

    company = Company.objects.create(name="示例物业服务有限公司")
    project_a = project_create(company=company, code="a", name="阳光花园")
    project_b = project_create(company=company, code="b", name="翠湖苑")

    class World:
        pass

    w = World()
    w.company, w.project_a, w.project_b = company, project_a, project_b
    w.users = {}
    for project in (project_a, project_b):
        for role in Role:
            if role in (Role.HEAD_OFFICE, Role.ADMIN):
                continue
            user = User.objects.create_user(
                f"{role.value}_{project.code}", password="pw-123456", display_name=f"{role.label}{project.code}"
            )
            Membership.objects.create(user=user, project=project, role=role)
            w.users[(role.value, project.code)] = user
    for role in (Role.HEAD_OFFICE, Role.ADMIN):
        user = User.objects.create_user(role.value, password="pw-123456")
        Membership.objects.create(user=user, project=None, role=role)
        w.users[(role.value, "*")] = user
    w.resident_user = User.objects.create_user("resident", password="pw-123456", kind=User.Kind.RESIDENT)
    w.assistant = w.users[("assistant", "a")]
    w.supervisor = w.users[("supervisor", "a")]
    w.outsider = w.users[("assistant", "b")]
    w.house_a = house_create(
        project=project_a, building_number="3", entrance_number="2", room="1201", floor=12, area=Decimal("98.50")
    )
    w.house_b = house_create(
        project=project_b, building_number="1", entrance_number="1", room="101", floor=1, area=Decimal("70.00")
    )
    w.owner_a = occupant_register(
        house=w.house_a,
        person_data={"name": "张三", "mobile": "13812345678", "id_number": "110101199003076632"},
        role="owner",
        start_date=dt.date(2024, 1, 1),
        is_primary_contact=True,
    )
    w.person_a = w.owner_a.person
    w.person_a.account = w.resident_user
    w.person_a.save(update_fields=["account"])
    w.owner_b = occupant_register(
        house=w.house_b,
        person_data={"name": "李四", "mobile": "13900001111", "id_number": "110101198001010010"},
        role="owner",
        start_date=dt.date(2024, 1, 1),
    )
    w.person_b = w.owner_b.person
    return w
