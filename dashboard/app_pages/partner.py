"""Partner scorecard: one partner's KPIs against the targets for the period, by team and by week, laid out to be
shared. A headline row (a KPI), or a cell of the by-team or by-week tables (a KPI for a team or a week), opens the
partner's contacts behind it (dashboard/drilldown.py)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import drilldown as drill
from dashboard.context import current
from dashboard.downloads import report_buttons
from dashboard.formatting import fmt, fmt_n, is_missing
from dashboard.tables import KPI_COLUMN, whole_height
from etl.defaults import closed_label
from etl.display import column_name
from etl.drilldown import drillable
from etl.kpis import KPI_BY_NAME
from etl.plain_text import markdown
from etl.targets import status

HEADLINE = ("contacts_offered", "contacts_handled", "service_level", "abandon_rate", "asa_seconds", "aht_seconds",
            "fcr_rate", "csat_top2_rate", "survey_response_rate", "transfer_rate", "clinical_escalation_rate",
            "qa_compliant_rate", "qa_coverage")
UNASSIGNED = "(unassigned)"
PAGE = "partner"
STATUS_TEXT = {"green": "on target", "amber": "near target", "red": "off target", "none": ""}

view = current()
partners = view.options()["partner"]
if not partners:
    st.title("Partner scorecard")
    st.info("No partner has contacts in this period with these filters.")
    st.stop()
st.title("Partner scorecard")
# contacts of queues no partner owns are listed last: the scorecard opens on a real partner
partners = sorted(partners, key=lambda p: (p == UNASSIGNED, p))
partner = st.selectbox("Partner", partners, key="scorecard_partner")
mine = view.filters.model_copy(update={"partners": [partner]})
st.header(markdown(partner))
st.caption(f"Period {view.filters.date_from:%d %b %Y} – {view.filters.date_to:%d %b %Y}. Prepared "
           f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC. Contacts answered by the partner's agents, and "
           f"unanswered contacts in the partner's queues.")
total = view.kpis(filters=mine)
if total.empty:
    st.info("No contacts for this partner in this period.")
    st.stop()
row = total.iloc[0]
fcr_period = view.fcr_filters(mine)
if fcr_period is not None and fcr_period != mine:
    closed = view.kpis(filters=fcr_period)
    if len(closed):
        row = row.copy()
        for column in ("fcr_rate", "fcr_rate_num", "fcr_rate_den"):
            row[column] = closed.iloc[0][column]
headline = []
for name in HEADLINE:
    kpi, target = KPI_BY_NAME[name], view.settings.targets.get(name)
    value = row[name]
    label = kpi.label
    if name == "fcr_rate" and fcr_period is not None and fcr_period != mine:
        label = closed_label(kpi.label, fcr_period)
    headline.append({
        "KPI": label,
        "value": fmt(kpi, value),
        "target": fmt(kpi, target.value) if target else "",
        "status": STATUS_TEXT[status(None if is_missing(value) else float(value), target)],
        "n": fmt_n(kpi, row),
    })


def kpi_of(row: int) -> str | None:
    return HEADLINE[row] if drillable(HEADLINE[row]) else None


event = st.dataframe(pd.DataFrame(headline), hide_index=True, key="partner_headline",
                     height=whole_height(len(headline)), on_select="rerun", selection_mode="single-row",
                     column_config={"KPI": st.column_config.TextColumn("KPI", width="large")})
drill.on_rows(PAGE, "partner_headline", event,
              lambda row: drill.Narrowing(f"{partner}: {KPI_BY_NAME[HEADLINE[row]].label}", kpi=kpi_of(row)))
report_buttons(view, partner)


def breakdown(by: str) -> pd.DataFrame:
    """One row per team or week, one column per KPI: the screen's formatting, every row and column shown. By team,
    FCR is read over the headline's closed-window period, labelled so; by week, a week with no closed window yet
    reads "pending"."""
    table = view.kpis(by=(by,), filters=mine)
    period = None
    if by == "team":
        table, period = view.closed_fcr(table, ("team",), mine)

    def cells(name: str) -> list[str]:
        shown = [fmt(KPI_BY_NAME[name], v) for v in table[name]]
        if name == "fcr_rate" and by == "week" and fcr_period is not None and fcr_period != mine:
            closed_through = fcr_period.date_to
            shown = [text if pd.Timestamp(week).date() + dt.timedelta(days=6) <= closed_through
                     or table["fcr_rate_den"].iloc[i] > 0 else "pending"
                     for i, (week, text) in enumerate(zip(table["week"], shown))]
        return shown

    def label(name: str) -> str:
        text = KPI_BY_NAME[name].label
        return closed_label(text, period) if name == "fcr_rate" and period is not None else text

    return pd.DataFrame({column_name(by): table[by], **{label(k): cells(k) for k in HEADLINE}})


def breakdown_cell(by: str, row: int, column: str | None) -> drill.Narrowing:
    """A KPI (the row) for a team or a week (the column), or over the partner's whole period (a row)."""
    name = f"{partner}: {KPI_BY_NAME[HEADLINE[row]].label}"
    if column is None:
        return drill.Narrowing(name, kpi=kpi_of(row))
    if by == "week":
        return drill.Narrowing.period(f"{name}, week of {column[:10]}", column, days=7, kpi=kpi_of(row))
    return drill.Narrowing(f"{name}, team {column}", kpi=kpi_of(row), groups={"teams": [column]})


for by, title in (("team", "By team"), ("week", "By week")):
    st.subheader(title)
    frame = breakdown(by)
    # KPIs down the side and one column per group, so nothing is cut off on the right
    event = st.dataframe(frame.set_index(column_name(by)).T, key=f"partner_by_{by}",
                         height=whole_height(len(HEADLINE)), on_select="rerun", column_config={"_index": KPI_COLUMN},
                         selection_mode=["single-row", "single-cell"])
    drill.on_cells(PAGE, f"partner_by_{by}", event, lambda row, column, by=by: breakdown_cell(by, row, column))
with st.expander("Definitions"):
    st.markdown("\n".join(f"- **{KPI_BY_NAME[k].label}**: {KPI_BY_NAME[k].formula}." for k in HEADLINE))
drill.contacts_section(view, mine, PAGE)
