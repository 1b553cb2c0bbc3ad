"""Read replica for reports (issue 6 item 7): reads inside `replica_reads()` go to the
replica when one is configured; writes and other reads stay on the primary; without a
replica everything reads the primary."""

from unittest import mock

import pytest
from django.conf import settings
from django.http import Http404

from propdesk.core.replica import REPLICA, ReplicaRouter, replica_reads
from propdesk.desk.models import Ticket

router = ReplicaRouter()


def _with_replica():
    return mock.patch.dict(settings.DATABASES, {REPLICA: {**settings.DATABASES["default"]}})


def test_reads_in_the_block_go_to_the_replica_and_writes_to_the_primary():
    with _with_replica():
        assert router.db_for_read(Ticket) is None
        with replica_reads():
            assert router.db_for_read(Ticket) == REPLICA
            assert router.db_for_write(Ticket) is None
        assert router.db_for_read(Ticket) is None


def test_without_a_replica_everything_reads_the_primary():
    with replica_reads():
        assert router.db_for_read(Ticket) is None


def test_the_replica_is_never_migrated():
    assert router.allow_migrate(REPLICA, "desk") is False
    assert router.allow_migrate("default", "desk") is True


def test_the_report_pages_read_from_the_replica(monkeypatch):
    from propdesk.reports import views

    seen = []

    def shown(request):  # where the page's first read would go; then stop it there
        seen.append(router.db_for_read(Ticket))
        raise Http404

    monkeypatch.setattr(views, "_shown", shown)
    with _with_replica():
        for view in (views.kpi_page, views.kpi_export, views.drill_page):
            with pytest.raises(Http404):
                view(mock.Mock(method="GET", user=mock.Mock(is_authenticated=True)))
    assert seen == [REPLICA, REPLICA, REPLICA]
