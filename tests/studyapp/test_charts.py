from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from studyapp.charts import bar_chart, calendar_heatmap, line_chart, topic_bars

SVG = "{http://www.w3.org/2000/svg}"
EVIL = "<script>alert(1)</script> & co"
END = date(2026, 11, 18)  # a Wednesday


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 -- parsing our own output in a test, not untrusted input


def classed(root: ET.Element, css: str) -> list[ET.Element]:
    return [el for el in root.iter() if css in el.get("class", "").split()]


def titles(elements: list[ET.Element]) -> list[str]:
    return [el.find(f"{SVG}title").text for el in elements]  # type: ignore[union-attr]


def texts(root: ET.Element) -> list[str]:
    return [el.text or "" for el in root.iter(f"{SVG}text")]


def forecast() -> str:
    values = [3, 0, 12, 7] + [1] * 26
    labels = [(END + timedelta(days=i)).isoformat() for i in range(30)]
    return bar_chart(values, labels, title="Due in the next 30 days", unit="cards")


def topics(target: float | None = 72) -> str:
    rows = [("Caching", 90.0, "9/10"), ("CORS", 50.0, "5/10"), ("Stages", 72.0, "18/25")]
    return topic_bars(rows, title="Score by topic", target=target)


def heatmap(counts: dict[date, int] | None = None, weeks: int = 4) -> str:
    counts = {END: 12, END - timedelta(days=1): 1} if counts is None else counts
    return calendar_heatmap(counts, end=END, weeks=weeks, title="Reviews")


def retention() -> str:
    points = [("W44", 0.82), ("W45", 0.88), ("W46", 0.93)]
    return line_chart(points, title="True retention", y_max=1, target=0.9)


ALL_CHARTS = [forecast, topics, heatmap, retention]


# every chart


@pytest.mark.parametrize("make", ALL_CHARTS)
def test_every_chart_is_a_complete_accessible_svg(make):
    root = parse(make())
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label")
    assert root[0].tag == f"{SVG}title"
    assert "chart" in root.get("class", "").split()


@pytest.mark.parametrize("make", ALL_CHARTS)
def test_every_chart_scales_to_the_screen_width(make):
    root = parse(make())
    assert root.get("width") == "100%"
    assert len(root.get("viewBox", "").split()) == 4


@pytest.mark.parametrize("make", ALL_CHARTS)
def test_no_chart_uses_inline_styles_forbidden_by_the_csp(make):
    svg = make()
    assert "style=" not in svg
    assert not any("style" in el.attrib for el in parse(svg).iter())


@pytest.mark.parametrize("make", ALL_CHARTS)
def test_no_chart_hardcodes_a_colour(make):
    for el in parse(make()).iter():
        assert el.get("stroke") is None
        assert el.get("fill") in (None, "none")


EMPTY = [
    lambda: bar_chart([], [], title="Due"),
    lambda: topic_bars([], title="By topic", target=72),
    lambda: calendar_heatmap({}, end=END, title="Reviews"),
    lambda: line_chart([], title="Retention"),
]


@pytest.mark.parametrize("make", EMPTY)
def test_an_empty_chart_says_no_data_yet(make):
    root = parse(make())
    assert "No data yet" in texts(root)
    assert root.get("role") == "img"
    assert "no data yet" in root.get("aria-label", "")


LABELLED = [
    lambda: bar_chart([1, 2], [EVIL, "ok"], title=EVIL),
    lambda: topic_bars([(EVIL, 40.0, EVIL)], title=EVIL, target=50),
    lambda: calendar_heatmap({END: 1}, end=END, title=EVIL),
    lambda: line_chart([(EVIL, 1.0), ("ok", 2.0)], title=EVIL),
]


@pytest.mark.parametrize("make", LABELLED)
def test_a_label_with_markup_is_shown_as_text_never_run(make):
    svg = make()
    root = parse(svg)
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    assert "&lt;script&gt;" in svg
    assert root.find(f"{SVG}title").text == EVIL  # type: ignore[union-attr]
    assert EVIL in root.get("aria-label", "")


# bar chart


def test_bar_chart_draws_one_bar_per_day():
    assert len(classed(parse(forecast()), "chart-bar")) == 30


def test_hovering_a_bar_shows_its_day_and_exact_value():
    assert titles(classed(parse(forecast()), "chart-bar"))[2] == "2026-11-20: 12 cards"


def test_taller_bar_for_a_bigger_value():
    bars = classed(parse(forecast()), "chart-bar")
    assert float(bars[2].get("height")) > float(bars[0].get("height")) > float(bars[1].get("height")) == 0


def test_bar_chart_gridlines_sit_at_round_values():
    root = parse(bar_chart([37, 12], ["a", "b"], title="Due"))
    assert len(classed(root, "chart-grid")) == 5
    assert {"0", "10", "20", "30", "40"} <= set(texts(root))


def test_bar_chart_of_counts_never_shows_fractional_ticks():
    root = parse(bar_chart([1, 0], ["a", "b"], title="Due"))
    assert not any("." in text for text in texts(root))


def test_bar_chart_shows_only_every_few_dates_so_they_do_not_overlap():
    shown = [text for text in texts(parse(forecast())) if text.startswith("2026-")]
    assert 2 <= len(shown) < 30
    assert shown[0] == END.isoformat()


def test_bar_chart_summary_gives_the_total_and_the_busiest_day():
    label = parse(forecast()).get("aria-label", "")
    assert "total 48 cards" in label
    assert "highest 12 cards at 2026-11-20" in label


def test_bar_chart_rejects_mismatched_values_and_labels():
    with pytest.raises(ValueError):
        bar_chart([1, 2], ["only one"], title="Due")


# topic bars


def test_topic_bars_draw_one_bar_per_topic():
    assert len(classed(parse(topics()), "chart-bar")) == 3


def test_topics_at_or_above_the_target_are_ok_and_below_it_bad():
    root = parse(topics())
    assert titles(classed(root, "chart-bar-ok")) == ["Caching: 90% (9/10)", "Stages: 72% (18/25)"]
    assert titles(classed(root, "chart-bar-bad")) == ["CORS: 50% (5/10)"]


def test_topic_bars_mark_the_target_with_a_line():
    lines = classed(parse(topics()), "chart-target")
    assert len(lines) == 1
    assert lines[0].get("x1") == lines[0].get("x2")
    assert titles(lines) == ["Target: 72%"]


def test_topic_bars_without_a_target_have_no_target_line_and_no_verdict():
    root = parse(topics(target=None))
    assert not classed(root, "chart-target")
    assert not classed(root, "chart-bar-ok") and not classed(root, "chart-bar-bad")


def test_topic_bar_length_is_proportional_to_the_percent():
    widths = [float(bar.get("width")) for bar in classed(parse(topics()), "chart-bar")]
    assert widths[0] == pytest.approx(widths[1] * 90 / 50)


def test_topic_bars_show_the_detail_next_to_each_bar():
    assert "50% 5/10" in texts(parse(topics()))


def test_long_topic_label_is_shortened_on_screen_but_complete_on_hover():
    label = "Usage plans and API keys for throttling and quotas"
    root = parse(topic_bars([(label, 40.0, "2/5")], title="By topic"))
    assert label not in texts(root)
    assert titles(classed(root, "chart-bar")) == [f"{label}: 40% (2/5)"]


def test_topic_bars_summary_names_the_weakest_topic_and_the_target():
    label = parse(topics()).get("aria-label", "")
    assert "weakest CORS at 50%" in label
    assert "2 of 3 at or above the 72% target" in label


# calendar heatmap


def test_heatmap_has_a_cell_for_every_day_up_to_the_end_date():
    # Three full weeks plus Monday to Wednesday of the last one; Thursday onwards is still the future.
    cells = [el for el in parse(heatmap()).iter(f"{SVG}rect") if el.get("class", "").startswith("heat-")]
    assert len(cells) == 3 * 7 + 3


def test_heatmap_columns_are_weeks_starting_on_monday():
    root = parse(heatmap())
    cell_titles = titles(classed(root, "heat-0") + classed(root, "heat-4"))
    # The oldest cell is the Monday three weeks before the end date's week.
    assert min(cell_titles).startswith("2026-10-26")
    assert {"Mon", "Wed", "Fri"} <= set(texts(root))


def test_hovering_a_cell_shows_the_date_and_review_count():
    cell_titles = titles(list(parse(heatmap()).iter(f"{SVG}rect")))
    assert "2026-11-18: 12 reviews" in cell_titles
    assert "2026-11-17: 1 review" in cell_titles
    assert "2026-11-16: 0 reviews" in cell_titles


def test_days_without_reviews_are_heat_0():
    root = parse(heatmap())
    assert "2026-11-16: 0 reviews" in titles(classed(root, "heat-0"))


def test_heat_levels_follow_the_quartiles_of_active_days():
    counts = {END - timedelta(days=i): i + 1 for i in range(8)}  # 1..8 reviews
    root = parse(heatmap(counts))
    levels = {
        level: sorted(int(title.split(": ")[1].split()[0]) for title in titles(classed(root, f"heat-{level}")))
        for level in range(1, 5)
    }
    assert levels == {1: [1, 2], 2: [3, 4], 3: [5, 6], 4: [7, 8]}


def test_a_few_busy_days_do_not_wash_out_the_ordinary_ones():
    counts = {END - timedelta(days=i): 1 for i in range(6)} | {END - timedelta(days=6): 50}
    root = parse(heatmap(counts))
    assert len(classed(root, "heat-1")) == 6
    assert titles(classed(root, "heat-4")) == [f"{(END - timedelta(days=6)).isoformat()}: 50 reviews"]


def test_heatmap_names_the_months_on_top():
    assert {"Jun", "Jul", "Aug", "Sep", "Oct", "Nov"} <= set(texts(parse(heatmap(weeks=26))))


def test_heatmap_summary_gives_total_reviews_and_active_days():
    assert "13 reviews on 2 of 24 days" in parse(heatmap()).get("aria-label", "")


def test_heatmap_ignores_reviews_outside_the_window():
    root = parse(heatmap({END: 2, END - timedelta(days=400): 9}))
    assert "2 reviews on 1 of 24 days" in root.get("aria-label", "")


# line chart


def test_line_chart_joins_one_dot_per_week():
    root = parse(retention())
    lines = root.findall(f"{SVG}polyline")
    assert len(lines) == 1
    assert "chart-line" in lines[0].get("class", "")
    assert len(lines[0].get("points", "").split()) == 3
    assert len(classed(root, "chart-dot")) == 3


def test_hovering_a_dot_shows_the_week_and_value():
    assert titles(classed(parse(retention()), "chart-dot")) == ["W44: 0.82", "W45: 0.88", "W46: 0.93"]


def test_higher_value_is_drawn_higher():
    dots = classed(parse(retention()), "chart-dot")
    assert float(dots[2].get("cy")) < float(dots[0].get("cy"))


def test_line_chart_marks_the_target_with_a_horizontal_line():
    root = parse(retention())
    (target,) = classed(root, "chart-target")
    assert target.get("y1") == target.get("y2")
    dots = classed(root, "chart-dot")
    # 0.88 sits below the 0.9 line and 0.93 above it (SVG y grows downwards).
    assert float(dots[1].get("cy")) > float(target.get("y1")) > float(dots[2].get("cy"))


def test_line_chart_respects_y_max():
    root = parse(retention())
    assert "1" in texts(root)
    assert not any(float(text) > 1 for text in texts(root) if text.replace(".", "").isdigit())


def test_line_chart_with_a_single_point_draws_it():
    root = parse(line_chart([("W1", 5.0)], title="Reviews per week"))
    assert len(classed(root, "chart-dot")) == 1
