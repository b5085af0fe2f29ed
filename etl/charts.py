"""Plotly chart builders: pure functions, data in and figure out, testable without Streamlit.

Shared by the app's pages and the partner reports (etl/reports.py), so they live in etl/ and import nothing from
dashboard/.

Rates arrive as fractions (0–1) from kpi_table() and are drawn as percentages; seconds as seconds. Every chart
states its axis units, draws targets as dashed lines, and uses one colour per channel and per status.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from etl.kpis import Kpi
from etl.plain_text import plain_figure
from etl.settings import Target

CHANNEL_COLORS = {"voice": "#1f77b4", "chat": "#ff7f0e", "sms": "#2ca02c", "app": "#9467bd"}
OTHER_COLOR = "#7f7f7f"
STATUS_COLORS = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828", "none": "#9e9e9e"}
TARGET_COLOR = "#c62828"
CRITICAL_COLOR = "#0d47a1"  # critical QA items: darker, not a status
UNIT_TITLES = {"rate": "%", "seconds": "seconds", "count": "contacts", "score": "score (1–5)"}


def channel_color(channel: str) -> str:
    """The channel's colour, by id or display name ("sms" or "SMS")."""
    return CHANNEL_COLORS.get(str(channel).lower(), OTHER_COLOR)


def scale(kpi: Kpi, values: pd.Series) -> pd.Series:
    return values * 100 if kpi.unit == "rate" else values


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str, height: int = 320) -> go.Figure:
    fig.update_layout(title=title, margin=dict(l=10, r=10, t=50, b=10), legend_title_text="", height=height)
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    return plain_figure(fig)  # names from a delivery are text, not plotly's HTML subset


def _target_trace(fig: go.Figure, xs: list, value: float) -> None:
    """The target as a dashed line trace (a trace, unlike add_hline, keeps the target inside the axis range)."""
    fig.add_trace(go.Scatter(x=xs, y=[value, value], mode="lines", name="target", hoverinfo="skip",
                             line=dict(color=TARGET_COLOR, dash="dash")))


PERIOD_DAYS = {"day": 1, "week": 7}
X_TITLES = {"day": "day", "week": "week starting Monday"}


def _period_span(values, x: str) -> list:
    """The x range covering every period whole: from half a period before the first to half after the last.
    Keeps a lone week from collapsing to a point (millisecond ticks, a zero-length target line)."""
    dates = pd.to_datetime(pd.Series(values))
    half = pd.Timedelta(days=PERIOD_DAYS[x]) / 2
    return [dates.min() - half, dates.max() + half]


def _date_axis(fig: go.Figure, values, x: str) -> None:
    """A date axis for `day`/`week` periods: dates as dates, one tick per period when there are few."""
    if x not in PERIOD_DAYS or len(values) == 0:
        return
    count = pd.Series(values).nunique()
    step = dict(dtick=PERIOD_DAYS[x] * 86_400_000, tick0=pd.to_datetime(pd.Series(values)).min()) if count <= 10 \
        else {}
    fig.update_xaxes(type="date", tickformat="%d %b %Y" if count <= 3 else "%d %b", range=_period_span(values, x),
                     **step)


def kpi_trend_chart(frame: pd.DataFrame, kpi: Kpi, target: Target | None, x: str = "day",
                    title: str | None = None) -> go.Figure:
    """A KPI over time (one row per period in `frame[x]`) with its target as a dashed line across the periods."""
    fig = go.Figure(go.Scatter(
        x=frame[x], y=scale(kpi, frame[kpi.name]), mode="lines+markers", name=kpi.label,
        customdata=frame[[f"{kpi.name}_num", f"{kpi.name}_den"]] if kpi.ratio else None,
        hovertemplate="%{y:.1f}" + (" (%{customdata[0]:,.0f} / %{customdata[1]:,.0f})" if kpi.ratio else "")
        + "<extra></extra>",
    ))
    if target is not None and len(frame):
        level = target.value * 100 if kpi.unit == "rate" else target.value
        xs = _period_span(frame[x], x) if x in PERIOD_DAYS else [frame[x].min(), frame[x].max()]
        _target_trace(fig, xs, level)
    _date_axis(fig, frame[x], x)
    return _layout(fig, title or kpi.label, X_TITLES.get(x, x), f"{kpi.label} ({UNIT_TITLES[kpi.unit]})")


LIMIT_COLOR = "#6d4c41"


def _whole_days(days: pd.Series, values: pd.Series) -> tuple[list, list]:
    """A step per day across its whole width, from half a day before its centre to half a day after (the date
    axis's range, _period_span): Plotly's "hvh" steps stopped at the first and last days' centres."""
    half = pd.Timedelta(hours=12)
    xs, ys = [], []
    for day, value in zip(pd.to_datetime(days), values):
        xs += [day - half, day + half]
        ys += [value, value]
    return xs, ys


def with_control_limits(fig: go.Figure, frame: pd.DataFrame, limits: pd.DataFrame, kpi: Kpi,
                        chart: str) -> go.Figure:
    """Add control limits to a daily trend: the lower and upper limits as dotted steps each a whole day wide (NaN
    where the same-weekday history is too short) and a red ring on each day outside them. `limits` has day, centre,
    lower, upper (etl.alerts.limits.daily_limits); `chart` names it in the legend ("p" or "individuals")."""
    shown = limits[limits["day"].isin(set(frame["day"]))]
    if shown[["lower", "upper"]].notna().any().any():
        name = "p-chart limits (same weekday)" if chart == "p" else "individuals-chart limits (same weekday)"
        for column, legend in (("upper", True), ("lower", False)):
            xs, ys = _whole_days(shown["day"], scale(kpi, shown[column]))
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=name, legendgroup="limits", showlegend=legend,
                                     line=dict(color=LIMIT_COLOR, dash="dot", width=1), connectgaps=False,
                                     hoverinfo="skip"))  # not clickable: an edge's x is the day before
        merged = frame[["day", kpi.name]].merge(shown, on="day")
        out = merged[(merged[kpi.name] < merged["lower"]) | (merged[kpi.name] > merged["upper"])]
        fig.add_trace(go.Scatter(x=out["day"], y=scale(kpi, out[kpi.name]), mode="markers", name="outside limits",
                                 marker=dict(color="rgba(0,0,0,0)", size=14, line=dict(color=TARGET_COLOR, width=2)),
                                 hoverinfo="skip"))
    return fig


def intraday_chart(frame: pd.DataFrame, sl_target: Target | None, queue_measures: bool = True) -> go.Figure:
    """Offered and handled contacts by hour of day (bars) and service level (line, right axis, 0–100 % in steps of
    20). The target is a dashed trace on the right axis named in the legend, so it never stretches the bars' axis.
    Without queue measures (a selection of agents) only the handled contacts are drawn."""
    hours = pd.DataFrame({"hour": range(24)}).merge(frame, on="hour", how="left")
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    if queue_measures:
        fig.add_trace(go.Bar(x=hours["hour"], y=hours["contacts_offered"], name="offered", marker_color="#90caf9"))
    fig.add_trace(go.Bar(x=hours["hour"], y=hours["contacts_handled"], name="handled", marker_color="#1565c0"))
    if queue_measures:
        fig.add_trace(go.Scatter(x=hours["hour"], y=hours["service_level"] * 100, name="service level",
                                 mode="lines+markers", line_color="#2e7d32", connectgaps=False), secondary_y=True)
    if sl_target is not None and queue_measures:
        fig.add_trace(go.Scatter(x=[-0.5, 23.5], y=[sl_target.value * 100] * 2, mode="lines", hoverinfo="skip",
                                 name="service-level target", line=dict(color=TARGET_COLOR, dash="dash")),
                      secondary_y=True)
    fig.update_layout(barmode="overlay", legend=dict(orientation="h", y=-0.25))
    _layout(fig, "Intraday profile", "hour of day", "contacts", height=360)
    fig.update_yaxes(title_text="contacts", rangemode="tozero", secondary_y=False)
    fig.update_yaxes(title_text="service level (%)", range=[0, 105], tickmode="linear", tick0=0, dtick=20,
                     secondary_y=True, showgrid=False)
    fig.update_xaxes(dtick=1, range=[-0.5, 23.5])
    return fig


def channel_mix_chart(frame: pd.DataFrame, x: str = "day") -> go.Figure:
    """Share of offered contacts by channel over time (stacked to 100%); markers so that a click selects a point
    (a channel on a day or week: the app's drill-down)."""
    fig = go.Figure()
    for channel, rows in frame.sort_values(x).groupby("channel", sort=True):
        fig.add_trace(go.Scatter(x=rows[x], y=rows["channel_share"] * 100, name=channel, stackgroup="mix",
                                 mode="lines+markers", marker_size=5, line_color=channel_color(channel),
                                 hovertemplate="%{y:.1f}%<extra>%{fullData.name}</extra>"))
    fig.update_yaxes(range=[0, 100])
    _date_axis(fig, frame[x], x)
    return _layout(fig, "Channel mix (share of offered)", X_TITLES.get(x, x), "share of offered (%)")


def kpi_by_channel_chart(frame: pd.DataFrame, kpi: Kpi, target: Target | None) -> go.Figure:
    """One bar per channel for a KPI, coloured by channel; the target a dashed line across the whole plot."""
    fig = go.Figure(go.Bar(x=frame["channel"], y=scale(kpi, frame[kpi.name]),
                           marker_color=[channel_color(c) for c in frame["channel"]], name=kpi.label))
    if target is not None and len(frame):
        level = target.value * 100 if kpi.unit == "rate" else target.value
        # across the whole plot, bars' edges included (a trace between categories stops at the bars' centres)
        fig.add_shape(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=level, y1=level,
                      line=dict(color=TARGET_COLOR, dash="dash"))
        fig.add_trace(go.Scatter(x=frame["channel"].iloc[:1], y=[level], mode="lines", name="target",
                                 hoverinfo="skip", line=dict(color=TARGET_COLOR, dash="dash")))  # legend, y range
    return _layout(fig, f"{kpi.label} by channel", "channel", f"{kpi.label} ({UNIT_TITLES[kpi.unit]})")


def queue_channel_heatmap(frame: pd.DataFrame, kpi: Kpi) -> go.Figure:
    """A KPI per queue (rows) and channel (columns), on a fixed colour scale: 0–100 % for rates, 0 to the
    largest value otherwise, so a colour means the same value in every view."""
    grid = frame.pivot_table(index="queue", columns="channel", values=kpi.name, aggfunc="first")
    values = grid * 100 if kpi.unit == "rate" else grid
    top = 100 if kpi.unit == "rate" else max(float(values.max().max()) if values.notna().any().any() else 1, 1)
    fig = go.Figure(go.Heatmap(z=values.to_numpy(), x=list(grid.columns), y=list(grid.index),
                               colorscale="Blues", zmin=0, zmax=top, colorbar_title=UNIT_TITLES[kpi.unit],
                               texttemplate="%{z:.1f}", hovertemplate="%{y} / %{x}: %{z:.1f}<extra></extra>"))
    return _layout(fig, f"{kpi.label} by queue and channel", "channel", "queue")


def qa_items_chart(frame: pd.DataFrame, critical: list[str]) -> go.Figure:
    """Pass rate per QA item (horizontal bars); critical items are marked "(critical)" and drawn darker, never in a
    status colour (a red bar read as failing while it passed 100 %)."""
    rows = frame.sort_values("rate")
    labels = [f"{i} (critical)" if i in critical else i for i in rows["item"]]
    fig = go.Figure(go.Bar(
        x=rows["rate"] * 100, y=labels, orientation="h",
        marker_color=[CRITICAL_COLOR if i in critical else "#64b5f6" for i in rows["item"]],
        customdata=rows[["num", "den"]], hovertemplate="%{x:.1f}% (%{customdata[0]} / %{customdata[1]})<extra></extra>",
    ))
    fig.update_xaxes(range=[0, 100])
    return _layout(fig, "Pass rate per QA item", "pass rate (%)", "item")


def qa_trend_chart(frame: pd.DataFrame, x: str = "week") -> go.Figure:
    """Pass rate per QA item over time (one line per item)."""
    fig = go.Figure()
    for item, rows in frame.sort_values(x).groupby("item", sort=True):
        fig.add_trace(go.Scatter(x=rows[x], y=rows["rate"] * 100, name=item, mode="lines+markers"))
    if len(frame):
        _date_axis(fig, frame[x], x)
    fig.update_yaxes(range=[0, 105])
    return _layout(fig, "QA pass rate by item", X_TITLES.get(x, x), "pass rate (%)")


def agent_vs_team_chart(frame: pd.DataFrame, measure_label: str, unit: str) -> go.Figure:
    """Each agent's value with its confidence interval against the rest of the team (flagged agents in red)."""
    rows = frame.sort_values("value")
    factor = 100 if unit == "rate" else 1
    colors = [STATUS_COLORS["red"] if f else "#1565c0" for f in rows["flagged"]]
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=rows["value"] * factor, y=rows["agent"], mode="markers", name="agent", marker_color=colors,
        error_x=dict(type="data", symmetric=False, array=(rows["high"] - rows["value"]) * factor,
                     arrayminus=(rows["value"] - rows["low"]) * factor),
    ))
    fig.add_trace(go.Scatter(x=rows["team_value"] * factor, y=rows["agent"], mode="markers", name="rest of team",
                             marker_symbol="line-ns-open", marker_size=14, marker_color="#424242"))
    return _layout(fig, f"{measure_label}: agent (with interval) vs rest of team", UNIT_TITLES[unit], "agent",
                   height=max(320, 22 * len(rows)))
