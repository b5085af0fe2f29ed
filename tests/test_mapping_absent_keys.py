"""Vendors leave out the JSON keys they have no value for (Amazon Connect writes no `Agent` on a contact no agent
took, Genesys Cloud no `metrics` on a session or `queueId` on a segment, Zendesk Chat no `history` on an offline
message). A delivery in which every record lacks a key a mapping reads must load exactly as the same delivery with
that key null: the same mapped values, the same quarantine reasons, the same warehouse and KPIs. Empty or degenerate
files load 0 rows with a report line, or are refused with one readable line."""

from __future__ import annotations

import datetime as dt
import functools
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from etl import sqlfiles
from etl.cli import format_report
from etl.csv_reader import LoadError
from etl.kpis import Filters, kpi_table
from etl.load import load, load_parameters
from etl.mapping import check, load_mapping, read_mapped
from etl.mapping_fields import referenced
from etl.settings import Settings
from etl.staging import stage
from etl.warehouse import connect_read_only

EXAMPLES = Path(__file__).resolve().parent.parent / "etl" / "mappings" / "examples"
KEY = "absent-keys-key-0123456789"
NOW = dt.datetime(2026, 3, 20, tzinfo=dt.UTC)
# each JSON built-in mapping, its worked example, and how the file holds its records
SOURCES = {
    "amazon_connect_voice": ("amazon_connect/ctr-2026-03-02-firehose", "firehose"),
    "amazon_connect_chat": ("amazon_connect/ctr-2026-03-02-firehose", "firehose"),
    "genesys_cloud_voice": ("genesys_cloud/conversation_details.json", "page"),
    "genesys_cloud_chat": ("genesys_cloud/conversation_details_messaging.json", "page"),
    "talkdesk_calls": ("talkdesk/calls_report.json", "page"),
    "zendesk_chat": ("zendesk_chat/chats.jsonl", "lines"),
    "zendesk_chat_transfers": ("zendesk_chat/chats.jsonl", "lines"),
    "zendesk_chat_ratings": ("zendesk_chat/chats.jsonl", "lines"),
}
# a built-in mapping read and checked once for the module (the guard parses every expression: about 0.8 s a mapping)
mapping_of = functools.cache(load_mapping)


def read(mapping: str):
    name, shape = SOURCES[mapping]
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    if shape == "page":
        return json.loads(text)
    decoder, records, at = json.JSONDecoder(), [], 0
    while text[at:].strip():  # JSON lines, or Firehose's records with no delimiter
        at += len(text[at:]) - len(text[at:].lstrip())
        record, at = decoder.raw_decode(text, at)
        records.append(record)
    return records


def write(mapping: str, data, folder: Path) -> Path:
    name, shape = SOURCES[mapping]
    folder.mkdir(parents=True, exist_ok=True)
    for beside in (EXAMPLES / name).parent.glob("routing_queues.json"):  # Genesys's queue list
        shutil.copy(beside, folder / beside.name)
    path = folder / Path(name).name
    if shape == "page":
        path.write_text(json.dumps(data), encoding="utf-8")
    else:
        joiner = "" if shape == "firehose" else "\n"
        path.write_text(joiner.join(json.dumps(r) for r in data) + "\n", encoding="utf-8")
    return path


def full_path(mapping: str, path: tuple[str, ...]) -> tuple[str, ...]:
    """A path the expressions read, from the file's root: `sessions.metrics` of Genesys is
    conversations.participants.sessions.metrics (its unnest paths say where each list's elements come from)."""
    chains: dict[str, tuple[str, ...]] = {}
    for step in mapping_of(mapping).source.unnest:
        head, *rest = step.split(".")
        chains[rest[-1] if rest else head] = chains.get(head, (head,)) + tuple(rest)
    return chains.get(path[0], (path[0],)) + path[1:]


def without(data, path: tuple[str, ...], how: str) -> tuple[object, int]:
    """A copy of the records with the key at `path` removed ('absent') or set to null ('null') in every object that
    holds it; and how many objects held it."""
    data = json.loads(json.dumps(data))
    objects = data if isinstance(data, list) else [data]
    for key in path[:-1]:
        found = []
        for o in objects:
            value = o.get(key) if isinstance(o, dict) else None
            found += value if isinstance(value, list) else [value] if isinstance(value, dict) else []
        objects = found
    held = 0
    for o in objects:
        if isinstance(o, dict) and path[-1] in o:
            held += 1
            if how == "absent":
                del o[path[-1]]
            else:
                o[path[-1]] = None
    return data, held


def staged(mapping_name: str, *paths: Path) -> list[tuple[list, list]]:
    """What the load makes of each source before the merge: the mapped values and every row's check or reason, in an
    in-memory database (the same steps as `carekpi mapping preview`); and the report notes. One database for all
    the sources, one after the other (each step replaces its tables)."""
    mapping = mapping_of(mapping_name)
    settings = Settings(db_path=paths[0].parent / "unused.duckdb", pseudonym_key=KEY)
    params = {**load_parameters(settings, mapping, NOW.replace(tzinfo=None)), "load_id": 0}
    con = duckdb.connect()
    results = []
    try:
        for name in ("schema.sql", "schema_contacts.sql", "macros.sql"):
            sqlfiles.run(con, name)
        for path in paths:
            _, notes = read_mapped(con, mapping, path)
            stage(con, mapping.spec, params, mapped=True)
            rows = con.execute("select columns(lambda c: c not like '%raw%')::varchar from staged "
                               "order by line_no").fetchall()
            results.append((rows, notes))
    finally:
        con.close()
    return results


def cases() -> list:
    return [pytest.param(name, path, id=f"{name}:{'.'.join(path)}")
            for name in SOURCES for path in sorted(referenced(mapping_of(name)))]


@pytest.mark.parametrize(("mapping", "path"), cases())
def test_a_key_absent_from_every_record_reads_as_null(tmp_path, mapping, path):
    original = read(mapping)
    route = full_path(mapping, path)
    nulled, held = without(original, route, "null")
    absent, _ = without(original, route, "absent")
    (as_null, _), (as_absent, notes) = staged(mapping, write(mapping, nulled, tmp_path / "null"),
                                              write(mapping, absent, tmp_path / "absent"))
    assert as_absent == as_null
    if held and len(route) > 1 and route[-2] not in ("conversations", "participants", "sessions", "entries"):
        assert any(".".join(path) in note for note in notes)  # the report names a nested field read as empty


def test_the_fields_a_mapping_reads_are_its_expressions_column_paths():
    paths = referenced(mapping_of("amazon_connect_voice"))
    assert {("Agent", "AfterContactWorkDuration"), ("Queue", "EnqueueTimestamp"), ("TransferCompletedTimestamp",),
            ("ContactId",), ("InitiationMethod",), ("Attributes",)} <= paths
    assert not {p for p in paths if p[0] in ("handled", "patient_key", "e")}  # [let] names, lambda parameters
    genesys = referenced(mapping_of("genesys_cloud_voice"))
    assert {("sessions", "metrics"), ("sessions", "segments"), ("participants", "purpose"),
            ("conversations", "participants"), ("participants", "sessions")} <= genesys


def connect_records() -> list[dict]:
    """Amazon Connect voice contacts as the data model writes them: one abandoned in queue, one ended in the IVR
    (no queue), one answered by an agent."""
    base = {"AWSAccountId": "111122223333", "Channel": "VOICE", "InitiationMethod": "INBOUND",
            "CustomerEndpoint": {"Address": "+15550100001", "Type": "TELEPHONE_NUMBER"},
            "Attributes": {}, "InitialContactId": None, "NextContactId": None, "PreviousContactId": None,
            "TransferCompletedTimestamp": None, "DisconnectReason": "CUSTOMER_DISCONNECT"}
    return [
        {**base, "ContactId": "c1", "InitiationTimestamp": "2026-03-02T09:00:00Z",
         "Queue": {"Name": "Pharmacy", "EnqueueTimestamp": "2026-03-02T09:00:10Z"},
         "DisconnectTimestamp": "2026-03-02T09:01:10Z", "LastUpdateTimestamp": "2026-03-02T09:02:00Z"},
        {**base, "ContactId": "c2", "InitiationTimestamp": "2026-03-02T10:00:00Z", "Queue": None,
         "DisconnectTimestamp": "2026-03-02T10:00:30Z", "LastUpdateTimestamp": "2026-03-02T10:01:00Z"},
        {**base, "ContactId": "c3", "InitiationTimestamp": "2026-03-02T11:00:00Z",
         "Queue": {"Name": "Pharmacy", "EnqueueTimestamp": "2026-03-02T11:00:05Z"},
         "Agent": {"Username": "ana", "ConnectedToAgentTimestamp": "2026-03-02T11:00:25Z",
                   "AgentInteractionDuration": 120, "CustomerHoldDuration": 30, "AfterContactWorkDuration": 45},
         "DisconnectReason": "AGENT_DISCONNECT",
         "DisconnectTimestamp": "2026-03-02T11:03:00Z", "LastUpdateTimestamp": "2026-03-02T11:04:00Z"},
    ]


def warehouse(tmp_path: Path, name: str, records: list[dict]) -> tuple[list, list, str, object, list]:
    """The delivery loaded with amazon_connect_voice: contacts, quarantine (line, reason), KPIs, the file's report."""
    folder = tmp_path / name
    folder.mkdir()
    source = folder / "ctr-firehose"
    source.write_text("".join(json.dumps(r) for r in records), encoding="utf-8")  # Firehose: no delimiter
    settings = Settings(db_path=folder / "w.duckdb", pseudonym_key=KEY)
    report = load([source], settings, now=NOW, mapping=mapping_of("amazon_connect_voice")).files[0]
    con = connect_read_only(settings.db_path)
    try:
        contacts = con.execute("select * exclude (load_id) from contacts order by contact_id").fetchall()
        quarantined = con.execute("select line_no, reason from quarantine order by line_no").fetchall()
        kpis = str(kpi_table(con, Filters(date_from=dt.date(2026, 3, 2), date_to=dt.date(2026, 3, 2)), (),
                             settings).to_dict("records"))  # as text: a KPI without a denominator is NaN in both
        handle = con.execute("select contact_id, end_reason, coalesce(talk_seconds + hold_seconds + acw_seconds, 0) "
                             "from contacts order by contact_id").fetchall()
    finally:
        con.close()
    return contacts, quarantined, kpis, report, handle


def drop_transfer(record: dict, how: str) -> None:
    if how == "absent":
        del record["TransferCompletedTimestamp"]


def drop_agent(record: dict, how: str) -> None:
    if how == "absent":
        record.pop("Agent", None)
    else:
        record["Agent"] = None


def drop_acw(record: dict, how: str) -> None:
    if "Agent" in record:
        if how == "absent":
            del record["Agent"]["AfterContactWorkDuration"]
        else:
            record["Agent"]["AfterContactWorkDuration"] = None


@pytest.mark.parametrize(("edit", "records", "handle"), [
    # c1 abandoned in queue, c2 ended in the IVR, c3 handled: 120 s talk + 30 s hold + 45 s after-contact work
    pytest.param(drop_transfer, 3, [("c1", "abandoned", 0), ("c2", "ivr", 0), ("c3", None, 195)],
                 id="TransferCompletedTimestamp"),
    pytest.param(drop_agent, 2, [("c1", "abandoned", 0), ("c2", "ivr", 0)], id="Agent, only unanswered contacts"),
    pytest.param(drop_acw, 3, [("c1", "abandoned", 0), ("c2", "ivr", 0), ("c3", None, 150)],
                 id="Agent.AfterContactWorkDuration"),
])
def test_an_absent_key_gives_the_same_warehouse_and_kpis_as_a_null_one(tmp_path, edit, records, handle):
    loaded = {}
    for how in ("null", "absent"):
        delivery = connect_records()[:records]
        for record in delivery:
            edit(record, how)
        loaded[how] = warehouse(tmp_path, how, delivery)
    assert loaded["absent"][:3] == loaded["null"][:3]  # contacts, quarantine and KPIs
    assert [c[0][-2:] if isinstance(c[0], str) else c for c in loaded["absent"][4]] == [h[0] for h in handle]
    assert loaded["absent"][4] == loaded["null"][4]
    assert [row[1:] for row in loaded["absent"][4]] == [h[1:] for h in handle]
    report = loaded["absent"][3]
    assert (report.rows_read, report.loaded, report.quarantined) == (records, records, 0)


NO_RECORDS = "holds no records (the file is empty or an empty list)"


# one mapping of each reader and table: JSON lines (calls, surveys) and API pages (chats, calls)
@pytest.mark.parametrize("mapping", ["amazon_connect_voice", "zendesk_chat_ratings", "genesys_cloud_chat",
                                     "talkdesk_calls"])
@pytest.mark.parametrize(("content", "note"), [
    pytest.param("", NO_RECORDS, id="empty file"),
    pytest.param(" \n\n", NO_RECORDS, id="blank lines"),
    pytest.param("[]", NO_RECORDS, id="[]"),
    pytest.param("{}", None, id="{}"),
    pytest.param('{"totalHits": 0}', None, id="a page with no list"),
    pytest.param('{"entries": [], "conversations": []}', None, id="a page with an empty list"),
    pytest.param('{"entries": null, "conversations": null}', None, id="a page with a null list"),
])
def test_an_empty_or_degenerate_file_reads_no_rows_with_a_note_or_is_refused_in_one_line(tmp_path, mapping, content,
                                                                                         note):
    source = tmp_path / Path(SOURCES[mapping][0]).name
    source.write_text(content, encoding="utf-8")
    page = mapping_of(mapping).source.unnest
    if note is None and page:  # an API page (Genesys, Talkdesk) without its list of records
        note = f"holds no records (its {page[0]} list is empty or absent)"
    if note is None and content == "{}":  # JSON lines of records without a single field
        with pytest.raises(LoadError) as refused:
            check(mapping_of(mapping), [source])
        assert str(refused.value) == f"{source}: its 1 record(s) are all empty objects ({{}}), with no field to map"
        return
    check(mapping_of(mapping), [source])  # what the load does first
    [(rows, notes)] = staged(mapping, source)
    if note is None:  # JSON lines: a page object is a record of fields the mapping does not read, set aside
        assert len(rows) == 1 and notes and notes[0].startswith("fields no record holds, read as empty: ")
        return
    assert (rows, notes) == ([], [note])


@pytest.mark.parametrize(("mapping", "content", "note"), [
    ("amazon_connect_voice", "", NO_RECORDS),
    ("talkdesk_calls", "{}", "holds no records (its entries list is empty or absent)"),
])
def test_a_file_without_records_loads_none_and_the_report_says_why(tmp_path, mapping, content, note):
    source = tmp_path / Path(SOURCES[mapping][0]).name
    source.write_text(content, encoding="utf-8")
    loaded = load([source], Settings(db_path=tmp_path / "w.duckdb", pseudonym_key=KEY), now=NOW,
                  mapping=mapping_of(mapping))
    report = loaded.files[0]
    assert (report.rows_read, report.loaded, report.quarantined, report.notes) == (0, 0, 0, [note])
    assert f"    note: {note}" in format_report(loaded)


Q1, Q2 = "4c1d6a0e-2b0f-4d55-9a57-1f0d3c9b8a01", "9e2b7f14-6c3a-4f0e-8d21-5a7c0b3e4d02"  # the example's queue ids


@pytest.mark.parametrize(("queue_list", "queues"), [
    pytest.param("", [Q1, Q2], id="empty file"),
    pytest.param("{}", [Q1, Q2], id="{}"),
    pytest.param('{"entities": [], "pageSize": 25}', [Q1, Q2], id="no queues"),
    pytest.param(json.dumps({"entities": [{"id": Q1}, {"id": Q2, "name": "Pharmacy"}]}), [Q1, "Pharmacy"],
                 id="no record has a name but one"),
    pytest.param(json.dumps({"entities": [{"id": Q1}, {"id": Q2}]}), [Q1, Q2], id="no record has a name"),
])
def test_a_lookup_list_without_records_or_fields_keeps_the_keys(tmp_path, queue_list, queues):
    source = tmp_path / "conversation_details.json"
    shutil.copy(EXAMPLES / "genesys_cloud" / "conversation_details.json", source)
    (tmp_path / "routing_queues.json").write_text(queue_list, encoding="utf-8")
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key=KEY)
    report = load([source], settings, now=NOW, mapping=mapping_of("genesys_cloud_voice")).files[0]
    con = connect_read_only(settings.db_path)
    try:
        loaded = sorted(q for (q,) in con.execute("select distinct queue from contacts").fetchall())
    finally:
        con.close()
    assert (report.rows_read, report.loaded, loaded) == (11, 11, queues)
