"""Mappings: the built-in ones are listed and load through the command line (their KPIs are checked on their
vendor-shaped examples in tests/test_amazon_zendesk_examples.py), and a mapping that refers to a missing column or
holds an invalid expression fails before anything is loaded."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from etl.cli import main
from etl.csv_reader import LoadError
from etl.load import load
from etl.mapping import builtin_names, load_mapping
from etl.settings import Settings

KEY = "mapping-test-key-0123456789"
EXAMPLES = Path(__file__).resolve().parent.parent / "etl" / "mappings" / "examples"
NOW = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)

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
                               "genesys_cloud_voice", "talkdesk_calls", "twilio_flex_insights_calls",
                               "twilio_flex_insights_chats", "zendesk_chat", "zendesk_chat_ratings",
                               "zendesk_chat_transfers"]


@pytest.mark.parametrize("columns, message", [
    ('chat_id = "id"\nqueue = "department_name.first"\nrequested_at = "timestamp"\nended_at = "end_timestamp"',
     "column queue: expression 'department_name.first' does not work here: Binder Error: "),
    ('chat_id = "id"\nqueue = "department_name"\nrequested_at = "timestamp +"\nended_at = "end_timestamp"',
     "column requested_at: expression 'timestamp +' refused: not a single SQL expression (syntax error at or near \"+\")"),
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
    source = EXAMPLES / "amazon_connect" / "ctr-2026-03-02-firehose"
    os.environ["CAREKPI_PSEUDONYM_KEY"] = KEY
    try:
        assert main(["load", "--mapping", "amazon_connect_voice", str(source), "--db", str(tmp_path / "w.duckdb"),
                     "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["files"][0]["loaded"] == 13
        assert main(["load", "--mapping", "no_such_platform", str(source), "--db", str(tmp_path / "w.duckdb")]) == 2
        assert "built-in mappings: amazon_connect_chat, amazon_connect_voice, five9_calls" in capsys.readouterr().err
    finally:
        del os.environ["CAREKPI_PSEUDONYM_KEY"]


def test_a_field_no_record_holds_reads_as_empty_and_the_report_names_it(tmp_path, settings):
    # JSON leaves out what has no value, so a field absent from every record is read as a null one would be; a
    # misspelt field looks the same, and the report names it (and the rows it empties are quarantined, not counted)
    source = jsonl(tmp_path / "chats.jsonl", ZENDESK)
    mapping = tmp_path / "misspelt.toml"
    mapping.write_text('table = "chats"\n[source]\nformat = "jsonl"\n[columns]\nchat_id = "id"\nqueue = "department"\n'
                       'requested_at = "timestamp"\nended_at = "end_timestamp"\n')
    report = load([source], settings, now=NOW, mapping=load_mapping(mapping)).files[0]
    assert report.notes == ["fields no record holds, read as empty: department"]
    assert (report.rows_read, report.loaded) == (3, 0)
    assert report.reasons == {"queue is missing": 3}
