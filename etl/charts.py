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
from etl.settings import Target

CHANNEL_COLORS = {"voice": "#1f77b4", "chat": "#ff7f0e", "sms": "#2ca02c", "app": "#9467bd"}
OTHER_COLOR = "#7f7f7f"
STATUS_COLORS = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828", "none": "#9e9e9e"}
TARGET_COLOR = "#c62828"
UNIT_TITLES = {"rate": "%", "seconds": "seconds", "count": "contacts", "score": "score (1–5)"}


def channel_color(channel: str) -> str:
    return CHANNEL_COLORS.get(channel, OTHER_COLOR)


def scale(kpi: Kpi, values: pd.Series) -> pd.Series:
    return values * 100 if kpi.unit == "rate" else values


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str, height: int = 320) -> go.Figure:
    fig.update_layout(title=title, margin=dict(l=10, r=10, t=50, b=10), legend_title_text="", height=height)
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    return fig


def _target_trace(fig: go.Figure, xs: list, value: float) -> None:
    """The target as a dashed line trace (a trace, unlike add_hline, keeps the target inside the axis range)."""
    fig.add_trace(go.Scatter(x=xs, y=[value, value], mode="lines", name="target", hoverinfo="skip",
                             line=dict(color=TARGET_COLOR, dash="dash")))


def kpi_trend_chart(frame: pd.DataFrame, kpi: Kpi, target: Target | None, x: str = "day") -> go.Figure:
    """A KPI over time (one row per period in `frame[x]`) with its target as a dashed line."""
    fig = go.Figure(go.Scatter(
        x=frame[x], y=scale(kpi, frame[kpi.name]), mode="lines+markers", name=kpi.label,
        customdata=frame[[f"{kpi.name}_num", f"{kpi.name}_den"]] if kpi.ratio else None,
        hovertemplate="%{y:.1f}" + (" (%{customdata[0]:,.0f} / %{customdata[1]:,.0f})" if kpi.ratio else "")
        + "<extra></extra>",
    ))
    if target is not None and len(frame):
        level = target.value * 100 if kpi.unit == "rate" else target.value
        _target_trace(fig, [frame[x].min(), frame[x].max()], level)
    return _layout(fig, kpi.label, x, f"{kpi.label} ({UNIT_TITLES[kpi.unit]})")


def intraday_chart(frame: pd.DataFrame, sl_target: Target | None) -> go.Figure:
    """Offered and handled contacts by hour of day (bars) and service level (line, right axis)."""
    hours = pd.DataFrame({"hour": range(24)}).merge(frame, on="hour", how="left")
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(x=hours["hour"], y=hours["contacts_offered"], name="offered", marker_color="#90caf9"))
    fig.add_trace(go.Bar(x=hours["hour"], y=hours["contacts_handled"], name="handled", marker_color="#1565c0"))
    fig.add_trace(go.Scatter(x=hours["hour"], y=hours["service_level"] * 100, name="service level",
                             mode="lines+markers", line_color="#2e7d32", connectgaps=False), secondary_y=True)
    if sl_target is not None:
        fig.add_hline(y=sl_target.value * 100, line_dash="dash", line_color=TARGET_COLOR, secondary_y=True,
                      annotation_text="service-level target", annotation_position="top left")
    fig.update_layout(barmode="overlay")
    _layout(fig, "Intraday profile", "hour of day", "contacts")
    fig.update_yaxes(title_text="contacts", secondary_y=False)
    fig.update_yaxes(title_text="service level (%)", range=[0, 105], secondary_y=True, showgrid=False)
    fig.update_xaxes(dtick=1, range=[-0.5, 23.5])
    return fig


def channel_mix_chart(frame: pd.DataFrame, x: str = "day") -> go.Figure:
    """Share of offered contacts by channel over time (stacked to 100%)."""
    fig = go.Figure()
    for channel, rows in frame.sort_values(x).groupby("channel", sort=True):
        fig.add_trace(go.Scatter(x=rows[x], y=rows["channel_share"] * 100, name=channel, stackgroup="mix",
                                 mode="lines", line_color=channel_color(channel),
                                 hovertemplate="%{y:.1f}%<extra>" + channel + "</extra>"))
    fig.update_yaxes(range=[0, 100])
    return _layout(fig, "Channel mix (share of offered)", x, "share of offered (%)")


def kpi_by_channel_chart(frame: pd.DataFrame, kpi: Kpi, target: Target | None) -> go.Figure:
    """One bar per channel for a KPI, coloured by channel."""
    fig = go.Figure(go.Bar(x=frame["channel"], y=scale(kpi, frame[kpi.name]),
                           marker_color=[channel_color(c) for c in frame["channel"]], name=kpi.label))
    if target is not None and len(frame):
        _target_trace(fig, [frame["channel"].iloc[0], frame["channel"].iloc[-1]],
                      target.value * 100 if kpi.unit == "rate" else target.value)
    return _layout(fig, f"{kpi.label} by channel", "channel", f"{kpi.label} ({UNIT_TITLES[kpi.unit]})")


def queue_channel_heatmap(frame: pd.DataFrame, kpi: Kpi) -> go.Figure:
    """A KPI per queue (rows) and channel (columns)."""
    grid = frame.pivot_table(index="queue", columns="channel", values=kpi.name, aggfunc="first")
    values = grid * 100 if kpi.unit == "rate" else grid
    fig = go.Figure(go.Heatmap(z=values.to_numpy(), x=list(grid.columns), y=list(grid.index),
                               colorscale="Blues", colorbar_title=UNIT_TITLES[kpi.unit],
                               texttemplate="%{z:.1f}", hovertemplate="%{y} / %{x}: %{z:.1f}<extra></extra>"))
    return _layout(fig, f"{kpi.label} by queue and channel", "channel", "queue")


def qa_items_chart(frame: pd.DataFrame, critical: list[str]) -> go.Figure:
    """Pass rate per QA item (horizontal bars); critical items are marked and coloured."""
    rows = frame.sort_values("rate")
    labels = [f"{i} (critical)" if i in critical else i for i in rows["item"]]
    fig = go.Figure(go.Bar(
        x=rows["rate"] * 100, y=labels, orientation="h",
        marker_color=[STATUS_COLORS["red"] if i in critical else "#1565c0" for i in rows["item"]],
        customdata=rows[["num", "den"]], hovertemplate="%{x:.1f}% (%{customdata[0]} / %{customdata[1]})<extra></extra>",
    ))
    fig.update_xaxes(range=[0, 100])
    return _layout(fig, "Pass rate per QA item", "pass rate (%)", "item")


def qa_trend_chart(frame: pd.DataFrame, x: str = "week") -> go.Figure:
    """Pass rate per QA item over time (one line per item)."""
    fig = go.Figure()
    for item, rows in frame.sort_values(x).groupby("item", sort=True):
        fig.add_trace(go.Scatter(x=rows[x], y=rows["rate"] * 100, name=item, mode="lines+markers"))
    return _layout(fig, "QA pass rate by item", x, "pass rate (%)")


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
