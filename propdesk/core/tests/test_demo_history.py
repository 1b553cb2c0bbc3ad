"""The bulk scales' history loaders side by side (`demo_history`): each in its own
process and transaction; a failure names its step, stops the other, and what the failed
or stopped steps wrote is rolled back."""

import os
import time

import pytest
from django.db import connection

from propdesk.core.demo_history import HistoryLoadError, _run_forked
from propdesk.estate.models import Company

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the loaders run in parallel on PostgreSQL only"),
]


def _company(name: str, *, then=None):
    def step():
        company = Company.objects.create(name=name)
        if then:
            then()
        return os.getpid(), company.pk

    return step


def _prepared():
    Company.objects.create(name="prepared")


def test_steps_run_in_their_own_processes_and_commit():
    results = _run_forked({"tickets": _company("工单"), "bills": _company("收费")}, prepare=_prepared)

    assert set(results) == {"tickets", "bills"}
    pids = {pid for pid, _pk in results.values()}
    assert len(pids) == 2 and os.getpid() not in pids
    assert sorted(Company.objects.values_list("name", flat=True)) == sorted(["工单", "收费", "prepared", "prepared"])


def test_a_failed_step_is_named_and_the_slow_one_is_stopped_and_rolled_back():
    def fail():
        raise ValueError("账单生成失败")

    started = time.monotonic()
    with pytest.raises(HistoryLoadError, match=r"step 'bills' failed(.|\n)*账单生成失败"):
        _run_forked(
            {"tickets": _company("慢", then=lambda: time.sleep(60)), "bills": _company("坏", then=fail)},
            prepare=lambda: None,
        )

    assert time.monotonic() - started < 30  # not waiting for the slow step to end
    assert not Company.objects.exists()  # neither step's rows stayed
