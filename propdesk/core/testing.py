"""Helpers for the API and page tests of every app (plain functions; the fixtures are in
conftest.py): who may do what, written out as the rule, the permission matrix, and a
thread race for the concurrency tests on PostgreSQL.

The role sets are written out here, not read from `accounts.roles.ROLE_CAPS`, so a wrong
capability table fails a test instead of agreeing with it.

A permission matrix is one test per endpoint. `check_matrix` runs the call once per cell
— every staff role and a resident account, each in its own project and in the other
one, plus nobody logged in — on the same `world`, each cell inside a savepoint rolled
back afterwards so every cell starts from the same data. It checks the status code and
that the call's effect happened exactly when it was allowed, and fails once, naming
every cell that went wrong:

    def test_house_update_permission_matrix(world):
        def patch(client, cell):
            house = cell.pick(world.house_a, world.house_b)
            response = client.patch(f"/api/v1/houses/{house.pk}/", {"notes": "x"}, format="json")
            return response, House.objects.get(pk=house.pk).notes == "x"

        check_matrix(world, DESK, patch)

Console pages that list the selected projects (queues, boards) use `check_page_matrix`:
the same cells, signed in through the session; a role holding the capability somewhere
gets the page and sees the cell's project in it only when the cell is allowed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import close_old_connections, connection, transaction
from django.test import Client
from rest_framework.test import APIClient

STAFF_ROLES = [
    "assistant",
    "supervisor",
    "manager",
    "engineer",
    "guard",
    "cleaner",
    "cashier",
    "archivist",
    "head_office",
    "admin",
]
COMPANY_WIDE = {"head_office", "admin"}  # memberships without a project: every project

# Who may do what (accounts/roles.py, written out as the rule).
HOUSE_VIEWERS = set(STAFF_ROLES)
PERSON_VIEWERS = HOUSE_VIEWERS - {"cleaner"}
DESK = {"assistant", "supervisor", "manager", "archivist", "admin"}  # change houses, persons, archive
ARCHIVE_VIEWERS = DESK | {"head_office"}
PII_REVEALERS = {"supervisor", "manager", "archivist", "admin"}
LENDERS = {"supervisor", "manager", "archivist", "admin"}
LOAN_APPROVERS = {"supervisor", "manager", "admin"}


@dataclass(frozen=True)
class Cell:
    """One cell of a permission matrix: who calls, about which project's object."""

    role: str | None  # a staff role, "resident" (a resident account) or None (nobody logged in)
    where: str  # "own" — project a (the caller's) — or "other" — project b
    allowed: bool  # whether the caller holds the capability in that project

    def __str__(self) -> str:
        return "nobody logged in" if self.role is None else f"{self.role} × {self.where} project"

    def pick(self, own, other):
        """`own` for a cell about project a, `other` for project b."""
        return own if self.where == "own" else other


def cells(allowed: set[str]) -> list[Cell]:
    """Every staff role and a resident account × own / other project, then nobody logged
    in. A role may act in its own project when it is in `allowed`; company-wide roles in
    the other project too; a resident account never."""
    rows = [
        Cell(role, where, role in allowed and (where == "own" or role in COMPANY_WIDE))
        for role in [*STAFF_ROLES, "resident"]
        for where in ("own", "other")
    ]
    return [*rows, Cell(None, "own", False)]


def _caller(world, role: str | None):
    """The user a cell's `role` acts as (None: nobody logged in)."""
    if role == "resident":
        return world.resident_user
    if role in COMPANY_WIDE:
        return world.users[(role, "*")]
    return world.users[(role, "a")] if role is not None else None


def api_client(world, role: str | None) -> APIClient:
    """A client acting as `role` of project a (company-wide roles: over both projects)."""
    client = APIClient()
    user = _caller(world, role)
    if user is not None:
        client.force_authenticate(user)
    return client


def page_client(world, role: str | None) -> Client:
    """A browser session signed in as `role` of project a (company-wide roles: over both
    projects; "resident": the resident account; None: nobody)."""
    client = Client()
    user = _caller(world, role)
    if user is not None:
        client.force_login(user)
    return client


Act = Callable[[APIClient, Cell], object]


def _run(act, client, cell: Cell) -> tuple:
    """`act(client, cell)` in a savepoint rolled back afterwards: (response, done or None)."""
    with transaction.atomic():
        try:
            result = act(client, cell)
        except Exception as exc:
            exc.add_note(f"permission matrix cell: {cell}")
            raise
        finally:
            transaction.set_rollback(True)
    return result if isinstance(result, tuple) else (result, None)


def check_matrix(world, allowed: set[str], act: Act, *, ok: int = 200, refused: int = 404) -> None:
    """Run `act(client, cell)` for every cell of `cells(allowed)` and check its answer.

    `act` returns the response, or (response, done) where `done` says whether the call's
    effect is there (the row changed, the row is listed…). An allowed cell must answer
    `ok` and have `done`; a refused one must answer `refused` (404: "not found", like a
    missing object; for lists 200 without the row) and not have `done`; nobody logged in
    gets 401 and nothing done. Each cell runs in a savepoint that is rolled back.
    """
    failures = []
    for cell in cells(allowed):
        expected = 401 if cell.role is None else ok if cell.allowed else refused
        response, done = _run(act, api_client(world, cell.role), cell)
        if response.status_code != expected:
            body = getattr(response, "content", b"")[:300].decode(errors="replace")
            failures.append(f"{cell}: expected {expected}, got {response.status_code} {body}")
        elif done is not None and done is not cell.allowed:
            failures.append(f"{cell}: answered {expected} but the effect {'is there' if done else 'is missing'}")
    if failures:
        raise AssertionError("permission matrix:\n  " + "\n  ".join(failures))


def check_page_matrix(world, allowed: set[str], act: Callable[[Client, Cell], tuple]) -> None:
    """The permission matrix of a console page showing the selected projects (a queue, a
    board): every cell of `cells(allowed)`, signed in through the session.

    `act(client, cell)` returns (response, shown): whether the page shows the cell's
    project (its row, its section). A role in `allowed` gets the page (200) and sees the
    cell's project exactly when the cell is allowed — its own project; company-wide roles
    both; any other role and a resident account get the same 404 as a missing page; nobody
    logged in is sent to the login page. Each cell runs in a savepoint that is rolled back.
    """
    failures = []
    for cell in cells(allowed):
        response, shown = _run(act, page_client(world, cell.role), cell)
        if cell.role is None:
            expected = 302
            if response.status_code == 302 and "/login/" not in response["Location"]:
                failures.append(f"{cell}: redirected to {response['Location']}, not to the login page")
                continue
        else:
            expected = 200 if cell.role in allowed else 404
        if response.status_code != expected:
            failures.append(f"{cell}: expected {expected}, got {response.status_code}")
        elif bool(shown) is not cell.allowed:
            failures.append(f"{cell}: answered {expected} but the project is {'shown' if shown else 'missing'}")
    if failures:
        raise AssertionError("permission matrix:\n  " + "\n  ".join(failures))


def listed(response, pk: int, key: str = "results") -> tuple:
    """(response, whether row `pk` is in the list) — for `check_matrix` with `refused=200`."""
    rows = response.json()[key] if response.status_code == 200 else []
    return response, pk in {row["id"] for row in rows}


# --- concurrency (PostgreSQL) -------------------------------------------------------------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the race needs PostgreSQL: SQLite serialises write transactions, so there is no race to test",
)


def race(workers: int, job, *, timeout: float = 60) -> list:
    """Run `job()` in `workers` threads released together; their results or exceptions.
    Each thread closes its own database connection."""
    barrier = threading.Barrier(workers)
    results: list = []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(job())
        except Exception as exc:  # reported by the test
            results.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results
