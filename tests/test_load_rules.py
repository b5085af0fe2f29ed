"""The rules of the load: nothing lost, idempotent, atomic, pseudonymised, dated right."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
import subprocess
import sys

import pytest

from etl.csv_reader import LoadError
from etl.kpis import Filters, kpi_table
from etl.load import load
from etl.pseudonym import pseudonym
from etl.settings import Settings
from etl.warehouse import connect_read_only, snapshot_dir
from tests.conftest import (AGENTS, CALL_HEADER, CALLS, CHAT_HEADER, EXAMPLE, JANUARY, NOW, SURVEYS, TEST_KEY,
                            count_records, write_delivery)


def rows(settings: Settings, sql: str, params=None) -> list[tuple]:
    con = connect_read_only(settings.db_path)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def call(call_id, offered, answered, ended, agent="A1", queue="q1", patient="PAT-1", **extra):
    row = dict(zip(CALL_HEADER, [call_id, patient, queue, "appt", agent, offered, answered, ended,
                                 "0", "0", "no", "no", ""]))
    row.update(extra)
    return [row[c] for c in CALL_HEADER]


def test_nothing_is_lost_and_each_bad_row_says_why(tmp_path, settings):
    bad_calls = CALLS + [
        call("B1", "2026-01-05T10:00:00", "2026-01-05T09:59:00", "2026-01-05T10:03:00"),
        call("B2", "05-01-26 10:00", "", "2026-01-05T10:03:00", agent=""),
        call("B3", "2026-01-05T10:00:00", "2026-01-05T10:00:10", "2026-01-05T10:03:00", agent=""),
        call("B4", "2026-01-05T10:00:00", "", "2026-01-05T09:00:00", agent=""),
        call("B5", "2026-01-05T10:00:00", "", "2026-01-05T10:03:00", agent="", transferred="maybe"),
        ["B6", "x", "q1"],  # too few fields
        call("B7", "2026-03-05T10:00:00", "", "2026-03-05T10:03:00", agent=""),  # > 1 day after the load
    ]
    folder = write_delivery(tmp_path / "d", {"agents.csv": AGENTS, "calls.csv": bad_calls,
                                             "surveys.csv": SURVEYS[:2] + [["S9", "C1", "", "7"]]})
    report = load([folder], settings, now=NOW)
    calls = next(f for f in report.files if f.kind == "calls")
    assert calls.rows_read == count_records(folder / "calls.csv") == 13
    assert (calls.loaded, calls.replaced, calls.quarantined) == (6, 0, 7)
    assert calls.loaded + calls.replaced + calls.quarantined == calls.rows_read
    quarantined = rows(settings, "select line_no, reason, (contact_id, queue, contact_reason, agent_id, offered_at, "
                                 "handled_at) from quarantine where kind = 'calls' order by line_no")
    assert [(line, reason) for line, reason, _ in quarantined] == [
        (8, "answered_at before offered_at"),
        (9, "offered_at is not an ISO 8601 timestamp"),
        (10, "agent_id is missing on an answered call"),
        (11, "ended_at before offered_at"),
        (12, "transferred is not a boolean (true/false, yes/no, y/n, 1/0)"),
        (13, "row has fewer fields than the header"),
        (14, "offered_at in the future"),
    ]
    # typed, allow-listed columns (no patient reference, no raw text); an unsplittable line keeps nothing else
    assert quarantined[0][2] == (
        "B1", "q1", "appt", "A1", dt.datetime(2026, 1, 5, 10), dt.datetime(2026, 1, 5, 9, 59))
    assert quarantined[5][2] == (None, None, None, None, None, None)
    surveys = next(f for f in report.files if f.kind == "surveys")
    assert (surveys.rows_read, surveys.loaded, surveys.quarantined) == (2, 1, 1)
    assert surveys.reasons == {"csat 7 not in 1..5": 1}


def test_same_delivery_twice_adds_nothing_and_redelivery_replaces(tmp_path, settings):
    folder = write_delivery(tmp_path / "d", EXAMPLE)
    load([folder], settings, now=NOW)
    before = rows(settings, "select count(*) from contacts")[0][0]
    report = load([folder], settings, now=NOW)
    calls = next(f for f in report.files if f.kind == "calls")
    assert (calls.rows_read, calls.loaded, calls.replaced, calls.quarantined) == (6, 0, 6, 0)
    assert rows(settings, "select count(*), count(distinct contact_id) from contacts")[0] == (before, before)
    changed = [CALL_HEADER, call("C4", "2026-01-07T11:00:00", "2026-01-07T11:00:05", "2026-01-07T11:02:00",
                                 agent="A2", queue="q2", patient="PAT-Z")]
    load([write_delivery(tmp_path / "again", {"calls.csv": changed})], settings, now=NOW)
    assert rows(settings, "select handled_at from contacts where contact_id = 'C4'") == [
        (dt.datetime(2026, 1, 7, 11, 0, 5),)]
    assert rows(settings, "select count(*) from contacts")[0][0] == before


def test_an_id_stored_on_another_channel_is_quarantined_and_a_moved_redelivery_replaces(tmp_path, settings):
    load([write_delivery(tmp_path / "d", EXAMPLE)], settings, now=NOW)
    # C5 moved two days later and answered by A1; M1 re-delivered as a call; C1 re-delivered as a chat
    calls = [CALL_HEADER,
             call("C5", "2026-01-08T11:05:00", "2026-01-08T11:05:30", "2026-01-08T11:09:00", patient="PAT-Z"),
             call("M1", "2026-01-05T08:00:00", "", "2026-01-05T08:01:00", agent="")]
    chats = [CHAT_HEADER, ["C1", "chat", "PAT-X", "q1", "appt", "A1", "2026-01-05T09:00:00",
                           "2026-01-05T09:00:20", "2026-01-05T09:05:20", "0", "", "", ""]]
    report = load([write_delivery(tmp_path / "again", {"calls.csv": calls, "chats.csv": chats})], settings, now=NOW)
    by_kind = {f.kind: f for f in report.files}
    assert (by_kind["calls"].loaded, by_kind["calls"].replaced, by_kind["calls"].quarantined) == (0, 1, 1)
    assert by_kind["calls"].reasons == {"call_id already used by a chat": 1}
    assert (by_kind["chats"].loaded, by_kind["chats"].replaced, by_kind["chats"].quarantined) == (0, 0, 1)
    assert by_kind["chats"].reasons == {"chat_id already used by a call": 1}
    assert rows(settings, "select contact_id, channel, offered_at, agent_id from contacts "
                          "where contact_id in ('C1', 'C5', 'M1') order by contact_id") == [
        ("C1", "voice", dt.datetime(2026, 1, 5, 9), "A1"),
        ("C5", "voice", dt.datetime(2026, 1, 8, 11, 5), "A1"),
        ("M1", "chat", dt.datetime(2026, 1, 5, 8), "A1")]
    assert rows(settings, "select count(*), count(distinct contact_id) from contacts")[0] == (8, 8)
    # the moved call's facts follow it: one row, on its new day
    assert rows(settings, "select day, handled from contact_facts where contact_id = 'C5'") == [
        (dt.date(2026, 1, 8), True)]


def test_an_id_repeated_in_a_file_keeps_the_last_occurrence(tmp_path, settings):
    calls = [CALL_HEADER, call("D1", "2026-01-05T10:00:00", "", "2026-01-05T10:01:00", agent=""),
             call("D1", "2026-01-05T11:00:00", "", "2026-01-05T11:01:00", agent="")]
    report = load([write_delivery(tmp_path / "d", {"calls.csv": calls})], settings, now=NOW)
    assert report.files[0].reasons == {"call_id repeated in this file (the last occurrence is kept)": 1}
    assert rows(settings, "select offered_at from contacts") == [(dt.datetime(2026, 1, 5, 11),)]


def test_orphan_survey_is_kept_and_matched_when_its_contact_arrives(tmp_path, settings):
    surveys = [SURVEYS[0], ["S1", "C1", "", "5"]]
    report = load([write_delivery(tmp_path / "first", {"surveys.csv": surveys})], settings, now=NOW)
    assert report.unmatched_surveys == 1
    report = load([write_delivery(tmp_path / "later", {"agents.csv": AGENTS, "calls.csv": CALLS[:2]})],
                  settings, now=NOW)
    assert report.unmatched_surveys == 0
    con = connect_read_only(settings.db_path)
    row = kpi_table(con, JANUARY, (), settings).iloc[0]
    con.close()
    assert (row["csat_top2_rate_num"], row["csat_top2_rate_den"]) == (1, 1)


def test_a_failed_load_leaves_the_warehouse_exactly_as_it_was(tmp_path, settings, monkeypatch):
    load([write_delivery(tmp_path / "d", EXAMPLE)], settings, now=NOW)
    digest = hashlib.sha256(settings.db_path.read_bytes()).hexdigest()
    import etl.load

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(etl.load, "rebuild_marts", broken)
    more = [CALL_HEADER, call("N9", "2026-01-09T10:00:00", "", "2026-01-09T10:01:00", agent="")]
    with pytest.raises(RuntimeError):
        load([write_delivery(tmp_path / "more", {"calls.csv": more})], settings, now=NOW)
    assert hashlib.sha256(settings.db_path.read_bytes()).hexdigest() == digest
    assert list(snapshot_dir(settings.db_path).glob("*.loading*")) == []


def test_a_killed_load_leaves_the_previous_snapshot_and_a_rerun_converges(tmp_path, settings):
    first = write_delivery(tmp_path / "d", EXAMPLE)
    load([first], settings, now=NOW)
    digest = hashlib.sha256(settings.db_path.read_bytes()).hexdigest()
    more = write_delivery(tmp_path / "more", {"calls.csv": [CALL_HEADER, call(
        "N9", "2026-01-09T10:00:00", "", "2026-01-09T10:01:00", agent="")]})
    script = (
        "import os, signal, sys, etl.load as L\n"
        "from etl.settings import Settings\n"
        "def die(*a, **k): os.kill(os.getpid(), signal.SIGKILL)\n"
        "L.rebuild_marts = die\n"
        f"L.load([{str(more)!r}], Settings(db_path={str(settings.db_path)!r}, pseudonym_key={TEST_KEY!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert result.returncode == -9
    assert hashlib.sha256(settings.db_path.read_bytes()).hexdigest() == digest
    assert len(list(snapshot_dir(settings.db_path).glob("*.loading"))) == 1  # the dead load's working file
    load([more], settings, now=NOW)
    assert list(snapshot_dir(settings.db_path).glob("*.loading*")) == []
    assert rows(settings, "select count(*) from contacts")[0][0] == 9


def test_unusable_input_stops_the_load_with_one_clear_line(tmp_path, settings):
    no_queue = [[c for c in CALL_HEADER if c != "queue"]]
    with pytest.raises(LoadError) as err:
        load([write_delivery(tmp_path / "d", {"calls.csv": no_queue})], settings, now=NOW)
    assert str(err.value).startswith(f"{tmp_path / 'd' / 'calls.csv'}: missing required column(s) queue ")
    with pytest.raises(LoadError, match="no such folder"):
        load([tmp_path / "nowhere"], settings, now=NOW)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "calls.csv").write_text("")
    with pytest.raises(LoadError, match=r"empty file \(no header row\)"):
        load([tmp_path / "empty"], settings, now=NOW)
    assert not settings.db_path.exists()


def test_a_utf8_bom_and_header_case_are_accepted(tmp_path, settings):
    folder = tmp_path / "bom"
    folder.mkdir()
    text = "\ufeffAGENT_ID,Team,site,partner\nA1,T1,S1,P1\n"
    (folder / "agents.csv").write_text(text, encoding="utf-8")
    report = load([folder], settings, now=NOW)
    assert (report.files[0].rows_read, report.files[0].loaded) == (1, 1)
    assert rows(settings, "select agent_id, team, licensed from agents") == [("A1", "T1", False)]


def test_patient_refs_are_stored_only_as_keyed_pseudonyms(tmp_path, settings):
    load([write_delivery(tmp_path / "d", EXAMPLE)], settings, now=NOW)
    stored = dict(rows(settings, "select contact_id, patient_pseudonym from contacts"))
    assert stored["C1"] == pseudonym(TEST_KEY.encode(), "PAT-X")
    assert stored["C1"] != hashlib.sha256(b"PAT-X").hexdigest()
    assert stored["C3"] == stored["M1"]  # the same patient across channels
    dump = settings.db_path.read_bytes()
    for ref in (b"PAT-X", b"PAT-Y", b"PAT-Z", b"PAT-V", b"PAT-W"):
        assert ref not in dump


def test_a_key_file_is_created_readable_only_by_its_owner(tmp_path):
    key_file = tmp_path / "keys" / "pseudonym.key"
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key_file=key_file)
    load([write_delivery(tmp_path / "d", {"agents.csv": AGENTS})], settings, now=NOW)
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert len(key_file.read_text().strip()) == 64


def test_dst_days_and_calls_crossing_midnight(tmp_path):
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key=TEST_KEY,
                        source_timezone="America/New_York", reporting_timezone="America/New_York")
    calls = [
        CALL_HEADER,
        call("G1", "2026-03-08T02:30:00", "", "2026-03-08T03:40:00", agent=""),  # does not exist in New York
        call("G2", "2026-11-01T01:30:00", "", "2026-11-01T01:40:00", agent=""),  # happens twice
        call("G3", "2026-03-08T01:59:00", "2026-03-08T03:00:10", "2026-03-08T03:05:00"),  # across the gap
        call("G4", "2026-03-08T23:59:50", "2026-03-09T00:00:10", "2026-03-09T00:05:10", patient="PAT-2"),
        call("G5", "2026-03-08T12:00:00Z", "", "2026-03-08T12:01:00Z", agent=""),  # 08:00 in New York
    ]
    folder = write_delivery(tmp_path / "d", {"agents.csv": AGENTS, "calls.csv": calls})
    report = load([folder], settings, now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    assert report.files[1].reasons == {
        "offered_at does not exist in America/New_York (daylight-saving gap)": 1,
        "offered_at is ambiguous in America/New_York (daylight-saving overlap); "
        "ended_at is ambiguous in America/New_York (daylight-saving overlap)": 1,
    }
    con = connect_read_only(settings.db_path)
    march = Filters(date_from=dt.date(2026, 3, 8), date_to=dt.date(2026, 3, 8))
    by_hour = kpi_table(con, march, ("hour",), settings)
    day_after = kpi_table(con, Filters(date_from=dt.date(2026, 3, 9), date_to=dt.date(2026, 3, 9)), (), settings)
    con.close()
    assert dict(zip(by_hour["hour"], by_hour["contacts_offered"])) == {1: 1, 8: 1, 23: 1}
    g3 = by_hour[by_hour["hour"] == 1].iloc[0]
    assert g3["asa_seconds"] == pytest.approx(70.0)  # 01:59:00 EST to 03:00:10 EDT is 70 s of real time
    g4 = by_hour[by_hour["hour"] == 23].iloc[0]
    assert (g4["contacts_handled"], g4["aht_seconds"]) == (1, pytest.approx(300.0))
    assert day_after.empty  # the midnight-crossing call belongs to the day it was offered


def test_cli_load_and_kpi(tmp_path, capsys):
    from etl.cli import main

    folder = write_delivery(tmp_path / "d", EXAMPLE)
    db = tmp_path / "cli.duckdb"
    os.environ["CAREKPI_PSEUDONYM_KEY"] = TEST_KEY
    try:
        assert main(["load", str(folder), "--db", str(db), "--json"]) == 0
        capsys.readouterr()
        assert main(["kpi", "--db", str(db), "--from", "2026-01-01", "--to", "2026-01-31", "--by", "partner",
                     "--format", "csv"]) == 0
        out = capsys.readouterr().out.splitlines()
        assert out[0].startswith("partner,contacts_offered,contacts_handled,short_abandons,fcr_pending,")
        assert [line.split(",")[:3] for line in out[1:]] == [["P1", "4", "3"], ["P2", "3", "2"]]
        assert main(["load", str(tmp_path / "missing"), "--db", str(db)]) == 2
        assert capsys.readouterr().err == f"carekpi load: error: {tmp_path / 'missing'}: no such folder\n"
    finally:
        del os.environ["CAREKPI_PSEUDONYM_KEY"]


def test_a_reader_keeps_its_snapshot_while_a_load_replaces_it(tmp_path, settings):
    load([write_delivery(tmp_path / "d", EXAMPLE)], settings, now=NOW)
    reader = connect_read_only(settings.db_path)
    more = [CALL_HEADER, call("N9", "2026-01-09T10:00:00", "", "2026-01-09T10:01:00", agent="")]
    load([write_delivery(tmp_path / "more", {"calls.csv": more})], settings, now=NOW)
    assert reader.execute("select count(*) from contacts").fetchone()[0] == 8  # the snapshot it opened
    reader.close()
    assert rows(settings, "select count(*) from contacts")[0][0] == 9  # a new connection sees the new one


def test_extra_columns_are_ignored(tmp_path, settings):
    folder = write_delivery(tmp_path / "d", {"agents.csv": [AGENTS[0] + ["shoe_size"], AGENTS[1] + ["44"]]})
    report = load([folder], settings, now=NOW)
    assert (report.files[0].loaded, report.files[0].quarantined) == (1, 0)
    assert rows(settings, "select * exclude (load_id) from agents") == [
        ("A1", "Ann", "T1", "S1", "P1", False, dt.date(2025, 1, 1))]
