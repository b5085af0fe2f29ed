"""Chart builders on small frames: traces, axis titles, target lines, colours."""

from __future__ import annotations

import pandas as pd

from etl import charts
from etl.kpis import KPI_BY_NAME
from etl.settings import Target


def test_kpi_trend_chart_draws_percentages_and_the_target():
    frame = pd.DataFrame({"day": ["2026-01-05", "2026-01-06"], "service_level": [0.75, 0.9],
                          "service_level_num": [75, 90], "service_level_den": [100, 100]})
    fig = charts.kpi_trend_chart(frame, KPI_BY_NAME["service_level"], Target(value=0.8))
    trace, target = fig.data
    assert list(trace.y) == [75.0, 90.0]
    assert fig.layout.yaxis.title.text == "Service level (%)"
    assert fig.layout.xaxis.title.text == "day"
    assert (target.name, list(target.y), target.line.dash) == ("target", [80.0, 80.0], "dash")
    # the target spans both days whole: from noon before the first to noon after the last
    assert [str(t) for t in target.x] == ["2026-01-04 12:00:00", "2026-01-06 12:00:00"]
    assert fig.layout.xaxis.type == "date" and fig.layout.xaxis.dtick == 86_400_000


def test_a_lone_week_has_a_date_axis_a_week_wide_and_a_target_across_it():
    """One week (the default period) once drew millisecond ticks, a lone dot and a zero-length target line."""
    frame = pd.DataFrame({"week": ["2026-11-16"], "service_level": [0.75], "service_level_num": [75],
                          "service_level_den": [100]})
    fig = charts.kpi_trend_chart(frame, KPI_BY_NAME["service_level"], Target(value=0.8), x="week")
    axis = fig.layout.xaxis
    assert axis.type == "date" and axis.tickformat == "%d %b %Y" and axis.dtick == 7 * 86_400_000
    start, end = (pd.Timestamp(v) for v in axis.range)
    assert end - start == pd.Timedelta(days=7) and start < pd.Timestamp("2026-11-16") < end
    target = fig.data[1]
    assert pd.Timestamp(target.x[1]) - pd.Timestamp(target.x[0]) == pd.Timedelta(days=7)
    assert axis.title.text == "week starting Monday"
    qa = charts.qa_trend_chart(pd.DataFrame({"week": ["2026-11-16"], "item": ["Tone"], "rate": [0.5]}))
    assert qa.layout.xaxis.type == "date" and qa.layout.xaxis.dtick == 7 * 86_400_000


def test_seconds_are_not_scaled_and_no_target_means_no_line():
    frame = pd.DataFrame({"week": ["2026-01-05"], "aht_seconds": [354.0], "aht_seconds_num": [1770.0],
                          "aht_seconds_den": [5]})
    fig = charts.kpi_trend_chart(frame, KPI_BY_NAME["aht_seconds"], None, x="week")
    assert list(fig.data[0].y) == [354.0]
    assert fig.layout.yaxis.title.text == "Handle time (seconds)"
    assert [t.name for t in fig.data] == ["Handle time"]


def test_intraday_chart_has_all_24_hours_and_sl_on_the_right_axis():
    frame = pd.DataFrame({"hour": [9, 10], "contacts_offered": [10, 20], "contacts_handled": [9, 18],
                          "service_level": [0.5, 1.0]})
    fig = charts.intraday_chart(frame, Target(value=0.8))
    offered, handled, sl = fig.data[:3]
    assert list(offered.x) == list(range(24))
    assert offered.y[9] == 10 and pd.isna(offered.y[0])
    assert sl.yaxis == "y2" and sl.y[10] == 100.0
    assert fig.layout.yaxis2.title.text == "service level (%)"
    assert fig.layout.yaxis.title.text == "contacts"
    # the target is a legend entry on the right axis: no annotation stretching the contacts axis
    target = fig.data[3]
    assert (target.name, list(target.y), target.yaxis) == ("service-level target", [80.0, 80.0], "y2")
    assert not fig.layout.annotations and not fig.layout.shapes
    assert (fig.layout.yaxis2.dtick, list(fig.layout.yaxis2.range)) == (20, [0, 105])


def test_channel_mix_uses_one_colour_per_channel_and_stacks():
    frame = pd.DataFrame({"day": ["2026-01-05", "2026-01-05", "2026-01-06", "2026-01-06"], "channel": ["voice", "chat", "voice", "chat"],
                          "channel_share": [0.6, 0.4, 0.7, 0.3]})
    fig = charts.channel_mix_chart(frame)
    colours = {t.name: t.line.color for t in fig.data}
    assert colours == {"chat": charts.CHANNEL_COLORS["chat"], "voice": charts.CHANNEL_COLORS["voice"]}
    assert [list(t.y) for t in fig.data] == [[40.0, 30.0], [60.0, 70.0]]
    assert {t.stackgroup for t in fig.data} == {"mix"}
    assert fig.layout.yaxis.title.text == "share of offered (%)"


def test_queue_channel_heatmap_and_qa_items():
    frame = pd.DataFrame({"queue": ["q1", "q1", "q2"], "channel": ["voice", "chat", "voice"],
                          "abandon_rate": [0.1, 0.2, 0.05]})
    fig = charts.queue_channel_heatmap(frame, KPI_BY_NAME["abandon_rate"])
    assert list(fig.data[0].x) == ["chat", "voice"] and list(fig.data[0].y) == ["q1", "q2"]
    assert fig.data[0].z[0][0] == 20.0 and pd.isna(fig.data[0].z[1][0])
    assert (fig.data[0].zmin, fig.data[0].zmax) == (0, 100)  # a colour means the same rate in every view
    items = pd.DataFrame({"item": ["identity_verified", "tone"], "rate": [0.9, 0.5], "num": [9, 1],
                          "den": [10, 2]})
    qa = charts.qa_items_chart(items, ["identity_verified"])
    assert list(qa.data[0].y) == ["tone", "identity_verified (critical)"]
    assert list(qa.data[0].x) == [50.0, 90.0]
    # a critical item passing 90 % is not drawn red (red is "off target" on every other chart)
    assert list(qa.data[0].marker.color) == ["#64b5f6", charts.CRITICAL_COLOR]
    assert charts.CRITICAL_COLOR not in charts.STATUS_COLORS.values()
    assert qa.layout.xaxis.title.text == "pass rate (%)"


def test_agent_vs_team_chart_marks_flagged_agents_red():
    frame = pd.DataFrame({"agent": ["a", "b"], "value": [0.5, 0.8], "low": [0.4, 0.7], "high": [0.6, 0.9],
                          "team_value": [0.8, 0.75], "flagged": [True, False]})
    fig = charts.agent_vs_team_chart(frame, "FCR", "rate")
    assert list(fig.data[0].marker.color) == [charts.STATUS_COLORS["red"], "#1565c0"]
    assert [round(v, 6) for v in fig.data[0].error_x.array] == [10.0, 10.0]
    assert fig.layout.xaxis.title.text == "%"


def test_etl_never_imports_the_dashboard():
    """Reports and the app share etl.charts; nothing under etl/ may depend on the Streamlit app."""
    import ast
    from pathlib import Path

    offenders = []
    for path in Path(charts.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "dashboard"]
    assert offenders == []


def test_the_channel_bars_target_spans_the_whole_plot():
    """A target trace between the first and last categories stopped at those bars' centres."""
    frame = pd.DataFrame({"channel": ["Voice", "Chat", "SMS"], "service_level": [0.7, 0.85, 0.9]})
    fig = charts.kpi_by_channel_chart(frame, KPI_BY_NAME["service_level"], Target(value=0.8))
    (line,) = fig.layout.shapes
    assert (line.xref, line.x0, line.x1, line.y0, line.y1) == ("x domain", 0, 1, 80.0, 80.0)
    assert line.line.dash == "dash" and line.line.color == charts.TARGET_COLOR
    bars, legend = fig.data
    assert list(bars.y) == [70.0, 85.0, 90.0]
    assert (legend.name, list(legend.y), legend.hoverinfo) == ("target", [80.0], "skip")  # in the legend only
    assert charts.kpi_by_channel_chart(frame, KPI_BY_NAME["service_level"], None).layout.shapes == ()


def test_control_limit_steps_are_a_whole_day_wide():
    """Plotly's "hvh" steps were half a day wide at the first and last days; each day's step spans its day."""
    frame = pd.DataFrame({"day": ["2026-01-05", "2026-01-06", "2026-01-07"], "service_level": [0.75, 0.5, 0.9],
                          "service_level_num": [75, 50, 90], "service_level_den": [100, 100, 100]})
    limits = pd.DataFrame({"day": frame["day"], "centre": [0.8] * 3, "lower": [0.6, 0.62, None],
                           "upper": [0.95, 0.97, None]})
    kpi = KPI_BY_NAME["service_level"]
    fig = charts.with_control_limits(charts.kpi_trend_chart(frame, kpi, None), frame, limits, kpi, "p")
    upper, lower, ringed = fig.data[1:]
    assert [str(x) for x in lower.x] == ["2026-01-04 12:00:00", "2026-01-05 12:00:00", "2026-01-05 12:00:00",
                                         "2026-01-06 12:00:00", "2026-01-06 12:00:00", "2026-01-07 12:00:00"]
    assert [round(v, 6) for v in lower.y[:4]] == [60.0, 60.0, 62.0, 62.0]
    assert all(pd.isna(v) for v in lower.y[4:])  # no limit on the 7th: a gap, not a step
    assert [round(v, 6) for v in upper.y[:4]] == [95.0, 95.0, 97.0, 97.0]
    # the steps reach the axis's edges: half a day before the first day and after the last
    assert [str(x) for x in fig.layout.xaxis.range] == [str(lower.x[0]), str(lower.x[-1])]
    assert list(ringed.x) == ["2026-01-06"]  # 50 % < 62 %
