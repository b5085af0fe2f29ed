"""Coaching's chart builders: pure functions, data in and Plotly figure out (no Streamlit), importable by the app
and by reports. Rates arrive as fractions and are drawn as percentages."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from etl.plain_text import plain_figure

FLAG_COLOR = "#c62828"
AGENT_COLOR = "#1565c0"
TEAM_COLOR = "#424242"
SHORT_COLOR = "#9e9e9e"


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str, height: int = 340) -> go.Figure:
    fig.update_layout(title=title, margin=dict(l=10, r=10, t=50, b=10), legend_title_text="", height=height)
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    return plain_figure(fig)  # agent and team names are text, not plotly's HTML subset


def difference_chart(frame: pd.DataFrame, measure_label: str, relative: bool,
                     confidence: float = 0.95) -> go.Figure:
    """Each agent's difference from their reference group with its interval, zero marked: flagged agents in red,
    agents compared in blue, agents below the minimum n (`enough` false) in grey.
    `frame`: agent (display label), difference, difference_low, difference_high, flagged, enough."""
    rows = frame.sort_values("difference")
    colors = [FLAG_COLOR if f else AGENT_COLOR if e else SHORT_COLOR for f, e in zip(rows["flagged"], rows["enough"])]
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=rows["difference"] * 100, y=rows["agent"], mode="markers", name="agent − rest of team",
        marker_color=colors,
        error_x=dict(type="data", symmetric=False, array=(rows["difference_high"] - rows["difference"]) * 100,
                     arrayminus=(rows["difference"] - rows["difference_low"]) * 100),
    ))
    fig.add_vline(x=0, line_dash="dash", line_color=TEAM_COLOR)
    x_title = "difference in typical time (%)" if relative else "difference (percentage points)"
    title = f"{measure_label}: each agent against the rest of the team ({confidence:.0%} interval)"
    return _layout(fig, title, x_title, "agent", height=max(320, 26 * len(rows) + 90))


def trend_chart(frame: pd.DataFrame, measure_label: str, unit: str, confidence: float = 0.95) -> go.Figure:
    """The agent's weekly value with its interval, and the rest of the team's weekly value.
    `frame`: week (YYYY-MM-DD), value, low, high, n, team_value, team_n (see etl.coaching.trend)."""
    factor = 100 if unit == "rate" else 1
    weeks = pd.to_datetime(frame["week"])
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=weeks, y=frame["value"] * factor, mode="lines+markers", name="agent", line_color=AGENT_COLOR,
        customdata=frame[["n"]].to_numpy(), hovertemplate="%{y:.1f} (n=%{customdata[0]:,})<extra>agent</extra>",
        error_y=dict(type="data", symmetric=False, array=(frame["high"] - frame["value"]) * factor,
                     arrayminus=(frame["value"] - frame["low"]) * factor),
    ))
    fig.add_trace(go.Scatter(
        x=weeks, y=frame["team_value"] * factor, mode="lines+markers", name="rest of team",
        line=dict(color=TEAM_COLOR, dash="dot"), customdata=frame[["team_n"]].to_numpy(),
        hovertemplate="%{y:.1f} (n=%{customdata[0]:,})<extra>rest of team</extra>",
    ))
    fig.update_xaxes(tickformat="%d %b %Y", dtick=7 * 24 * 3600 * 1000, tick0=weeks.min() if len(weeks) else None)
    if len(weeks) == 1:  # one week: keep a readable axis a week either side
        fig.update_xaxes(range=[weeks.min() - pd.Timedelta(days=7), weeks.min() + pd.Timedelta(days=7)])
    y_title = "%" if unit == "rate" else "seconds"
    return _layout(fig, f"{measure_label} by week (agent with {confidence:.0%} interval)", "week starting", y_title)


def ramp_chart(curve: pd.DataFrame, hires: pd.DataFrame, measure_label: str, unit: str) -> go.Figure:
    """The expected learning curve (median of earlier hires per week of tenure) and each new hire's weekly values.
    `curve`: tenure_week, median, hires; `hires`: agent (display label), tenure_week, value, n."""
    factor = 100 if unit == "rate" else 1
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=curve["tenure_week"], y=curve["median"] * factor, mode="lines+markers",
                             name="earlier hires (median)", line=dict(color=TEAM_COLOR, dash="dot"),
                             customdata=curve[["hires"]].to_numpy(),
                             hovertemplate="%{y:.1f} (%{customdata[0]} hires)<extra>median</extra>"))
    for agent, rows in hires.groupby("agent", sort=True):
        fig.add_trace(go.Scatter(x=rows["tenure_week"], y=rows["value"] * factor, mode="lines+markers",
                                 name=str(agent), customdata=rows[["n"]].to_numpy(),
                                 hovertemplate="%{y:.1f} (n=%{customdata[0]:,})<extra></extra>"))
    fig.update_xaxes(dtick=1, rangemode="tozero")
    y_title = "%" if unit == "rate" else "seconds"
    return _layout(fig, f"{measure_label} by week of tenure: new hires against earlier hires", "week of tenure",
                   y_title)
