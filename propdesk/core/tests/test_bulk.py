"""core.bulk.insert_rows: the rows as given, in order, with their ids; the fields not given
take their defaults — COPY on PostgreSQL, bulk_create elsewhere."""

import pytest

from propdesk.core.bulk import insert_rows
from propdesk.estate.models import Company, Project

pytestmark = pytest.mark.django_db


def test_insert_rows_gives_the_ids_in_row_order_and_the_defaults():
    company = Company.objects.create(name="物业公司")
    rows = [(company.pk, f"p{n}", f"项目{n}") for n in (3, 1, 2)]
    ids = insert_rows(Project, ("company_id", "code", "name"), rows, ids=True)
    projects = Project.objects.in_bulk(ids)
    assert [(projects[pk].code, projects[pk].name) for pk in ids] == [("p3", "项目3"), ("p1", "项目1"), ("p2", "项目2")]
    assert all(p.active and p.address == "" and p.created_at is not None for p in projects.values())
    # the table's sequence went past the ids reserved: the next ordinary insert gets a new one
    assert Project.objects.create(company=company, code="p4", name="项目4").pk not in ids


def test_insert_rows_without_ids_writes_the_rows():
    company = Company.objects.create(name="物业公司")
    assert insert_rows(Project, ("company_id", "code", "name"), [(company.pk, "q1", "项目")]) == []
    assert Project.objects.get(code="q1").name == "项目"
