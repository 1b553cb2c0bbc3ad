"""Run the benchmarks (`make bench`): every bench/bench_*.py module's `main() -> dict`.

Each result is written to bench/results/<name>.json (name without the `bench_` prefix)
and summarised in a readable table on stdout and in bench/results/summary.md. One
failing benchmark is reported and the others still run; the exit status is non-zero
if any failed.

    .venv/bin/python bench/run.py            # all
    .venv/bin/python bench/run.py search     # only bench_search.py
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import platform
import sys
import time
import traceback
import unicodedata
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results"


def discover(only: list[str]) -> list[tuple[str, Path]]:
    modules = []
    for path in sorted(BENCH_DIR.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if not only or name in only or path.stem in only:
            modules.append((name, path))
    return modules


def load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(f"propdesk_bench_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- rendering -----------------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value) or "—"
    return "—" if value is None else str(value)


def _is_scalar(value) -> bool:
    return (
        value is None
        or isinstance(value, str | int | float | bool)
        or (isinstance(value, list | tuple) and all(_is_scalar(v) and not isinstance(v, list | tuple) for v in value))
    )


def table_lines(columns: list[str], rows: list[list]) -> list[str]:
    """A Markdown table, padded so that it also reads well in a terminal."""
    cells = [[_cell(c) for c in columns]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(columns))]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(text + " " * (widths[i] - _width(text)) for i, text in enumerate(row)) + " |"

    return [line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in cells[1:]]


def render(name: str, result: dict) -> list[str]:
    """A result as Markdown: its scalars as a list, then a table for its own `table`
    ({columns, rows}) and for every mapping of records or list of records."""
    lines = [f"## {name}", ""]
    for key, value in result.items():
        if key != "table" and _is_scalar(value):
            lines.append(f"- **{key}**: {_cell(value)}")
    lines.append("")
    table = result.get("table")
    if isinstance(table, dict) and table.get("columns"):
        lines += [*table_lines(table["columns"], table["rows"]), ""]
    for key, value in result.items():
        if key == "table" or _is_scalar(value):
            continue
        if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            if isinstance(table, dict) and table.get("columns"):
                continue  # the module's own table already shows these records
            columns = list(dict.fromkeys(k for record in value.values() for k, v in record.items() if _is_scalar(v)))
            rows = [[label] + [record.get(c) for c in columns] for label, record in value.items()]
            lines += [f"**{key}**", "", *table_lines(["", *columns], rows), ""]
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            columns = list(dict.fromkeys(k for record in value for k, v in record.items() if _is_scalar(v)))
            lines += [f"**{key}**", "", *table_lines(columns, [[r.get(c) for c in columns] for r in value]), ""]
        elif isinstance(value, dict):
            lines += [f"**{key}**", ""] + [f"- {k}: {_cell(v)}" for k, v in value.items() if _is_scalar(v)] + [""]
    return lines


def seed_line() -> list[str]:
    """How long the benchmark database took to load (bench/_common.py records it)."""
    path = RESULTS / "seed.json"
    if not path.exists():
        return []
    seed = json.loads(path.read_text("utf-8"))
    counts = seed.get("counts", {})
    return [
        f"Benchmark database: `seed_demo --scale large` loaded in {seed['seconds']:,.0f} s (target 900 s) on "
        f"{seed['finished_at']}, load {seed['load_average_1m']} — {counts.get('estate.House', 0):,} houses, "
        f"{counts.get('residents.Person', 0):,} people, {counts.get('desk.Ticket', 0):,} tickets, "
        f"{counts.get('billing.Bill', 0):,} bills (results/seed.json).",
        "",
    ]


def main(argv: list[str]) -> int:
    only = [arg for arg in argv if not arg.startswith("-")]
    everything = discover([])
    selected = discover(only)
    if not selected:
        print("no benchmarks found" + (f" matching {only}" if only else ""))
        return 1
    RESULTS.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    started = dt.datetime.now().astimezone()
    overview, sections = [], []
    failed = 0
    for name, path in everything:
        result_file = RESULTS / f"{name}.json"
        if (name, path) not in selected:  # not run this time: keep its last result in the summary
            if result_file.exists():
                overview.append([name, "earlier run", None, f"results/{name}.json"])
                sections += render(name, json.loads(result_file.read_text("utf-8")))
            continue
        print(f"==> {path.name}", flush=True)
        began = time.monotonic()
        try:
            result = load(name, path).main()
            if not isinstance(result, dict):
                raise TypeError(f"{path.name}: main() returned {type(result).__name__}, not dict")
            status = "ok"
        except Exception as exc:  # one benchmark failing must not hide the others
            failed += 1
            traceback.print_exc()
            result = {"error": f"{type(exc).__name__}: {exc}"}
            status = "FAILED"
        seconds = time.monotonic() - began
        result_file.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n", "utf-8")
        overview.append([name, status, round(seconds, 1), f"results/{name}.json"])
        section = render(name, result)
        sections += section
        print("\n".join(section), flush=True)
    columns = ["benchmark", "status", "seconds", "result"]
    report = [
        "# propdesk benchmarks",
        "",
        f"Run {started:%Y-%m-%d %H:%M %Z} on {platform.node()} ({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}) — "
        f"Python {platform.python_version()}, {platform.system()} {platform.machine()}.",
        "",
        *table_lines(columns, overview),
        "",
        *seed_line(),
        *sections,
    ]
    (RESULTS / "summary.md").write_text("\n".join(report).rstrip() + "\n", "utf-8")
    print("\n".join(table_lines(columns, overview)))
    print(f"\nsummary: {RESULTS / 'summary.md'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
