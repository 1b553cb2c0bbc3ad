"""`seed_demo` is deterministic: the same seed gives the same people and tickets (seeded
twice on an empty database, so kept apart from test_seed_demo's once-seeded module)."""

import io

from django.core.management import call_command
from django.db import transaction

from propdesk.desk.models import Ticket
from propdesk.estate.models import Project
from propdesk.residents.models import Person


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", scale="small", stdout=out)
    return out.getvalue()


class _Rollback(Exception):
    pass


def test_the_same_seed_gives_the_same_people(db):
    def sample():
        people = list(Person.objects.order_by("id").values_list("name", "mobile", "id_number", "birthday")[:100])
        tickets = list(Ticket.objects.order_by("project_id", "number").values_list("number", "title", "status", "reporter_phone"))
        return people, tickets

    try:
        with transaction.atomic():
            _seed()
            first = sample()
            raise _Rollback
    except _Rollback:
        pass
    assert not Project.objects.exists()
    _seed()
    assert sample() == first
