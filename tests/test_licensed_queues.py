"""Queues served by licensed staff: their unanswered contacts go in or out of the KPIs with their answered ones."""

from __future__ import annotations

from etl.kpis import kpi_table
from etl.load import load
from etl.warehouse import connect_read_only
from tests.conftest import CALL_HEADER, EXAMPLE, JANUARY, NOW, QUEUES, write_delivery

NURSE_QUEUE = [["nq", "P1", "Nurse", "S1", ""]]
# N1 (licensed) answers two nurse-queue calls; one more is unanswered (40 s, not a short abandon); A1 (not licensed)
# answers one nurse-queue call: 2 of 3 answered by licensed staff, so nq is a licensed queue.
NURSE_CALLS = [
    ["L1", "PAT-L", "nq", "symptom", "N1", "2026-01-09T09:00:00", "2026-01-09T09:00:10", "2026-01-09T09:05:00",
     "0", "0", "no", "no", "yes"],
    ["L2", "PAT-M", "nq", "symptom", "N1", "2026-01-09T10:00:00", "2026-01-09T10:00:10", "2026-01-09T10:05:00",
     "0", "0", "no", "no", "yes"],
    ["L3", "PAT-N", "nq", "symptom", "", "2026-01-09T11:00:00", "", "2026-01-09T11:00:40", "", "", "", "", ""],
    ["L4", "PAT-O", "nq", "symptom", "A1", "2026-01-09T12:00:00", "2026-01-09T12:00:10", "2026-01-09T12:05:00",
     "0", "0", "no", "no", "yes"],
]


def test_a_licensed_queue_loses_its_unanswered_contacts_with_its_answered_ones(tmp_path, settings):
    files = {**EXAMPLE, "queues.csv": QUEUES + NURSE_QUEUE,
             "calls.csv": [CALL_HEADER, *EXAMPLE["calls.csv"][1:], *NURSE_CALLS]}
    load([write_delivery(tmp_path / "d", files)], settings, now=NOW)
    con = connect_read_only(settings.db_path)
    try:
        nurse = JANUARY.model_copy(update={"queues": ["nq"]})
        without = kpi_table(con, nurse, (), settings).iloc[0]
        with_licensed = kpi_table(con, nurse, (), settings, include_licensed=True).iloc[0]
        q1 = kpi_table(con, JANUARY.model_copy(update={"queues": ["q1"]}), (), settings).iloc[0]
    finally:
        con.close()
    # by default only A1's call is left (L1, L2 by a licensed agent; L3 unanswered in a licensed queue): SL 1/1
    assert (without["contacts_offered"], without["contacts_handled"], without["abandon_rate_num"]) == (1, 1, 0)
    assert without["service_level"] == 1.0
    # licensed staff included: 4 offered, 3 handled, 1 abandoned of 4
    assert (with_licensed["contacts_offered"], with_licensed["contacts_handled"]) == (4, 3)
    assert with_licensed["abandon_rate"] == 0.25
    # q1 (1 of 4 answered by N1) is not a licensed queue: C3, unanswered, still counts in it (C1, C2, C3, M1)
    assert (q1["contacts_offered"], q1["contacts_handled"], q1["short_abandons"]) == (4, 3, 1)


def test_a_delivery_that_makes_a_queue_licensed_moves_its_earlier_unanswered_contacts(tmp_path, settings):
    # first nq has only A1's answered call (0 of 1 by licensed staff): L3, unanswered, counts as unlicensed work;
    # N1's two calls arrive later (2 of 3): nq becomes a licensed queue, and L3 goes with it, though nothing else
    # about L3 (another patient, no horizon move) would have it recomputed by an incremental load
    first = {**EXAMPLE, "queues.csv": QUEUES + NURSE_QUEUE,
             "calls.csv": [CALL_HEADER, *EXAMPLE["calls.csv"][1:], NURSE_CALLS[2], NURSE_CALLS[3]]}
    load([write_delivery(tmp_path / "d1", first)], settings, now=NOW)
    report = load([write_delivery(tmp_path / "d2", {"calls.csv": [CALL_HEADER, *NURSE_CALLS[:2]]})], settings,
                  now=NOW)
    assert report.timings["full rebuild"] == 1.0
    con = connect_read_only(settings.db_path)
    try:
        licensed = dict(con.execute("select contact_id, licensed from contact_facts where queue = 'nq'").fetchall())
        nurse = kpi_table(con, JANUARY.model_copy(update={"queues": ["nq"]}), (), settings).iloc[0]
    finally:
        con.close()
    assert licensed == {"L1": True, "L2": True, "L3": True, "L4": False}
    assert (nurse["contacts_offered"], nurse["contacts_handled"]) == (1, 1)
