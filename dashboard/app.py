"""The frame of the carekpi app: settings, the warehouse snapshot, the shared sidebar filters and navigation.

Pages live in dashboard/app_pages/, one module each (not pages/: Streamlit would treat that folder as an old-style
page directory and rerun a page without this frame). They read everything through dashboard.context.current().
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import context
from dashboard.filters import anchor_day, sidebar_filters

PAGES = (
    ("app_pages/overview.py", "Overview", ":material/dashboard:"),
    ("app_pages/channels.py", "Channels", ":material/forum:"),
    ("app_pages/quality.py", "Quality & compliance", ":material/verified:"),
    ("app_pages/coaching.py", "Coaching", ":material/school:"),
    ("app_pages/partner.py", "Partner scorecard", ":material/handshake:"),
    ("app_pages/data_quality.py", "Data quality", ":material/rule:"),
)


def _as_date(value):
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def main() -> None:
    st.set_page_config(page_title="carekpi", page_icon=":material/support_agent:", layout="wide")
    config = context.settings()
    db_path, snapshot = context.warehouse_location(config)
    if snapshot == "none":
        st.title("carekpi")
        st.info(f"No data loaded yet: there is no warehouse at `{db_path}`. Run `make run`, or "
                f"`carekpi load DIR --db {db_path}` with a delivery folder.")
        st.stop()
    probe = context.View(settings=config, db_path=db_path, snapshot=snapshot,
                         filters=context.Filters(date_from=pd.Timestamp.today().date(),
                                                 date_to=pd.Timestamp.today().date()))
    fresh = probe.warehouse("freshness")
    last_day, first_day = _as_date(fresh["last_day"]), _as_date(fresh["first_day"])
    if last_day is None:
        st.title("carekpi")
        st.info("The warehouse holds no contacts yet. Load a delivery with calls.csv or chats.csv.")
        st.stop()
    roster = probe.warehouse("roster")
    st.session_state["carekpi_agent_labels"] = {
        a: f"{a} · {n}" if isinstance(n, str) else a for a, n in zip(roster["agent"], roster["agent_name"])}
    anchor = anchor_day(last_day, config.reporting_timezone)

    def options_for(filters):
        licensed = bool(st.session_state.get("licensed", False))
        return context.View(settings=config, db_path=db_path, snapshot=snapshot, filters=filters,
                            include_licensed=licensed).options()

    filters, include_licensed = sidebar_filters(anchor, first_day, options_for)
    st.session_state[context.VIEW_KEY] = context.View(
        settings=config, db_path=db_path, snapshot=snapshot, filters=filters,
        include_licensed=include_licensed, anchor=anchor)
    pages = [st.Page(path, title=title, icon=icon, default=(i == 0)) for i, (path, title, icon) in enumerate(PAGES)]
    st.navigation(pages).run()


main()
