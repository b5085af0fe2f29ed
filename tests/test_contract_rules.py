"""Issue-8 refinements and the contract's defaults: FCR window edges, same-reason matching, the horizon,
QA evaluation rules, unmapped queues, unknown agents, and the settings sources."""

from __future__ import annotations

import datetime as dt

import pytest

from etl import sqlfiles
from etl.contract import FILE_SPECS
from etl.kpis import kpi_table
from etl.load import load
from etl.privacy import IDENTIFIER_PATTERN
from etl.settings import Settings, load_settings
from etl.staging import stage
from etl.warehouse import connect_read_only
from tests.conftest import AGENTS, CALL_HEADER, CHAT_HEADER, JANUARY, NOW, QUEUES, write_delivery


def call(call_id, offered, patient="PAT-1", reason="appt", handled=True, queue="q1", seconds=120):
    start = dt.datetime.fromisoformat(offered)
    answered = (start + dt.timedelta(seconds=10)).isoformat() if handled else ""
    ended = (start + dt.timedelta(seconds=seconds)).isoformat()
    return [call_id, patient, queue, reason, "A1" if handled else "", offered, answered, ended,
            "0", "0", "no", "no", ""]


def fcr(settings, tmp_path, calls, filters=JANUARY, **kwargs):
    folder = write_delivery(tmp_path / "d", {"agents.csv": AGENTS, "queues.csv": QUEUES,
                                             "calls.csv": [CALL_HEADER, *calls]})
    load([folder], settings, now=NOW)
    con = connect_read_only(settings.db_path)
    try:
        row = kpi_table(con, filters, (), settings, **kwargs).iloc[0]
    finally:
        con.close()
    return row["fcr_rate_num"], row["fcr_rate_den"], row["fcr_pending"]


HORIZON = call("H", "2026-01-30T00:00:00", patient="PAT-H", handled=False)


def test_a_repeat_exactly_seven_days_later_counts(tmp_path, settings):
    calls = [call("F1", "2026-01-05T09:00:00"), call("F2", "2026-01-12T09:00:00"), HORIZON]
    assert fcr(settings, tmp_path, calls) == (1, 2, 0)  # F1 repeated (inclusive); F2 resolved


def test_a_contact_one_second_after_the_window_is_not_a_repeat(tmp_path, settings):
    calls = [call("F1", "2026-01-05T09:00:00"), call("F2", "2026-01-12T09:00:01"), HORIZON]
    assert fcr(settings, tmp_path, calls) == (2, 2, 0)


def test_short_abandons_are_not_repeats_but_long_abandons_are(tmp_path, settings):
    calls = [call("F1", "2026-01-05T09:00:00"), call("F2", "2026-01-06T09:00:00", handled=False, seconds=4),
             call("F3", "2026-01-07T09:00:00", patient="PAT-2"),
             call("F4", "2026-01-08T09:00:00", patient="PAT-2", handled=False, seconds=5), HORIZON]
    assert fcr(settings, tmp_path, calls) == (1, 2, 0)  # F1 resolved (F2 ended after 4 s); F3 repeated by F4


def test_the_window_is_real_hours_and_closes_at_the_horizon(tmp_path, settings):
    calls = [call("F1", "2026-01-05T09:00:00"), call("F2", "2026-01-12T08:59:59", patient="PAT-2",
                                                        handled=False)]
    # horizon is F2 at 01-12 08:59:59: F1's window (to 01-12 09:00:00) is still open by one second
    assert fcr(settings, tmp_path, calls) == (0, 0, 1)


def test_the_horizon_ignores_filters(tmp_path, settings):
    calls = [call("F1", "2026-01-05T09:00:00"), call("F2", "2026-01-20T09:00:00", patient="PAT-2", queue="q2",
                                                        handled=False)]
    p1_only = JANUARY.model_copy(update={"partners": ["P1"]})
    assert fcr(settings, tmp_path, calls, filters=p1_only) == (1, 1, 0)


def test_same_reason_matching_is_off_by_default_and_configurable(tmp_path):
    calls = [call("F1", "2026-01-05T09:00:00", reason="billing"), call("F2", "2026-01-06T09:00:00",
                                                                        reason="refill"), HORIZON]
    off = Settings(db_path=tmp_path / "off.duckdb", pseudonym_key="k" * 20)
    on = Settings(db_path=tmp_path / "on.duckdb", pseudonym_key="k" * 20, fcr_same_reason=True)
    assert fcr(off, tmp_path / "a", calls) == (1, 2, 0)
    assert fcr(on, tmp_path / "b", calls) == (2, 2, 0)


def test_a_licensed_nurse_handling_the_repeat_still_makes_it_a_repeat(tmp_path, settings):
    nurse = call("F2", "2026-01-06T09:00:00")
    nurse[4] = "N1"
    assert fcr(settings, tmp_path, [call("F1", "2026-01-05T09:00:00"), nurse, HORIZON]) == (0, 1, 0)


def test_qa_evaluation_naming_two_contacts_is_quarantined_whole(tmp_path, settings):
    qa = [["evaluation_id", "contact_id", "item", "result"],
          ["E1", "C1", "identity_verified", "pass"], ["E1", "C2", "minimum_necessary", "pass"],
          ["E2", "C1", "identity_verified", "PASS"], ["E2", "C1", "tone", "fail"]]
    report = load([write_delivery(tmp_path / "d", {"qa_evaluations.csv": qa})], settings, now=NOW)
    assert report.files[0].reasons == {
        "evaluation names more than one contact_id (whole evaluation quarantined)": 2}
    assert report.uncatalogued_qa_items == ["tone"]
    assert report.unmatched_qa_evaluations == 1


def test_unmapped_queues_and_unknown_agents_are_named_and_still_counted(tmp_path, settings):
    calls = [CALL_HEADER, call("U1", "2026-01-05T09:00:00", queue="q9"),
             ["U2", "", "q1", "", "A77", "2026-01-05T10:00:00", "2026-01-05T10:00:05", "2026-01-05T10:02:00",
              "", "", "", "", ""]]
    folder = write_delivery(tmp_path / "d", {"agents.csv": AGENTS, "queues.csv": QUEUES, "calls.csv": calls})
    report = load([folder], settings, now=NOW)
    assert (report.unmapped_queues, report.unknown_agents) == (["q9"], ["A77"])
    con = connect_read_only(settings.db_path)
    table = kpi_table(con, JANUARY, ("partner",), settings)
    con.close()
    # U1 is handled by A1 (P1); U2's agent is unknown, so it goes to q1's owner, P1
    assert dict(zip(table["partner"], table["contacts_offered"])) == {"P1": 2}


def test_unhandled_contact_in_an_unmapped_queue_is_unassigned(tmp_path, settings):
    chats = [CHAT_HEADER, ["M1", "", "", "q9", "", "", "2026-01-05T09:00:00", "", "2026-01-05T09:05:00",
                           "", "", "", ""]]
    load([write_delivery(tmp_path / "d", {"chats.csv": chats})], settings, now=NOW)
    con = connect_read_only(settings.db_path)
    table = kpi_table(con, JANUARY, ("partner", "channel"), settings)
    con.close()
    assert table[["partner", "channel", "contacts_offered", "abandon_rate"]].values.tolist() == [
        ["(unassigned)", "chat", 1, 1.0]]


def test_the_future_tolerance_is_configurable(tmp_path):
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key="k" * 20, future_tolerance_hours=0)
    calls = [CALL_HEADER, call("T1", "2026-02-01T00:00:01", handled=False)]
    report = load([write_delivery(tmp_path / "d", {"calls.csv": calls})], settings, now=NOW)
    assert report.files[0].reasons == {"offered_at in the future": 1}


def test_staging_models_produce_exactly_the_stored_columns(settings):
    con = __import__("duckdb").connect()
    sqlfiles.run(con, "schema.sql")
    sqlfiles.run(con, "schema_contacts.sql")  # the contacts table's columns (kept in the table store since p16)
    sqlfiles.run(con, "macros.sql")
    params = {"source_tz": "UTC", "source_is_utc": True, "source_has_dst": False,
              "load_started": dt.datetime(2026, 1, 1), "future_hours": 24,
              "ipad": b"i" * 64, "opad": b"o" * 64, "identifier_pattern": IDENTIFIER_PATTERN,
              "coaching_topics": ["fcr_rate"]}
    targets = {"agents": "agents", "queues": "queues", "calls": "contacts", "chats": "contacts",
               "surveys": "surveys", "qa_evaluations": "qa_results", "coaching_sessions": "coaching_sessions"}
    for spec in FILE_SPECS:
        columns = ", ".join(f'null::varchar as "{c}"' for c in spec.columns)
        con.execute(f"create or replace temp table raw_input as select 1 as rec_no, 2 as line_no, {columns}")
        stage(con, spec, params, mapped=False)
        staged = [r[0] for r in con.execute("describe staged").fetchall()]
        stored = [r[0] for r in con.execute(f"describe {targets[spec.table]}").fetchall()]
        assert staged[:3] == ["rec_no", "line_no", "error"]
        assert staged[3:] == [c for c in stored if c != "load_id"], spec.table


def test_settings_come_from_a_toml_file_and_the_environment(tmp_path, monkeypatch):
    config = tmp_path / "carekpi.toml"
    config.write_text('reporting_timezone = "Europe/London"\nfcr_window_hours = 72\n'
                      '[targets.service_level]\nvalue = 0.9\n')
    monkeypatch.setenv("CAREKPI_FCR_WINDOW_HOURS", "48")
    settings = load_settings(config)
    assert (settings.reporting_timezone, settings.fcr_window_hours) == ("Europe/London", 48)
    assert settings.targets["service_level"].value == 0.9
    assert settings.targets["abandon_rate"].value == 0.06  # the other defaults stay
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        Settings(reporting_timezone="Mars/Olympus")
    with pytest.raises(FileNotFoundError, match="configuration file not found"):
        load_settings(tmp_path / "missing.toml")
