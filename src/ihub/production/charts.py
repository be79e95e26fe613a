"""Small server-side SVG charts for the production dashboard: no JavaScript, no library.

Each function returns markup safe to embed; every label is escaped. Bars and points carry a
``<title>`` so hovering shows the exact value.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 220
PAD_LEFT, PAD_BOTTOM, PAD_TOP = 48, 28, 12


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ") if abs(value) >= 10 else f"{value:.3g}"


def _frame(body: str, label: str) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" preserveAspectRatio="xMidYMid meet">{body}</svg>'
    )


def _axis(top: float, suffix: str = "") -> str:
    """Horizontal grid lines at 0, ½ and the top value, with their labels."""
    plot = HEIGHT - PAD_BOTTOM - PAD_TOP
    lines = []
    for share in (0.0, 0.5, 1.0):
        y = PAD_TOP + plot * (1 - share)
        lines.append(
            f'<line class="grid" x1="{PAD_LEFT}" x2="{WIDTH}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_number(top * share))}{suffix}</text>"
        )
    return "".join(lines)


def _x_labels(labels: Sequence[str], step_x: float) -> str:
    every = max(1, len(labels) // 8)  # at most about eight labels fit
    return "".join(
        f'<text class="tick" x="{PAD_LEFT + step_x * (i + 0.5):.1f}" y="{HEIGHT - 8}" '
        f'text-anchor="middle">{escape(label)}</text>'
        for i, label in enumerate(labels)
        if i % every == 0
    )


def bars(points: Sequence[tuple[str, float]], label: str, unit: str = "") -> Markup:
    """Vertical bars, one per point (label, value); a zero is a visible empty slot."""
    if not points:
        return _frame("", label)
    top = max(value for _, value in points) or 1.0
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    step = (WIDTH - PAD_LEFT) / len(points)
    body = [_axis(top)]
    for i, (name, value) in enumerate(points):
        h = plot_h * value / top
        x = PAD_LEFT + step * i + step * 0.15
        body.append(
            f'<rect class="bar" x="{x:.1f}" y="{PAD_TOP + plot_h - h:.1f}" '
            f'width="{step * 0.7:.1f}" height="{h:.1f}">'
            f"<title>{escape(name)}: {escape(_number(value))} {escape(unit)}</title></rect>"
        )
    body.append(_x_labels([name[5:] if len(name) == 10 else name for name, _ in points], step))
    return _frame("".join(body), label)


def line(points: Sequence[tuple[str, float | None]], label: str) -> Markup:
    """A percentage line; points without a value (no output that day) break the line."""
    if not points:
        return _frame("", label)
    values = [v for _, v in points if v is not None]
    top = max([*values, 1.0])
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    step = (WIDTH - PAD_LEFT) / len(points)
    body = [_axis(top, "%")]
    segment: list[str] = []
    for i, (name, value) in enumerate(points):
        if value is None:
            body.append(_polyline(segment))
            segment = []
            continue
        x, y = PAD_LEFT + step * (i + 0.5), PAD_TOP + plot_h * (1 - value / top)
        segment.append(f"{x:.1f},{y:.1f}")
        body.append(
            f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3">'
            f"<title>{escape(name)}: {value:.2f}%</title></circle>"
        )
    body.append(_polyline(segment))
    body.append(_x_labels([name[5:] if len(name) == 10 else name for name, _ in points], step))
    return _frame("".join(body), label)


def _polyline(segment: list[str]) -> str:
    return f'<polyline class="line" points="{" ".join(segment)}"/>' if len(segment) > 1 else ""


def load_bars(items: Sequence[tuple[str, float | None]], label: str) -> Markup:
    """Horizontal bars of a percentage per row (work center load); 100% is marked."""
    row_h, label_w = 26, 120
    height = max(row_h * len(items) + 10, 40)
    top = max([100.0, *(v or 0 for _, v in items)])
    scale = (WIDTH - label_w - 60) / top
    body = [
        f'<line class="limit" x1="{label_w + 100 * scale:.1f}" x2="{label_w + 100 * scale:.1f}" '
        f'y1="0" y2="{height}"/>'
    ]
    for i, (name, value) in enumerate(items):
        y = 5 + row_h * i
        width = (value or 0) * scale
        over = " over" if (value or 0) > 100 else ""
        text = "—" if value is None else f"{value:.0f}%"
        body.append(
            f'<text class="tick" x="{label_w - 8}" y="{y + 16}" text-anchor="end">'
            f"{escape(name)}</text>"
            f'<rect class="bar{over}" x="{label_w}" y="{y + 4}" width="{width:.1f}" height="16">'
            f"<title>{escape(name)}: {text}</title></rect>"
            f'<text class="tick" x="{label_w + width + 6:.1f}" y="{y + 16}">{text}</text>'
        )
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(label)}">{"".join(body)}</svg>'
    )
