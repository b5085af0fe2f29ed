"""The contacts behind a number: pick a KPI (a tile), a day (a chart point) or a group (a table row) and see the
contacts of its numerator and denominator, the misses first, with a CSV of the same rows. Served by
etl.drilldown.kpi_contacts under the user's scope; never a patient identifier."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard.context import View
from dashboard.downloads import table_button
from dashboard.tables import show_table
from etl.defaults import measures_for
from etl.display import display_name
from etl.drilldown import DRILLABLE
from etl.kpis import KPI_BY_NAME, Filters

KPI_KEY, DAY_KEY = "drill_kpi", "drill_day"
COLUMNS = ["contact_id", "offered_at", "channel", "queue", "agent", "team", "partner", "outcome", "counts",
           "handle_seconds", "repeated_by", "repeated_at", "items_failed"]


def pick_point(event, kpi: str) -> None:
    """A clicked trend point: drill into that KPI on that day."""
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else \
        getattr(getattr(event, "selection", None), "points", [])
    if points:
        st.session_state[KPI_KEY] = kpi
        st.session_state[DAY_KEY] = str(points[0]["x"])[:10]


def contacts_section(view: View, filters: Filters) -> None:
    st.subheader("Contacts behind a number")
    st.caption("Choose a KPI (or click a point of a daily trend) to list the contacts it counts, the ones that count "
               "against it first. Contact ids only: never a patient.")
    kpis = measures_for(filters, DRILLABLE)
    left, right = st.columns(2)
    kpi = left.selectbox("KPI", kpis, format_func=lambda k: KPI_BY_NAME[k].label, key=KPI_KEY)
    days = ["whole period"] + [str(filters.date_from + dt.timedelta(days=i))
                               for i in range((filters.date_to - filters.date_from).days + 1)]
    if st.session_state.get(DAY_KEY) not in days:
        st.session_state[DAY_KEY] = "whole period"
    day = right.selectbox("Day", days, key=DAY_KEY)
    chosen = filters if day == "whole period" else filters.model_copy(
        update={"date_from": dt.date.fromisoformat(day), "date_to": dt.date.fromisoformat(day)})
    rows = view.kpi_contacts(kpi, chosen)
    if rows.empty:
        st.info("No contacts behind this number with these filters.")
        return
    counted = KPI_BY_NAME[kpi].label.lower()
    names = view.settings.display_names
    shown = rows.assign(counts=rows["in_numerator"].map({True: "yes", False: "no"}),
                        agent=rows["agent"].map(lambda a: view.agent_label(a) if isinstance(a, str) else None),
                        items_failed=rows["items_failed"].map(
                            lambda found: ", ".join(display_name(i, names) for i in found.split(", "))
                            if isinstance(found, str) else None))
    shown = shown[[c for c in COLUMNS if c in shown and shown[c].notna().any()]]
    show_table(shown, key="drill_contacts", names=names,
               column_config={"Counts": st.column_config.TextColumn(f"In the numerator of {counted}")})
    st.caption(f"{len(rows):,} contact(s) (at most 500 shown).")
    table_button(view, shown, f"contacts-{kpi}", key="drill_csv")
