"""The built-in Amazon Connect and Zendesk Chat mappings on their vendor-shaped worked examples
(etl/mappings/examples/<platform>/, whose SOURCE.md names the vendor documentation and works every figure out by
hand): the KPIs carekpi gives equal the hand-worked vendor definitions."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest

from etl.kpis import Filters, kpi_table
from etl.load import load
from etl.mapping import load_mapping
from etl.settings import Settings
from etl.warehouse import connect_read_only

EXAMPLES = Path(__file__).resolve().parent.parent / "etl" / "mappings" / "examples"
CONNECT = EXAMPLES / "amazon_connect"
ZENDESK = EXAMPLES / "zendesk_chat"
NOW = dt.datetime(2026, 3, 20, tzinfo=dt.UTC)
MARCH_2_3 = Filters(date_from=dt.date(2026, 3, 2), date_to=dt.date(2026, 3, 3))
KEY = "examples-key-0123456789"
VOICE_ONLY = "a chat contact (load it with the amazon_connect_chat mapping)"
CHAT_ONLY = "a voice contact (load it with the amazon_connect_voice mapping)"
TASK = "a task or email contact (Channel TASK or EMAIL): not a call or chat"
MONITOR = "a supervisor monitoring or barging into a contact (InitiationMethod MONITOR): not a contact of its own"


@pytest.fixture(scope="module")
def connect(tmp_path_factory):
    """Both deliveries through both mappings into one warehouse; the second delivery gzipped, as Firehose does."""
    tmp = tmp_path_factory.mktemp("connect")
    first = CONNECT / "ctr-2026-03-02-firehose"
    second = tmp / "ctr-2026-03-12-firehose.gz"
    second.write_bytes(gzip.compress((CONNECT / "ctr-2026-03-12-firehose").read_bytes()))
    settings = Settings(db_path=tmp / "w.duckdb", pseudonym_key=KEY)
    reports = {}
    for name in ("amazon_connect_voice", "amazon_connect_chat"):
        for delivery in (first, second):
            reports[name, delivery.name] = load([delivery], settings, now=NOW, mapping=load_mapping(name)).files[0]
    con = connect_read_only(settings.db_path)
    kpis = kpi_table(con, MARCH_2_3, ("channel",), settings).set_index("channel")
    legs = {leg: (acw, end) for leg, acw, end in con.execute(
        "select contact_id[-2:], acw_seconds, end_reason from contacts where channel = 'voice'").fetchall()}
    con.close()
    dump = b"".join(f.read_bytes() for f in tmp.rglob("*") if f.is_file() and f.suffix != ".gz")
    return reports, kpis, legs, dump


def test_every_record_is_loaded_or_quarantined_and_the_newest_copy_wins(connect):
    reports, _, legs, _ = connect
    voice1 = reports["amazon_connect_voice", "ctr-2026-03-02-firehose"]
    assert (voice1.rows_read, voice1.loaded, voice1.quarantined) == (18, 13, 5)
    assert voice1.reasons == {VOICE_ONLY: 4,
                              "an older copy of a contact in this delivery (newest LastUpdateTimestamp kept)": 1}
    voice2 = reports["amazon_connect_voice", "ctr-2026-03-12-firehose.gz"]
    assert (voice2.rows_read, voice2.loaded, voice2.quarantined) == (10, 6, 4)
    assert voice2.reasons == {VOICE_ONLY: 1, MONITOR: 1, TASK: 1,
                              "older than the copy already loaded (newest LastUpdateTimestamp kept)": 1}
    chat1 = reports["amazon_connect_chat", "ctr-2026-03-02-firehose"]
    assert (chat1.rows_read, chat1.loaded, chat1.reasons) == (18, 4, {CHAT_ONLY: 14})
    chat2 = reports["amazon_connect_chat", "ctr-2026-03-12-firehose.gz"]
    assert (chat2.rows_read, chat2.loaded, chat2.reasons) == (10, 1, {CHAT_ONLY: 8, TASK: 1})
    # the final copies' after-contact work, though early copies (ACW 0) came later
    assert (legs["01"][0], legs["08"][0]) == (45, 60)


def test_a_queued_callback_ends_the_first_leg_as_callback_where_the_delivery_shows_it(connect):
    _, _, legs, _ = connect
    # 4's next leg (5, InitiationMethod CALLBACK) is in the same delivery; 9's next leg is a QUEUE_TRANSFER; 15's
    # callback leg (16) came in the next delivery, so the first leg's record alone cannot tell: moved, not abandoned;
    # 19 has no DisconnectReason (null: "contacts ended by flows or APIs"), so it is not the customer's abandon
    assert (legs["04"][1], legs["09"][1], legs["15"][1], legs["03"][1], legs["19"][1]) == (
        "callback", "moved", "moved", "abandoned", "other")


def test_no_patient_reference_reaches_the_warehouse(connect):
    *_, dump = connect
    assert dump and not [s for s in (b"+15550100001", b"15550100009", b"15550100011", b"15550100020", b"PK-1001",
                                     b"PK-1003", b"PK-2001")
                         if s in dump]


def test_amazon_connect_voice_kpis_equal_the_hand_worked_figures(connect):
    _, kpis, _, _ = connect
    v = kpis.loc["voice"]
    assert (v["contacts_offered"], v["conversations_offered"], v["contacts_handled"]) == (12, 10, 7)
    assert (v["abandon_rate_num"], v["abandon_rate_den"]) == (1, 10)  # callbacks and flow moves are not abandons
    assert (v["service_level_num"], v["service_level_den"]) == (5, 10)  # the callback left the queue unanswered
    assert v["asa_seconds"] == pytest.approx(157 / 7)
    assert v["aht_seconds"] == pytest.approx(1545 / 7)  # talk + hold + ACW, never the time after a transfer out
    assert v["conversation_aht_seconds"] == pytest.approx(1925 / 8)
    assert (v["transfer_rate_num"], v["transfer_internal_rate_num"], v["transfer_external_rate_num"],
            v["transfer_rate_den"]) == (2, 1, 1, 7)
    assert (v["fcr_rate_num"], v["fcr_rate_den"]) == (7, 8)  # a transfer leg is never a repeat
    # outbound: 6 (OUTBOUND), 7 (API), 18 (EXTERNAL_OUTBOUND); the supervisor's MONITOR record 17 is no contact
    assert (v["outbound_contacts"], v["outbound_handled"], v["callback_contacts"], v["callback_handled"]) == (
        3, 3, 2, 2)
    assert v["callbacks_scheduled"] == 1  # leg 4; leg 15's callback is in a later delivery


def test_amazon_connect_chat_kpis_equal_the_hand_worked_figures(connect):
    _, kpis, _, _ = connect
    c = kpis.loc["chat"]
    assert (c["contacts_offered"], c["conversations_offered"], c["contacts_handled"]) == (5, 4, 4)
    assert (c["abandon_rate_num"], c["abandon_rate_den"]) == (1, 5)
    assert (c["service_level_num"], c["service_level_den"]) == (3, 5)
    assert (c["asa_seconds"], c["aht_seconds"]) == (45.0, 345.0)
    assert (c["transfer_internal_rate_num"], c["transfer_rate_den"]) == (1, 4)
    assert (c["fcr_rate_num"], c["fcr_rate_den"]) == (2, 3)  # the patient key from the contact attributes


def _records(path: Path) -> dict[str, dict]:
    """The example delivery's records (concatenated JSON, as Firehose writes it) by the last digits of ContactId."""
    text, decoder, at, found = path.read_text(), json.JSONDecoder(), 0, {}
    while at < len(text):
        record, at = decoder.raw_decode(text, at)
        found[record["ContactId"][-2:]] = record
    return found


def test_a_customer_first_callback_is_one_callback_leg_and_ends_the_inbound_leg_as_callback(tmp_path):
    """Amazon's "Use customer first callback mode": C1 inbound -> C2 CALLBACK_CUSTOMER_FIRST_QUEUED (the callback
    waiting to dial, no customer on the line) -> C3 CALLBACK_CUSTOMER_FIRST_DIALED (the customer answered, then an
    agent). Built from the example's records 4 (unanswered inbound) and 5 (a connected callback)."""
    example = _records(CONNECT / "ctr-2026-03-02-firehose")
    c1, c2, c3 = (json.loads(json.dumps(example[n])) for n in ("04", "04", "05"))
    ids = {n: f"0000000{n}-cfcb-4bbb-8ccc-00000000000{n}" for n in (1, 2, 3)}
    c1.update(ContactId=ids[1], NextContactId=ids[2])
    c2.update(ContactId=ids[2], InitialContactId=ids[1], PreviousContactId=ids[1], NextContactId=ids[3],
              InitiationMethod="CALLBACK_CUSTOMER_FIRST_QUEUED", DisconnectReason=None)
    c3.update(ContactId=ids[3], InitialContactId=ids[1], PreviousContactId=ids[2],
              InitiationMethod="CALLBACK_CUSTOMER_FIRST_DIALED")
    source = tmp_path / "ctr-firehose"
    source.write_text("".join(json.dumps(r) for r in (c3, c2, c1)))  # any order within the delivery
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key=KEY)
    report = load([source], settings, now=NOW, mapping=load_mapping("amazon_connect_voice")).files[0]
    assert (report.loaded, report.reasons) == (2, {"the queued leg of a customer first callback: its dialled leg "
                                                   "(CALLBACK_CUSTOMER_FIRST_DIALED) is the callback contact": 1})
    con = connect_read_only(settings.db_path)
    legs = dict(con.execute("select contact_id[1:8], coalesce(end_reason, direction) from contacts").fetchall())
    k = kpi_table(con, MARCH_2_3, (), settings).iloc[0]
    con.close()
    assert legs == {"00000001": "callback", "00000003": "callback"}  # C1's end, C3's direction
    assert (k["contacts_offered"], k["callbacks_scheduled"], k["callback_contacts"], k["callback_handled"],
            k["abandon_rate_num"], k["abandon_rate_den"]) == (1, 1, 1, 1, 0, 1)

def test_an_initiation_method_the_mapping_does_not_know_is_set_aside_not_counted(tmp_path):
    """A value Amazon adds later (the data model: new fields and values keep coming) is not guessed to be inbound;
    a contact a disconnect flow created is no patient's call."""
    example = _records(CONNECT / "ctr-2026-03-02-firehose")
    unknown, disconnect = (json.loads(json.dumps(example[n])) for n in ("13", "03"))
    unknown["InitiationMethod"] = "SOMETHING_NEW"
    disconnect["InitiationMethod"] = "DISCONNECT"
    source = tmp_path / "ctr-firehose"
    source.write_text("".join(json.dumps(r) for r in (unknown, disconnect)))
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key=KEY)
    report = load([source], settings, now=NOW, mapping=load_mapping("amazon_connect_voice")).files[0]
    assert (report.loaded, report.reasons) == (0, {
        "an InitiationMethod this mapping does not know (etl/mappings/amazon_connect_voice.toml lists those it "
        "reads): not counted": 1,
        "a contact a disconnect flow created (InitiationMethod DISCONNECT): not a patient's call": 1})


@pytest.fixture(scope="module")
def zendesk(tmp_path_factory):
    """The export through its three mappings: first legs, transfer legs, ratings."""
    settings = Settings(db_path=tmp_path_factory.mktemp("zendesk") / "w.duckdb", pseudonym_key=KEY)
    source = ZENDESK / "chats.jsonl"
    reports = {name: load([source], settings, now=NOW, mapping=load_mapping(name)).files[0]
               for name in ("zendesk_chat", "zendesk_chat_transfers", "zendesk_chat_ratings")}
    con = connect_read_only(settings.db_path)
    period = Filters(date_from=dt.date(2026, 3, 4), date_to=dt.date(2026, 3, 5))
    kpis = kpi_table(con, period, (), settings).iloc[0]
    agents = kpi_table(con, period, ("agent",), settings).set_index("agent")
    queues = dict(con.execute("select contact_id, queue from contacts").fetchall())
    con.close()
    return reports, kpis, agents, queues


def test_zendesk_every_chat_is_loaded_or_quarantined(zendesk):
    reports, _, _, _ = zendesk
    first, transfers, ratings = (reports[n] for n in ("zendesk_chat", "zendesk_chat_transfers",
                                                      "zendesk_chat_ratings"))
    assert (first.rows_read, first.loaded, first.reasons) == (8, 7, {"offline message, not a live chat": 1})
    assert (transfers.loaded, transfers.reasons) == (1, {
        "not transferred: the chat's one leg is loaded by zendesk_chat": 6, "offline message, not a live chat": 1})
    assert (ratings.loaded, ratings.reasons) == (3, {
        "not rated (no good/bad rating: not a survey response)": 4, "offline message, not a live chat": 1})


def test_zendesk_chat_kpis_equal_the_hand_worked_figures(zendesk):
    _, k, _, queues = zendesk
    assert (k["contacts_offered"], k["conversations_offered"], k["contacts_handled"]) == (6, 5, 5)
    assert (k["outbound_contacts"], k["outbound_handled"]) == (1, 1)  # the agent-started chat is not a request
    assert (k["abandon_rate_num"], k["abandon_rate_den"]) == (1, 6)
    assert (k["service_level_num"], k["service_level_den"]) == (4, 6)
    assert (k["asa_seconds"], k["aht_seconds"]) == (36.0, 468.0)
    assert (k["transfer_internal_rate_num"], k["transfer_rate_den"]) == (1, 5)
    assert (k["fcr_rate_num"], k["fcr_rate_den"]) == (3, 4)  # the transfer leg is not a repeat
    # good -> 5, bad -> 1: CSAT (top-2) is Zendesk's satisfaction score, good / (good + bad)
    assert (k["csat_top2_rate_num"], k["csat_top2_rate_den"]) == (2, 3)
    assert (queues["2603.04.z4"], queues["2603.04.z5"], queues["2603.04.z2/2"]) == (
        "unassigned", "unassigned", "Billing")


def test_zendesk_transfer_splits_the_time_between_agents(zendesk):
    _, _, agents, _ = zendesk
    # agent 361: chat z1 (680 s) and z2 until the transfer (270 s); agent 362: z2 after the transfer (580 s), and
    # the bad rating given at the end of z2
    assert (agents.loc["361", "contacts_handled"], agents.loc["361", "aht_seconds"]) == (2, 475.0)
    assert (agents.loc["362", "contacts_handled"], agents.loc["362", "aht_seconds"]) == (1, 580.0)
    assert (agents.loc["362", "csat_top2_rate_num"], agents.loc["362", "csat_top2_rate_den"]) == (0, 1)


def test_a_zendesk_answered_chat_without_its_response_time_is_set_aside_not_counted_abandoned(tmp_path):
    chats = [json.loads(line) for line in (ZENDESK / "chats.jsonl").read_text().splitlines()]
    next(c for c in chats if c["id"] == "2603.04.z1")["response_time"]["first"] = None  # answered by agent 361
    source = tmp_path / "chats.jsonl"
    source.write_text("\n".join(json.dumps(c) for c in chats))
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key=KEY)
    report = load([source], settings, now=NOW, mapping=load_mapping("zendesk_chat")).files[0]
    assert (report.loaded, report.reasons) == (6, {
        "offline message, not a live chat": 1,
        "an answered chat without response_time.first: its answer time is unknown": 1})


def test_a_zendesk_first_response_time_with_a_fraction_is_kept_not_rounded(tmp_path):
    chats = [json.loads(line) for line in (ZENDESK / "chats.jsonl").read_text().splitlines()]
    next(c for c in chats if c["id"] == "2603.04.z1")["response_time"]["first"] = 40.5
    source = tmp_path / "chats.jsonl"
    source.write_text("\n".join(json.dumps(c) for c in chats))
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key=KEY)
    load([source], settings, now=NOW, mapping=load_mapping("zendesk_chat"))
    con = connect_read_only(settings.db_path)
    try:
        waits = con.execute("select epoch_us(handled_at - offered_at) from contacts "
                            "where contact_id = '2603.04.z1'").fetchall()
    finally:
        con.close()
    assert waits == [(40_500_000,)]  # 40.5 s, not 41 (a cast to a whole number would have rounded it)


def test_a_zendesk_export_of_offline_messages_only_is_read_not_refused(tmp_path):
    """An offline message has no history, agent_ids, missed, response_time or end_timestamp (the Chats API's JSON
    for offline messages), so a page holding only offline messages lacks those fields altogether: each mapping
    still reads it and sets the messages aside with their reason."""
    chats = [json.loads(line) for line in (ZENDESK / "chats.jsonl").read_text().splitlines()]
    source = tmp_path / "chats.jsonl"
    source.write_text("\n".join(json.dumps(c) for c in chats if c["type"] == "offline_msg"))
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key=KEY)
    for name in ("zendesk_chat", "zendesk_chat_transfers", "zendesk_chat_ratings"):
        report = load([source], settings, now=NOW, mapping=load_mapping(name)).files[0]
        assert (report.rows_read, report.loaded, report.reasons) == (1, 0, {"offline message, not a live chat": 1})
