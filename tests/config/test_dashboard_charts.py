"""The dashboard's chart geometry: bars as tall as their values on a shared scale."""

from datetime import date, timedelta

import pytest

from config.dashboard.charts import Row, Series, daily_chart, nice_ceiling, rows_chart

DAYS = [date(2026, 11, 1) + timedelta(days=n) for n in range(3)]


@pytest.mark.parametrize(("peak", "ceiling"), [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20), (0.03, 0.05)])
def test_the_value_axis_ends_at_a_round_number_at_or_above_the_peak(peak, ceiling):
    assert nice_ceiling(peak) == pytest.approx(ceiling)


def test_stacked_bars_of_a_day_are_as_tall_as_its_total_and_touch():
    chart = daily_chart(
        title="t", days=DAYS, series=[Series("a", "A", [0, 2, 4]), Series("b", "B", [0, 3, 6])], kind="stacked"
    )

    bottom, top = (mark for mark in chart.marks if mark.value in (4, 6))
    assert bottom.y == pytest.approx(top.y + top.height)
    assert bottom.height + top.height == pytest.approx(2 * sum(m.height for m in chart.marks if m.value in (2, 3)))


def test_a_day_with_nothing_draws_no_bar_but_keeps_its_row_in_the_table():
    chart = daily_chart(title="t", days=DAYS, series=[Series("a", "A", [0, 2, 0])])

    assert ([mark.value for mark in chart.marks], len(chart.table_rows)) == ([2], 3)


def test_share_rows_fill_the_same_width_whatever_their_totals():
    chart = rows_chart(
        title="t",
        series=[Series("yes", "Yes", []), Series("no", "No", [])],
        rows=[Row("small", {"yes": 1, "no": 1}), Row("big", {"yes": 30, "no": 10})],
        shares=True,
    )

    small = sum(mark.width for mark in chart.marks if mark.title.startswith("small"))
    big = sum(mark.width for mark in chart.marks if mark.title.startswith("big"))
    assert small == pytest.approx(big)
