"""The geometry of the dashboard's SVG charts, computed here so the templates only draw it.

Two shapes: a daily chart (one slot per day; grouped bars, stacked bars or a line with points)
and a rows chart (one horizontal stacked bar per row: a field, a job kind). Every mark keeps its
exact value (`data-value`) and a sentence for its `<title>`; every chart carries its figures as
a table too, for screen readers and for reading exact numbers.
"""

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.text import slugify

WIDTH, HEIGHT = 640, 180
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 22  # room for the value axis and the day labels
ROW_HEIGHT, ROW_GAP, ROW_LABEL = 18, 8, 150

Number = int | float | Decimal


@dataclass(frozen=True)
class Series:
    key: str  # a CSS class: series-<key>
    label: str
    values: list[Number]
    money: bool = False

    def format(self, value: Number) -> str:
        return f"${value:,.2f}" if self.money else f"{value:,}"

    @property
    def total(self) -> str:
        return self.format(sum(self.values, Decimal(0) if self.money else 0))


@dataclass(frozen=True)
class Cell:
    text: str
    href: str = ""


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    width: float
    height: float
    value: Number
    title: str
    series: str
    href: str = ""


@dataclass
class Chart:
    title: str
    kind: str  # "grouped", "stacked", "line" or "rows"
    series: list[Series]
    marks: list[Mark] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    grid: list[tuple[float, str]] = field(default_factory=list)  # value axis: (y, label)
    row_labels: list[tuple[float, str]] = field(default_factory=list)
    line: str = ""  # polyline points of a line chart
    table_head: list[str] = field(default_factory=list)
    table_rows: list[list[Cell]] = field(default_factory=list)

    @property
    def plot_left(self) -> int:
        return LEFT

    @property
    def plot_right(self) -> int:
        return self.width - RIGHT

    @property
    def empty(self) -> bool:
        return not any(mark.value for mark in self.marks)

    @property
    def slug(self) -> str:
        return slugify(self.title)


def nice_ceiling(value: Number) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above `value` (1 for nothing)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _axis_label(value: float, money: bool) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    return f"${text}" if money else text


def daily_chart(*, title: str, days: list[date], series: list[Series], kind: str = "grouped") -> Chart:
    """Grouped bars (series side by side), stacked bars (series on top of each other) or, for
    one series, a line with a point per day."""
    chart = Chart(title=title, kind=kind, series=series)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(days), 1)
    if kind == "stacked":
        peak = max((sum(values) for values in zip(*(s.values for s in series), strict=True)), default=0)
    else:
        peak = max((value for s in series for value in s.values), default=0)
    top = nice_ceiling(peak)
    money = any(s.money for s in series)

    def y_of(value: Number) -> float:
        return TOP + plot_height * (1 - float(value) / top)

    # Counts have no halves: the middle line only where it falls on a whole number.
    shares = (0, 0.5, 1) if money or top % 2 == 0 else (0, 1)
    chart.grid = [(y_of(top * share), _axis_label(top * share, money)) for share in shares]
    step = max(len(days) // 6, 1)
    chart.x_labels = [(LEFT + slot * (i + 0.5), day.strftime("%b %-d")) for i, day in enumerate(days) if i % step == 0]

    points = []
    for i, day in enumerate(days):
        base = 0.0
        day_total = sum(s.values[i] for s in series)
        for j, s in enumerate(series):
            value = s.values[i]
            sentence = f"{day:%a %b %-d}: {s.format(value)} {s.label.lower()}"
            if kind == "stacked" and value:  # a part of the day's whole: say which share
                sentence += f" ({value / day_total:.0%} of {s.format(day_total)})"
            if kind == "line":
                x, y = LEFT + slot * (i + 0.5), y_of(value)
                points.append(f"{x:.1f},{y:.1f}")
                chart.marks.append(Mark(x, y, 0, 0, value, sentence, s.key))
                continue
            if not value:
                continue
            if kind == "stacked":
                x, width = LEFT + slot * (i + 0.1), slot * 0.8
                y = y_of(base + float(value))
                height = y_of(base) - y
                base += float(value)
            else:
                width = slot * 0.8 / len(series)
                x = LEFT + slot * (i + 0.1) + width * j
                y = y_of(value)
                height = TOP + plot_height - y
            chart.marks.append(Mark(x, y, width, height, value, sentence, s.key))
    chart.line = " ".join(points)
    chart.table_head = ["Day", *(s.label for s in series)]
    chart.table_rows = [
        [Cell(f"{day:%Y-%m-%d}"), *(Cell(s.format(s.values[i])) for s in series)] for i, day in enumerate(days)
    ]
    return chart


@dataclass(frozen=True)
class Row:
    label: str
    values: dict[str, int]  # series key -> count
    links: dict[str, str] = field(default_factory=dict)  # series key -> URL of those rows


def rows_chart(*, title: str, series: list[Series], rows: list[Row], shares: bool) -> Chart:
    """One horizontal bar per row, its segments stacked. `shares`: every bar is the row's whole
    (100 %), segments are shares of it; otherwise bar lengths compare counts across rows."""
    height = TOP + len(rows) * (ROW_HEIGHT + ROW_GAP) + BOTTOM
    chart = Chart(title=title, kind="rows", series=series, height=height)
    plot_width = WIDTH - ROW_LABEL - RIGHT
    peak = max((sum(row.values.values()) for row in rows), default=0) or 1
    for i, row in enumerate(rows):
        y = TOP + i * (ROW_HEIGHT + ROW_GAP)
        chart.row_labels.append((y + ROW_HEIGHT / 2, row.label))
        whole = sum(row.values.values()) if shares else peak
        x = float(ROW_LABEL)
        for s in series:
            value = row.values.get(s.key, 0)
            if not value:
                continue
            width = plot_width * value / whole
            share = f" ({value / sum(row.values.values()):.0%})" if shares else ""
            title_text = f"{row.label}: {value:,} {s.label.lower()}{share}"
            chart.marks.append(Mark(x, y, width, ROW_HEIGHT, value, title_text, s.key, row.links.get(s.key, "")))
            x += width
    chart.table_head = ["", *(s.label for s in series)]
    chart.table_rows = [[Cell(row.label), *(_row_cell(row, s.key, shares) for s in series)] for row in rows]
    return chart


def _row_cell(row: Row, key: str, shares: bool) -> Cell:
    value, whole = row.values.get(key, 0), sum(row.values.values())
    text = f"{value:,} ({value / whole:.0%})" if shares and whole else f"{value:,}"
    return Cell(text, row.links.get(key, "") if value else "")
