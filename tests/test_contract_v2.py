"""Contract v2 (legs, conversations, direction, queued, end reason, transfer type, talk time): a tiny hand-made
delivery with every KPI worked out by hand from the definitions in docs/kpis.md."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.kpis import Filters, kpi_table
from etl.load import load
from etl.settings import Settings
from etl.warehouse import connect_read_only
from tests.conftest import AGENTS, CALL_HEADER, CHAT_HEADER, JANUARY, QUEUES, TEST_KEY, write_delivery

NOW = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
V2 = ["conversation_id", "direction", "queued", "end_reason", "transfer_type", "talk_seconds"]


def call(call_id, patient, queue, agent, offered, answered, ended, hold="", acw="", transferred="", resolved="",
         conversation="", direction="", queued="", end_reason="", transfer_type="", talk=""):
    return [call_id, patient, queue, "", agent, offered, answered, ended, hold, acw, transferred, "", resolved,
            conversation, direction, queued, end_reason, transfer_type, talk]


def chat(chat_id, patient, queue, agent, requested, accepted, ended, transferred="", transfer_type="",
         end_reason=""):
    return [chat_id, "chat", patient, queue, "", agent, requested, accepted, ended, "", transferred, "", "",
            "", "", "", end_reason, transfer_type, ""]


D = "2026-01-"
# Conversations K1..K12 (patients PAT-A..PAT-F); the comments give each leg's wait and handle time.
CALLS = [
    CALL_HEADER + V2,
    # K1, PAT-A: answered by A1 in 10 s, talk 240 + hold 30 + acw 20 = 290 (the timestamps would say 300 + 20),
    # transferred internally to q2, where A2 answers the second leg after 40 s: 300 + acw 10 = 310, resolved
    call("L1a", "PAT-A", "q1", "A1", D + "05T09:00:00", D + "05T09:00:10", D + "05T09:05:10", "30", "20", "yes",
         conversation="K1", talk="240"),
    call("L1b", "PAT-A", "q2", "A2", D + "05T09:05:10", D + "05T09:05:50", D + "05T09:10:50", "0", "10",
         resolved="yes", conversation="K1"),
    # K2, PAT-A, 15 days later: wait 5, handle 180
    call("K2", "PAT-A", "q1", "A1", D + "20T10:00:00", D + "20T10:00:05", D + "20T10:03:05"),
    # K3, PAT-B: moved by the flow from q1 to q2 after 60 s (a leg, not an abandon), answered by A2 after 20 s,
    # handle 300
    call("L3a", "PAT-B", "q1", "", D + "06T11:00:00", "", D + "06T11:01:00", conversation="K3",
         end_reason="moved"),
    call("L3b", "PAT-B", "q2", "A2", D + "06T11:01:00", D + "06T11:01:20", D + "06T11:06:20", conversation="K3"),
    # K4, PAT-B two days later: abandoned after 60 s (the default end reason of an unanswered leg)
    call("K4", "PAT-B", "q1", "", D + "08T12:00:00", "", D + "08T12:01:00"),
    # K5, PAT-C: a callback scheduled after 2 minutes in queue; the callback leg is answered by A1: handle 240
    call("L5a", "PAT-C", "q1", "", D + "09T09:00:00", "", D + "09T09:02:00", conversation="K5",
         end_reason="callback"),
    call("L5b", "PAT-C", "q1", "A1", D + "09T13:00:00", D + "09T13:00:30", D + "09T13:04:30", conversation="K5",
         direction="callback"),
    # K6, PAT-D: an outbound call by A1
    call("K6", "PAT-D", "q1", "A1", D + "10T15:00:00", D + "10T15:00:20", D + "10T15:02:20", direction="outbound"),
    # K7, PAT-D: straight to A2, no queue (the 45 s before the answer is not a queue wait): handle 180
    call("K7", "PAT-D", "q2", "A2", D + "12T09:00:00", D + "12T09:00:45", D + "12T09:03:45", queued="no"),
    # K8, PAT-D the next day: hung up in the IVR (not offered, but the patient did call again)
    call("K8", "PAT-D", "q1", "", D + "13T08:00:00", "", D + "13T08:00:40", end_reason="ivr"),
    # K10, PAT-F: a short abandon (3 s)
    call("K10", "PAT-F", "q2", "", D + "15T10:00:00", "", D + "15T10:00:03"),
    # K11, no patient: answered by A2 after 30.0005 s (misses the 30 s threshold), handle 120; the horizon
    call("K11", "", "q2", "A2", D + "30T16:00:00", D + "30T16:00:30.0005", D + "30T16:02:30.0005"),
]
CHATS = [
    CHAT_HEADER + V2,
    # K9, PAT-E: accepted by A2 after 30 s (within the 60 s chat threshold), handle 600, transferred out
    chat("K9", "PAT-E", "q2", "A2", D + "14T14:00:00", D + "14T14:00:30", D + "14T14:10:30", "yes", "external"),
    # K12, no patient: ended by the system while queued (end reason other: not an abandon, but it left the queue)
    chat("K12", "", "q1", "", D + "16T10:00:00", "", D + "16T10:05:00", end_reason="other"),
]


@pytest.fixture(scope="module")
def v2_db(tmp_path_factory) -> Settings:
    root = tmp_path_factory.mktemp("v2")
    settings = Settings(db_path=root / "wh" / "w.duckdb", pseudonym_key=TEST_KEY)
    load([write_delivery(root / "d", {"agents.csv": AGENTS, "queues.csv": QUEUES, "calls.csv": CALLS,
                                      "chats.csv": CHATS})], settings, now=NOW)
    return settings


def kpis(settings: Settings, by=(), filters: Filters = JANUARY):
    con = connect_read_only(settings.db_path)
    try:
        return kpi_table(con, filters, by, settings)
    finally:
        con.close()


def test_every_v2_kpi_by_hand(v2_db):
    row = kpis(v2_db).iloc[0].to_dict()
    # offered: every inbound leg but the IVR hang-up K8: L1a L1b K2 L3a L3b K4 L5a K7 K10 K11 K9 K12
    assert row["contacts_offered"] == 12
    # conversations: K1 K2 K3 K4 K5 K7 K9 K10 K11 K12 (K6 is outbound, K8 never got past the IVR)
    assert row["conversations_offered"] == 10
    assert row["contacts_handled"] == 7  # L1a L1b K2 L3b K7 K9 K11
    assert row["short_abandons"] == 1  # K10
    assert (row["outbound_contacts"], row["outbound_handled"]) == (1, 1)  # K6
    assert (row["callback_contacts"], row["callback_handled"]) == (1, 1)  # L5b
    assert row["callbacks_scheduled"] == 1  # L5a
    # queued inbound legs that left the queue: answered L1a L1b K2 L3b K9 K11, abandoned K4, callback L5a, other
    # K12 = 9 (not the moved L3a, the unqueued K7, the IVR K8 or the short abandon K10)
    # within threshold: L1a 10 s, K2 5 s, L3b 20 s, K9 30 s (chat, 60 s); not L1b 40 s, K11 30.0005 s
    assert (row["service_level_num"], row["service_level_den"]) == (4, 9)
    assert (row["abandon_rate_num"], row["abandon_rate_den"]) == (1, 9)  # K4 only
    # waits of queued legs answered: 10 + 40 + 5 + 20 + 30 + 30.0005 over 6 (not K7's 45 s)
    assert row["asa_seconds_den"] == 6
    assert row["asa_seconds_num"] == pytest.approx(135.0005, abs=1e-9)
    # handle per inbound leg: 290 + 310 + 180 + 300 + 180 (K7) + 600 (K9) + 120 (K11) = 1980 over 7
    assert (row["aht_seconds_num"], row["aht_seconds_den"]) == (pytest.approx(1980), 7)
    # per conversation: K1 290 + 310, K2 180, K3 300, K5 240 (its callback leg), K7 180, K9 600, K11 120
    assert (row["conversation_aht_seconds_num"], row["conversation_aht_seconds_den"]) == (pytest.approx(2220), 7)
    assert (row["transfer_rate_num"], row["transfer_rate_den"]) == (2, 7)  # L1a, K9
    assert (row["transfer_internal_rate_num"], row["transfer_external_rate_num"]) == (1, 1)
    assert (row["agent_resolution_rate_num"], row["agent_resolution_rate_den"]) == (1, 1)  # L1b
    # FCR, horizon 01-30 16:00: handled inbound conversations with a patient started by 01-23 16:00: K1 K2 K3 K5
    # K7 K9. K1's second leg L1b is not a repeat and K2 is 15 days later: resolved. K2: nothing later. K3: K4
    # two days later (abandoned, still a repeat). K5: its callback leg is the same conversation: resolved. K7:
    # K8 the next day, even though it ended in the IVR. K9: nothing later.
    assert (row["fcr_rate_num"], row["fcr_rate_den"], row["fcr_pending"]) == (4, 6, 0)


def test_conversations_are_credited_to_their_first_handled_leg(v2_db):
    table = kpis(v2_db, by=("agent",)).set_index("agent")
    # A1: K1 (first answered on L1a), K2, K5 (through its callback leg L5b): all resolved
    assert (table.loc["A1", "fcr_rate_num"], table.loc["A1", "fcr_rate_den"]) == (3, 3)
    # A2: K3 (L3b) repeated, K7 repeated, K9 resolved; L1b belongs to K1, credited to A1
    assert (table.loc["A2", "fcr_rate_num"], table.loc["A2", "fcr_rate_den"]) == (1, 3)
    # conversation handle time: A1 600 (K1) + 180 (K2) + 240 (K5); A2 300 (K3) + 180 (K7) + 600 (K9) + 120 (K11)
    assert table.loc["A1", "conversation_aht_seconds_num"] == pytest.approx(1020)
    assert table.loc["A2", "conversation_aht_seconds_num"] == pytest.approx(1200)
    # the outbound and callback legs are A1's own volumes
    assert (table.loc["A1", "outbound_contacts"], table.loc["A1", "callback_handled"]) == (1, 1)


def test_a_leg_arriving_in_a_later_delivery_joins_its_conversation(tmp_path, v2_db):
    """FCR over conversations incrementally: K1's second leg and PAT-A's next call arrive a day later."""
    later = {"L1b", "K2", "K8"}
    first = [r for r in CALLS if r[0] not in later]
    second = [CALLS[0]] + [r for r in CALLS[1:] if r[0] in later]
    settings = Settings(db_path=tmp_path / "wh" / "w.duckdb", pseudonym_key=TEST_KEY)
    load([write_delivery(tmp_path / "a", {"agents.csv": AGENTS, "queues.csv": QUEUES, "calls.csv": first,
                                          "chats.csv": CHATS})], settings, now=NOW)
    report = load([write_delivery(tmp_path / "b", {"calls.csv": second})], settings, now=NOW)
    assert report.timings["full rebuild"] == 0.0
    both = kpis(settings, by=("agent", "day"))
    assert both.equals(kpis(v2_db, by=("agent", "day")))


def test_v2_values_are_checked(tmp_path):
    rows = [CALL_HEADER + V2,
            call("B1", "", "q1", "", D + "05T09:00:00", "", D + "05T09:01:00", direction="sideways"),
            call("B2", "", "q1", "", D + "05T09:00:00", "", D + "05T09:01:00", end_reason="hung up"),
            call("B3", "", "q1", "A1", D + "05T09:00:00", D + "05T09:00:10", D + "05T09:01:00",
                 transferred="no", transfer_type="external"),
            call("B4", "", "q1", "A1", D + "05T09:00:00", D + "05T09:00:10", D + "05T09:01:00", talk="12.0005"),
            call("B5", "", "q1", "", D + "05T09:00:00", "", D + "05T09:01:00", queued="maybe"),
            call("B6", "", "q1", "", D + "05T09:00:00", "", D + "05T09:01:00", conversation="K\t6")]
    settings = Settings(db_path=tmp_path / "wh" / "w.duckdb", pseudonym_key=TEST_KEY)
    report = load([write_delivery(tmp_path / "d", {"calls.csv": rows})], settings, now=NOW)
    assert report.files[0].quarantined == 6
    assert set(report.files[0].reasons) == {
        "direction is not one of inbound, outbound, callback",
        "end_reason is not one of abandoned, moved, callback, ivr, other",
        "transfer_type given but transferred is false",
        "talk_seconds has a part below a millisecond (not kept)",
        "queued is not a boolean (true/false, yes/no, y/n, 1/0)",
        "conversation_id contains a control character (a tab or line break inside an id)",
    }


def test_quarantined_v2_rows_keep_their_v2_columns_typed_and_scrubbed(tmp_path):
    """The quarantine's allow-list (etl/quarantine.py) has the v2 columns; a conversation id that looks like a patient
    identifier is quarantined, said once, and shown masked; the patient reference never."""
    rows = [CALL_HEADER + V2,
            call("B1", "PAT-Z", "q1", "A1", D + "05T09:00:00", D + "05T09:00:10", D + "05T09:01:00", talk="12.5",
                 conversation="K1", direction="callback", queued="no", transferred="yes", transfer_type="external",
                 end_reason="hung up"),
            call("B2", "PAT-Z", "q1", "", D + "05T09:00:00", "", D + "05T09:01:00", conversation="MRN 48213377"),
            call("B3", "PAT-Z", "q1", "", D + "05T09:00:00", "", D + "05T09:01:00", end_reason="moved",
                 talk="30", direction="sideways")]
    settings = Settings(db_path=tmp_path / "wh" / "w.duckdb", pseudonym_key=TEST_KEY)
    report = load([write_delivery(tmp_path / "d", {"calls.csv": rows})], settings, now=NOW)
    assert report.files[0].quarantined == 3
    assert report.files[0].reasons["conversation_id holds identifier-like text"] == 1
    con = connect_read_only(settings.db_path)
    try:
        q = con.execute("select * from quarantine order by line_no").fetchdf().set_index("contact_id")
    finally:
        con.close()
    assert (q.loc["B1", "conversation_id"], q.loc["B1", "direction"], q.loc["B1", "queued"],
            q.loc["B1", "transfer_type"]) == ("K1", "callback", False, "external")
    assert q.loc["B3", "end_reason"] == "moved" and q.loc["B3", "talk_seconds"] == 30
    assert q.loc["B1", "talk_seconds"] == 12.5  # kept to the millisecond, as contacts keep it
    assert q.loc["B2", "conversation_id"] == "[redacted]"
    assert "PAT-Z" not in q.astype(str).to_csv() and "48213377" not in q.astype(str).to_csv()
