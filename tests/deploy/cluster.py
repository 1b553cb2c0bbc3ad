"""The deployment tests' processes on loopback (see propdesk.core.loopback), against the
test database: only on the server set-up (PostgreSQL + REDIS_URL), as in CI's second leg."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from propdesk.core.loopback import Cluster, database_url

server_only = pytest.mark.skipif(
    connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"),
    reason="needs PostgreSQL and Redis (CI's server leg)",
)


def database_url_for_tests(*, port: int | None = None) -> str:
    return database_url(connection.settings_dict, port=port)


def cluster_for_tests(tmp) -> Cluster:
    return Cluster(tmp, database=database_url_for_tests(), redis=os.environ["REDIS_URL"])
