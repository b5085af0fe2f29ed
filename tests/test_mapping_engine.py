"""The mapping engine's features, each on a tiny hand-made source: Firehose's concatenated JSON and gzip, newest copy
wins by the vendor's update time (within a delivery and across deliveries, whatever the arrival order), `[let]`
values, composite ids, the clock-skew tolerance and the unknown-agent placeholder."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest

from etl.csv_reader import LoadError
from etl.load import load
from etl.mapping import load_mapping
from etl.settings import Settings
from etl.warehouse import connect_read_only

NOW = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
BASE = '''table = "calls"
timezone = "UTC"
[source]
format = "jsonl"
[columns]
call_id = "Id"
queue = "Queue"
agent_id = "Agent"
offered_at = "Offered"
answered_at = "Answered"
ended_at = "Ended"
acw_seconds = "Acw"
'''


def record(id_: str, acw: int = 0, updated: str = "2026-01-05T09:10:00Z", **changes) -> dict:
    r = {"Id": id_, "Queue": "Scheduling", "Agent": "ana", "Offered": "2026-01-05T09:00:00Z",
         "Answered": "2026-01-05T09:00:30Z", "Ended": "2026-01-05T09:05:00Z", "Acw": acw, "Updated": updated}
    return {**r, **changes}


def mapping(tmp_path: Path, tail: str = "", base: str = BASE, top: str = ""):
    """BASE with top-level keys before it and tables after it."""
    path = tmp_path / "m.toml"
    path.write_text(top + base + tail)
    return load_mapping(path)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(db_path=tmp_path / "w.duckdb", pseudonym_key="engine-test-key-0123456789")


def stored(settings: Settings, sql: str) -> list[tuple]:
    con = connect_read_only(settings.db_path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_firehose_concatenated_json_lines_and_gzip_read_alike(tmp_path, settings):
    records = [record("a"), record("b"), record("c")]
    concatenated = "".join(json.dumps(r) for r in records)  # Firehose's default: no delimiter at all
    sources = {
        "firehose": concatenated.encode(),
        "jsonl": "".join(json.dumps(r) + "\n" for r in records).encode(),
        "gzipped-without-extension": gzip.compress(concatenated.encode()),
        "pretty.json.gz": gzip.compress("\n".join(json.dumps(r, indent=2) for r in records).encode()),
    }
    m = mapping(tmp_path)
    for name, data in sources.items():
        (tmp_path / name).write_bytes(data)
        s = Settings(db_path=tmp_path / f"{name}.duckdb", pseudonym_key=settings.pseudonym_key)
        (f,) = load([tmp_path / name], s, now=NOW, mapping=m).files
        assert (name, f.rows_read, f.loaded, f.quarantined) == (name, 3, 3, 0)


DEDUPE = '[dedupe]\nversion = "Updated"\n'


def test_the_newest_copy_wins_within_one_delivery_whatever_the_order(tmp_path, settings):
    # Connect writes a record again as it changes; the newest LastUpdateTimestamp is the truth
    newest = record("a", acw=45, updated="2026-01-05T09:10:00Z")
    early = record("a", acw=0, updated="2026-01-05T09:05:01Z")
    middle = record("a", acw=20, updated="2026-01-05T09:07:00Z")
    source = tmp_path / "d.jsonl"
    source.write_text("".join(json.dumps(r) for r in (middle, newest, early)))
    (f,) = load([source], settings, now=NOW, mapping=mapping(tmp_path, DEDUPE)).files
    assert (f.rows_read, f.loaded, f.quarantined) == (3, 1, 2)
    assert f.reasons == {"an older copy of a contact in this delivery (newest Updated kept)": 2}
    assert stored(settings, "select contact_id, acw_seconds from contacts") == [("a", 45)]


def test_an_older_copy_delivered_later_does_not_go_back_in_time(tmp_path, settings):
    m = mapping(tmp_path, DEDUPE)
    first, second, third = tmp_path / "1.jsonl", tmp_path / "2.jsonl", tmp_path / "3.jsonl"
    first.write_text(json.dumps(record("a", acw=45, updated="2026-01-05T09:10:00Z")))
    second.write_text(json.dumps(record("a", acw=0, updated="2026-01-05T09:05:01Z")))  # the early copy, late
    third.write_text(json.dumps(record("a", acw=50, updated="2026-01-05T09:20:00Z")))  # a real update
    load([first], settings, now=NOW, mapping=m)
    (f,) = load([second], settings, now=NOW, mapping=m).files
    assert (f.loaded, f.replaced, f.quarantined) == (0, 0, 1)
    assert f.reasons == {"older than the copy already loaded (newest Updated kept)": 1}
    assert stored(settings, "select acw_seconds from contacts") == [(45,)]
    (f,) = load([third], settings, now=NOW, mapping=m).files
    assert (f.loaded, f.replaced, f.quarantined) == (0, 1, 0)
    assert stored(settings, "select acw_seconds from contacts") == [(50,)]
    (f,) = load([third], settings, now=NOW, mapping=m).files  # the same copy again: idempotent
    assert (f.replaced, f.quarantined) == (1, 0)


def test_a_record_without_a_version_or_an_id_is_quarantined_when_dedupe_is_on(tmp_path, settings):
    source = tmp_path / "d.jsonl"
    source.write_text(json.dumps(record("a", updated=None)) + json.dumps(record("b")) + json.dumps(record(None)))
    (f,) = load([source], settings, now=NOW, mapping=mapping(tmp_path, DEDUPE)).files
    assert (f.loaded, f.reasons) == (1, {"no version (Updated) to tell the newest copy by": 1,
                                         "call_id is missing": 1})


LET = '''[let]
offered_ts = "Offered::timestamptz"
waited = "epoch(Answered::timestamptz - offered_ts)"
[[rules]]
when = "waited > 3600"
reason = "a wait of over an hour is not a real wait"
'''


def test_let_values_are_written_once_and_used_by_columns_and_rules(tmp_path, settings):
    base = BASE.replace('offered_at = "Offered"', 'offered_at = "offered_ts"')
    source = tmp_path / "d.jsonl"
    source.write_text(json.dumps(record("a")) + json.dumps(record("b", Answered="2026-01-05T11:00:00Z",
                                                                  Ended="2026-01-05T11:05:00Z")))
    (f,) = load([source], settings, now=NOW, mapping=mapping(tmp_path, LET, base)).files
    assert (f.loaded, f.reasons) == (1, {"a wait of over an hour is not a real wait": 1})
    assert stored(settings, "select epoch(handled_at - offered_at) from contacts") == [(30.0,)]


def test_a_let_name_that_hides_a_source_column_is_refused(tmp_path, settings):
    source = tmp_path / "d.jsonl"
    source.write_text(json.dumps(record("a")))
    with pytest.raises(LoadError, match=r"\[let\] names that are also source columns: Queue"):
        load([source], settings, now=NOW, mapping=mapping(tmp_path, '[let]\nQueue = "1"\n'))
    with pytest.raises(LoadError, match=r"\[let\] names that are also source columns: queue"):  # any case
        load([source], settings, now=NOW, mapping=mapping(tmp_path, '[let]\nqueue = "1"\n'))


def test_composite_ids_never_collide_and_a_missing_part_is_quarantined(tmp_path, settings):
    base = BASE.replace('call_id = "Id"', 'call_id = ["Line", "Id"]')
    rows = [record("1/2", Line="A"), record("2", Line="A/1"), record("3", Line=None)]
    source = tmp_path / "d.jsonl"
    source.write_text("".join(json.dumps(r) for r in rows))
    (f,) = load([source], settings, now=NOW, mapping=mapping(tmp_path, "", base)).files
    assert (f.loaded, f.reasons) == (2, {"call_id is missing": 1})
    assert stored(settings, "select contact_id from contacts order by 1") == [("A/1~12",), ("A~11/2",)]


def test_clock_skew_within_the_tolerance_is_not_an_error(tmp_path, settings):
    rows = [record("ahead-2s", Answered="2026-01-05T08:59:58Z"),   # the VRU clock 2 s ahead of the switch
            record("ahead-1.5s", Answered="2026-01-05T08:59:58.500Z", Ended="2026-01-05T08:59:58.600Z"),
            record("ahead-3s", Answered="2026-01-05T08:59:57Z")]
    source = tmp_path / "d.jsonl"
    source.write_text("".join(json.dumps(r) for r in rows))
    (f,) = load([source], settings, now=NOW, mapping=mapping(tmp_path, top="clock_skew_seconds = 2\n")).files
    assert (f.loaded, f.reasons) == (2, {"answered_at before offered_at": 1})
    # within the tolerance the later time is taken as equal to the earlier one: no negative wait, no lost contact
    assert stored(settings, "select contact_id, epoch(handled_at - offered_at), epoch(ended_at - handled_at) "
                            "from contacts order by 1") == [("ahead-1.5s", 0.0, 0.0), ("ahead-2s", 0.0, 300.0)]
    (f,) = load([source], Settings(db_path=tmp_path / "strict.duckdb", pseudonym_key=settings.pseudonym_key),
                now=NOW, mapping=mapping(tmp_path)).files
    assert (f.loaded, f.quarantined) == (0, 3)  # without it: all three quarantined


def test_an_answered_contact_of_an_unknown_agent(tmp_path, settings):
    rows = [record("a", Agent=None), record("b", Agent=" "), record("c", Agent=None, Answered=None)]
    source = tmp_path / "d.jsonl"
    source.write_text("".join(json.dumps(r) for r in rows))
    (f,) = load([source], settings, now=NOW, mapping=mapping(tmp_path)).files  # the core rule by default
    assert (f.loaded, f.reasons) == (1, {"agent_id is missing on an answered call": 2})
    kept = Settings(db_path=tmp_path / "kept.duckdb", pseudonym_key=settings.pseudonym_key)
    report = load([source], kept, now=NOW, mapping=mapping(tmp_path, top='unknown_agent = "(unknown agent)"\n'))
    assert (report.files[0].loaded, report.unknown_agents) == (3, ["(unknown agent)"])
    assert stored(kept, "select contact_id, agent_id from contacts order by 1") == [
        ("a", "(unknown agent)"), ("b", "(unknown agent)"), ("c", None)]


def test_a_misspelt_mapping_key_is_an_error_not_ignored(tmp_path):
    with pytest.raises(LoadError, match="clock_skew: Extra inputs are not permitted"):
        mapping(tmp_path, top="clock_skew = 2\n")
