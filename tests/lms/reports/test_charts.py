"""Chart axes: counts get whole, round ticks (1, 2 or 5 x 10^n) and percentages run 0-100."""

from __future__ import annotations

import re

import pytest

from lms.reports import charts


@pytest.mark.parametrize(
    ("peak", "ticks"),
    [
        (1, [0, 1]),
        (3, [0, 1, 2, 3]),
        (5, [0, 1, 2, 3, 4, 5]),
        (7, [0, 2, 4, 6, 8]),
        (2.5, [0, 1, 2, 3]),
        (23, [0, 5, 10, 15, 20, 25]),
        (100, [0, 20, 40, 60, 80, 100]),
        (101, [0, 50, 100, 150]),
        (4321, [0, 1000, 2000, 3000, 4000, 5000]),
        (0, [0, 1]),
    ],
)
def test_count_ticks_are_whole_round_steps_up_to_the_peak(peak, ticks):
    assert charts.axis_ticks(peak) == ticks


def test_every_count_tick_is_an_integer_on_a_1_2_5_step():
    for peak in range(1, 2000, 7):
        ticks = charts.axis_ticks(peak)
        step = ticks[1] - ticks[0]
        assert all(isinstance(t, int) for t in ticks)
        assert re.fullmatch(r"[125]0*", str(step)), (peak, step)
        assert ticks[-1] >= peak > ticks[-2] and len(ticks) <= 6


def test_percentages_run_from_0_to_100():
    assert charts.axis_ticks(37.5, percent=True) == [0, 25, 50, 75, 100]


def _tick_labels(svg: str) -> list[str]:
    return re.findall(r'class="chart-tick"[^>]*>([^<]*)<', str(svg))


def test_a_count_chart_of_small_numbers_shows_no_fractional_tick():
    svg = charts.columns([("Mon", (3,)), ("Tue", (1,))], title="Active learners per week")
    assert _tick_labels(svg) == ["1", "2", "3"]


def test_a_percentage_chart_is_drawn_on_0_to_100():
    svg = charts.columns([("A", (40.0,)), ("B", (62.5,))], title="Rates", unit="%")
    assert _tick_labels(svg) == ["25", "50", "75", "100"]
    assert f'height="{62.5 / 100 * 176:.1f}"' in str(svg)  # the bar is scaled against 100, not 62.5
