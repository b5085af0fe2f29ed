"""Built-in mappings for Genesys Cloud, Five9, Talkdesk and Twilio Flex, each loading the worked example shipped beside it
(etl/mappings/examples/<platform>/, shaped as the vendor documents its export; SOURCE.md names the documents), with
every KPI worked out by hand below from the vendor's own field definitions. The examples hold one day each; the
FCR window is set to 1 hour so that the day closes most windows (a repeat call 50 minutes later is inside it)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from etl.kpis import Filters, kpi_table
from etl.load import load
from etl.mapping import load_mapping
from etl.settings import Settings
from etl.warehouse import connect_read_only

EXAMPLES = Path(__file__).resolve().parent.parent / "etl" / "mappings" / "examples"
NOW = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
JANUARY = Filters(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 1, 31))


def kpis(tmp_path: Path, mapping: str, source: Path, **settings) -> tuple[object, dict]:
    """Load one example through a built-in mapping; return the file's load report and January's KPIs."""
    config = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key="vendor-mapping-key-0123456789",
                      fcr_window_hours=1, **settings)
    report = load([source], config, now=NOW, mapping=load_mapping(mapping))
    con = connect_read_only(config.db_path)
    try:
        row = kpi_table(con, JANUARY, (), config).iloc[0].to_dict()
        stored = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    finally:
        con.close()
    return report.files[0], {**row, "_stored": stored}


def check(row: dict, expected: dict) -> None:
    got = {k: row[k] for k in expected}
    assert got == pytest.approx(expected), got


def test_genesys_cloud_voice(tmp_path):
    """Nine conversations (see etl/mappings/examples/genesys_cloud/SOURCE.md). Legs, from the agent and acd
    sessions (milliseconds / 1000):
      C1  ana, Scheduling: tAnswered 20 s, tTalk 240, tHeld 30, tAcw 45      handle 315
      C2  ana, Scheduling: tAnswered 40, tTalk 60, tAcw 10, nTransferred 1    handle  70  (blind transfer)
          ben, Pharmacy refills: tAnswered 10, tTalk 180, tAcw 30           handle 210  (same conversation)
      C3  acd Scheduling, tAbandon 50 s: abandoned in queue
      C4  IVR only: no acd, no agent -> not a leg
      C6  acd Scheduling, tFlowOut 90 s: moved by the flow (not an abandon, not in the denominators)
          ben, Pharmacy refills: tAnswered 15, tTalk 100, tAcw 20           handle 120
      C7  ana, Scheduling, the caller of C1 again 50 min later: tAnswered 5, tTalk 90, tAcw 10   handle 100
      C5  ben, outbound: its own volume only
      C10 ben, Scheduling, a new caller: tAnswered 12, tTalk 150, tAcw 20, nTransferred 1: a blind transfer to
          the hospital pharmacy's number (an `external` participant joins as ben's interact ends; no queue or
          agent does) -> external                                          handle 170
      C8  ana, Scheduling: tAnswered 25, tTalk 150                          handle 150
      C9  ben calls C3's caller back (his voice session beside a callback session): a callback leg
    Offered (Genesys nOffered: one per acd session) = 9; handled 7; SL population 8 (offered - the flow-out);
    SL 30 s: waits 20, 40, 10, 15, 5, 12, 25 -> 6 within; ASA 127/7; AHT 1135/7; per conversation 1135/6;
    transfers 2/7 (C2 internal, C10 external); FCR: C1 repeated by C7 within the hour, C2, C6, C7, C10 not; C8's
    window still open."""
    report, row = kpis(tmp_path, "genesys_cloud_voice", EXAMPLES / "genesys_cloud" / "conversation_details.json")
    assert (report.rows_read, report.loaded, report.quarantined) == (11, 11, 0)
    check(row, {
        "contacts_offered": 9, "conversations_offered": 7, "contacts_handled": 7,
        "abandon_rate": 1 / 8, "service_level": 6 / 8, "asa_seconds": 127 / 7,
        "aht_seconds": 1135 / 7, "conversation_aht_seconds": 1135 / 6,
        "transfer_rate": 2 / 7, "transfer_internal_rate": 1 / 7, "transfer_external_rate": 1 / 7,
        "fcr_rate": 4 / 5, "fcr_pending": 1, "outbound_contacts": 1, "callback_contacts": 1,
    })
    assert b"5550100001" not in row["_stored"]



def test_genesys_milliseconds_are_kept_exactly(tmp_path):
    """Genesys reports durations in milliseconds; the contract keeps seconds to the millisecond, so C1's agent leg
    with tTalk 240123, tHeld 30450 and tAcw 45007 has handle time 240.123 + 30.450 + 45.007 = 315.580 s (not 316,
    and no rounding per measure). A metric below a millisecond (tAcw 10000.5 on C2's first leg) is quarantined, not
    rounded; the other six handled legs give AHT (315.580 + 210 + 120 + 100 + 170 + 150) / 6 = 1065.58 / 6 exactly."""
    page = json.loads((EXAMPLES / "genesys_cloud" / "conversation_details.json").read_text())
    first, second = page["conversations"][0], page["conversations"][1]
    exact = {"tTalk": 240123, "tHeld": 30450, "tAcw": 45007}
    for metric in first["participants"][-1]["sessions"][0]["metrics"]:
        metric["value"] = exact.get(metric["name"], metric["value"])
    agent = next(p for p in second["participants"] if p["purpose"] == "agent")
    for metric in agent["sessions"][0]["metrics"]:
        metric["value"] = 10000.5 if metric["name"] == "tAcw" else metric["value"]
    source = tmp_path / "page.json"
    source.write_text(json.dumps(page))
    report, row = kpis(tmp_path, "genesys_cloud_voice", source)
    assert report.reasons == {"acw_seconds has a part below a millisecond (not kept)": 1}
    con = connect_read_only(tmp_path / "w.duckdb")
    try:
        legs = con.execute("select talk_seconds, hold_seconds, acw_seconds from contacts "
                           "where talk_seconds = 240.123").fetchall()
    finally:
        con.close()
    assert legs == [(Decimal("240.123"), Decimal("30.450"), Decimal("45.007"))]
    assert row["aht_seconds_num"] == 1065.58 and row["aht_seconds_den"] == 6


def test_genesys_cloud_chat(tmp_path):
    """Four web messaging conversations in queue Web chat (named from routing_queues.json beside the export):
      guest 1: tAnswered 30 s, tTalk 600, tAcw 60    handle 660
      guest 2: tAbandon 90 s
      guest 1 again 30 min later: tAnswered 10, tTalk 120      handle 120
      guest 3 at noon: tAnswered 20, tTalk 300                 handle 300
    Offered 4, handled 3; SL (chat: 60 s) 3/4; abandon 1/4; ASA 60/3; AHT 1080/3; FCR: the first repeated, the
    second answered one not; the last still open -> 1/2."""
    report, row = kpis(tmp_path, "genesys_cloud_chat",
                       EXAMPLES / "genesys_cloud" / "conversation_details_messaging.json")
    assert (report.rows_read, report.loaded, report.quarantined) == (4, 4, 0)
    check(row, {
        "contacts_offered": 4, "contacts_handled": 3, "abandon_rate": 1 / 4, "service_level": 3 / 4,
        "asa_seconds": 20.0, "aht_seconds": 360.0, "transfer_rate": 0.0, "fcr_rate": 1 / 2, "fcr_pending": 1,
    })
    assert b"guest-8f2a61d0" not in row["_stored"]


def test_a_genesys_page_without_any_agent_still_loads(tmp_path):
    """A page whose conversations no agent answered (C3 abandoned in queue, C4 served by the IVR) has no userId
    anywhere: it loads its one leg (C3's queue session) instead of failing on the missing field."""
    page = json.loads((EXAMPLES / "genesys_cloud" / "conversation_details.json").read_text())
    page["conversations"] = [c for c in page["conversations"]
                             if not any(p["purpose"] == "agent" for p in c["participants"])]
    source = tmp_path / "page.json"
    source.write_text(json.dumps(page))
    report, row = kpis(tmp_path, "genesys_cloud_voice", source)
    assert (len(page["conversations"]), report.rows_read, report.loaded) == (2, 1, 1)
    check(row, {"contacts_offered": 1, "contacts_handled": 0, "abandon_rate": 1.0})

@pytest.mark.parametrize("page", [{"totalHits": 0}, {"conversations": [], "totalHits": 0}])
def test_a_genesys_page_without_conversations_holds_no_records_and_the_other_pages_load(tmp_path, page):
    """A query with no results (a quiet night) comes back without conversations, or with an empty list: the load
    reads it as no records instead of refusing every page of the delivery."""
    empty = tmp_path / "page-2.json"
    empty.write_text(json.dumps(page))
    config = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key="vendor-mapping-key-0123456789")
    report = load([EXAMPLES / "genesys_cloud" / "conversation_details.json", empty], config, now=NOW,
                  mapping=load_mapping("genesys_cloud_voice"))
    assert [(f.rows_read, f.loaded) for f in report.files] == [(11, 11), (0, 0)]


def test_genesys_cloud_queue_names_come_from_the_queue_list_or_stay_ids(tmp_path):
    source = tmp_path / "export" / "conversation_details.json"
    source.parent.mkdir()
    shutil.copy(EXAMPLES / "genesys_cloud" / "conversation_details.json", source)
    config = Settings(db_path=tmp_path / "ids.duckdb", pseudonym_key="vendor-mapping-key-0123456789")
    load([source], config, now=NOW, mapping=load_mapping("genesys_cloud_voice"))  # no routing_queues.json beside
    shutil.copy(EXAMPLES / "genesys_cloud" / "routing_queues.json", source.parent)
    named = Settings(db_path=tmp_path / "names.duckdb", pseudonym_key="vendor-mapping-key-0123456789")
    load([source], named, now=NOW, mapping=load_mapping("genesys_cloud_voice"))
    queues = {}
    for name, config in (("ids", config), ("names", named)):
        con = connect_read_only(config.db_path)
        queues[name] = sorted(kpi_table(con, JANUARY, ("queue",), config)["queue"])
        con.close()
    assert queues == {"ids": ["4c1d6a0e-2b0f-4d55-9a57-1f0d3c9b8a01", "9e2b7f14-6c3a-4f0e-8d21-5a7c0b3e4d02"],
                      "names": ["Pharmacy refills", "Scheduling"]}


FIVE9 = EXAMPLES / "five9" / "call_log.csv"
THIRD_PARTY_LEG = ("the outside party's leg of a call transferred or conferenced to a 3rd party (the call is its own "
                   "row, same CALL ID)")


def test_five9_call_log(tmp_path):
    """Fifteen rows of the default Call Log report (its 25 columns, no SKILL: queues are campaigns), times in the
    report's time zone (America/New_York here); QUEUE WAIT TIME keeps milliseconds, an empty cell is 0 s:
      300001 Inbound, Scheduling: queue wait 15.250 + ring 5 = 20.25 s; talk 240, hold 30, ACW 45    handle 315
      300002 Inbound, Pharmacy: wait 40 + 5 = 45; talk 120, hold 20, ACW 10, TRANSFERS 1, disposition
             Transferred To 3rd Party (external)                                                     handle 150
             and, after it, the 3rd party's leg under the same CALL ID: set aside, so it cannot displace the call
      300003 Inbound, Scheduling, ABANDONED 1 after 70 s in queue
      300004 Inbound, hung up in the IVR (no queue wait, no agent) -> not offered
      300005 Manual (outbound), 300014 Outbound not answered, 300006 Queue Callback: their own volumes
      300007 Inbound, Scheduling, the caller of 300001 40 min later: wait 10; talk 90, ACW 15        handle 105
      300008 Inbound, Scheduling: wait 35; talk 200, hold 40 + park 20, ACW 30                       handle 290
      300009 Internal, 300012 Inbound Voicemail: set aside by the mapping's rules
      300011 Inbound, sent by the IVR to a 3rd party (no queue, no agent) -> not offered; its 3rd party leg set aside
      300010 Inbound, Pharmacy: wait 10; talk 60                                                     handle  60
    Offered 6, handled 5, SL population 6; SL 30 s: 20.25, 10, 10 within -> 3/6; ASA 120.25/5; AHT 920/5;
    transfers 1/5, external; FCR: 300001 repeated by 300007, the others not, 300010 still open -> 3/4."""
    report, row = kpis(tmp_path, "five9_calls", FIVE9, source_timezone="America/New_York")
    assert (report.rows_read, report.loaded, report.quarantined) == (15, 11, 4)
    assert report.reasons == {THIRD_PARTY_LEG: 2, "internal call between agents, not a patient contact": 1,
                              "a voicemail (Inbound Voicemail), not a live call": 1}
    check(row, {
        "contacts_offered": 6, "conversations_offered": 6, "contacts_handled": 5,
        "abandon_rate": 1 / 6, "service_level": 3 / 6, "asa_seconds": 24.05, "aht_seconds": 184.0,
        "transfer_rate": 1 / 5, "transfer_internal_rate": 0.0, "transfer_external_rate": 1 / 5,
        "fcr_rate": 3 / 4, "fcr_pending": 1, "outbound_contacts": 2, "outbound_handled": 1, "callback_contacts": 1,
    })
    assert row["asa_seconds_num"] == 120.25  # 15.250 s of queue wait kept to the millisecond
    assert b"5550100011" not in row["_stored"]


def test_a_five9_duration_or_count_that_cannot_be_read_is_set_aside_not_taken_as_0(tmp_path):
    source = tmp_path / "call_log.csv"
    text = FIVE9.read_text()
    text = text.replace(",00:04:00,00:00:30,00:00:00,00:00:45,", ",00:04:00,n/a,00:00:00,00:00:45,")  # 300001's hold
    text = text.replace(",00:00:10,1,,1,0,", ",00:00:10,x,,1,0,")  # 300002's TRANSFERS
    text = text.replace(",00:00:30.000,00:00:05,", ",00:00:30.0004,00:00:05,")  # 300008: finer than a millisecond
    source.write_text(text)
    report, row = kpis(tmp_path, "five9_calls", source, source_timezone="America/New_York")
    assert report.reasons == {
        THIRD_PARTY_LEG: 2, "internal call between agents, not a patient contact": 1,
        "a voicemail (Inbound Voicemail), not a live call": 1,
        "a duration (IVR, QUEUE WAIT, RING, TALK, HOLD, PARK, AFTER CALL WORK or CALL TIME) is not h:mm:ss": 2,
        "TRANSFERS is not a whole count": 1}
    assert (report.loaded, row["contacts_handled"], row["transfer_rate_num"]) == (8, 2, 0)


def test_a_five9_report_with_skill_queues_by_skill_and_an_unknown_call_type_is_set_aside(tmp_path):
    """The Inbound Call Log (or a Call Log with SKILL added) names the skill each call queued for; a call the IVR
    ended has none. A CALL TYPE the mapping does not list is set aside with its reason, never guessed."""
    skills = {"300001": "Booking", "300003": "Booking", "300007": "Booking", "300008": "Booking",
              "300002": "Refills", "300010": "Refills", "300005": "Refills"}
    rows = list(csv.reader(FIVE9.read_text().splitlines()))
    rows = [r[:4] + ["SKILL" if i == 0 else skills.get(r[0], "")] + r[4:] for i, r in enumerate(rows)]
    for r in rows:
        r[3] = "Skill Call" if r[0] == "300012" else r[3]
    source = tmp_path / "inbound_call_log.csv"
    with source.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    report, _ = kpis(tmp_path, "five9_calls", source, source_timezone="America/New_York")
    assert report.reasons[
        "a CALL TYPE this mapping does not know (etl/mappings/five9_calls.toml lists those it reads): not counted"] == 1
    config = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key="vendor-mapping-key-0123456789")
    con = connect_read_only(config.db_path)
    try:
        by_queue = kpi_table(con, JANUARY, ("queue",), config).set_index("queue")
    finally:
        con.close()
    assert {q: by_queue.loc[q, "contacts_offered"] for q in ("Booking", "Refills")} == {"Booking": 4, "Refills": 2}
    assert by_queue.loc["Refills", "outbound_contacts"] == 1  # 300005: its skill, not its campaign


def test_talkdesk_calls_report(tmp_path):
    """Ten entries of the Explore Calls report (seconds):
      inbound, Scheduling, ana: wait 12, talk 300, hold 45                handle 345
      inbound, Billing, ben: wait 40, talk 90, is_transfer (internal)     handle  90
      abandoned after 65 s; short_abandoned after 3 s (a short abandon: out of both rates)
      outbound (ben) and an answered callback from the queue: their own volumes
      inbound, the first caller again 50 min later, ana: wait 25, talk 60 handle  60
      voicemail after 30 s and missed after 45 s: unanswered, not abandons (Talkdesk's own split), in the
      denominators
      inbound, Billing, ben: wait 5, talk 100                             handle 100
    Offered 8 (inbound types), handled 4, SL population 7 (offered - the short abandon); SL 30 s: 12, 25, 5 within
    -> 3/7; abandon 1/7; ASA 82/4; AHT 595/4; transfers 1/4 internal; FCR: the first call repeated, the transfer
    and the repeat not, the last still open -> 2/3."""
    report, row = kpis(tmp_path, "talkdesk_calls", EXAMPLES / "talkdesk" / "calls_report.json")
    assert (report.rows_read, report.loaded, report.quarantined) == (10, 10, 0)
    check(row, {
        "contacts_offered": 8, "contacts_handled": 4, "short_abandons": 1,
        "abandon_rate": 1 / 7, "service_level": 3 / 7, "asa_seconds": 20.5, "aht_seconds": 148.75,
        "transfer_rate": 1 / 4, "transfer_internal_rate": 1 / 4, "transfer_external_rate": 0.0,
        "fcr_rate": 2 / 3, "fcr_pending": 1, "outbound_contacts": 1, "callback_contacts": 1,
    })
    assert b"5550100021" not in row["_stored"]


def test_a_talkdesk_answered_call_without_wait_time_is_set_aside_not_counted_abandoned(tmp_path):
    report_json = json.loads((EXAMPLES / "talkdesk" / "calls_report.json").read_text())
    report_json["entries"][0]["wait_time"] = None  # the first inbound call, answered by ana
    source = tmp_path / "calls_report.json"
    source.write_text(json.dumps(report_json))
    report, row = kpis(tmp_path, "talkdesk_calls", source)
    assert report.reasons == {"an answered call without wait_time: its answer time is unknown": 1}
    assert (report.loaded, row["contacts_handled"], row["abandon_rate_num"]) == (9, 3, 1)


def test_a_talkdesk_call_type_the_mapping_does_not_know_is_set_aside_not_counted_abandoned(tmp_path):
    """A type outside the Calls report's list (a value Talkdesk adds later) is not read as an unanswered inbound
    call, which the contract would count as an abandon."""
    report_json = json.loads((EXAMPLES / "talkdesk" / "calls_report.json").read_text())
    report_json["entries"][2]["type"] = "inbound_overflowed"  # the 65 s abandon
    source = tmp_path / "calls_report.json"
    source.write_text(json.dumps(report_json))
    report, row = kpis(tmp_path, "talkdesk_calls", source)
    assert report.reasons == {
        "a call type this mapping does not know (etl/mappings/talkdesk_calls.toml lists those it reads): not counted": 1}
    assert (report.loaded, row["contacts_offered"], row["abandon_rate_num"]) == (9, 7, 0)


FLEX = EXAMPLES / "twilio_flex" / "conversations_report.csv"
NOT_A_LEG = ("not a Conversation segment (a queue, a missed reservation, ...): the leg and its times are on its Kind "
             "Conversation segment")
INTERNAL = "neither Inbound nor Outbound (an internal call between agents, or no direction): not a patient contact"


def test_twilio_flex_insights_conversations_report(tmp_path):
    """31 segments of a Flex Insights Conversations report (Chicago time), 22 of calls. Legs are the Kind Conversation segments,
    each with its Queue Time (seconds); handle = Talk Time (holds inside it) + Wrap Up Time:
      C1  alice, Scheduling: queue 20; talk 270 incl. hold 30, wrap 45                 handle 315
      C2  abandoned after 95 s in queue (Abandoned Yes, phase Queue)
      C3  alice: queue 15; talk 120, wrap 10, Hang Up By Cold Transfer (internal)       handle 130
          bob, Pharmacy: queue 50; talk 300 incl. hold 60, wrap 30 (same Conversation)  handle 330
      C4  abandoned after 3 s: a short abandon, out of both rates
      C5  sent to voicemail after 40 s (phase Voicemail): not an abandon (Twilio), in the denominators
      C7  C1's caller again 45 min later, bob: queue 10; talk 90, wrap 15              handle 105
      C6  alice calls C1's caller (Outbound): its own volume, not a repeat
      C8  bob: queue 25; talk 200 incl. hold 20, wrap 25, External Cold Transfer        handle 225
      C9, C11-C15  chats and SMS: quarantined by the calls mapping (test below)
      C10 alice: queue 5; talk 60                                                      handle  60
    The 13 Queue segments, C1's Missed Conversation (a reservation that rang unanswered) and C16, an internal call
    between agents, are quarantined.
    Offered 9 legs, 8 conversations; handled 6; SL population 8 (offered - the short abandon); SL 30 s: 20, 15,
    10, 25, 5 within, 50 not -> 5/8; abandon 1/8; ASA 125/6; AHT 1165/6; per conversation 1165/5 (C3 460);
    transfers 2/6 (1 internal, 1 external); FCR: C1 repeated by C7, C3, C7, C8 not, C10 still open -> 3/4."""
    report, row = kpis(tmp_path, "twilio_flex_insights_calls", FLEX, source_timezone="America/Chicago")
    assert (report.rows_read, report.loaded, report.quarantined) == (31, 10, 21)
    assert report.reasons == {NOT_A_LEG: 14, INTERNAL: 1,
                              "not a call (load chats and messages with the twilio_flex_insights_chats mapping)": 6}
    check(row, {
        "contacts_offered": 9, "conversations_offered": 8, "contacts_handled": 6, "short_abandons": 1,
        "abandon_rate": 1 / 8, "service_level": 5 / 8, "asa_seconds": 125 / 6, "aht_seconds": 1165 / 6,
        "conversation_aht_seconds": 233.0, "transfer_rate": 2 / 6, "transfer_internal_rate": 1 / 6,
        "transfer_external_rate": 1 / 6, "fcr_rate": 3 / 4, "fcr_pending": 1, "outbound_contacts": 1,
        "outbound_handled": 1,
    })
    assert b"5550100101" not in row["_stored"]


def test_twilio_flex_insights_chats(tmp_path):
    """The same report through the chats mapping: the Conversation segments whose Communication Channel is not Call
    (seconds; handle = Talk Time + Wrap Up Time, no hold in messaging):
      C9  web chat, alice: queue 30; talk 400, wrap 30 (no customer phone: no patient)   handle 430
      C11 SMS, bob: queue 45; talk 600, wrap 60                                          handle 660
      C12 web chat abandoned after 120 s in queue
      C13 SMS, C11's sender 30 min later, alice: queue 20; talk 300, wrap 20             handle 320
      C14 SMS started by alice (Outbound): its own volume
      C15 SMS, bob: queue 10; talk 100, wrap 10                                          handle 110
    Offered 5, handled 4; chat SL 60 s: 30, 45, 20, 10 within -> 4/5; abandon 1/5; ASA 105/4; AHT 1520/4;
    FCR: C11 repeated by C13, C13 not, C15 still open, C9 without a patient -> 1/2."""
    report, row = kpis(tmp_path, "twilio_flex_insights_chats", FLEX, source_timezone="America/Chicago")
    assert (report.rows_read, report.loaded, report.quarantined) == (31, 6, 25)
    assert report.reasons == {NOT_A_LEG: 14, "a call (load it with the twilio_flex_insights_calls mapping)": 11}
    check(row, {
        "contacts_offered": 5, "conversations_offered": 5, "contacts_handled": 4, "abandon_rate": 1 / 5,
        "service_level": 4 / 5, "asa_seconds": 26.25, "aht_seconds": 380.0, "fcr_rate": 1 / 2, "fcr_pending": 1,
        "outbound_contacts": 1, "outbound_handled": 1, "transfer_rate": 0.0,
    })
    assert b"5550100111" not in row["_stored"]


def test_flex_times_are_kept_to_the_millisecond_and_a_finer_time_or_a_segment_in_progress_is_set_aside(tmp_path):
    source = tmp_path / "report.csv"
    source.write_text(FLEX.read_text().replace(",270,30,45", ",270.4,30,45.25")  # C1: kept exactly
                      .replace(",120,0,10", ",120.0004,0,10")  # C3's first leg: never rounded, set aside
                      .replace("Conversation,Call,Inbound,2026-01-14,15:00:05", "Conversation in Progress,Call,Inbound,"
                               "2026-01-14,15:00:05"))  # C10, exported while the agent was still on it
    report, row = kpis(tmp_path, "twilio_flex_insights_calls", source, source_timezone="America/Chicago")
    assert report.reasons["a time (Queue, Ring, Talk, Hold or Wrap Up Time) is not a number of seconds with at most "
                          "3 decimals"] == 1
    assert report.reasons["still in progress when the report was exported (Kind Conversation in Progress): a later "
                          "export has it complete"] == 1
    assert (report.loaded, row["contacts_handled"]) == (8, 4)
    # C1 240.4 + 30 + 45.25, C3's Pharmacy leg 330, C7 105, C8 225
    assert row["aht_seconds"] == pytest.approx((315.65 + 330 + 105 + 225) / 4)
