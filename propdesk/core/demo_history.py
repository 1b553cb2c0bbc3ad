"""The bulk scales' history — 24 months of tickets (`demo_tickets`) and a year of bills
(`billing.demo_large`) — written after the estate.

The two loaders read only the estate and write disjoint tables, and each is bound by
its own Python (generating rows) more than by the database. On PostgreSQL they run side
by side in two forked processes, each in its own transaction, once the estate has been
committed: the large load takes about the longer of the two instead of their sum. If
either fails, the other is stopped (its transaction rolls back) and the error names the
step; the estate stays, so the database is to be dropped before loading again. Elsewhere
(SQLite) they run one after the other in the caller's transaction.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import connection, connections, transaction

from propdesk.accounts.models import User
from propdesk.billing.demo_large import BillSeedReport, seed_bills
from propdesk.core.demo_tickets import TicketSeedReport, seed_tickets
from propdesk.estate.models import Project


@dataclass
class HistoryReport:
    tickets: TicketSeedReport
    bills: BillSeedReport


class HistoryLoadError(RuntimeError):
    pass


def _steps(*, tickets: int, projects: Sequence[Project], staff: dict, progress: Callable[[str], None]) -> dict:
    return {
        "tickets": lambda: seed_tickets(total=tickets, projects=projects, progress=progress),
        "bills": lambda: seed_bills(projects=projects, staff=staff, progress=progress),
    }


def load_history(
    *,
    tickets: int,
    projects: Sequence[Project],
    staff: dict[tuple[str, int], User],
    progress: Callable[[str], None],
    parallel: bool,
    prepare: Callable[[], None] = lambda: None,
) -> HistoryReport:
    """Write the tickets and the bills of `projects`. With `parallel` (PostgreSQL, the
    estate committed) in two processes, each calling `prepare` first in its transaction;
    otherwise in this one."""
    if parallel:  # the children's lines appear as they are written, not when they exit

        def progress(message: str, shown=progress) -> None:
            shown(message)
            sys.stdout.flush()

    steps = _steps(tickets=tickets, projects=projects, staff=staff, progress=progress)
    if not parallel:
        return HistoryReport(**{name: step() for name, step in steps.items()})
    return HistoryReport(**_run_forked(steps, prepare))


def _run_forked(steps: dict[str, Callable], prepare: Callable[[], None]) -> dict:
    connections.close_all()  # a forked child must open its own connection, not share this socket
    context = multiprocessing.get_context("fork")
    running = {}
    for name, step in steps.items():
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(step, prepare, sender), name=f"seed-{name}")
        process.start()
        sender.close()
        running[receiver] = (name, process)
    results = {}
    while running:
        for receiver in multiprocessing.connection.wait(list(running)):  # whichever ends first
            name, process = running.pop(receiver)
            try:
                status, value = receiver.recv()
            except EOFError:  # the child died without a word (killed, out of memory)
                status, value = "error", None
            process.join()
            value = f"exit code {process.exitcode}" if value is None else value
            if status != "ok":
                for _other, other in running.values():
                    other.terminate()  # its connection drops: PostgreSQL rolls its transaction back
                    other.join()
                raise HistoryLoadError(
                    f"demo history step '{name}' failed; the estate is committed — "
                    f"drop the database before loading again.\n{value}"
                )
            results[name] = value
    return results


def _child(step: Callable, prepare: Callable[[], None], sender) -> None:
    try:
        with transaction.atomic():
            prepare()
            result = step()
        sender.send(("ok", result))
    except BaseException:  # reported to the parent, which raises it
        sender.send(("error", traceback.format_exc()))
    finally:
        sys.stdout.flush()
        connection.close()
        sender.close()
