"""coaching_sessions.csv: loaded like every contract file (quarantine with reasons, re-delivery, scrubbed notes
never kept in quarantine), and the coaching loop's before/after per session and per team, worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.coaching import stats
from etl.coaching.sessions import IMPROVED, NOT_ENOUGH, TOO_EARLY, session_outcomes, team_outcomes
from etl.kpis import Filters
from etl.load import load
from etl.settings import Settings
from etl.warehouse import connect_read_only
from tests.conftest import CALL_HEADER, NOW, TEST_KEY, write_delivery

AGENTS = [["agent_id", "agent_name", "team", "site", "partner", "licensed", "hire_date"],
          ["A", "Ann", "T", "S", "P", "false", "2020-01-01"]]
QUEUES = [["queue", "partner", "team", "site", "sl_threshold_seconds"], ["q", "P", "T", "S", ""]]
SESSION_HEADER = ["session_id", "agent_id", "date", "topic", "trainer", "notes"]
SESSIONS = [
    SESSION_HEADER,
    ["CS1", "A", "2026-01-15", "Transfer_Rate", "trainer.kim", "call me on 617-555-0142 about it"],
    ["CS2", "A", "2026-01-24", "transfer_rate", "trainer.kim", ""],
    ["CS3", "A", "2026-01-15", "csat_top2_rate", "", "no surveys"],
    ["CS4", "A", "2026-01-15", "identity_verified", "", ""],
    ["BAD1", "A", "15/01/2026", "transfer_rate", "", "secret note one"],
    ["BAD2", "A", "2026-01-15", "empathy", "", "secret note two"],
    ["BAD3", "", "2026-01-15", "fcr_rate", "", "secret note three"],
    ["BAD4", "A", "2026-03-01", "fcr_rate", "", "secret note four"],
    ["CS5", "A", "2026-01-10", "fcr_rate", "", "first version"],
    ["CS5", "A", "2026-01-12", "fcr_rate", "", "second version"],
]


def calls() -> list[list[str]]:
    """40 calls a day-spread in the week before 15 January (8-14), 20 transferred; 40 in the week after (16-22),
    2 transferred; one on 25 January (the last day of data)."""
    rows = [CALL_HEADER]
    for week, (first_day, transferred) in enumerate(((8, 20), (16, 2))):
        for i in range(40):
            start = dt.datetime(2026, 1, first_day + i % 7, 9, i)
            rows.append([f"W{week}-{i}", f"P{week}-{i}", "q", "appt", "A", start.isoformat(),
                         (start + dt.timedelta(seconds=5)).isoformat(), (start + dt.timedelta(seconds=300)).isoformat(),
                         "0", "0", "yes" if i < transferred else "no", "no", ""])
    rows.append(["LAST", "PZ", "q", "appt", "A", "2026-01-25T09:00:00", "2026-01-25T09:00:05",
                 "2026-01-25T09:05:00", "0", "0", "no", "no", ""])
    return rows


@pytest.fixture
def loaded(tmp_path):
    settings = Settings(db_path=tmp_path / "wh.duckdb", pseudonym_key=TEST_KEY, coaching_weeks_around_session=1)
    folder = write_delivery(tmp_path / "d", {"agents.csv": AGENTS, "queues.csv": QUEUES, "calls.csv": calls(),
                                              "coaching_sessions.csv": SESSIONS})
    report = load([folder], settings, now=NOW)
    return settings, folder, report


def test_sessions_load_with_quarantine_reasons(loaded):
    settings, _, report = loaded
    f = next(f for f in report.files if f.kind == "coaching_sessions")
    assert (f.rows_read, f.loaded, f.replaced, f.quarantined) == (10, 5, 0, 5)
    assert f.reasons == {
        "date is not a date (YYYY-MM-DD)": 1,
        "topic is not a compared KPI or QA item": 1,
        "agent_id is missing": 1,
        "date in the future": 1,
        "session_id repeated in this file (the last occurrence is kept)": 1,
    }
    con = connect_read_only(settings.db_path)
    try:
        stored = dict(con.execute("select session_id, notes from coaching_sessions").fetchall())
        topics = dict(con.execute("select session_id, topic from coaching_sessions").fetchall())
        quarantined = con.execute("select * from quarantine where kind = 'coaching_sessions'").fetchdf()
    finally:
        con.close()
    assert "555" not in stored["CS1"] and "[redacted]" in stored["CS1"] and stored["CS5"] == "second version"
    assert topics["CS1"] == "transfer_rate"  # any case
    # notes are withheld: no column for them, and no note text anywhere in a quarantined row
    assert len(quarantined) == 5 and "notes" not in quarantined.columns and "raw_text" not in quarantined.columns
    text = quarantined.astype(str).to_csv()
    assert "secret note" not in text and "first version" not in text
    assert quarantined["session_id"].notna().any() and quarantined["topic"].notna().any()


def test_re_delivery_replaces_and_adds_nothing(loaded):
    settings, folder, _ = loaded
    report = load([folder], settings, now=NOW)
    f = next(f for f in report.files if f.kind == "coaching_sessions")
    assert (f.loaded, f.replaced, f.quarantined) == (0, 5, 5)
    con = connect_read_only(settings.db_path)
    try:
        assert con.execute("select count(*) from coaching_sessions").fetchone()[0] == 5
    finally:
        con.close()


def test_before_and_after_by_hand(loaded):
    settings, _, _ = loaded
    settings = settings.model_copy(update={"coaching_min_contacts": 30})
    con = connect_read_only(settings.db_path)
    try:
        out = session_outcomes(con, Filters(date_from=dt.date(2026, 1, 19), date_to=dt.date(2026, 1, 25)), settings,
                               with_notes=True).set_index("session_id")
    finally:
        con.close()
    cs1 = out.loc["CS1"]
    assert (cs1.before_from, cs1.before_to, cs1.after_from, cs1.after_to) == (
        "2026-01-08", "2026-01-14", "2026-01-16", "2026-01-22")
    assert (cs1.before_value, cs1.before_n, cs1.after_value, cs1.after_n) == (0.5, 40, 0.05, 40)
    _, low, high = stats.newcombe_interval(2, 40, 20, 40)  # after - before
    assert (cs1.change, cs1.change_low, cs1.change_high) == (pytest.approx(-0.45), pytest.approx(float(low)),
                                                             pytest.approx(float(high)))
    assert float(high) < 0 and cs1.outcome == IMPROVED  # fewer transfers is better
    assert cs1.notes.startswith("call me on") and "555" not in cs1.notes and cs1.measure == "Transfers"
    assert out.loc["CS2"].outcome == TOO_EARLY  # its week after (25-31 January) runs past the data
    assert out.loc["CS3"].outcome == NOT_ENOUGH and out.loc["CS3"].before_n == 0  # no surveys
    assert out.loc["CS4"].kpi == "qa_item_identity_verified_rate"  # a QA item's name as topic
    teams = team_outcomes(out.reset_index()).set_index("team")
    assert teams.loc["T"].to_dict() == {"coached agents": 1, IMPROVED: 1, "no clear change": 0,
                                        "got worse clearly": 0, "not judged yet": 0}


def test_notes_only_when_asked(loaded):
    settings, _, _ = loaded
    con = connect_read_only(settings.db_path)
    try:
        out = session_outcomes(con, Filters(date_from=dt.date(2026, 1, 19), date_to=dt.date(2026, 1, 25)), settings)
    finally:
        con.close()
    assert out["notes"].isna().all() and len(out) == 5
