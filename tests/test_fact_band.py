"""An incremental load reads only the day partitions its delivery can change, widened by the FCR window and the
longest conversation's spread (etl/sql/contacts/fact_band.sql), and still leaves exactly the warehouse a full
rebuild would: also when a new leg joins a conversation of two months before, and when a conversation spread over
days is cut by the band's edge."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from etl import sqlfiles
from etl.generate import generate
from etl.load import load, rebuild_marts
from etl.settings import Settings
from etl.warehouse import connect_read_only, writable_snapshot

DERIVED = ("contact_facts", "kpi_grain", "kpi_grain_hourly", "kpi_grain_teams")  # no surveys or QA here: the facts are the point
END = dt.date(2026, 3, 1)  # the generated history: 60 days, 1 Jan to 1 Mar 2026
NOW = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
KEY = "k" * 20
HEADER = ["call_id", "patient_ref", "queue", "reason", "agent_id", "offered_at", "answered_at", "ended_at",
          "hold_seconds", "acw_seconds", "transferred", "escalated_clinical", "resolved", "conversation_id"]
PATIENT = "9990000001"  # one patient's conversations, placed by hand around the band's edges


def call(call_id: str, day: int, conversation: str, agent: str, queue: str, patient: str = PATIENT) -> list[str]:
    """An answered 5-minute inbound call on the given day of January-March 2026 (day 1 = 1 Jan), at 10:00."""
    at = dt.datetime(2026, 1, 1, 10) + dt.timedelta(days=day - 1)
    times = [at, at + dt.timedelta(seconds=20), at + dt.timedelta(minutes=5)]
    return [call_id, patient, queue, "appointment", agent, *(t.isoformat(sep=" ") for t in times), "0", "30",
            "false", "false", "true", conversation]


def write_calls(folder: Path, rows: list[list[str]]) -> Path:
    folder.mkdir(parents=True)
    with open(folder / "calls.csv", "w", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return folder


def split(source: Path, first: Path, second: Path, cut: str) -> None:
    """Roster and contacts before `cut` go first, the rest second (no surveys or QA: the facts are the point)."""
    first.mkdir()
    second.mkdir()
    for name in ("agents.csv", "queues.csv"):
        (first / name).write_bytes((source / name).read_bytes())
    for name, at in (("calls.csv", "offered_at"), ("chats.csv", "requested_at")):
        frame = pd.read_csv(source / name, dtype=str, keep_default_na=False)
        frame[frame[at] < cut].to_csv(first / name, index=False)
        frame[frame[at] >= cut].to_csv(second / name, index=False)


def rows(settings: Settings, name: str) -> list[tuple]:
    con = connect_read_only(settings.db_path)
    try:
        return sorted(con.execute(f"select * from {name}").fetchall(), key=repr)  # noqa: S608 - a fixed name
    finally:
        con.close()


def rebuilt_in_full(settings: Settings) -> None:
    with writable_snapshot(settings.db_path) as con:
        sqlfiles.run(con, "merge/touched.sql")
        rebuild_marts(con, settings, full=True)


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("band")
    generate(root / "all", days=60, seed=9, contacts_per_day=30, end=END, bad_rows=False)
    split(root / "all", root / "first", root / "last_day", cut="2026-03-01")
    return root


def test_a_day_reads_only_its_band_and_equals_a_full_rebuild(tmp_path, history):
    incremental = Settings(db_path=tmp_path / "inc" / "w.duckdb", pseudonym_key=KEY)
    load([history / "first"], incremental, now=NOW)
    report = load([history / "last_day"], incremental, now=NOW)
    assert report.timings["full rebuild"] == 0.0
    # the zone: conversations starting 7 days (the window) before the day's first contact up to its last; the band
    # adds the window after it; no conversation spreads (v1 contacts): 22 Feb - 8 Mar at most, of 60 stored days
    assert 8 <= report.timings["fact band days"] <= 16
    full = Settings(db_path=tmp_path / "full" / "w.duckdb", pseudonym_key=KEY)
    load([history / "first"], full, now=NOW)
    load([history / "last_day"], full, now=NOW)
    rebuilt_in_full(full)
    for name in DERIVED:
        assert rows(incremental, name) == rows(full, name), name
    assert len(rows(full, "contact_facts")) > 1000


def test_spread_conversations_at_the_band_edges_stay_exact(tmp_path, history):
    agents = pd.read_csv(history / "first" / "agents.csv", dtype=str, keep_default_na=False)
    queues = pd.read_csv(history / "first" / "queues.csv", dtype=str, keep_default_na=False)
    agent = agents.loc[agents.licensed == "false"].iloc[0]
    queue = queues.loc[queues.team == agent.team].iloc[0].queue
    legs = {"X1": (3, "CONV-X"), "V1": (45, "CONV-V"), "V2": (53, "CONV-V"), "Z1": (52, "CONV-Z"),
            "X2": (58, "CONV-X"), "N1": (60, "CONV-N")}
    made = {cid: call(cid, day, conv, agent.agent_id, queue, PATIENT if cid != "N1" else "9990000002")
            for cid, (day, conv) in legs.items()}
    # first: X opens on 3 Jan; V spreads over 8 days (14 and 22 Feb); Z, the patient's conversation of 21 Feb,
    # starts inside V's span. second: X gains a leg on 27 Feb, 55 days after it opened. third: the day of 1 Mar and
    # another patient's call move the horizon, so V's second leg falls in the closing FCR windows and V, X and Z's
    # patient are recomputed: V and X are read whole only if the band reaches back by their spread.
    deliveries = [
        [history / "first", write_calls(tmp_path / "d1", [made["X1"], made["V1"], made["V2"], made["Z1"]])],
        [write_calls(tmp_path / "d2", [made["X2"]])],
        [history / "last_day", write_calls(tmp_path / "d3", [made["N1"]])],
    ]
    incremental = Settings(db_path=tmp_path / "inc" / "w.duckdb", pseudonym_key=KEY)
    reports = [load(folders, incremental, now=NOW) for folders in deliveries]
    assert [r.timings["full rebuild"] for r in reports] == [1.0, 0.0, 0.0]
    # the second load found X's first leg 55 days back, so its band and every later one reach back past it
    assert reports[1].timings["fact band days"] >= 55 + 7
    assert reports[2].timings["fact band days"] >= 55 + 7
    full = Settings(db_path=tmp_path / "full" / "w.duckdb", pseudonym_key=KEY)
    for folders in deliveries:
        load(folders, full, now=NOW)
    rebuilt_in_full(full)
    for name in DERIVED:
        assert rows(incremental, name) == rows(full, name), name
    con = connect_read_only(incremental.db_path)
    facts = dict(con.execute("select contact_id, (fcr_eligible, fcr_resolved, credited, "
                             "conversation_handle_seconds) from contact_facts where contact_id in "
                             "('X1', 'X2', 'V1', 'V2', 'Z1')").fetchall())
    con.close()
    # Z (21 Feb 10:00): V's second leg (22 Feb) is no repeat (V began before Z), nor is X's of 27 Feb (X began on
    # 3 Jan): resolved. X (3 Jan): nothing within 7 days (V began 42 days later): resolved. V (14 Feb 10:00): Z began
    # at 21 Feb 10:00, exactly 168 h later, inside the window: not resolved. A conversation's handle time, credited
    # to its first handled leg: 2 legs x (280 s answered + 30 s after-call work) = 620 s.
    assert facts["Z1"][:3] == (True, True, True)
    assert facts["X1"][:3] == (True, True, True) and float(facts["X1"][3]) == 620.0
    assert facts["X2"][:3] == (False, False, False)
    assert facts["V1"][:3] == (True, False, True) and float(facts["V1"][3]) == 620.0


def test_the_horizon_follows_a_redelivery_that_moves_the_latest_contact_back(tmp_path, history):
    # the last day's contacts, then the latest of them re-delivered a month earlier: the horizon goes back (kept
    # horizon and added contacts are not enough once a stored contact is dropped), so everything is rebuilt
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key=KEY)
    load([history / "first"], settings, now=NOW)
    first = load([history / "last_day"], settings, now=NOW)
    times = []
    for name, columns in (("calls.csv", ("offered_at", "answered_at", "ended_at")),
                          ("chats.csv", ("requested_at", "accepted_at", "ended_at"))):
        frame = pd.read_csv(history / "last_day" / name, dtype=str, keep_default_na=False)
        times += [(at, name, columns, frame.iloc[[i]]) for i, at in enumerate(frame[columns[0]])]
    times.sort(key=lambda t: t[0])
    (latest_at, name, columns, latest), second_latest = times[-1], times[-2][0]
    for column in columns:
        latest[column] = latest[column].str.replace("2026-03-01", "2026-02-01")
    moved = tmp_path / "moved"
    moved.mkdir()
    latest.to_csv(moved / name, index=False)
    report = load([moved], settings, now=NOW)
    assert first.horizon == latest_at.replace(" ", "T") + "Z"
    assert report.horizon == second_latest.replace(" ", "T") + "Z"
    assert report.timings["full rebuild"] == 1.0
