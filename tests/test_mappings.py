"""Mappings: built-in Amazon Connect and Zendesk Chat readers on small hand-made exports, and a mapping that
refers to a missing column or holds an invalid expression fails before anything is loaded."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from etl.cli import main
from etl.csv_reader import LoadError
from etl.kpis import Filters, kpi_table
from etl.load import load
from etl.mapping import builtin_names, load_mapping
from etl.settings import Settings
from etl.warehouse import connect_read_only

KEY = "mapping-test-key-0123456789"
NOW = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
MAY = Filters(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 1, 31))
PHONE = "+15552017788"

CONNECT = [
    {"ContactId": "c-1", "Channel": "VOICE", "InitiationMethod": "INBOUND",
     "InitiationTimestamp": "2026-01-05T09:00:00Z", "DisconnectTimestamp": "2026-01-05T09:06:00Z",
     "DisconnectReason": "CUSTOMER_DISCONNECT", "CustomerEndpoint": {"Address": PHONE, "Type": "TELEPHONE_NUMBER"},
     "Queue": {"Name": "Scheduling", "EnqueueTimestamp": "2026-01-05T09:00:10Z",
               "DequeueTimestamp": "2026-01-05T09:00:40Z"},
     "Agent": {"Username": "ana", "ConnectedToAgentTimestamp": "2026-01-05T09:00:40Z", "CustomerHoldDuration": 30,
               "AfterContactWorkDuration": 45},
     "TransferCompletedTimestamp": "2026-01-05T09:05:00Z"},
    {"ContactId": "c-2", "Channel": "VOICE", "InitiationMethod": "INBOUND",
     "InitiationTimestamp": "2026-01-05T10:00:00Z", "DisconnectTimestamp": "2026-01-05T10:02:00Z",
     "DisconnectReason": "CUSTOMER_DISCONNECT", "CustomerEndpoint": {"Address": "+15550000002"},
     "Queue": {"Name": "Scheduling", "EnqueueTimestamp": "2026-01-05T10:00:05Z",
               "DequeueTimestamp": "2026-01-05T10:02:00Z"},
     "Agent": None, "TransferCompletedTimestamp": None},
    {"ContactId": "c-3", "Channel": "CHAT", "InitiationMethod": "API",
     "InitiationTimestamp": "2026-01-05T11:00:00Z", "DisconnectTimestamp": "2026-01-05T11:10:00Z",
     "CustomerEndpoint": None, "Queue": {"Name": "Web chat", "EnqueueTimestamp": "2026-01-05T11:00:00Z"},
     "Agent": {"Username": "ben", "ConnectedToAgentTimestamp": "2026-01-05T11:00:30Z",
               "AfterContactWorkDuration": 60}, "TransferCompletedTimestamp": None},
    {"ContactId": "c-4", "Channel": "VOICE", "InitiationMethod": "OUTBOUND",
     "InitiationTimestamp": "2026-01-05T12:00:00Z", "DisconnectTimestamp": "2026-01-05T12:03:00Z",
     "CustomerEndpoint": {"Address": PHONE}, "Queue": {"Name": "Scheduling"},
     "Agent": {"Username": "ana", "ConnectedToAgentTimestamp": "2026-01-05T12:00:05Z"}},
    {"ContactId": "c-5", "Channel": "VOICE", "InitiationMethod": "INBOUND",
     "InitiationTimestamp": "2026-01-05T13:00:00Z", "DisconnectTimestamp": "2026-01-05T13:01:00Z",
     "DisconnectReason": "CONTACT_FLOW_DISCONNECT", "CustomerEndpoint": {"Address": PHONE}, "Queue": None},
]
ZENDESK = [
    {"id": "z-1", "type": "chat", "visitor": {"id": "v-1", "name": "Visitor 1"}, "department_name": "Pharmacy",
     "agent_ids": ["361"], "timestamp": "2026-01-06T09:00:00Z", "end_timestamp": "2026-01-06T09:12:00Z",
     "response_time": {"first": 45, "avg": 30, "max": 60}, "missed": False},
    {"id": "z-2", "type": "chat", "visitor": {"id": "v-2"}, "department_name": "Pharmacy", "agent_ids": [],
     "timestamp": "2026-01-06T10:00:00Z", "end_timestamp": "2026-01-06T10:04:00Z",
     "response_time": {"first": None}, "missed": True},
    {"id": "z-3", "type": "offline_msg", "visitor": {"id": "v-3"}, "department_name": "Pharmacy", "agent_ids": [],
     "timestamp": "2026-01-06T11:00:00Z", "end_timestamp": "2026-01-06T11:00:00Z",
     "response_time": {"first": None}, "missed": True},
]


def jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(db_path=tmp_path / "w.duckdb", pseudonym_key=KEY)


def test_the_built_in_mappings():
    assert builtin_names() == ["amazon_connect_chat", "amazon_connect_voice", "five9_calls", "genesys_cloud_chat",
                             "genesys_cloud_voice", "talkdesk_calls", "zendesk_chat"]


def test_amazon_connect_voice(tmp_path, settings):
    source = jsonl(tmp_path / "ctr.jsonl", CONNECT)
    report = load([source], settings, now=NOW, mapping=load_mapping("amazon_connect_voice"))
    (f,) = report.files
    assert (f.rows_read, f.loaded, f.quarantined) == (5, 2, 3)
    assert f.reasons == {
        "not a voice contact (load it with the amazon_connect_chat mapping)": 1,
        "outbound call, not a contact offered to a queue": 1,
        "never reached a queue (handled in the contact flow)": 1,
    }
    con = connect_read_only(settings.db_path)
    row = kpi_table(con, MAY, (), settings).iloc[0]
    dump = b"".join(p.read_bytes() for p in settings.db_path.parent.rglob("*.duckdb"))
    con.close()
    assert (row["contacts_offered"], row["contacts_handled"], row["abandon_rate"]) == (2, 1, 0.5)
    # c-1 waits from enqueue 09:00:10 to 09:00:40; talks to 09:06:00 (hold inside) plus 45 s of after-call work
    assert (row["asa_seconds"], row["aht_seconds"], row["transfer_rate"]) == (30.0, 365.0, 1.0)
    assert PHONE.encode() not in dump and b"5552017788" not in dump


def test_amazon_connect_chat_takes_the_other_records(tmp_path, settings):
    source = jsonl(tmp_path / "ctr.jsonl", CONNECT)
    report = load([source], settings, now=NOW, mapping=load_mapping("amazon_connect_chat"))
    (f,) = report.files
    assert (f.loaded, f.quarantined) == (1, 4)
    con = connect_read_only(settings.db_path)
    row = kpi_table(con, MAY, ("channel",), settings).iloc[0]
    con.close()
    assert (row["channel"], row["asa_seconds"], row["aht_seconds"]) == ("chat", 30.0, 630.0)


def test_zendesk_chat(tmp_path, settings):
    source = jsonl(tmp_path / "chats.jsonl", ZENDESK)
    report = load([source], settings, now=NOW, mapping=load_mapping("zendesk_chat"))
    (f,) = report.files
    assert (f.loaded, f.quarantined, f.reasons) == (2, 1, {"offline message, not a live chat": 1})
    con = connect_read_only(settings.db_path)
    row = kpi_table(con, MAY, (), settings).iloc[0]
    con.close()
    # z-1 accepted 45 s after the request, ended 09:12; z-2 missed
    assert (row["contacts_offered"], row["contacts_handled"], row["asa_seconds"], row["aht_seconds"]) == (
        2, 1, 45.0, 675.0)


@pytest.mark.parametrize("columns, message", [
    ('chat_id = "id"\nqueue = "department"\nrequested_at = "timestamp"\nended_at = "end_timestamp"',
     "column queue: expression 'department' does not work here: Binder Error: Referenced column \"department\" "
     "not found"),
    ('chat_id = "id"\nqueue = "department_name"\nrequested_at = "timestamp +"\nended_at = "end_timestamp"',
     "column requested_at: expression 'timestamp +' does not work here: Parser Error"),
    ('chat_id = "id"\nqueue = "department_name"\nended_at = "end_timestamp"',
     "broken.toml: mapping: Value error, no expression for required chats column(s): requested_at"),
])
def test_a_broken_mapping_fails_before_anything_is_loaded(tmp_path, settings, columns, message):
    source = jsonl(tmp_path / "chats.jsonl", ZENDESK)
    mapping = tmp_path / "broken.toml"
    mapping.write_text(f'table = "chats"\n[source]\nformat = "jsonl"\n[columns]\n{columns}\n')
    with pytest.raises(LoadError) as refused:
        load([source], settings, now=NOW, mapping=load_mapping(mapping))
    assert message in str(refused.value)
    assert not settings.db_path.exists()


def test_the_command_line_loads_through_a_mapping(tmp_path, capsys):
    source = jsonl(tmp_path / "ctr.jsonl", CONNECT)
    os.environ["CAREKPI_PSEUDONYM_KEY"] = KEY
    try:
        assert main(["load", "--mapping", "amazon_connect_voice", str(source), "--db", str(tmp_path / "w.duckdb"),
                     "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["files"][0]["loaded"] == 2
        assert main(["load", "--mapping", "no_such_platform", str(source), "--db", str(tmp_path / "w.duckdb")]) == 2
        assert "built-in mappings: amazon_connect_chat, amazon_connect_voice, five9_calls" in capsys.readouterr().err
    finally:
        del os.environ["CAREKPI_PSEUDONYM_KEY"]
