"""Proof under crashes, re-delivery and concurrent readers:
- SIGKILL the loader at 20 named phases it reports (paused there by a hook, so the kill lands mid-load whatever the
  machine's speed): each time the warehouse is exactly the previous snapshot, and a re-run converges to the state of
  an uninterrupted load;
- the same delivery loaded 3 times and an overlapping delivery leave zero duplicates by natural key;
- readers querying continuously during 20 loads (8 in `make test`) see no lock error and never a half-loaded state."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import signal
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from etl.generate import generate
from etl.load import load
from etl.settings import Settings
from etl.store import TABLES, current_files, store_dir
from etl.warehouse import connect_read_only, current_file, snapshot_dir
from tests import killable_load
from tests.store_bytes import inflate_snapshot

pytestmark = pytest.mark.prove
FULL = os.environ.get("CAREKPI_PROOF") == "full"  # `make prove`: the sizes docs/reliability.md reports
LOADS_UNDER_READERS = 20 if FULL else 8
KEY = "prove-key-0123456789abcdef"
END = dt.date(2026, 2, 28)
NOW = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
BUSINESS = ("agents", "queues", "contacts", "surveys", "qa_results", "quarantine", "contact_facts", "kpi_grain",
            "kpi_grain_hourly", "kpi_grain_teams", "qa_item_grain", "qa_item_grain_hourly", "qa_item_grain_teams")
KEYS = {"contacts": ("contact_id",), "surveys": ("survey_id",), "qa_results": ("evaluation_id", "item"),
        "agents": ("agent_id",), "queues": ("queue",)}
PER_FILE = ("read csv", "staging (validate, type, pseudonymise)", "quarantine", "merge")
# 21 kill points: the start, each per-file phase of the 1st, 2nd, 4th and 6th file, and the last phases (the store
# write: before the touched partitions are written, and after, just before the checkpoint and swap)
KILL_POINTS = ([("snapshot copy and swap", 1)] + [(phase, n) for n in (1, 2, 4, 6) for phase in PER_FILE]
               + [("read csv", 5), ("contact facts and marts", 1), ("store write", 1), ("checkpoint and swap", 1)])


def store_state(db: Path) -> str:
    """The table store as readers see it: the current manifest and the bytes of every file it names."""
    root = store_dir(db)
    digest = hashlib.sha256((root / "manifest.json").read_bytes())
    for table in TABLES:
        for path in current_files(root, table):
            digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(db: Path) -> dict[str, str]:
    """Each business table's rows (load ids aside), sorted and hashed."""
    con = connect_read_only(db)
    try:
        out = {}
        for name in BUSINESS:
            rows = con.execute(f"select * exclude (load_id) from {name}" if name in (  # noqa: S608 - fixed names
                "agents", "queues", "contacts", "surveys", "qa_results", "quarantine") else f"select * from {name}"
            ).fetchall()
            out[name] = hashlib.sha256(repr(sorted(rows, key=repr)).encode()).hexdigest()
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("deliveries")
    generate(root / "base", days=5, seed=1, contacts_per_day=300, end=END - dt.timedelta(days=30), bad_rows=False)
    # the killed load: big enough that every phase does real work (tens of thousands of rows under `make prove`)
    generate(root / "big", days=30, seed=2, contacts_per_day=2500 if FULL else 400, end=END, first_id=10_000_000)
    return {"base": root / "base", "big": root / "big"}


def test_a_killed_load_never_changes_the_warehouse(tmp_path, deliveries):
    reference = tmp_path / "reference" / "w.duckdb"
    settings = Settings(db_path=reference, pseudonym_key=KEY)
    load([deliveries["base"]], settings, now=NOW)
    db = tmp_path / "killed" / "w.duckdb"
    load([deliveries["base"]], Settings(db_path=db, pseudonym_key=KEY), now=NOW)
    before = hashlib.sha256(current_file(db).read_bytes()).hexdigest()
    store_before, tables_before = store_state(db), fingerprint(db)
    kills = []
    with killable_load.Loader() as loader:
        assert loader.start(deliveries["big"], reference, KEY, NOW) == {"exited": 0}  # the same load, uninterrupted
        expected = fingerprint(reference)
        for phase, n in KILL_POINTS:
            paused = loader.start(deliveries["big"], db, KEY, NOW, phase, n)
            if "paused" not in paused:
                pytest.fail(f"the load never reached phase {phase!r} #{n}: {paused}")
            os.kill(paused["paused"], signal.SIGKILL)
            assert loader.report() == {"exited": -signal.SIGKILL}
            assert hashlib.sha256(current_file(db).read_bytes()).hexdigest() == before, (phase, n)
            assert store_state(db) == store_before, (phase, n)
            kills.append((phase, n))
    assert len(kills) == 21
    assert fingerprint(db) == tables_before  # what a reader sees after 21 killed loads: the previous snapshot
    leftovers = list(snapshot_dir(db).glob("*.loading*"))
    store_files = {p for p in store_dir(db).rglob("*.parquet")}
    orphans = store_files - {p for table in TABLES for p in current_files(store_dir(db), table)}
    load([deliveries["big"]], Settings(db_path=db, pseudonym_key=KEY), now=NOW)
    assert list(snapshot_dir(db).glob("*.loading*")) == []
    assert orphans and not any(p.exists() for p in orphans)  # the store files of killed loads are removed
    assert fingerprint(db) == expected
    print(f"kills survived: {len(kills)} at named phases; working files left by killed loads before the re-run: "
          f"{len(leftovers)}; store files they left (removed by the re-run): {len(orphans)}")


def test_a_load_killed_before_it_rewrites_a_mostly_free_snapshot_changes_nothing(tmp_path, deliveries):
    # the first load after the hourly marts left the snapshot rewrites it without the freed blocks (etl/warehouse.py)
    db = tmp_path / "w.duckdb"
    settings = Settings(db_path=db, pseudonym_key=KEY)
    load([deliveries["base"]], settings, now=NOW)
    inflated = inflate_snapshot(db)
    before, store_before = hashlib.sha256(current_file(db).read_bytes()).hexdigest(), store_state(db)
    with killable_load.Loader() as loader:
        paused = loader.start(deliveries["base"], db, KEY, NOW, "compact", 1)
        assert "paused" in paused, paused
        os.kill(paused["paused"], signal.SIGKILL)
        assert loader.report() == {"exited": -signal.SIGKILL}
    assert hashlib.sha256(current_file(db).read_bytes()).hexdigest() == before
    assert store_state(db) == store_before
    assert list(snapshot_dir(db).glob("*.loading*"))  # the killed load's working file, left behind
    report = load([deliveries["base"]], settings, now=NOW)
    assert list(snapshot_dir(db).glob("*.loading*")) == []
    assert current_file(db).stat().st_size < inflated / 4 and report.timings["compact"] > 0


def duplicates(db: Path) -> dict[str, int]:
    con = connect_read_only(db)
    try:
        return {table: con.execute(f"select count(*) - count(distinct ({', '.join(key)})) from {table}").fetchone()[0]
                for table, key in KEYS.items()}  # noqa: S608 - fixed names
    finally:
        con.close()


def test_redelivery_three_times_and_an_overlapping_delivery_leave_no_duplicates(tmp_path, deliveries):
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key=KEY)
    for _ in range(3):
        load([deliveries["base"]], settings, now=NOW)
    calls = pd.read_csv(deliveries["base"] / "calls.csv", dtype=str, keep_default_na=False)
    overlap = tmp_path / "overlap"
    overlap.mkdir()
    half = calls.iloc[: len(calls) // 2].copy()
    half["acw_seconds"] = "99"  # changed values for ids already stored
    new = calls.iloc[: len(calls) // 2].copy()
    new["call_id"] = "X" + new["call_id"]  # and as many new ids
    pd.concat([half, new]).to_csv(overlap / "calls.csv", index=False)
    report = load([overlap], settings, now=NOW)
    assert (report.files[0].replaced, report.files[0].loaded) == (len(half), len(new))
    assert duplicates(settings.db_path) == {table: 0 for table in KEYS}
    con = connect_read_only(settings.db_path)
    stored = con.execute("select count(*) from contacts where channel = 'voice'").fetchone()[0]
    changed = con.execute("select count(*) from contacts where acw_seconds = 99 and list_contains($ids, contact_id)",
                          {"ids": list(half["call_id"])}).fetchone()[0]
    con.close()
    assert stored == len(calls) + len(new)
    assert changed == len(half)  # the re-delivered values replaced the stored ones


def test_readers_never_see_a_lock_error_or_a_half_loaded_state(tmp_path, deliveries):
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key=KEY)
    load([deliveries["base"]], settings, now=NOW)
    base_calls = pd.read_csv(deliveries["base"] / "calls.csv", dtype=str, keep_default_na=False)
    folders = []
    for i in range(LOADS_UNDER_READERS):
        folder = tmp_path / f"d{i}"
        folder.mkdir()
        extra = base_calls.head(25).copy()
        extra["call_id"] = f"R{i:02d}-" + extra["call_id"]
        extra.to_csv(folder / "calls.csv", index=False)
        folders.append(folder)
    con = connect_read_only(settings.db_path)
    first = con.execute("select count(*) from contacts").fetchone()[0]
    con.close()
    complete = {first + 25 * i for i in range(LOADS_UNDER_READERS + 1)}  # the contact counts of the snapshots
    seen, errors, inconsistent = [], [], []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            try:
                reader_con = connect_read_only(settings.db_path)
                contacts, offered = reader_con.execute(
                    "select (select count(*) from contacts), (select sum(offered) from kpi_grain)").fetchone()
                reader_con.close()
            except Exception as exc:  # noqa: BLE001 - every failure is a finding
                errors.append(repr(exc))
                continue
            seen.append(contacts)
            if contacts != offered or contacts not in complete:
                inconsistent.append((contacts, offered))

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    for folder in folders:
        load([folder], settings, now=NOW)
    time.sleep(0.2)
    stop.set()
    for thread in threads:
        thread.join()
    assert errors == [] and inconsistent == []
    assert len(seen) > 40 and len(set(seen)) > 5
    print(f"reader queries: {len(seen)}; snapshots observed: {len(set(seen))}; lock errors: {len(errors)}")
