"""Coaching: each agent against the rest of their team (new hires: their hire cohort), flagged only where the gap is
statistically clear across the whole page; the evidence behind each flag; agents without enough contacts yet; the
weekly trend of a flagged measure. All numbers come from etl.coaching.scorecard.coaching_scorecard(), the function
`carekpi coaching` prints. A scorecard row (an agent), a cell (an agent's measure), an agent's point against the
team or a point of the agent's trend (a week) opens the agent's contacts behind it (dashboard/drilldown.py)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import drilldown as drill
from dashboard.context import current, warehouse_cursor
from dashboard.downloads import table_button
from etl.coaching import charts as coaching_charts
from etl.coaching.compare import FLAGGED, NOT_ENOUGH
from etl.coaching.measures import measure_by_kpi
from etl.coaching.scorecard import coaching_scorecard, period_label
from etl.coaching.ramp import hire_weeks, learning_curve, new_hires, tenure_days
from etl.coaching.sessions import session_outcomes, team_outcomes
from etl.coaching.text import evidence_sentence, markdown_text, rule_sentence
from etl.coaching.trend import weekly_trend
from etl.drilldown import drillable
from etl.kpis import Filters, Scope

HEADLINE = ("fcr_rate", "csat_top2_rate", "transfer_rate", "aht_seconds", "qa_compliant_rate")
TREND_DAYS = 56  # the trend shows at least the last eight weeks
# the sessions table in pixel widths that add up to the page's width at 1440 px (about 980 px beside the sidebar),
# so no column is cut off on the right; a session's team is in the team table above it
SESSION_WIDTHS = {"date": 84, "agent": 110, "topic": 100, "before": 56, "before n": 56, "after": 56, "after n": 56,
                  "unit": 36, "change": 60, "interval": 96, "outcome": 112, "trainer": 66, "notes": 84}
SESSION_FORMATS = {"before": "%.1f", "after": "%.1f", "change": "%+.1f", "before n": "localized",
                   "after n": "localized"}
SESSION_COLUMNS = {name: st.column_config.NumberColumn(name, width=width, format=SESSION_FORMATS[name])
                   if name in SESSION_FORMATS else st.column_config.TextColumn(name, width=width)
                   for name, width in SESSION_WIDTHS.items()}
PAGE = "coaching"


def _read(db_path: str, snapshot: str, read, filters_json: str, scope_json: str, include_licensed: bool, **kw):
    """Run `read(cursor, filters, settings, scope, include_licensed, **kw)` on the snapshot."""
    from dashboard.context import settings

    cursor = warehouse_cursor(db_path, snapshot)
    try:
        return read(cursor, Filters.model_validate_json(filters_json), settings(),
                    Scope.model_validate_json(scope_json), include_licensed, **kw)
    finally:
        cursor.close()


@st.cache_data(max_entries=64, show_spinner=False)
def _scorecard(db_path: str, snapshot: str, filters_json: str, scope_json: str,
               include_licensed: bool) -> pd.DataFrame:
    return _read(db_path, snapshot, coaching_scorecard, filters_json, scope_json, include_licensed)


@st.cache_data(max_entries=64, show_spinner=False)
def _sessions(db_path: str, snapshot: str, filters_json: str, scope_json: str, include_licensed: bool) -> pd.DataFrame:
    return _read(db_path, snapshot, session_outcomes, filters_json, scope_json, include_licensed, with_notes=True)


@st.cache_data(max_entries=16, show_spinner=False)
def _tenure_days(db_path: str, snapshot: str, filters_json: str, scope_json: str,
                 include_licensed: bool) -> pd.DataFrame:
    return _read(db_path, snapshot, tenure_days, filters_json, scope_json, include_licensed)[0]


def wide_scorecard(frame: pd.DataFrame, label) -> pd.DataFrame:
    """One row per agent: flags, then each headline measure's value (rates in %) and n, as numbers."""
    frame = frame.assign(shown=frame["value"] * frame["unit"].map({"rate": 100.0, "seconds": 1.0}))
    flags = frame[frame["flagged"]].groupby("agent")["measure"].agg(", ".join)
    agents = frame.drop_duplicates("agent")[["agent", "team", "compared_with"]].set_index("agent")
    table = pd.DataFrame({"agent": agents.index.map(label), "team": agents["team"].to_numpy(),
                          "flags": agents.index.map(lambda a: int((frame["agent"].eq(a) & frame["flagged"]).sum())),
                          "flagged on": agents.index.map(lambda a: flags.get(a, ""))})
    for kpi in HEADLINE:
        rows = frame[frame["kpi"] == kpi].set_index("agent").reindex(agents.index)
        name = rows["measure"].dropna().iloc[0] if rows["measure"].notna().any() else kpi
        table[name] = rows["shown"].to_numpy()
        table[f"{name} n"] = rows["n"].fillna(0).astype(int).to_numpy()
    table["compared with"] = agents["compared_with"].to_numpy()
    return table.sort_values(["flags", "agent"], ascending=[False, True]).reset_index(drop=True)


def column_formats(table: pd.DataFrame, units: dict[str, str]) -> dict:
    config = {"flagged on": st.column_config.TextColumn(width="large")}
    for name, unit in units.items():
        config[name] = st.column_config.NumberColumn(format="%.1f%%" if unit == "rate" else "%.0f s")
        config[f"{name} n"] = st.column_config.NumberColumn(format="%d")
    return config


view = current()
settings = view.settings
measures = measure_by_kpi(settings)
st.title("Coaching")
st.info(rule_sentence(settings))
card = _scorecard(view.db_path, view.snapshot, view.filters.model_dump_json(), view.scope.model_dump_json(),
                  view.include_licensed)
if card.empty:
    st.info("No handled contacts in this period with these filters.")
    st.stop()

st.subheader("Agent scorecard")
wide = wide_scorecard(card, view.agent_label)
units = {measures[k].label: measures[k].unit for k in HEADLINE}
by_label = {view.agent_label(a): a for a in card["agent"].unique()}
kpi_by_column = {name: k for k in HEADLINE for name in (measures[k].label, f"{measures[k].label} n")}


def scorecard_cell(row: int, column: str | None) -> drill.Narrowing:
    """An agent (the row), on a measure (the column) when a measure's cell is chosen."""
    agent, kpi = wide["agent"].iloc[row], kpi_by_column.get(column)
    return drill.Narrowing(agent + (f": {measures[kpi].label}" if kpi else ""), groups={"agents": [by_label[agent]]},
                           kpi=kpi if kpi and drillable(kpi) else None)


drill.on_cells(PAGE, "scorecard", st.dataframe(wide, hide_index=True, key="scorecard", placeholder="—",
                                               column_config=column_formats(wide, units), on_select="rerun",
                                               selection_mode=["single-row", "single-cell"]), scorecard_cell)
periods = card.drop_duplicates(["measure", "period_from", "period_to"])
fcr = periods[periods["kpi"] == "fcr_rate"]
main_period = periods[periods["kpi"] != "fcr_rate"].iloc[0] if (periods["kpi"] != "fcr_rate").any() else None
if main_period is not None and not fcr.empty and fcr.iloc[0]["period_to"] != main_period["period_to"]:
    st.caption(f"FCR is read over {period_label(fcr.iloc[0]['period_from'], fcr.iloc[0]['period_to'])}, the latest "
               f"period of this length whose 7-day repeat windows have all closed; every other measure over "
               f"{period_label(main_period['period_from'], main_period['period_to'])}.")
flagged = card[card["flagged"]]
st.caption(f"{flagged['agent'].nunique()} of {card['agent'].nunique()} agents flagged on "
           f"{len(flagged)} of {int((card['status'].isin([FLAGGED, 'no clear gap'])).sum())} comparisons made.")
table_button(view, card.assign(agent=card["agent"].map(view.agent_label)), "coaching-scorecard",
             key="scorecard_csv")

st.subheader("Flags and their evidence")
if flagged.empty:
    st.success("No agent is clearly behind on any measure in this period.")
for row in flagged.itertuples():
    st.markdown("- " + evidence_sentence(row, markdown_text(view.agent_label(row.agent)), settings))

st.subheader("Not enough contacts yet")
short = card[card["status"] == NOT_ENOUGH]
if short.empty:
    st.caption("Every agent has enough contacts on every measure.")
else:
    none_compared = card.groupby("agent")["status"].agg(lambda s: (s == NOT_ENOUGH).all())
    st.caption(f"Not compared until they reach {settings.coaching_min_contacts} contacts for the measure: "
               f"{short['agent'].nunique()} agent(s) short on at least one measure, {int(none_compared.sum())} "
               f"of them on every measure.")
    st.dataframe(pd.DataFrame({"agent": short["agent"].map(view.agent_label), "team": short["team"],
                               "measure": short["measure"], "n": short["n"].astype(int),
                               "needed": settings.coaching_min_contacts}),
                 hide_index=True, key="not_enough")

st.subheader("Agent against team")
options = list(measures)
measure = measures[st.selectbox("Measure", options, format_func=lambda k: measures[k].label,
                                key="coaching_measure")]
team = st.selectbox("Team", sorted(card["team"].unique()), key="coaching_team")
subset = card[(card["kpi"] == measure.kpi) & (card["team"] == team) & card["difference_low"].notna()]
if subset.empty:
    st.info(f"No {measure.label} data for {markdown_text(team)} in this period.")
else:
    shown = subset.assign(agent=subset["agent"].map(view.agent_label), enough=subset["status"] != NOT_ENOUGH)
    gaps = coaching_charts.difference_chart(shown, measure.label, measure.mean, settings.coaching_confidence)
    plotted_agents = drill.plotted({a: view.agent_label(a) for a in subset["agent"]})
    drill.on_points(PAGE, "agent_vs_team", st.plotly_chart(gaps, key="agent_vs_team", on_select="rerun",
                                                           selection_mode="points"), gaps,
                    lambda _name, point: drill.Narrowing(
                        f"{view.agent_label(plotted_agents[point['y']])}: {measure.label}",
                        groups={"agents": [plotted_agents[point["y"]]]},
                        kpi=measure.kpi if drillable(measure.kpi) else None) if point.get("y") in plotted_agents
                    else None)
    st.caption(f"Grey: fewer than {settings.coaching_min_contacts} contacts, shown but never flagged; "
               f"red: flagged. {period_label(subset.iloc[0]['period_from'], subset.iloc[0]['period_to'])}.")

st.subheader("Trend of a measure")
agents = sorted(card["agent"].unique(), key=lambda a: (not card[(card["agent"] == a)]["flagged"].any(), a))
agent = st.selectbox("Agent", agents, format_func=view.agent_label, key="coaching_agent")
mine = card[card["agent"] == agent]
first_flag = mine.loc[mine["flagged"], "kpi"]
kpis = list(measures)
trend_kpi = st.selectbox("Measure ", kpis, index=kpis.index(first_flag.iloc[0]) if len(first_flag) else 0,
                         format_func=lambda k: measures[k].label, key="coaching_trend_measure")
row = mine[mine["kpi"] == trend_kpi].iloc[0]
end = dt.date.fromisoformat(row["period_to"])
start = min(dt.date.fromisoformat(row["period_from"]), end - dt.timedelta(days=TREND_DAYS - 1))
span = view.filters.model_copy(update={"date_from": start, "date_to": end})
weeks = weekly_trend(view.kpis(by=("week",), filters=span.model_copy(update={"agents": [agent]})),
                     view.kpis(by=("week",), filters=span.model_copy(update={"teams": [row["team"]]})),
                     measures[trend_kpi], settings.coaching_confidence)
if weeks.empty:
    st.info(f"No {measures[trend_kpi].label} data for this agent from "
            f"{period_label(start.isoformat(), end.isoformat())}.")
else:
    trend = coaching_charts.trend_chart(weeks, measures[trend_kpi].label, measures[trend_kpi].unit,
                                        settings.coaching_confidence)
    drill.on_points(PAGE, "coaching_trend", st.plotly_chart(trend, key="coaching_trend", on_select="rerun",
                                                            selection_mode="points"), trend,
                    lambda name, point: drill.Narrowing.period(  # the agent's line (not the rest of the team's)
                        f"{view.agent_label(agent)}: {measures[trend_kpi].label}, week of {str(point['x'])[:10]}",
                        point["x"], days=7, groups={"agents": [agent]},
                        kpi=trend_kpi if drillable(trend_kpi) else None) if name == "agent" else None)

st.subheader("New-hire ramp")
hired = new_hires(view.warehouse("roster"), view.filters.date_to, settings)
hired = hired[hired.index.isin(card["agent"])]
ramp_weeks = -(-settings.coaching_new_hire_days // 7)
if hired.empty:
    st.caption(f"No agent in view was hired in the {settings.coaching_new_hire_days} days up to this period's end.")
else:
    st.caption(f"{len(hired)} agents hired in the {settings.coaching_new_hire_days} days up to this period's end are "
               f"compared with earlier hires at the same weeks of tenure, not with the rest of the team.")
    ramp_kpi = st.selectbox("Measure  ", list(measures), format_func=lambda k: measures[k].label, key="ramp_measure")
    tenure = _tenure_days(view.db_path, view.snapshot, view.filters.model_dump_json(), view.scope.model_dump_json(),
                          view.include_licensed)
    curve = learning_curve(tenure[~tenure["agent"].isin(hired.index)
                                  | (tenure["day"] < pd.Timestamp(view.filters.date_from))],
                           measures[ramp_kpi], ramp_weeks)
    mine = hire_weeks(tenure, list(hired.index), measures[ramp_kpi], ramp_weeks)
    if not (curve["median"].notna().any() or mine["value"].notna().any()):  # nothing to plot
        st.info(f"No {measures[ramp_kpi].label} data in the first {ramp_weeks} weeks of tenure.")
    else:
        st.plotly_chart(coaching_charts.ramp_chart(curve, mine.assign(agent=mine["agent"].map(view.agent_label)),
                                                   measures[ramp_kpi].label, measures[ramp_kpi].unit),
                        key="ramp_chart")

st.subheader("Did coaching work?")
outcomes = _sessions(view.db_path, view.snapshot, view.filters.model_dump_json(), view.scope.model_dump_json(),
                     view.include_licensed)
weeks = settings.coaching_weeks_around_session
if outcomes.empty:
    st.caption("No coaching sessions (coaching_sessions.csv) for these agents in the 26 weeks up to this period.")
else:
    st.caption(f"Each session: the agent's measure on its topic in the {weeks} weeks before and the {weeks} weeks "
               f"after (the session's day in neither); the change is clear when its "
               f"{settings.coaching_confidence:.0%} interval excludes zero. A clear change is not proof that the "
               f"session caused it: agents are often coached after a bad patch, which tends to pass on its own.")
    st.dataframe(team_outcomes(outcomes), hide_index=True, key="coaching_team_outcomes")
    st.caption("Change: percentage points for a rate (%), per cent of the typical time for a time (s).")
    factor = outcomes["unit"].map({"rate": 100.0, "seconds": 1.0})
    change = outcomes["change_unit"].map({"points": 100.0, "relative": 100.0})
    interval = [None if pd.isna(low) or pd.isna(high) else f"{low:+.1f} to {high:+.1f}"
                for low, high in zip(outcomes["change_low"] * change, outcomes["change_high"] * change)]
    st.dataframe(pd.DataFrame({
        "date": outcomes["session_date"], "agent": outcomes["agent"].map(view.agent_label),
        "topic": outcomes["measure"],
        "before": outcomes["before_value"] * factor, "before n": outcomes["before_n"],
        "after": outcomes["after_value"] * factor, "after n": outcomes["after_n"],
        "unit": outcomes["unit"].map({"rate": "%", "seconds": "s"}),
        "change": outcomes["change"] * change, "interval": interval,
        "outcome": outcomes["outcome"], "trainer": outcomes["trainer"].fillna(""),
        "notes": outcomes["notes"].fillna(""),
    }), hide_index=True, key="coaching_sessions", placeholder="—", column_config=SESSION_COLUMNS)

drill.contacts_section(view, view.filters, PAGE)
