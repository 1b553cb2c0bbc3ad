"""A small line chart as inline SVG, drawn on the server: no JavaScript, no CDN, prints as
it shows. Values of None (no rate that month) leave a gap in the line."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 34


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    step = 1
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int | Decimal | None], str]],
    *,
    title: str,
    top: float | None = None,
    unit: str = "",
) -> SafeString:
    """`series`: (name, values, colour) per line; `top`: the y-axis maximum (e.g. 100 for
    percentages), else a round number above the largest value."""
    values = [float(v) for _name, vs, _colour in series for v in vs if v is not None]
    y_max = top if top is not None else _nice_max(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return LEFT + i * step

    def y(v) -> float:
        return TOP + plot_h - float(v) / y_max * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" aria-label="{escape(title)}" '
        'xmlns="http://www.w3.org/2000/svg" font-size="11">',
        f"<title>{escape(title)}</title>",
    ]
    for k in range(5):
        v = y_max * k / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#d9e2ec"/>')
        shown = f"{v:g}{unit}"
        parts.append(f'<text x="{LEFT - 4}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#616e7c">{escape(shown)}</text>')
    for i, label in enumerate(labels):
        at = f'x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 16}"'
        parts.append(f'<text {at} text-anchor="middle" fill="#616e7c">{escape(label)}</text>')
    for n, (name, vs, colour) in enumerate(series):
        runs: list[list[str]] = [[]]
        for i, v in enumerate(vs):
            if v is None:
                runs.append([])
                continue
            runs[-1].append(f"{x(i):.1f},{y(v):.1f}")
            tip = escape(f"{labels[i]} {name} {v}{unit}")
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{escape(colour)}"><title>{tip}</title></circle>')
        for run in runs:
            if len(run) > 1:
                parts.append(f'<polyline fill="none" stroke="{escape(colour)}" stroke-width="2" points="{" ".join(run)}"/>')
        lx = LEFT + n * 130
        parts.append(f'<rect x="{lx}" y="{HEIGHT - 12}" width="10" height="10" fill="{escape(colour)}"/>')
        parts.append(f'<text x="{lx + 14}" y="{HEIGHT - 3}">{escape(name)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated text is escaped above
