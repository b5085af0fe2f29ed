"""Issue 11, "no silent change": every contract edge that used to change a value on the way in, each with a test
that failed before the fix."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pandas as pd
import pytest

from etl import sqlfiles
from etl.cli import main
from etl.kpis import ReportingZoneMismatch, kpi_table
from etl.load import load
from etl.settings import Settings
from etl.warehouse import connect_read_only
from tests.conftest import AGENTS, CALL_HEADER, JANUARY, QUEUES, TEST_KEY, write_delivery
from tests.test_contract_v2 import kpis

NOW = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)


def answered(call_id, patient="", agent="A1", offered="2026-01-05T09:00:00", answered_at="2026-01-05T09:00:10",
             ended="2026-01-05T09:05:00", hold="", acw="", resolved=""):
    return [call_id, patient, "q1", "", agent, offered, answered_at, ended, hold, acw, "", "", resolved]


def loaded(tmp_path, files, settings=None, name="d"):
    settings = settings or Settings(db_path=tmp_path / "wh" / "w.duckdb", pseudonym_key=TEST_KEY)
    report = load([write_delivery(tmp_path / name, {"agents.csv": AGENTS, "queues.csv": QUEUES, **files})],
                  settings, now=NOW)
    return settings, report


def query(settings, sql):
    con = connect_read_only(settings.db_path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_durations_keep_milliseconds_and_scores_stay_whole(tmp_path):
    calls = [CALL_HEADER, answered("C1", acw="12.5"), answered("C2", hold="12.5"), answered("C3", acw="12.0"),
             answered("C4", acw=" 0.250\t", hold="1.5000"), answered("C5", acw="12."),
             answered("X1", acw="12.0005"), answered("X2", acw="1e3"), answered("X3", acw="12,5"),
             answered("X4", hold="-0.5"), answered("X5", hold="1000000000")]
    surveys = [["survey_id", "contact_id", "responded_at", "csat"], ["S1", "C3", "", "3.5"], ["S2", "C3", "", "4"]]
    queues = [QUEUES[0], ["q1", "P1", "T1", "S1", "30.5"], QUEUES[2]]
    settings, report = loaded(tmp_path, {"calls.csv": calls, "surveys.csv": surveys, "queues.csv": queues})
    by_kind = {f.kind: f for f in report.files}
    # a part below a millisecond is not rounded away; an exponent or a decimal comma is not guessed at
    assert by_kind["calls"].reasons == {
        "acw_seconds has a part below a millisecond (not kept)": 1,
        "acw_seconds is not a number of seconds (digits, up to 3 decimal places)": 2,
        "hold_seconds is negative": 1,
        "hold_seconds is too large": 1}
    # milliseconds kept exactly; "12.0" and "12." are twelve: nothing is lost by reading them so
    assert sorted(query(settings, "select contact_id, hold_seconds, acw_seconds from contacts")) == [
        ("C1", Decimal("0"), Decimal("12.5")), ("C2", Decimal("12.5"), Decimal("0")),
        ("C3", Decimal("0"), Decimal("12")), ("C4", Decimal("1.5"), Decimal("0.25")),
        ("C5", Decimal("0"), Decimal("12"))]
    # scores and thresholds stay whole numbers
    assert by_kind["surveys"].reasons == {"csat is not a whole number": 1}
    assert query(settings, "select survey_id, csat from surveys") == [("S2", 4)]
    assert by_kind["queues"].reasons == {"sl_threshold_seconds is not a positive whole number": 1}


def test_waits_and_handle_times_add_up_exactly(tmp_path):
    # waits of 0.1 s and 0.2 s, handle times from the timestamps plus after-contact work in milliseconds
    calls = [CALL_HEADER,
             answered("C1", answered_at="2026-01-05T09:00:00.1", ended="2026-01-05T09:05:00", acw="0.25"),
             answered("C2", answered_at="2026-01-05T09:00:00.2", ended="2026-01-05T09:05:00.05", acw="0.001")]
    settings, report = loaded(tmp_path, {"calls.csv": calls})
    assert report.files[-1].quarantined == 0
    assert sorted(query(settings, "select contact_id, wait_seconds, handle_seconds from contact_facts")) == [
        ("C1", Decimal("0.1"), Decimal("299.9") + Decimal("0.25")),
        ("C2", Decimal("0.2"), Decimal("299.85") + Decimal("0.001"))]
    row = kpis(settings).iloc[0]
    # exact sums: 0.1 + 0.2 is 0.3 (a sum of floats gives 0.30000000000000004), converted once at the end
    assert row["asa_seconds_num"] == 0.3 and row["asa_seconds"] == 0.15
    assert row["aht_seconds_num"] == 600.001
    assert row["aht_seconds_sumsq"] == float(Decimal("300.15") ** 2 + Decimal("299.851") ** 2)


def test_a_warehouse_of_whole_seconds_is_upgraded_with_its_values(tmp_path):
    settings = Settings(db_path=tmp_path / "wh" / "w.duckdb", pseudonym_key=TEST_KEY)
    settings.db_path.parent.mkdir()
    con = duckdb.connect(str(settings.db_path))  # as an earlier version stored them: durations as integers
    sqlfiles.run(con, "schema.sql")
    sqlfiles.run(con, "schema_contacts.sql")
    for column in ("hold_seconds", "acw_seconds", "talk_seconds"):
        con.execute(f"alter table contacts alter column {column} set data type integer")
    con.execute("insert into contacts (contact_id, channel, queue, agent_id, offered_at, handled_at, ended_at, "
                "hold_seconds, acw_seconds, transferred, escalated_clinical, load_id) values "
                "('C1', 'voice', 'q1', 'A1', '2026-01-05 09:00:00', '2026-01-05 09:00:10', '2026-01-05 09:05:00', "
                "20, 30, false, false, 1)")
    con.close()
    # C2 arrives with milliseconds: C1's whole seconds and C2's milliseconds add up exactly
    loaded(tmp_path, {"calls.csv": [CALL_HEADER, answered("C2", acw="5.125")]}, settings)
    types = dict(query(settings, "select column_name, data_type from duckdb_columns() where table_name = "
                                 "'contacts_template' and column_name like '%_seconds'"))
    assert types == {"hold_seconds": "DECIMAL(18,3)", "acw_seconds": "DECIMAL(18,3)", "talk_seconds": "DECIMAL(18,3)"}
    assert sorted(query(settings, "select contact_id, hold_seconds, acw_seconds from contacts")) == [
        ("C1", Decimal(20), Decimal(30)), ("C2", Decimal(0), Decimal("5.125"))]
    row = kpis(settings).iloc[0]
    assert (row["aht_seconds_num"], row["aht_seconds_den"]) == (290 + 30 + 290 + 5.125, 2)


def test_a_wait_a_fraction_of_a_millisecond_over_the_threshold_misses_it(tmp_path):
    calls = [CALL_HEADER, answered("C1", answered_at="2026-01-05T09:00:30.0005"),
             answered("C2", answered_at="2026-01-05T09:00:30.000"),
             answered("C3", answered_at="2026-01-05T09:00:30.0000001")]
    settings, report = loaded(tmp_path, {"calls.csv": calls})
    # C3's part below a microsecond cannot be kept: quarantined, not truncated
    assert report.files[-1].reasons == {"answered_at has a part below a microsecond (not kept)": 1}
    row = kpis(settings).iloc[0]
    assert (row["service_level_num"], row["service_level_den"]) == (1, 2)  # C2 (30 s) meets 30 s; C1 does not
    assert row["asa_seconds_num"] == pytest.approx(60.0005, abs=1e-9)


def test_whitespace_around_ids_is_trimmed_alike_and_control_characters_inside_are_refused(tmp_path):
    calls = [CALL_HEADER,
             answered("C1", patient="PAT-1"),
             # the same patient two days later, written with a tab after the reference: a repeat contact
             answered("C2\t", patient="PAT-1\t", offered="2026-01-07T09:00:00", answered_at="2026-01-07T09:00:10",
                      ended="2026-01-07T09:05:00"),
             answered("C\t3", patient="PAT-2", offered="2026-01-20T09:00:00", answered_at="2026-01-20T09:00:10",
                      ended="2026-01-20T09:05:00"),
             answered("C4", patient="PAT-3", offered="2026-01-28T09:00:00", answered_at="2026-01-28T09:00:10",
                      ended="2026-01-28T09:05:00")]
    settings, report = loaded(tmp_path, {"calls.csv": calls})
    assert report.files[-1].reasons == {
        "call_id contains a control character (a tab or line break inside an id)": 1}
    assert sorted(query(settings, "select contact_id from contacts")) == [("C1",), ("C2",), ("C4",)]
    assert query(settings, "select count(distinct patient_pseudonym) from contacts where contact_id in ('C1', 'C2')") \
        == [(1,)]
    row = kpis(settings).iloc[0]
    # horizon 01-28: C1's window is closed and C2 repeats it; C2's window closed (01-14) with no repeat
    assert (row["fcr_rate_num"], row["fcr_rate_den"]) == (1, 2)


def test_every_field_is_trimmed_the_same_way_once(tmp_path):
    # each reader trims every field once as it fills raw_input; every check then reads the trimmed value: a date, a
    # count, a flag and a timestamp with a tab, a line break or a no-break space around them load as what they hold
    nbsp = "\u00a0"
    calls = [CALL_HEADER, answered("C1", offered="\t2026-01-05T09:00:00", acw=f"{nbsp}12\r\n", resolved=" yes\t")]
    agents = [AGENTS[0], ["A1", "Ann", "T1", "S1", "P1", "\tfalse", f"2025-01-01{nbsp}"]]
    coaching = [["session_id", "agent_id", "date", "topic", "trainer", "notes"],
                ["K1", "A1", f"{nbsp}2026-01-10\t", "fcr_rate\x0b", "", ""]]
    settings, report = loaded(tmp_path, {"calls.csv": calls, "agents.csv": agents, "coaching_sessions.csv": coaching})
    assert {f.kind: f.quarantined for f in report.files} == {"agents": 0, "queues": 0, "calls": 0,
                                                               "coaching_sessions": 0}
    assert query(settings, "select offered_at, acw_seconds, resolved from contacts") == [
        (dt.datetime(2026, 1, 5, 9), 12, True)]
    assert query(settings, "select hire_date, licensed from agents") == [(dt.date(2025, 1, 1), False)]
    assert query(settings, "select session_date, topic from coaching_sessions") == [(dt.date(2026, 1, 10), "fcr_rate")]


def test_an_evaluation_resent_for_another_contact_replaces_the_old_one(tmp_path):
    calls = [CALL_HEADER, answered("C1", agent="A1"), answered("C2", agent="A2")]
    header = ["evaluation_id", "contact_id", "evaluated_at", "evaluator", "item", "result"]
    first = [header, ["E1", "C1", "", "qa1", "identity_verified", "fail"],
             ["E1", "C1", "", "qa1", "recording_disclosure", "pass"]]
    second = [header, ["E1", "C2", "", "qa1", "identity_verified", "pass"]]
    settings, _ = loaded(tmp_path, {"calls.csv": calls, "qa_evaluations.csv": first})
    _, report = loaded(tmp_path, {"qa_evaluations.csv": second}, settings, name="later")
    assert query(settings, "select evaluation_id, contact_id, item from qa_results") == [
        ("E1", "C2", "identity_verified")]
    qa = report.files[-1]
    assert (qa.rows_read, qa.loaded, qa.replaced, qa.quarantined) == (1, 0, 1, 0)
    table = kpis(settings, by=("agent",)).set_index("agent")
    # the old agent keeps nothing of the evaluation; the new one has it once, compliant
    assert (table.loc["A1", "qa_compliant_rate_den"], table.loc["A1", "qa_item_recording_disclosure_rate_den"]) \
        == (0, 0)
    assert (table.loc["A2", "qa_compliant_rate_num"], table.loc["A2", "qa_compliant_rate_den"]) == (1, 1)


def test_a_numerator_is_zero_never_null_when_its_denominator_is_zero(tmp_path):
    calls = [CALL_HEADER, answered("C1", agent="A1"), answered("C2", agent="A2", resolved="yes"),
             ["C3", "", "q2", "", "", "2026-01-06T09:00:00", "", "2026-01-06T09:00:02", "", "", "", "", ""]]
    settings, _ = loaded(tmp_path, {"calls.csv": calls})
    table = kpis(settings, by=("agent",))
    a1 = table.set_index("agent").loc["A1"]
    assert (a1["agent_resolution_rate_num"], a1["agent_resolution_rate_den"]) == (0, 0)
    assert pd.isna(a1["agent_resolution_rate"])
    nums = [c for c in table.columns if c.endswith("_num")]
    assert not table[nums].isna().any().any()
    for num in nums:
        den = num.removesuffix("_num") + "_den"
        assert (table.loc[table[den] == 0, num] == 0).all(), num


def test_a_reporting_time_zone_other_than_the_built_one_is_refused(tmp_path, monkeypatch, capsys):
    settings, _ = loaded(tmp_path, {"calls.csv": [CALL_HEADER, answered("C1")]})
    con = connect_read_only(settings.db_path)
    try:
        with pytest.raises(ReportingZoneMismatch, match="built in reporting time zone UTC.*America/New_York"):
            kpi_table(con, JANUARY, (), settings.model_copy(update={"reporting_timezone": "America/New_York"}))
    finally:
        con.close()
    monkeypatch.setenv("CAREKPI_REPORTING_TIMEZONE", "America/New_York")
    monkeypatch.setenv("CAREKPI_PSEUDONYM_KEY", TEST_KEY)
    code = main(["kpi", "--db", str(settings.db_path), "--from", "2026-01-01", "--to", "2026-01-31"])
    err = capsys.readouterr().err
    assert code == 2 and "built in reporting time zone UTC" in err and len(err.strip().splitlines()) == 1
    # loading again with the new zone rebuilds the days in it; then the zone is accepted
    zoned = settings.model_copy(update={"reporting_timezone": "America/New_York"})
    loaded(tmp_path, {}, zoned, name="again")
    assert kpis(zoned).iloc[0]["contacts_offered"] == 1


def test_the_app_names_the_zone_the_warehouse_was_built_in(tmp_path, users_env, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT, login

    settings, _ = loaded(tmp_path, {"calls.csv": [CALL_HEADER, answered("C1")]})
    monkeypatch.setenv("CAREKPI_DB_PATH", str(settings.db_path))
    monkeypatch.setenv("CAREKPI_PSEUDONYM_KEY", TEST_KEY)
    monkeypatch.setenv("CAREKPI_REPORTING_TIMEZONE", "Europe/Paris")
    st.cache_data.clear()
    st.cache_resource.clear()
    at = login(AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=90), "manager").run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "this warehouse's days and hours were built in reporting time zone UTC, but reporting_timezone "
        "(CAREKPI_REPORTING_TIMEZONE) is Europe/Paris: days are fixed when the warehouse is built. Load a delivery "
        "again with reporting_timezone Europe/Paris to rebuild them, or set it back to UTC."]
