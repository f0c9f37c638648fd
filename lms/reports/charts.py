"""Small server-side SVG charts: no script, no inline style, colours by class or presentation attribute.

Every chart has a <title> and <desc> for screen readers; pages show its numbers in a table too.
The same markup goes into the PDF (WeasyPrint draws SVG).
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

FONT = "font-family=\"Inter, 'Noto Sans', 'Noto Sans CJK SC', 'DejaVu Sans', sans-serif\""
PALETTE = ("#4f46e5", "#0f8a5f", "#b45309", "#7c3aed", "#c2410c", "#0e7490")


def _svg(width: int, height: int, title: str, desc: str, body: list[str]) -> Markup:
    head = (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" {FONT} font-size="12">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
    )
    return Markup(head + "".join(body) + "</svg>")


def _empty(width: int, title: str, message: str = "No data yet") -> Markup:
    body = [f'<text x="{width / 2}" y="34" text-anchor="middle" fill="#5d6075">{escape(message)}</text>']
    return _svg(width, 56, title, message, body)


def axis_ticks(peak: float, *, percent: bool = False, most: int = 5) -> list[int]:
    """Y-axis ticks from 0 to the first round value at or above `peak`: whole steps of 1, 2 or 5 x 10^n
    (a count of learners has no 1.5), at most `most` intervals; percentages always run 0-100."""
    if percent:
        return [0, 25, 50, 75, 100]
    if peak <= 0:
        return [0, 1]
    step, scale = 1, 1
    while True:
        for base in (1, 2, 5):
            step = base * scale
            if peak / step <= most:
                top = -(-peak // step) * step  # ceiling, in whole steps
                return list(range(0, int(top) + 1, step))
        scale *= 10


def _short(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def hbars(rows: Sequence[tuple[str, float]], *, title: str, maximum: float = 100, unit: str = "%") -> Markup:
    """Horizontal bars, one per row (label, value), value out of `maximum`."""
    width, bar_x, bar_w, row_h = 640, 230, 340, 26
    if not rows:
        return _empty(width, title)
    height = max(row_h * len(rows) + 16, 40)
    body = []
    for n, (label, value) in enumerate(rows):
        y = 8 + n * row_h
        length = 0 if not maximum else max(0.0, min(1.0, value / maximum)) * bar_w
        body.append(
            f'<text x="{bar_x - 8}" y="{y + 16}" text-anchor="end" fill="#1c1d29">{escape(_short(label, 34))}</text>'
            f'<rect x="{bar_x}" y="{y + 3}" width="{bar_w}" height="16" rx="4" fill="#ececf4"/>'
            f'<rect class="chart-bar" x="{bar_x}" y="{y + 3}" width="{length:.1f}" height="16" rx="4" '
            f'fill="{PALETTE[0]}"/>'
            f'<text x="{bar_x + bar_w + 8}" y="{y + 16}" fill="#5d6075">{value:.0f}{escape(unit)}</text>'
        )
    desc = "; ".join(f"{label}: {value:.0f}{unit}" for label, value in rows) or "no data"
    return _svg(width, height, title, desc, body)


def columns(
    rows: Sequence[tuple[str, Sequence[float]]], *, title: str, series: Sequence[str] = ("",), unit: str = ""
) -> Markup:
    """Vertical columns, one group per row (label, values per series), with a legend if several series."""
    width, height, left, bottom, top = 640, 240, 40, 40, 24
    if not rows or not any(v for _label, values in rows for v in values):
        return _empty(width, title)
    plot_w, plot_h = width - left - 10, height - bottom - top
    ticks = axis_ticks(max(v for _label, values in rows for v in values), percent=unit == "%")
    peak = ticks[-1]
    group_w = plot_w / max(len(rows), 1)
    bar_w = min(28.0, (group_w - 6) / max(len(series), 1))
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#e4e4ee"/>']
    for tick in ticks[1:]:
        y = top + plot_h - tick / peak * plot_h
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#f0f0f6"/>'
            f'<text class="chart-tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#5d6075">{tick}</text>'
        )
    for n, (label, values) in enumerate(rows):
        x0 = left + n * group_w + (group_w - bar_w * len(values)) / 2
        for s, value in enumerate(values):
            if not value:
                continue
            h = value / peak * plot_h
            body.append(
                f'<rect class="chart-bar" x="{x0 + s * bar_w:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 2:.1f}" '
                f'height="{h:.1f}" rx="3" fill="{PALETTE[s % len(PALETTE)]}"/>'
            )
        body.append(
            f'<text x="{left + n * group_w + group_w / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
            f'fill="#5d6075" font-size="11">{escape(_short(label, 12))}</text>'
        )
    if len(series) > 1:
        for s, name in enumerate(series):
            x = left + s * 150
            body.append(
                f'<rect x="{x}" y="4" width="12" height="12" rx="2" fill="{PALETTE[s % len(PALETTE)]}"/>'
                f'<text x="{x + 18}" y="14" fill="#1c1d29">{escape(name)}</text>'
            )
    desc = "; ".join(f"{label}: " + ", ".join(f"{v:g}{unit}" for v in values) for label, values in rows)
    return _svg(width, height, title, desc or "no data", body)


def stacked(parts: Sequence[tuple[str, float]], *, title: str) -> Markup:
    """One 100% stacked bar (e.g. NPS detractors / passives / promoters), with a legend."""
    width, height, bar_w = 640, 70, 620
    if not any(v for _label, v in parts):
        return _empty(width, title)
    total = sum(v for _label, v in parts)
    body, x = [], 10.0
    colors = ("#c2410c", "#9ca3af", "#0f8a5f", *PALETTE)
    for n, (label, value) in enumerate(parts):
        w = value / total * bar_w
        body.append(f'<rect x="{x:.1f}" y="8" width="{w:.1f}" height="24" fill="{colors[n % len(colors)]}"/>')
        body.append(
            f'<rect x="{10 + n * 200}" y="46" width="12" height="12" rx="2" fill="{colors[n % len(colors)]}"/>'
            f'<text x="{28 + n * 200}" y="56" fill="#1c1d29">{escape(label)} {value:g}</text>'
        )
        x += w
    desc = "; ".join(f"{label}: {value:g}" for label, value in parts)
    return _svg(width, height, title, desc or "no data", body)
