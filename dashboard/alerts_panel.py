"""The Overview's alerts: what the alert rules fired in the selected period under the user's scope and filters, each
with a link to the page and filters that show it; load and freshness notices for managers; and the control limits
drawn on the daily trends. Every value comes from the page's cached kpi_table() queries (View.kpis)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.context import View
from etl.alerts.alert import format_pair, kpi_label
from etl.alerts.evaluate import evaluate
from etl.alerts.limits import chart_for, daily_limits
from etl.alerts.notices import notices
from etl.alerts.rules import load_rules
from etl.defaults import measures_for
from etl.kpis import KPI_BY_NAME


def _source(view: View):
    return lambda filters, by: view.kpis(by=tuple(by), filters=filters)


def trend_limits(view: View, name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The control limits of each day of a daily trend (`frame`, from kpi_table by day), from the same weekday of
    the weeks before it."""
    if frame.empty:
        return pd.DataFrame(columns=["day", "centre", "lower", "upper"])
    alerts = view.settings.alerts
    first, last = pd.Timestamp(frame["day"].min()).date(), pd.Timestamp(frame["day"].max()).date()
    history = view.filters.model_copy(update={"date_from": first - dt.timedelta(weeks=alerts.history_weeks),
                                              "date_to": last})
    daily = view.kpis(by=("day",), filters=history)
    return daily_limits(daily, name, KPI_BY_NAME[name].unit, alerts.history_weeks, alerts.sigma,
                        alerts.min_history)


def chart_kind(name: str) -> str:
    return chart_for(KPI_BY_NAME[name].unit)


def alerts_table(view: View) -> pd.DataFrame:
    """One row per alert fired in the period (newest first), with a link to the view that shows it."""
    rules = [r for r in load_rules(view.settings.alerts.rules_file, view.settings)
             if measures_for(view.filters, [r.kpi])]  # no queue measure for a selection of agents
    fired = evaluate(rules, _source(view), view.settings, view.filters.date_from, view.filters.date_to,
                     page=view.filters)
    rows = [{
        "day": a.day.isoformat() + (f" {a.hour:02d}:00" if a.hour is not None else ""),
        "KPI": kpi_label(a.kpi),
        "where": a.where_named(view.settings.display_names),  # display names, not catalogue ids
        "value": format_pair(a.kpi, a.value, a.limit)[0],
        "n": a.n,
        "limit": format_pair(a.kpi, a.value, a.limit)[1],
        "why": {"target": "off target", "limits": f"outside {a.chart}-chart limits",
                "change": "changed beyond threshold", "volume": "low volume"}[a.condition] + f" ({a.direction})",
        "show": a.link("", view.settings.display_names),
        "contacts": a.contacts_link("", view.settings.display_names),  # None: no drill-down (CSAT)
    } for a in reversed(fired)]
    return pd.DataFrame(rows, columns=["day", "KPI", "where", "value", "n", "limit", "why", "show", "contacts"])


def render(view: View) -> None:
    st.subheader("Alerts")
    if view.role == "manager":
        found = notices(view.settings)
        if found:  # shown as table cells (plain text): a message may quote a delivery's file name
            many = len(found) != 1
            st.warning(f"{len(found)} load or freshness notice{'s' if many else ''} for managers:",
                       icon=":material/warning:")
            st.dataframe(pd.DataFrame({"Notice": [n.message for n in found]}), hide_index=True,
                         key="alert_notices")
    table = alerts_table(view)
    if table.empty:
        st.caption("No alert fired in this period for these filters.")
        return
    st.caption(f"{len(table)} alerts fired in this period (FCR alerts speak about the day whose 7-day window has "
               "closed; rates never fire on fewer than "
               f"{view.settings.alerts.min_n} contacts). Open one to see it with its filters, or list the "
               "contacts behind it.")
    st.dataframe(table, hide_index=True, key="alerts_table", placeholder="—", column_config={  # — : no contacts
        "show": st.column_config.LinkColumn("show", display_text="open"),
        "contacts": st.column_config.LinkColumn("contacts", display_text="list"),
        "n": st.column_config.NumberColumn("n", format="%d"),
    })
