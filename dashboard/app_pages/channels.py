"""Channels: the channel mix over time, KPIs side by side per channel, and queues by channel. A cell of the KPI
table (a KPI for a channel), a row (a KPI), a bar (a channel) or a point of the mix (a channel on a day or week)
opens the contacts behind it (dashboard/drilldown.py)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from etl import charts
from dashboard import drilldown as drill
from dashboard.context import current
from dashboard.downloads import table_button
from dashboard.formatting import fmt
from dashboard.tables import KPI_COLUMN, whole_height
from etl.defaults import closed_label, trend_period
from etl.display import display_name
from etl.drilldown import drillable
from etl.kpis import KPI_BY_NAME

COMPARED = ("contacts_offered", "contacts_handled", "service_level", "abandon_rate", "asa_seconds", "aht_seconds",
            "fcr_rate", "csat_top2_rate", "transfer_rate", "clinical_escalation_rate", "qa_compliant_rate")
PAGE = "channels"

view = current()
st.title("Channels")
by_channel = view.kpis(by=("channel",))
if by_channel.empty:
    st.info("No contacts match these filters in this period.")
    st.stop()

period = trend_period(view.filters)
mix = view.kpis(by=(period, "channel"))
names = view.settings.display_names
shown_channels = {c: display_name(c, names) for c in sorted(set(mix["channel"]) | set(by_channel["channel"]))}
channel_of = drill.plotted(shown_channels)
mix["channel"] = mix["channel"].map(shown_channels)
mix_chart = charts.channel_mix_chart(mix, x=period)
drill.on_points(PAGE, "channel_mix", st.plotly_chart(mix_chart, key="channel_mix", on_select="rerun",
                                                     selection_mode="points"), mix_chart,
                lambda name, point: drill.Narrowing.period(
                    f"{shown_channels[channel_of[name]]}, {period} of {str(point['x'])[:10]}", point["x"],
                    days=1 if period == "day" else 7, kpi="contacts_offered",
                    groups={"channels": [channel_of[name]]}) if name in channel_of else None)

st.subheader("KPIs by channel")
# FCR by channel over the latest period whose windows have closed (the chosen one has none yet), labelled so
by_channel, fcr_period = view.closed_fcr(by_channel, ("channel",))


def label(name: str) -> str:
    text = KPI_BY_NAME[name].label
    return closed_label(text, fcr_period) if name == "fcr_rate" and fcr_period is not None else text


side_by_side = pd.DataFrame(
    {display_name(channel, names): [fmt(KPI_BY_NAME[k], row[k]) for k in COMPARED] for channel, row in
     by_channel.set_index("channel").iterrows()},
    index=pd.Index([label(k) for k in COMPARED], name="KPI"))
by_name = {name: channel for channel, name in shown_channels.items()}


def cell(row: int, column: str | None) -> drill.Narrowing:
    """A KPI (the row) for a channel (the column), or for every channel (a row)."""
    kpi = COMPARED[row]
    groups = {"channels": [by_name[column]]} if column in by_name else {}
    return drill.Narrowing(f"{KPI_BY_NAME[kpi].label}" + (f", {column}" if groups else ", every channel"),
                           kpi=kpi if drillable(kpi) else None, groups=groups)


drill.on_cells(PAGE, "channel_table", st.dataframe(side_by_side, key="channel_table",
                                                   height=whole_height(len(side_by_side)), on_select="rerun",
                                                   column_config={"_index": KPI_COLUMN},
                                                   selection_mode=["single-row", "single-cell"]), cell)
table_button(view, side_by_side.reset_index(names="KPI"), "kpis-by-channel", key="channels_csv")
chosen = st.selectbox("KPI to compare", [k for k in COMPARED if KPI_BY_NAME[k].unit != "count"],
                      format_func=label, key="channels_kpi")
kpi = KPI_BY_NAME[chosen]
left, right = st.columns(2)
with left:
    named = by_channel.assign(channel=by_channel["channel"].map(shown_channels))
    bars = charts.kpi_by_channel_chart(named, kpi, view.settings.targets.get(chosen))
    drill.on_points(PAGE, "kpi_by_channel", st.plotly_chart(bars, key="kpi_by_channel", on_select="rerun",
                                                            selection_mode="points"), bars,
                    lambda _name, point: drill.Narrowing(
                        f"{kpi.label}, {shown_channels[channel_of[point['x']]]}",
                        kpi=chosen if drillable(chosen) else None, groups={"channels": [channel_of[point["x"]]]})
                    if point.get("x") in channel_of else None)
with right:
    grid, _ = view.closed_fcr(view.kpis(by=("queue", "channel")), ("queue", "channel"))
    grid = grid.assign(queue=grid["queue"].map(lambda q: display_name(q, names)),
                       channel=grid["channel"].map(lambda c: display_name(c, names)))
    st.plotly_chart(charts.queue_channel_heatmap(grid, kpi), key="queue_heatmap")

drill.contacts_section(view, view.filters, PAGE)
