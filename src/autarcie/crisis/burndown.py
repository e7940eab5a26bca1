"""The restoration burn-down chart, drawn here as SVG (no script, no external library)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from xml.sax.saxutils import escape

WIDTH, HEIGHT, PAD = 640, 280, 40


def remaining_series(
    total: int, done_times: Sequence[dt.datetime], start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, int]]:
    """Items still to restore after each completion, from ``start`` to ``end``."""
    points = [(start, total)]
    left = total
    for moment in sorted(done_times):
        left -= 1
        points.append((max(moment, start), left))
    points.append((max(end, points[-1][0]), left))
    return points


def burndown_svg(
    total: int, done_times: Sequence[dt.datetime], start: dt.datetime, end: dt.datetime, title: str
) -> str:
    series = remaining_series(total, done_times, start, end)
    span = max((series[-1][0] - start).total_seconds(), 1.0)
    top = max(total, 1)

    def x(moment: dt.datetime) -> float:
        return PAD + (WIDTH - 2 * PAD) * (moment - start).total_seconds() / span

    def y(value: int) -> float:
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * value / top

    steps: list[str] = []
    previous = series[0][1]
    for moment, value in series:
        steps.append(f"{x(moment):.1f},{y(previous):.1f}")
        steps.append(f"{x(moment):.1f},{y(value):.1f}")
        previous = value
    days = max(1, round(span / 86400))
    return "\n".join(
        [
            '<svg xmlns="http://www.w3.org/2000/svg" class="burndown" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'role="img" aria-label="{escape(title)}">',
            f"<title>{escape(title)}</title>",
            f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" '
            f'y2="{HEIGHT - PAD}" stroke="#555"/>',
            f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{HEIGHT - PAD}" stroke="#555"/>',
            f'<line x1="{PAD}" y1="{y(total):.1f}" x2="{WIDTH - PAD}" y2="{y(0):.1f}" '
            'stroke="#999" stroke-dasharray="6 4"/>',
            f'<polyline fill="none" stroke="#0b4f8a" stroke-width="3" points="{" ".join(steps)}"/>',
            f'<text x="{PAD}" y="{PAD - 10}" font-size="13">{total} éléments ; '
            f"reste {series[-1][1]}</text>",
            f'<text x="{WIDTH - PAD}" y="{HEIGHT - 12}" font-size="12" text-anchor="end">'
            f"{days} j</text>",
            "</svg>",
        ]
    )
