"""Coaching: each agent against the rest of their team, flagged only where the difference is statistically clear;
a drill-down per agent; and a new-hire cohort view by tenure band."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from etl import charts
from dashboard.context import current
from dashboard.downloads import table_button
from dashboard.formatting import fmt
from etl.coaching import coaching_flags, measures
from etl.kpis import KPI_BY_NAME, Kpi
from etl.settings import Settings

BANDS = ((0, 90, "0–90 days"), (91, 180, "91–180 days"), (181, 365, "181–365 days"), (366, 10**6, "over 1 year"))
SCORECARD = ("contacts_handled", "fcr_rate", "csat_top2_rate", "aht_seconds", "qa_compliant_rate")

view = current()
settings: Settings = view.settings
st.title("Coaching")
agents = view.kpis(by=("team", "agent"))
agents = agents[agents["agent"].notna()].reset_index(drop=True)
if agents.empty:
    st.info("No handled contacts in this period with these filters.")
    st.stop()
teams = view.kpis(by=("team",))
flags = coaching_flags(agents, teams, settings)
roster = view.warehouse("roster").set_index("agent")
tenure = (pd.Timestamp(view.filters.date_to) - pd.to_datetime(roster["hire_date"])).dt.days

st.caption(f"An agent is flagged on a measure only when both the agent and the rest of the team have at least "
           f"{settings.coaching_min_contacts} in its denominator and the agent's {settings.coaching_confidence:.0%} "
           f"interval (Wilson score for rates, normal for handle time) lies entirely on the wrong side of the rest "
           f"of the team's value.")


def kpi_of(kpi_name: str) -> Kpi:
    return KPI_BY_NAME.get(kpi_name) or Kpi(kpi_name, kpi_name, "rate", "", True)


flagged = flags[flags["flagged"]]
reasons = {
    agent: "; ".join(f"{r.measure} {fmt(kpi_of(r.kpi), r.value)} vs {fmt(kpi_of(r.kpi), r.team_value)} (n={r.n})"
                     for r in rows.itertuples())
    for agent, rows in flagged.groupby("agent")
}
card = pd.DataFrame({
    "agent": agents["agent"].map(view.agent_label),
    "team": agents["team"],
    "tenure (days)": agents["agent"].map(tenure).astype("Int64"),
    **{KPI_BY_NAME[k].label: [fmt(KPI_BY_NAME[k], v) for v in agents[k]] for k in SCORECARD},
    "flags": [reasons.get(agent, "") for agent in agents["agent"]],
})
card["flag count"] = agents["agent"].map(flagged.groupby("agent").size().to_dict()).fillna(0).astype(int)
card = card.sort_values(["flag count", "agent"], ascending=[False, True])
st.subheader("Agent scorecard")
st.dataframe(card, hide_index=True, key="scorecard")
table_button(view, card, "agent-scorecard", key="scorecard_csv")
st.caption(f"{int((card['flag count'] > 0).sum())} of {len(card)} agents flagged.")

st.subheader("Agent against team")
options = {m.kpi: m for m in measures(settings)}
measure = options[st.selectbox("Measure", list(options), format_func=lambda k: options[k].label,
                               key="coaching_measure")]
team = st.selectbox("Team", sorted(agents["team"].unique()), key="coaching_team")
subset = flags[(flags["kpi"] == measure.kpi) & (flags["team"] == team) & (flags["n"] > 0)]
if subset.empty:
    note = " (FCR counts a contact only once its 7-day window has closed)" if measure.kpi == "fcr_rate" else ""
    st.info(f"No {measure.label} data for {team} in this period{note}.")
else:
    subset = subset.assign(agent=subset["agent"].map(view.agent_label))
    st.plotly_chart(charts.agent_vs_team_chart(subset, measure.label, "seconds" if measure.mean else "rate"),
                    key="agent_vs_team")

st.subheader("Agent drill-down")
agent = st.selectbox("Agent", list(agents["agent"]), format_func=view.agent_label, key="coaching_agent")
one = view.filters.model_copy(update={"agents": [agent]})
weekly = view.kpis(by=("week",), filters=one)
columns = st.columns(3)
for column, name in zip(columns, ("fcr_rate", "csat_top2_rate", "aht_seconds")):
    with column:
        st.plotly_chart(charts.kpi_trend_chart(weekly, KPI_BY_NAME[name], settings.targets.get(name), x="week"),
                        key=f"agent_trend_{name}")
failed = view.failed_evaluations(None, filters=one)
if failed.empty:
    st.caption("No failed QA items for this agent in the period.")
else:
    st.dataframe(failed[["evaluation_id", "contact_id", "day", "items_failed"]], hide_index=True,
                 key="agent_failed_items")

st.subheader("New-hire cohorts")
rows = []
for low, high, label in BANDS:
    members = [a for a in agents["agent"] if a in tenure.index and low <= tenure[a] <= high]
    if not members:
        continue
    table = view.kpis(filters=view.filters.model_copy(update={"agents": members}))
    if table.empty:
        continue
    r = table.iloc[0]
    rows.append({"tenure": label, "agents": len(members),
                 **{KPI_BY_NAME[k].label: fmt(KPI_BY_NAME[k], r[k]) for k in SCORECARD}})
st.dataframe(pd.DataFrame(rows), hide_index=True, key="cohorts")
