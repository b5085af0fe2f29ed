"""Quality & compliance: pass rate per QA item and its trend (daily up to 45 days, weekly beyond), by team and
partner, critical failures, coverage, and the evaluations behind a failing item (contact id, agent, date, items
failed; never a patient identifier). An item's bar, a point of its trend (the day or week), a row of the by-team or
by-partner grids (the item) or a cell (the item for that team or partner) opens the contacts evaluated on it, the
failed ones first (dashboard/drilldown.py)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from etl import charts
from dashboard import drilldown as drill
from dashboard.context import current
from dashboard.downloads import table_button
from dashboard.formatting import fmt
from dashboard.tables import show_table
from etl.defaults import trend_period
from etl.display import display_name
from etl.drilldown import qa_item_kpi
from etl.kpis import KPI_BY_NAME

view = current()
items = view.settings.item_names
critical = view.settings.critical_items
names = view.settings.display_names
PAGE = "quality"


def item_label(item: str) -> str:
    return display_name(item, names) + (" (critical)" if item in critical else "")


st.title("Quality & compliance")
total = view.kpis()
if total.empty or int(total.iloc[0]["qa_compliant_rate_den"]) == 0:
    st.info("No QA evaluations of contacts in this period with these filters.")
    st.stop()
row = total.iloc[0]


def item_frame(table: pd.DataFrame, dims: list[str]) -> pd.DataFrame:
    """kpi_table's qa_item_* columns in long form: one row per group and item."""
    parts = []
    for item in items:
        part = table[dims].copy()
        part["item"] = item
        part["rate"] = table[f"qa_item_{item}_rate"]
        part["num"] = table[f"qa_item_{item}_rate_num"]
        part["den"] = table[f"qa_item_{item}_rate_den"]
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


c1, c2, c3, c4 = st.columns(4)
c1.metric("QA compliance", fmt(KPI_BY_NAME["qa_compliant_rate"], row["qa_compliant_rate"]), border=True,
          help=f"{KPI_BY_NAME['qa_compliant_rate'].formula}. n = {int(row['qa_compliant_rate_num']):,} / "
               f"{int(row['qa_compliant_rate_den']):,}.")
c2.metric("QA coverage", fmt(KPI_BY_NAME["qa_coverage"], row["qa_coverage"]), border=True,
          help=f"{KPI_BY_NAME['qa_coverage'].formula}. n = {int(row['qa_coverage_num']):,} / "
               f"{int(row['qa_coverage_den']):,}.")
c3.metric("Evaluations", f"{int(row['qa_compliant_rate_den']):,}", border=True)
failed_critical = sum(int(row[f"qa_item_{i}_rate_den"]) - int(row[f"qa_item_{i}_rate_num"]) for i in critical)
c4.metric("Critical items failed", f"{failed_critical:,}", border=True,
          help="Failed results on critical items (" + ", ".join(display_name(i, names) for i in critical) + ").")

overall = item_frame(total, [])
bar_items = drill.plotted({i: item_label(i) for i in items})  # the bars' labels mark critical items
line_items = drill.plotted({i: display_name(i, names) for i in items})
left, right = st.columns(2)
with left:
    shown = overall.dropna(subset=["rate"]).assign(item=lambda f: f["item"].map(lambda i: display_name(i, names)))
    bars = charts.qa_items_chart(shown, [display_name(i, names) for i in critical])
    drill.on_points(PAGE, "qa_items", st.plotly_chart(bars, key="qa_items", on_select="rerun",
                                                      selection_mode="points"), bars,
                    lambda _name, point: drill.Narrowing(item_label(bar_items[point["y"]]),
                                                         kpi=qa_item_kpi(bar_items[point["y"]]))
                    if point.get("y") in bar_items else None)
with right:
    period = trend_period(view.filters)  # days for a short period: one week by week was a column of dots
    over_time = item_frame(view.kpis(by=(period,)), [period]).dropna(subset=["rate"])
    over_time["item"] = over_time["item"].map(lambda i: display_name(i, names))
    trend = charts.qa_trend_chart(over_time, x=period)
    drill.on_points(PAGE, "qa_trend", st.plotly_chart(trend, key="qa_trend", on_select="rerun",
                                                      selection_mode="points"), trend,
                    lambda name, point: drill.Narrowing.period(
                        f"{item_label(line_items[name])}, {'week of ' if period == 'week' else ''}"
                        f"{str(point['x'])[:10]}", point["x"], days=1 if period == "day" else 7,
                        kpi=qa_item_kpi(line_items[name]))
                    if name in line_items else None)

st.subheader("By team and partner")
for dim in ("team", "partner"):
    long = item_frame(view.kpis(by=(dim,)), [dim])
    grid = long.pivot_table(index="item", columns=dim, values="rate", aggfunc="first", dropna=False)
    grid = (grid * 100).round(1).reindex(items).dropna(axis="columns", how="all")  # groups with no evaluation
    grid.index = [item_label(i) for i in grid.index]
    grid.index.name = "QA item"
    event = st.dataframe(grid, key=f"qa_by_{dim}", placeholder="—", on_select="rerun",
                         selection_mode=["single-row", "single-cell"],
                         column_config={c: st.column_config.NumberColumn(c, format="%.1f%%") for c in grid.columns})
    drill.on_cells(PAGE, f"qa_by_{dim}", event, lambda row, column, dim=dim: drill.Narrowing(
        item_label(items[row]) + (f", {dim} {column}" if column else ""), kpi=qa_item_kpi(items[row]),
        groups={f"{dim}s": [column]} if column else {}))

st.subheader("Evaluations behind a failing item")
item = st.selectbox("Item", items, format_func=item_label, key="qa_item")
failed = view.failed_evaluations(item)
if failed.empty:
    st.info(f"No evaluation failed {display_name(item, names)} in this period with these filters.")
else:
    failed = failed.assign(agent=failed["agent"].map(view.agent_label),
                           items_failed=failed["items_failed"].map(
                               lambda found: ", ".join(display_name(i, names) for i in str(found).split(", "))))
    show_table(failed[["evaluation_id", "contact_id", "agent", "team", "partner", "channel", "day",
                       "items_failed"]], key="failed_evaluations", names=names)
    st.caption(f"{len(failed):,} evaluation(s) (at most 500 shown), newest first.")
    table_button(view, failed, f"failed-{item}", key="failed_csv")

drill.contacts_section(view, view.filters, PAGE,
                       kpis=("qa_compliant_rate", "qa_coverage", *(qa_item_kpi(i) for i in items)))
