"""The mapping engine's declarative helpers for nested and report-shaped exports: [source] unnest / keep (one row
per element of nested arrays), [lookups] (a list saved beside the export, e.g. queue id -> name) and the named
scalar functions of etl/sql/mapping_macros.sql (h:mm:ss durations, Genesys metrics and segments)."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from etl import sqlfiles
from etl.csv_reader import LoadError
from etl.kpis import Filters, kpi_table
from etl.load import load
from etl.mapping import load_mapping
from etl.settings import Settings
from etl.warehouse import connect_read_only

NOW = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
PAGE = {"pageNumber": 1, "conversations": [
    {"conversationId": "conv-1", "participants": [
        {"purpose": "customer", "sessions": [{"sessionId": "s-1", "segments": []}]},
        {"purpose": "agent", "userId": "u-1", "sessions": [
            {"sessionId": "s-2", "segments": [{"queueId": "q-1", "segmentStart": "2026-01-05T09:00:00.000Z",
                                               "segmentEnd": "2026-01-05T09:04:00.000Z"}]},
            {"sessionId": "s-3", "segments": [{"queueId": "q-2", "segmentStart": "2026-01-05T10:00:00.000Z",
                                               "segmentEnd": "2026-01-05T10:01:00.000Z"}]}]}]},
    {"conversationId": "conv-2", "participants": [
        {"purpose": "agent", "userId": "u-2", "sessions": [
            {"sessionId": "s-4", "segments": [{"queueId": "q-9", "segmentStart": "2026-01-05T11:00:00.000Z",
                                               "segmentEnd": "2026-01-05T11:02:00.000Z"}]}]}]}]}
MAPPING = """table = "calls"
timezone = "UTC"
[source]
format = "json"
unnest = ["conversations", "conversations.participants", "participants.sessions"]
keep = "participants.purpose = 'agent'"
[columns]
call_id = "sessions.sessionId"
queue = "lookup_queue_name(genesys_queue_id(sessions.segments))"
agent_id = "participants.userId"
offered_at = "genesys_segment_start(sessions.segments, null)"
answered_at = "genesys_segment_start(sessions.segments, null)"
ended_at = "genesys_segment_end(sessions.segments, null)"
[lookups.queue_name]
file = "queues.json"
records = "entities"
key = "id"
value = "name"
"""


def test_one_row_per_kept_element_with_names_from_the_lookup(tmp_path):
    source = tmp_path / "page.json"
    source.write_text(json.dumps(PAGE))
    (tmp_path / "queues.json").write_text(json.dumps({"entities": [{"id": "q-1", "name": "Scheduling"},
                                                                   {"id": "q-2", "name": "Billing"}]}))
    (tmp_path / "m.toml").write_text(MAPPING)
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key="nested-key-0123456789")
    report = load([source], settings, now=NOW, mapping=load_mapping(tmp_path / "m.toml"))
    assert (report.files[0].rows_read, report.files[0].loaded) == (3, 3)  # the customer's session is not a call
    con = connect_read_only(settings.db_path)
    table = kpi_table(con, Filters(date_from=dt.date(2026, 1, 5), date_to=dt.date(2026, 1, 5)), ("queue",),
                      settings)
    con.close()
    # q-9 is not in the list: it keeps its id; handle time = ended - answered
    assert dict(zip(table["queue"], table["aht_seconds"], strict=True)) == {
        "Billing": 60.0, "Scheduling": 240.0, "q-9": 120.0}


@pytest.mark.parametrize("source, message", [
    ('unnest = ["conversations"]\nformat = "csv"', "unnest applies to JSON sources only"),
    ('keep = "true"', "keep applies with unnest only"),
    ('format = "json"\nunnest = ["a;drop table x"]', "is not a dotted list of field names"),
])
def test_unnest_and_keep_are_checked(tmp_path, source, message):
    (tmp_path / "m.toml").write_text(f'table = "calls"\n[source]\n{source}\n[columns]\ncall_id = "a"\nqueue = "b"\n'
                                     'offered_at = "c"\nended_at = "d"\n')
    with pytest.raises(LoadError, match=message):
        load_mapping(tmp_path / "m.toml")


@pytest.mark.parametrize("lookup_file, message", [
    ('file = "../etc/queues.json"', "not a path"),
    ('in_source = true\nfile = "queues.json"', "either a file beside the source"),  # one list, not two
    ("", "either a file beside the source"),
    ("in_source = true", "records applies to a lookup file"),  # the source's own records are the list
])
def test_a_lookup_reads_a_file_beside_the_source_or_the_source_itself(tmp_path, lookup_file, message):
    (tmp_path / "m.toml").write_text(MAPPING.replace('file = "queues.json"', lookup_file))
    with pytest.raises(LoadError, match=message):
        load_mapping(tmp_path / "m.toml")


@pytest.mark.parametrize("text, seconds", [
    ("0:05:12", "312"), ("00:00:00", "0"), ("26:00:01", "93601"), (" 1:02:03 ", "3723"),
    ("5:12", "5:12"), ("1:60:00", "1:60:00"), ("abc", "abc"), (None, None),
    ("00:00:00.235", "0.235"), ("00:00:00.000", "0"), ("0:01:40.50", "100.5"), ("0:00:01.2345", "0:00:01.2345"),
])
def test_hms_seconds_converts_only_what_it_can_read_whole(text, seconds):
    con = duckdb.connect()
    sqlfiles.run(con, "mapping_macros.sql")
    assert con.execute("select hms_seconds($t)", {"t": text}).fetchone()[0] == seconds
