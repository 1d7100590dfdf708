"""Charts drawn on the server as SVG: horizontal bars (the funnel, breakdowns), monthly columns and
a monthly line. Pure: labels and numbers in, escaped markup out (no script, no inline style, so
the pages keep a strict Content-Security-Policy). Every chart is shown beside a table of its numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from itertools import count

from markupsafe import Markup

_ids = count(1)
Number = int | float | Decimal


def _fmt(value: Number) -> str:
    if isinstance(value, (Decimal, float)):
        return f"{value:,.0f}".replace(",", ".")
    return f"{value:,}".replace(",", ".")


def _truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _svg_open(uid: str, width: float, height: float, title: str) -> Markup:
    return Markup(
        '<svg class="outcomes-chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{uid}-t" '
        'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{uid}-t">{title}</title>'
    ).format(w=width, h=height, uid=uid, title=title)


def _text(cls: str, x: float, y: float, text: str, anchor: str = "start") -> Markup:
    return Markup('<text class="{cls}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{text}</text>').format(
        cls=cls, x=x, y=y, anchor=anchor, text=text
    )


def _rect(cls: str, x: float, y: float, w: float, h: float) -> Markup:
    return Markup(
        '<rect class="{cls}" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="2"></rect>'
    ).format(cls=cls, x=x, y=y, w=w, h=h)


def hbar_chart(
    items: Sequence[tuple[str, Number]],
    *,
    title: str,
    fmt: Callable[[Number], str] = _fmt,
    highlight_from: int | None = None,
) -> Markup:
    """Horizontal bars, one per item, the value written at the end of each bar.

    :param highlight_from: items from this index on are drawn in the outcome colour (the funnel's
        outcome steps after its output steps).
    """
    uid = f"chart-{next(_ids)}"
    row, label_w, bar_w, pad = 30, 215, 205, 6
    height = max(1, len(items)) * row + pad * 2
    width = label_w + bar_w + 60
    top = max((float(v) for _, v in items), default=0.0) or 1.0
    parts = [_svg_open(uid, width, height, title)]
    for i, (label, value) in enumerate(items):
        y = pad + i * row
        w = max(0.0, float(value)) / top * bar_w
        cls = "bar-outcome" if highlight_from is not None and i >= highlight_from else "bar-output"
        parts.append(_text("chart-label", label_w - 8, y + row / 2 + 4, _truncate(str(label), 28), "end"))
        parts.append(_rect(cls, label_w, y + 4, w, row - 8))
        parts.append(_text("chart-value", label_w + w + 6, y + row / 2 + 4, fmt(value)))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def column_chart(
    items: Sequence[tuple[str, Number]],
    *,
    title: str,
    fmt: Callable[[Number], str] = _fmt,
    line: bool = False,
) -> Markup:
    """Monthly columns (or, with ``line``, a line with points) on a zero baseline; negative values
    go below it."""
    uid = f"chart-{next(_ids)}"
    n = max(1, len(items))
    left, right, top_pad, bottom, col, plot_h = 10, 10, 22, 34, 46, 160
    width = left + right + n * col
    height = top_pad + plot_h + bottom
    values = [float(v) for _, v in items] or [0.0]
    hi, lo = max(0.0, *values), min(0.0, *values)
    span = (hi - lo) or 1.0

    def y_of(v: float) -> float:
        return top_pad + (hi - v) / span * plot_h

    zero = y_of(0.0)
    parts = [
        _svg_open(uid, width, height, title),
        Markup('<line class="chart-axis" x1="{x1}" x2="{x2}" y1="{y:.1f}" y2="{y:.1f}"></line>').format(
            x1=left, x2=width - right, y=zero
        ),
    ]
    points = []
    for i, (label, value) in enumerate(items):
        v = float(value)
        cx = left + i * col + col / 2
        if line:
            points.append(f"{cx:.1f},{y_of(v):.1f}")
            parts.append(
                Markup('<circle class="chart-point" cx="{x:.1f}" cy="{y:.1f}" r="3"></circle>').format(
                    x=cx, y=y_of(v)
                )
            )
        else:
            y = min(y_of(v), zero)
            parts.append(
                _rect(
                    "bar-negative" if v < 0 else "bar-outcome",
                    cx - col / 2 + 8,
                    y,
                    col - 16,
                    abs(y_of(v) - zero),
                )
            )
        parts.append(_text("chart-value", cx, y_of(v) - 6 if v >= 0 else y_of(v) + 14, fmt(value), "middle"))
        parts.append(_text("chart-label", cx, height - 12, label, "middle"))
    if line and points:
        parts.insert(
            2, Markup('<polyline class="chart-line" points="{p}"></polyline>').format(p=" ".join(points))
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
