"""Server-side SVG charts (no JavaScript, no plotting library): bars, lines, horizontal shares, a risk matrix.

Every label is escaped; each chart carries a <title> and <desc> naming its source for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 24, 40
COLOURS = ("#1f5fa8", "#d2691e", "#2e8b57", "#8b1e3f", "#6a5acd", "#b8860b")


def _svg(body: list[str], title: str, source: str, height: int = HEIGHT) -> Markup:
    head = (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'width="100%" preserveAspectRatio="xMinYMin meet"><title>{escape(title)}</title>'
        f"<desc>Source: {escape(source)}</desc>"
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 - every interpolated text is escaped above and below


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = float(10 ** (len(str(int(value))) - 1))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _axis(maximum: float, unit: str, plot_h: int) -> list[str]:
    out = []
    for i in range(5):
        value = maximum * i / 4
        y = TOP + plot_h - plot_h * i / 4
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{value:,.0f}</text>')
    out.append(f'<text x="4" y="{TOP - 8}" font-size="11">{escape(unit)}</text>')
    return out


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float | None], unit: str, source: str) -> Markup:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    maximum = _nice_max(max((v or 0 for v in values), default=0))
    body = _axis(maximum, unit, plot_h)
    step = plot_w / max(1, len(labels))
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = LEFT + i * step + step * 0.15
        h = plot_h * (value or 0) / maximum
        body.append(
            f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
            f'fill="{COLOURS[0]}"><title>{escape(label)}: {"n/a" if value is None else f"{value:,.2f}"}</title></rect>'
        )
        body.append(
            f'<text x="{x + step * 0.35:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="10" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    return _svg(body, title, source)


def line_chart(
    title: str, labels: Sequence[str], series: dict[str, Sequence[float | None]], unit: str, source: str
) -> Markup:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    maximum = _nice_max(max((v or 0 for values in series.values() for v in values), default=0))
    body = _axis(maximum, unit, plot_h)
    step = plot_w / max(1, len(labels) - 1)
    for i, label in enumerate(labels):
        body.append(
            f'<text x="{LEFT + i * step:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="10" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    for n, (name, values) in enumerate(series.items()):
        colour = COLOURS[n % len(COLOURS)]
        points = [
            f"{LEFT + i * step:.1f},{TOP + plot_h - plot_h * v / maximum:.1f}"
            for i, v in enumerate(values)
            if v is not None
        ]
        body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(points)}"/>')
        body.append(
            f'<rect x="{LEFT + 8 + n * 200}" y="{HEIGHT - 14}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{LEFT + 22 + n * 200}" y="{HEIGHT - 5}" font-size="11">{escape(name)}</text>'
        )
    return _svg(body, title, source)


def share_chart(title: str, items: Sequence[tuple[str, float]], source: str) -> Markup:
    """Horizontal bars of percent shares, largest first."""
    row_h = 20
    height = TOP + row_h * max(1, len(items)) + 16
    label_w = 150
    plot_w = WIDTH - label_w - 70
    body = []
    for i, (label, share) in enumerate(items):
        y = TOP + i * row_h
        w = plot_w * max(0.0, min(share, 100.0)) / 100
        body.append(
            f'<text x="{label_w - 6}" y="{y + 14}" font-size="11" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{COLOURS[1]}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 14}" font-size="11">{share:.1f}%</text>'
        )
    return _svg(body, title, source, height)


def risk_matrix(
    title: str,
    points: Sequence[tuple[str, float, float]],
    x_label: str,
    y_label: str,
    x_max: float,
    y_max: float,
    source: str,
) -> Markup:
    """A scatter of (label, x, y) over four shaded quadrants (high-high is top right)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    half_w, half_h = plot_w / 2, plot_h / 2
    body = [
        f'<rect x="{LEFT}" y="{TOP}" width="{half_w}" height="{half_h}" fill="#fff4e5"/>',
        f'<rect x="{LEFT + half_w}" y="{TOP}" width="{half_w}" height="{half_h}" fill="#fde0dc"/>',
        f'<rect x="{LEFT}" y="{TOP + half_h}" width="{half_w}" height="{half_h}" fill="#eef7ee"/>',
        f'<rect x="{LEFT + half_w}" y="{TOP + half_h}" width="{half_w}" height="{half_h}" fill="#fff4e5"/>',
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 6}" font-size="11" text-anchor="middle">{escape(x_label)}</text>',
        f'<text x="12" y="{TOP + plot_h / 2}" font-size="11" text-anchor="middle" '
        f'transform="rotate(-90 12 {TOP + plot_h / 2})">{escape(y_label)}</text>',
        f'<text x="{LEFT - 4}" y="{TOP + 10}" font-size="10" text-anchor="end">{y_max:g}</text>',
        f'<text x="{WIDTH - RIGHT}" y="{TOP + plot_h + 14}" font-size="10" text-anchor="end">{x_max:g}</text>',
    ]
    for n, (label, x, y) in enumerate(points):
        cx = LEFT + plot_w * min(max(x, 0), x_max) / x_max
        cy = TOP + plot_h - plot_h * min(max(y, 0), y_max) / y_max
        colour = COLOURS[n % len(COLOURS)]
        body.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="{colour}"><title>{escape(label)}: '
            f"{x:.2f}, {y:.2f}</title></circle>"
            f'<text x="{cx + 7:.1f}" y="{cy + 4:.1f}" font-size="10">{escape(label)}</text>'
        )
    return _svg(body, title, source)
