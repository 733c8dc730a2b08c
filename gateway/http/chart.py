"""The contact-volume chart: stacked bars of contacts per month and channel, drawn as SVG on
the server so it reads without JavaScript. Each channel has a colour and a fill pattern, so
the chart does not depend on colour alone; the same numbers are in a table beside it."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from policy_core.volume import VolumeReport

# Colours with at least 3:1 contrast against white (WCAG 2.2 non-text contrast).
STYLES = {
    "email": ("#1d4f91", ""),
    "phone": ("#a3391e", "url(#hatch)"),
    "sms": ("#2e6b30", "url(#dots)"),
    "social": ("#6b3fa0", "url(#cross)"),
    "letter": ("#6a5d00", ""),
    "visit": ("#4d4d4d", "url(#hatch)"),
}
WIDTH, HEIGHT = 720, 260
LEFT, BOTTOM, TOP = 44, 36, 12


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    channel: str
    count: int
    month: str


def _scale_top(peak: int) -> int:
    """A round top for the axis, at least `peak`: 5, 10, 20, 25, 50, 100, 200, 250, ..."""
    power = 1
    while True:
        for step in (5, 10, 20, 25):
            if peak <= step * power:
                return step * power
        power *= 10


def bars(report: VolumeReport) -> tuple[list[Bar], int, float]:
    peak = max((row.total for row in report.months), default=0)
    top = _scale_top(max(peak, 1))
    plot_h = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / max(len(report.months), 1)
    out: list[Bar] = []
    for n, row in enumerate(report.months):
        y = float(HEIGHT - BOTTOM)
        for channel in report.channels:
            count = row.channels.get(channel, 0)
            if not count:
                continue
            height = count / top * plot_h
            y -= height
            out.append(Bar(LEFT + n * slot + slot * 0.15, y, height, channel, count, row.month))
    return out, top, slot * 0.7


def svg(report: VolumeReport) -> str:
    found, top, bar_w = bars(report)
    slot = (WIDTH - LEFT) / max(len(report.months), 1)
    plot_h = HEIGHT - BOTTOM - TOP
    total = report.totals.total
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="chart-title">',
        f'<title id="chart-title">Contacts per month by channel: {total} in 12 months. '
        "The numbers are in the table below.</title>",
        "<defs>"
        '<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff" opacity=".0"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/></pattern>'
        '<pattern id="dots" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<circle cx="3" cy="3" r="1.2" fill="#fff"/></pattern>'
        '<pattern id="cross" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<path d="M0 3H6M3 0V6" stroke="#fff" stroke-width="1"/></pattern>'
        "</defs>",
    ]
    for tick in range(5):
        value = top * tick // 4
        y = HEIGHT - BOTTOM - plot_h * tick / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH}" y1="{y:.1f}" y2="{y:.1f}" stroke="#767676" '
            f'stroke-width="{1 if tick == 0 else 0.4}"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{value}</text>'
        )
    for n, row in enumerate(report.months):
        x = LEFT + n * slot + slot / 2
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
            f'font-size="11">{escape(row.month[2:])}</text>'
        )
    for bar in found:
        colour, pattern = STYLES.get(bar.channel, ("#333333", ""))
        box = f'x="{bar.x:.1f}" y="{bar.y:.1f}" width="{bar_w:.1f}" height="{bar.height:.1f}"'
        label = escape(f"{bar.month}: {bar.count} {bar.channel}")
        parts.append(f'<g><title>{label}</title><rect {box} fill="{colour}"/>')
        if pattern:
            parts.append(f'<rect {box} fill="{pattern}"/>')
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def legend(report: VolumeReport) -> list[tuple[str, str]]:
    return [(channel, STYLES.get(channel, ("#333333", ""))[0]) for channel in report.channels]
