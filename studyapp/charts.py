"""Server-rendered SVG charts: no JavaScript, no CDN, no inline styles.

Each function returns one complete `<svg>` string for a template to mark safe. Every piece of caller text
goes through `html.escape`, so a label can never inject markup. Colours come from CSS classes (`chart`,
`chart-bar`, `chart-bar-ok`, `chart-bar-bad`, `chart-axis`, `chart-label`, `chart-grid`, `chart-line`,
`chart-dot`, `chart-target`, `heat-0`..`heat-4`) so the site stylesheet can theme light and dark mode; the
site's Content-Security-Policy forbids `style=` attributes. Charts use a `viewBox` and `width="100%"` so they
scale down on phones; the root sets `font-size="11"` (a presentation attribute, which CSS may override) because
the label spacing below assumes text about that size. Every bar, cell and dot has a `<title>` with its exact
value, which browsers show on hover.
"""

from __future__ import annotations

import bisect
import html
import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta

WIDTH = 600
CHAR_WIDTH = 7  # rough width of a label character at font-size 11, to keep x labels from overlapping
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
NO_DATA = "No data yet"


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _fmt(value: float) -> str:
    """A value for people to read: whole numbers without decimals, others with at most two."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _xy(value: float) -> str:
    # One decimal is plenty in a 600-unit viewBox and keeps the markup short.
    return f"{value:.1f}".removesuffix(".0")


def _svg(height: float, title: str, summary: str, body: list[str], width: float = WIDTH) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {_xy(width)} {_xy(height)}" width="100%" '
        f'font-size="11" role="img" aria-label="{_esc(summary)}"><title>{_esc(title)}</title>{"".join(body)}</svg>'
    )


def _no_data(title: str) -> str:
    """A valid, accessible chart that says there is nothing to show yet."""
    text = f'<text class="chart-label" x="{WIDTH // 2}" y="44" text-anchor="middle">{NO_DATA}</text>'
    return _svg(80, title, f"{title}: {NO_DATA.lower()}", [text])


def _nice_ticks(top: float, *, whole: bool = False, count: int = 4) -> list[float]:
    """About `count` round tick values 0, step, 2*step, ... up to at least `top`, with step 1, 2 or 5 x 10^k.

    `whole` keeps the step at 1 or more, for counts (no "0.5 cards").
    """
    top = top if top > 0 else 1
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if whole:
        step = max(step, 1)
    # Round each tick so 3 * 0.1 reads as 0.3, and the small epsilon stops float noise adding a tick.
    return [round(i * step, 10) for i in range(math.ceil(top / step - 1e-9) + 1)]


def _x_labels(labels: Sequence[str], centres: Sequence[float], slot: float, y: float) -> list[str]:
    """Every Nth label under the x axis, N chosen so the longest label fits in the space it gets."""
    longest = max(len(label) for label in labels) * CHAR_WIDTH + 6
    every = max(1, math.ceil(longest / slot)) if slot > 0 else 1
    return [
        f'<text class="chart-label" x="{_xy(x)}" y="{_xy(y)}" text-anchor="middle">{_esc(label)}</text>'
        for i, (label, x) in enumerate(zip(labels, centres, strict=True))
        if i % every == 0
    ]


def _y_grid(ticks: Sequence[float], y_of: Callable[[float], float], left: float, right: float) -> list[str]:
    parts = []
    for tick in ticks:
        y = y_of(tick)
        parts.append(f'<line class="chart-grid" x1="{_xy(left)}" x2="{_xy(right)}" y1="{_xy(y)}" y2="{_xy(y)}"/>')
        parts.append(
            f'<text class="chart-label" x="{_xy(left - 4)}" y="{_xy(y + 4)}" text-anchor="end">{_fmt(tick)}</text>'
        )
    return parts


def bar_chart(
    values: Sequence[int | float], labels: Sequence[str], *, title: str, height: int = 160, unit: str = ""
) -> str:
    """Vertical bars, one per value (e.g. the 30-day due forecast), with round-numbered y gridlines.

    Values must be >= 0. `unit` follows the value in the hover text and the summary ("12 cards").
    """
    if len(values) != len(labels):
        raise ValueError(f"{len(values)} values but {len(labels)} labels")
    if not values:
        return _no_data(title)
    if any(value < 0 for value in values):
        raise ValueError("bar_chart values must be >= 0")

    left, right, top, bottom = 36, WIDTH - 8, 10, height - 22
    ticks = _nice_ticks(max(values), whole=all(float(v).is_integer() for v in values))
    scale_top = ticks[-1]

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * value / scale_top

    def amount(value: float) -> str:
        return f"{_fmt(value)} {unit}" if unit else _fmt(value)

    slot = (right - left) / len(values)
    parts = _y_grid(ticks, y_of, left, right)
    for i, (value, label) in enumerate(zip(values, labels, strict=True)):
        y = y_of(value)
        parts.append(
            f'<rect class="chart-bar" x="{_xy(left + i * slot + slot * 0.1)}" y="{_xy(y)}" '
            f'width="{_xy(slot * 0.8)}" height="{_xy(bottom - y)}"><title>{_esc(label)}: {_esc(amount(value))}</title></rect>'
        )
    parts.append(f'<line class="chart-axis" x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}"/>')
    parts += _x_labels(labels, [left + (i + 0.5) * slot for i in range(len(values))], slot, height - 6)

    peak = max(range(len(values)), key=lambda i: values[i])
    summary = (
        f"{title}: {len(values)} bars from {labels[0]} to {labels[-1]}, total {amount(sum(values))}, "
        f"highest {amount(values[peak])} at {labels[peak]}"
    )
    return _svg(height, title, summary, parts)


def topic_bars(rows: Sequence[tuple[str, float, str]], *, title: str, target: float | None = None) -> str:
    """Horizontal percent bars, one row per topic: (label, percent 0..100, detail such as "7/10").

    With a `target` (a percent, e.g. 72 for the pass line or 90 for a 0.9 desired retention) each bar is also
    classed `chart-bar-ok` (at or above it) or `chart-bar-bad`, and a vertical `chart-target` line marks it.
    Long labels are shortened on screen; the hover text has them in full.
    """
    if not rows:
        return _no_data(title)

    row_height, top, label_width, detail_width = 24, 8, 170, 96
    left, right = label_width + 6, WIDTH - detail_width
    bottom = top + row_height * len(rows)
    height = bottom + 20

    def x_of(percent: float) -> float:
        return left + (right - left) * min(max(percent, 0), 100) / 100

    parts = []
    for tick in (0, 25, 50, 75, 100):
        x = _xy(x_of(tick))
        parts.append(f'<line class="chart-grid" x1="{x}" x2="{x}" y1="{top}" y2="{bottom}"/>')
        parts.append(f'<text class="chart-label" x="{x}" y="{bottom + 14}" text-anchor="middle">{tick}%</text>')
    for i, (label, percent, detail) in enumerate(rows):
        y = top + i * row_height
        shown = label if len(label) <= 24 else label[:23] + "…"
        css = "chart-bar"
        if target is not None:
            css += " chart-bar-ok" if percent >= target else " chart-bar-bad"
        text_y = _xy(y + row_height / 2 + 4)
        parts.append(
            f'<text class="chart-label" x="{label_width}" y="{text_y}" text-anchor="end">{_esc(shown)}</text>'
            f'<rect class="{css}" x="{left}" y="{_xy(y + row_height * 0.2)}" width="{_xy(x_of(percent) - left)}" '
            f'height="{_xy(row_height * 0.6)}"><title>{_esc(label)}: {percent:.0f}% ({_esc(detail)})</title></rect>'
            f'<text class="chart-label" x="{right + 6}" y="{text_y}">{percent:.0f}% {_esc(detail)}</text>'
        )
    parts.append(f'<line class="chart-axis" x1="{left}" x2="{left}" y1="{top}" y2="{bottom}"/>')

    weakest = min(rows, key=lambda row: row[1])
    strongest = max(rows, key=lambda row: row[1])
    summary = (
        f"{title}: {len(rows)} topics, weakest {weakest[0]} at {weakest[1]:.0f}%, "
        f"strongest {strongest[0]} at {strongest[1]:.0f}%"
    )
    if target is not None:
        x = _xy(x_of(target))
        parts.append(
            f'<line class="chart-target" x1="{x}" x2="{x}" y1="{top - 4}" y2="{bottom + 2}">'
            f"<title>Target: {_fmt(target)}%</title></line>"
        )
        reached = sum(1 for row in rows if row[1] >= target)
        summary += f", {reached} of {len(rows)} at or above the {_fmt(target)}% target"
    return _svg(height, title, summary, parts)


def _heat_level(count: int, cuts: Sequence[float]) -> int:
    """0 for no reviews, else 1 + the number of quartile cut points strictly below `count` (1..4)."""
    return 0 if count <= 0 else 1 + bisect.bisect_left(cuts, count)


def calendar_heatmap(counts: Mapping[date, int], *, end: date, weeks: int = 26, title: str) -> str:
    """GitHub-style review calendar: one column per week (oldest left, Monday on top), ending with `end`'s week.

    Cells are classed `heat-0` (no reviews) to `heat-4` by the quartiles of the active days in the window, so the
    shading adapts to the learner's own volume. Days after `end` are not drawn.
    """
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    if not any(counts.values()):
        return _no_data(title)

    start = end - timedelta(days=end.weekday(), weeks=weeks - 1)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    active = [counts.get(day, 0) for day in days if counts.get(day, 0) > 0]
    # quantiles() needs two data points; with fewer, every active day sits on the single cut.
    cuts = statistics.quantiles(active, n=4, method="inclusive") if len(active) >= 2 else active * 3

    cell, pitch, left, top = 12, 14, 30, 18
    parts = []
    for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri")):
        parts.append(
            f'<text class="chart-label" x="{left - 4}" y="{top + row * pitch + 10}" text-anchor="end">{name}</text>'
        )
    # A month's name goes over the first column whose Monday falls in it.
    month_columns = [
        col
        for col in range(weeks)
        if col == 0 or (start + timedelta(weeks=col)).month != (start + timedelta(weeks=col - 1)).month
    ]
    if len(month_columns) > 1 and month_columns[1] < 3:
        month_columns.pop(0)  # the partial first month would overlap the next month's name
    for col in month_columns:
        name = MONTHS[(start + timedelta(weeks=col)).month - 1]
        parts.append(f'<text class="chart-label" x="{left + col * pitch}" y="{top - 6}">{name}</text>')
    for i, day in enumerate(days):
        count = counts.get(day, 0)
        col, row = divmod(i, 7)
        noun = "review" if count == 1 else "reviews"
        parts.append(
            f'<rect class="heat-{_heat_level(count, cuts)}" x="{left + col * pitch}" y="{top + row * pitch}" '
            f'width="{cell}" height="{cell}" rx="2"><title>{day.isoformat()}: {count} {noun}</title></rect>'
        )

    summary = (
        f"{title}: {sum(active)} reviews on {len(active)} of {len(days)} days "
        f"from {start.isoformat()} to {end.isoformat()}"
    )
    # The extra width on the right leaves room for a month name over the last column.
    return _svg(top + 7 * pitch + 4, title, summary, parts, width=left + weeks * pitch + 16)


def line_chart(
    points: Sequence[tuple[str, float]], *, title: str, y_max: float | None = None, target: float | None = None
) -> str:
    """A line with a dot per point (e.g. true retention per week), y from 0 to `y_max` (default: a round number
    above the data and target). An optional horizontal `chart-target` line marks e.g. the desired retention.
    Values outside 0..y_max are drawn at the edge; the hover text keeps the exact value.
    """
    if not points:
        return _no_data(title)

    height, left, right, top = 180, 36, WIDTH - 12, 10
    bottom = height - 22
    values = [value for _, value in points]
    if y_max is None:
        ticks = _nice_ticks(max([*values, target or 0]))
        scale_top = ticks[-1]
    else:
        scale_top = y_max if y_max > 0 else 1
        ticks = [tick for tick in _nice_ticks(scale_top) if tick <= scale_top]

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * min(max(value, 0), scale_top) / scale_top

    # Each point sits in the middle of an equal slot, as bars do, so edge labels stay inside the chart.
    slot = (right - left) / len(points)
    xs = [left + (i + 0.5) * slot for i in range(len(points))]

    parts = _y_grid(ticks, y_of, left, right)
    parts.append(f'<line class="chart-axis" x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}"/>')
    if target is not None:
        y = _xy(y_of(target))
        parts.append(
            f'<line class="chart-target" x1="{left}" x2="{right}" y1="{y}" y2="{y}"><title>Target: {_fmt(target)}</title></line>'
        )
    coordinates = " ".join(f"{_xy(x)},{_xy(y_of(value))}" for x, value in zip(xs, values, strict=True))
    # fill="none" is not a colour: it stops an unstyled polyline from rendering as a black filled shape.
    parts.append(f'<polyline class="chart-line" fill="none" points="{coordinates}"/>')
    for x, (label, value) in zip(xs, points, strict=True):
        parts.append(
            f'<circle class="chart-line chart-dot" cx="{_xy(x)}" cy="{_xy(y_of(value))}" r="3">'
            f"<title>{_esc(label)}: {_fmt(value)}</title></circle>"
        )
    parts += _x_labels([label for label, _ in points], xs, slot, height - 6)

    summary = (
        f"{title}: {len(points)} points from {points[0][0]} to {points[-1][0]}, latest {_fmt(values[-1])}, "
        f"lowest {_fmt(min(values))}, highest {_fmt(max(values))}"
    )
    if target is not None:
        summary += f", target {_fmt(target)}"
    return _svg(height, title, summary, parts)
