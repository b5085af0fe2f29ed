"""The frame of the carekpi app: settings, the warehouse snapshot, the shared sidebar filters and navigation.

Pages live in dashboard/app_pages/, one module each (not pages/: Streamlit would treat that folder as an old-style
page directory and rerun a page without this frame). They read everything through dashboard.context.current().
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import context, saved
from dashboard.filters import anchor_day, sidebar_filters
from dashboard.session import sign_out, signed_in_user
from etl import audit, plain_text
from etl.access import scope_for
from etl.kpis import Filters, zone_mismatch_message
from etl.pages import PAGE_ROLES, PAGE_TITLES

PAGES = (  # file, title, icon, roles that see it (etl/pages.py)
    ("app_pages/overview.py", PAGE_TITLES["overview"], ":material/dashboard:", PAGE_ROLES["overview"]),
    ("app_pages/channels.py", PAGE_TITLES["channels"], ":material/forum:", PAGE_ROLES["channels"]),
    ("app_pages/quality.py", PAGE_TITLES["quality"], ":material/verified:", PAGE_ROLES["quality"]),
    ("app_pages/coaching.py", PAGE_TITLES["coaching"], ":material/school:", PAGE_ROLES["coaching"]),
    ("app_pages/partner.py", PAGE_TITLES["partner"], ":material/handshake:", PAGE_ROLES["partner"]),
    ("app_pages/data_quality.py", PAGE_TITLES["data_quality"], ":material/rule:", PAGE_ROLES["data_quality"]),
)


def _as_date(value):
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def main() -> None:
    st.set_page_config(page_title="carekpi", page_icon="🎧", layout="wide")
    config = context.settings()
    user = signed_in_user(config)
    if user is None:
        # Every page is known but none is listed: the sidebar shows no pages to a logged-out visitor, and a link
        # to a page keeps its path through the log-in, so it lands on that page.
        st.navigation([st.Page(path, title=title, icon=icon, default=(i == 0))
                       for i, (path, title, icon, _) in enumerate(PAGES)], position="hidden")
        st.stop()
    scope = scope_for(user)
    st.sidebar.caption(f"Signed in as **{plain_text.markdown(user.display_name or user.username)}** ({user.role})")
    st.sidebar.button("Log out", on_click=sign_out, key="logout")
    db_path, snapshot = context.warehouse_location(config)
    if snapshot == "none":
        st.title("carekpi")
        st.info(f"No data loaded yet: there is no warehouse at `{db_path}`. Run `make run`, or "
                f"`carekpi load DIR --db {db_path}` with a delivery folder.")
        st.stop()
    probe = context.View(settings=config, db_path=db_path, snapshot=snapshot, scope=scope,
                         filters=Filters(date_from=pd.Timestamp.today().date(),
                                                 date_to=pd.Timestamp.today().date()))
    built_zone = probe.warehouse("built_reporting_timezone")
    if built_zone is not None and built_zone != config.reporting_timezone:
        st.title("carekpi")
        st.error(zone_mismatch_message(built_zone, config.reporting_timezone))
        st.stop()
    fresh = probe.warehouse("freshness")
    last_day, first_day = _as_date(fresh["last_day"]), _as_date(fresh["first_day"])
    if last_day is None:
        st.title("carekpi")
        if user.role == "manager":
            st.info("The warehouse holds no contacts yet. Load a delivery with calls.csv or chats.csv.")
        else:
            st.info("No contacts within your access. Ask a manager to check the partners or teams you are given.")
        st.stop()
    roster = probe.warehouse("roster")
    st.session_state["carekpi_agent_labels"] = {
        a: f"{a} · {n}" if isinstance(n, str) else a for a, n in zip(roster["agent"], roster["agent_name"])}
    st.session_state["carekpi_display_names"] = config.display_names
    anchor = anchor_day(last_day, config.reporting_timezone)

    def options_for(filters):
        licensed = bool(st.session_state.get("licensed", False))
        return context.View(settings=config, db_path=db_path, snapshot=snapshot, filters=filters, scope=scope,
                            include_licensed=licensed).options()

    filters, include_licensed = sidebar_filters(anchor, first_day, options_for)
    view = context.View(settings=config, db_path=db_path, snapshot=snapshot, filters=filters, scope=scope,
                        include_licensed=include_licensed, anchor=anchor, user=user.username, role=user.role)
    st.session_state[context.VIEW_KEY] = view
    allowed = [(path, title, icon) for path, title, icon, roles in PAGES if user.role in roles]
    pages = [st.Page(path, title=title, icon=icon, default=(i == 0)) for i, (path, title, icon) in enumerate(allowed)]
    page = st.navigation(pages)
    saved.switch_if_asked(pages)
    saved.sidebar(config, user, page)
    audit.record(config.audit_log, user.username, user.role, "view", page=page.title,
                 scope=scope.model_dump(), filters=filters.model_dump(mode="json"), licensed=include_licensed)
    page.run()


main()
