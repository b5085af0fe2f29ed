"""An incremental load (facts and marts recomputed only where the new data can change them) must leave exactly the
warehouse a full rebuild would."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from etl import sqlfiles
from etl.generate import generate
from etl import load as load_module
from etl.load import load, rebuild_marts
from etl.settings import Settings
from etl.warehouse import connect_read_only, writable_snapshot

DERIVED = ("contact_facts", "kpi_grain", "kpi_grain_hourly", "kpi_grain_teams", "qa_item_grain",
           "qa_item_grain_hourly", "qa_item_grain_teams",
           "licensed_queues_kept")  # the licensed queues' answer counts: kept up by deltas, equal to a recount
END = dt.date(2026, 3, 20)


def split_delivery(source: Path, first: Path, second: Path, cut: str) -> None:
    """Contacts offered before `cut` go first; the rest, a re-delivery of 20 changed early contacts, and the
    surveys and QA of some early contacts go second."""
    first.mkdir()
    second.mkdir()
    for name in ("agents.csv", "queues.csv"):
        (first / name).write_bytes((source / name).read_bytes())
    early_ids: set[str] = set()
    for name, at, answered in (("calls.csv", "offered_at", "answered_at"),
                               ("chats.csv", "requested_at", "accepted_at")):
        frame = pd.read_csv(source / name, dtype=str, keep_default_na=False)
        early = frame[frame[at] < cut]
        late = frame[frame[at] >= cut]
        changed = early.head(10).copy()
        changed[answered] = ""  # re-delivered as unanswered
        changed["agent_id"] = ""
        early.to_csv(first / name, index=False)
        pd.concat([late, changed]).to_csv(second / name, index=False)
        early_ids |= set(early.iloc[:, 0])
    for name in ("surveys.csv", "qa_evaluations.csv"):
        frame = pd.read_csv(source / name, dtype=str, keep_default_na=False)
        is_early = frame["contact_id"].isin(early_ids)
        late_feedback = is_early & (frame.index % 4 == 0)  # some early contacts' feedback arrives later
        frame[is_early & ~late_feedback].to_csv(first / name, index=False)
        frame[~is_early | late_feedback].to_csv(second / name, index=False)


def table(settings: Settings, name: str) -> list[tuple]:
    con = connect_read_only(settings.db_path)
    try:
        rows = con.execute(f"select * from {name}").fetchall()  # noqa: S608 - a fixed table name
    finally:
        con.close()
    return sorted(rows, key=repr)


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("incremental")
    generate(root / "all", days=20, seed=5, contacts_per_day=80, end=END, bad_rows=False)
    split_delivery(root / "all", root / "first", root / "second", cut="2026-03-12")
    return root / "first", root / "second"


def test_incremental_load_equals_a_full_rebuild(tmp_path, deliveries):
    first, second = deliveries
    now = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    incremental = Settings(db_path=tmp_path / "inc" / "w.duckdb", pseudonym_key="k" * 20)
    load([first], incremental, now=now)
    report = load([second], incremental, now=now)
    assert report.timings["full rebuild"] == 0.0
    full = Settings(db_path=tmp_path / "full" / "w.duckdb", pseudonym_key="k" * 20)
    load([first], full, now=now)
    load([second], full, now=now)
    with writable_snapshot(full.db_path) as con:
        sqlfiles.run(con, "merge/touched.sql")
        rebuild_marts(con, full, full=True)
    for name in DERIVED:
        expected = table(full, name)
        assert table(incremental, name) == expected, name
        assert len(expected) > 0


def test_a_roster_change_rebuilds_everything(tmp_path, deliveries):
    first, _ = deliveries
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key="k" * 20)
    load([first], settings, now=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    moved = tmp_path / "moved"
    moved.mkdir()
    agents = pd.read_csv(first / "agents.csv", dtype=str, keep_default_na=False)
    agents.loc[0, "team"] = "Referrals"
    agents.to_csv(moved / "agents.csv", index=False)
    report = load([moved], settings, now=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    assert report.timings["full rebuild"] == 1.0
    facts = table(settings, "contact_facts")
    agent = agents.loc[0, "agent_id"]
    con = connect_read_only(settings.db_path)
    teams = con.execute("select distinct team from contact_facts where agent_id = $a", {"a": agent}).fetchall()
    con.close()
    assert facts and teams == [("Referrals",)]


def test_changed_settings_rebuild_everything(tmp_path, deliveries):
    first, second = deliveries
    now = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    load([first], Settings(db_path=tmp_path / "w.duckdb", pseudonym_key="k" * 20), now=now)
    report = load([second], Settings(db_path=tmp_path / "w.duckdb", pseudonym_key="k" * 20,
                                     fcr_window_hours=72), now=now)
    assert report.timings["full rebuild"] == 1.0


def test_a_full_rebuild_in_batches_of_days_equals_one_batch(tmp_path, deliveries, monkeypatch):
    # the hourly marts of a full rebuild are built a batch of days at a time within the memory limit (etl/load.py)
    first, second = deliveries
    now = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    whole = Settings(db_path=tmp_path / "whole" / "w.duckdb", pseudonym_key="k" * 20)
    load([first, second], whole, now=now)
    batches = []
    one_batch = load_module._hourly_batches
    monkeypatch.setattr(load_module, "rows_per_part", lambda limit, per_row: 150)  # about 2 days of 80 contacts
    monkeypatch.setattr(load_module, "_hourly_batches", lambda con: batches.extend(one_batch(con)) or batches)
    batched = Settings(db_path=tmp_path / "batched" / "w.duckdb", pseudonym_key="k" * 20)
    load([first, second], batched, now=now)
    assert len(batches) >= 10
    assert all(earlier[1] < later[0] for earlier, later in zip(batches, batches[1:]))
    for name in DERIVED:
        expected = table(whole, name)
        assert table(batched, name) == expected, name
        assert len(expected) > 0
