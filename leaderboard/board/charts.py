"""Small server-side SVG charts (no JavaScript, no CDN); every page also shows the numbers as a table."""
from __future__ import annotations

import math

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 360
LEFT, RIGHT, TOP, BOTTOM = 60, 20, 20, 50


def _svg(body: list[str], label: str) -> SafeString:
    return mark_safe(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(body)}</svg>'
    )


def _axes(x_label: str, y_label: str) -> list[str]:
    return [
        f'<line class="axis" x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{HEIGHT - BOTTOM}"/>',
        f'<text class="axis-label" x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 8}" text-anchor="middle">'
        f'{escape(x_label)}</text>',
        f'<text class="axis-label" transform="translate(14 {(TOP + HEIGHT - BOTTOM) / 2}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)}</text>',
    ]


def _y_scale(values: list[float]):
    top = max(values) * 1.1 or 1.0
    return top, lambda v: HEIGHT - BOTTOM - (v / top) * (HEIGHT - BOTTOM - TOP)


def pareto(points, x_label: str, y_label: str) -> SafeString:
    """Scatter with a log x axis; frontier points are joined and named. Points need .latency, .value,
    .on_frontier and .row.name."""
    if not points:
        return mark_safe("")
    lows = [math.log10(p.latency) for p in points]
    x_min, x_max = math.floor(min(lows)), math.ceil(max(lows))
    x_max = x_max if x_max > x_min else x_min + 1
    top, y = _y_scale([p.value for p in points])

    def x(latency: float) -> float:
        return LEFT + (math.log10(latency) - x_min) / (x_max - x_min) * (WIDTH - LEFT - RIGHT)

    body = _axes(x_label, y_label)
    for decade in range(x_min, x_max + 1):
        body.append(f'<text class="tick" x="{x(10 ** decade):.1f}" y="{HEIGHT - BOTTOM + 16}" '
                    f'text-anchor="middle">{10 ** decade:g}</text>')
    for tick in (0, top / 2, top):
        body.append(f'<text class="tick" x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:.2f}</text>')
    frontier = [p for p in points if p.on_frontier]
    body.append('<polyline class="frontier" points="'
                + " ".join(f"{x(p.latency):.1f},{y(p.value):.1f}" for p in frontier) + '"/>')
    for p in points:
        css = "point frontier-point" if p.on_frontier else "point"
        body.append(f'<circle class="{css}" cx="{x(p.latency):.1f}" cy="{y(p.value):.1f}" r="4">'
                    f'<title>{escape(p.row.name)}: {p.value:.4f} at {p.latency:.1f} ms</title></circle>')
    for p in frontier:
        body.append(f'<text class="point-label" x="{x(p.latency) + 6:.1f}" y="{y(p.value) - 6:.1f}">'
                    f'{escape(p.row.name)}</text>')
    return _svg(body, f"{y_label} against {x_label}")


def bars(items: list[tuple[str, float, tuple[float, float] | None]], y_label: str) -> SafeString:
    """Vertical bars (label, value, optional interval drawn as a whisker)."""
    if not items:
        return mark_safe("")
    top, y = _y_scale([ci[1] if ci else value for _, value, ci in items])
    slot = (WIDTH - LEFT - RIGHT) / len(items)
    body = _axes("", y_label)
    for tick in (0, top / 2, top):
        body.append(f'<text class="tick" x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:.2f}</text>')
    for i, (label, value, ci) in enumerate(items):
        left = LEFT + i * slot + slot * 0.15
        middle = LEFT + (i + 0.5) * slot
        body.append(f'<rect class="bar" x="{left:.1f}" y="{y(value):.1f}" width="{slot * 0.7:.1f}" '
                    f'height="{HEIGHT - BOTTOM - y(value):.1f}"><title>{escape(label)}: {value:.4f}</title></rect>')
        if ci:
            body.append(f'<line class="whisker" x1="{middle:.1f}" y1="{y(ci[0]):.1f}" x2="{middle:.1f}" '
                        f'y2="{y(ci[1]):.1f}"/>')
        body.append(f'<text class="tick" x="{middle:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                    f'{escape(label)}</text>')
    return _svg(body, y_label)
