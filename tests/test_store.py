"""The table store (etl/store.py): an incremental day rewrites only the partitions it touches (its own days, and the
earlier days whose FCR windows reach into it), the serving views read exactly the manifest's files, and a warehouse
from before the store has its contacts, surveys and QA results moved into it."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from etl import sqlfiles
from etl.generate import generate
from etl.load import load
from etl.settings import Settings
from etl.store import STORED, TABLES, current_files, narrow, store_dir
from etl.warehouse import connect_read_only, current_file, snapshot_dir, writable_snapshot
from tests.store_bytes import inflate_snapshot

END = dt.date(2026, 3, 20)
NOW = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
KEY = "s" * 20


@pytest.fixture(scope="module")
def deliveries(tmp_path_factory):
    root = tmp_path_factory.mktemp("store")
    generate(root / "base", days=12, seed=3, contacts_per_day=60, end=END, bad_rows=False)
    generate(root / "day", days=1, seed=4, contacts_per_day=60, end=END + dt.timedelta(days=1), first_id=10**6,
             bad_rows=False)
    return root / "base", root / "day"


def manifest(db) -> dict[str, dict[str, list[str]]]:
    return json.loads((store_dir(db) / "manifest.json").read_text())["tables"]


def test_an_incremental_day_rewrites_only_the_partitions_it_touches(tmp_path, deliveries):
    base, day = deliveries
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key=KEY)
    load([base], settings, now=NOW)
    before = manifest(settings.db_path)
    assert len(before["contacts"]) >= 12 and before["contacts"].keys() == before["contact_facts"].keys()
    report = load([day], settings, now=NOW)
    assert report.timings["full rebuild"] == 0.0
    # every phase is timed, the store write and the checkpoint too (they end after the report is stored)
    assert sorted(report.timings) == sorted([
        "snapshot copy and swap", "read csv", "staging (validate, type, pseudonymise)", "quarantine", "merge",
        "contact facts and marts", "full rebuild", "fact band days", "report", "store write", "checkpoint and swap"])
    after = manifest(settings.db_path)
    con = connect_read_only(settings.db_path)
    new_days = {str(d) for (d,) in con.execute(
        "select distinct offered_at::date from contacts where contact_id in (select contact_id from contacts "
        "where load_id = 2)").fetchall()}
    con.close()
    for table in TABLES:
        rewritten = {part for part, files in after[table].items() if before[table].get(part) != files}
        # untouched partitions keep their files (same names: never rewritten)
        assert all(after[table][part] == files for part, files in before[table].items() if part not in rewritten)
        assert len(rewritten) <= 10 < len(after[table]), table
        if table in ("surveys", "qa_results", "qa_item_grain_hourly"):
            continue  # the day's feedback (if any) lands in its own days (QA results in their contacts' days)
        if table == "contacts":
            assert rewritten == new_days
        else:  # the facts and the hourly KPI mart: the new days, and earlier days whose FCR window (168 h) reaches
            # into them (the reporting time zone is UTC here, so a contact's day is its UTC date)
            first_new = min(dt.date.fromisoformat(d) for d in new_days)
            assert new_days <= rewritten
            assert all(dt.date.fromisoformat(p) >= first_new - dt.timedelta(days=8) for p in rewritten)
            assert len(rewritten) < len(after[table])


def test_the_serving_views_read_exactly_the_manifests_files(tmp_path, deliveries):
    base, day = deliveries
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key=KEY)
    load([base], settings, now=NOW)
    load([day], settings, now=NOW)
    reader = duckdb.connect()
    con = connect_read_only(settings.db_path)
    try:
        for table in TABLES:
            files = [str(p) for p in current_files(store_dir(settings.db_path), table)]
            assert all(f"/{STORED[table].partition}=" in f for f in files)
            columns = ", ".join(column for (column, *_) in con.execute(f"describe {table}").fetchall())
            # an hourly mart's files hold every column but the day, which their folder names give (as Spark reads it)
            hive = "true, hive_types = {'day': 'DATE'}" if STORED[table].by_day else "false"
            stored = sorted(reader.execute(f"select {columns} from read_parquet($f, hive_partitioning = {hive})",
                                            {"f": files}).fetchall(), key=repr)
            served = sorted(con.execute(f"select * from {table}").fetchall(), key=repr)  # noqa: S608 - fixed names
            assert stored == served and len(served) > 50, table
        kinds = dict(con.execute("select table_name, table_type from information_schema.tables").fetchall())
    finally:
        con.close()
        reader.close()
    assert {kinds[table] for table in TABLES} == {"VIEW"}
    # the files of the previous version are kept for its readers (KEEP = 2 snapshots), none older
    on_disk = {p for table in TABLES for p in (store_dir(settings.db_path) / table).rglob("*.parquet")}
    versions = {p.name.rsplit("-", 1)[0] for p in on_disk}
    assert len(versions) == 2


def test_a_warehouse_from_before_the_store_has_its_contacts_moved_into_it(tmp_path, deliveries):
    base, _ = deliveries
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))  # the layout before the store: contacts and contact_facts as tables
    sqlfiles.run(con, "schema.sql")
    sqlfiles.run(con, "schema_contacts.sql")
    con.execute("insert into contacts (contact_id, channel, queue, offered_at, hold_seconds, acw_seconds, "
                "transferred, escalated_clinical, load_id) values ('OLD-1', 'voice', 'billing', "
                "'2026-03-01 10:00:00', 0, 0, false, false, 1)")
    con.execute("create table contact_facts as select 1 as stale")
    con.close()
    report = load([base], Settings(db_path=db, pseudonym_key=KEY), now=NOW)
    assert report.timings["full rebuild"] == 1.0
    con = connect_read_only(db)
    try:
        old = con.execute("select direction, conversation_id, end_reason from contacts "
                          "where contact_id = 'OLD-1'").fetchall()
        facts = con.execute("select count(*) from contact_facts where contact_id = 'OLD-1'").fetchone()[0]
    finally:
        con.close()
    assert old == [("inbound", "OLD-1", "abandoned")]  # a v1 contact, upgraded as before, now in the store
    assert facts == 1
    assert "2026-03-01" in manifest(db)["contacts"]


class _Abandon(Exception):
    """Leaves a writable snapshot without swapping it in."""


def test_a_narrowed_view_reads_the_same_rows_and_fails_once_stale(tmp_path, deliveries):
    # store.narrow matches only the partitions a load has changed against the keys it drops and adds; here one
    # stored contact is re-delivered into another day and one new contact added: the narrowed view holds exactly
    # the rows of the full one (every stored row minus the replaced, plus the added). A change that reaches a
    # partition it reads as it is makes it fail instead of counting a replaced row twice.
    base, _ = deliveries
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key=KEY)
    load([base], settings, now=NOW)
    full = ("select contact_id, offered_at, load_id from store_contacts anti join (select contact_id from "
            "contacts_dropped union all select contact_id from contacts_added) using (contact_id) "
            "union all select contact_id, offered_at, load_id from contacts_added order by all")
    narrowed = "select contact_id, offered_at, load_id from contacts order by all"
    with pytest.raises(_Abandon), writable_snapshot(settings.db_path) as con:
        root = store_dir(settings.db_path)
        stored = con.execute("select count(*) from contacts").fetchone()[0]
        first, last = con.execute("select min(offered_at::date), max(offered_at::date) from contacts").fetchone()
        moved = con.execute("select contact_id, offered_at from contacts where offered_at::date = $d "
                            "order by contact_id limit 1", {"d": first}).fetchone()
        con.execute("insert into contacts_dropped values ($id, $at)", {"id": moved[0], "at": moved[1]})
        con.execute("insert into contacts_added by name select * replace (offered_at + interval 2 day as offered_at, "
                    "99 as load_id) from store_contacts where contact_id = $id", {"id": moved[0]})
        con.execute("insert into contacts_added by name select * replace ('new-1' as contact_id, 99 as load_id) "
                    "from store_contacts where contact_id = $id", {"id": moved[0]})
        narrow(con, root)
        view = con.execute("select sql from duckdb_views() where view_name = 'contacts' and temporary").fetchone()[0]
        assert view.upper().count("ANTI JOIN") == 1  # the changed days only (2 of the 12)
        rows = con.execute(narrowed).fetchall()
        assert rows == con.execute(full).fetchall()
        assert len(rows) == stored + 1
        assert (moved[0], moved[1] + dt.timedelta(days=2), 99) in rows and (moved[0], moved[1], 1) not in rows
        # a later re-delivery of a contact of the last day (a partition the view reads as it is)
        con.execute("insert into contacts_dropped select contact_id, offered_at from store_contacts "
                    "where offered_at::date = $d limit 1", {"d": last})
        with pytest.raises(duckdb.Error, match="stale view of contacts"):
            con.execute(narrowed).fetchall()
        narrow(con, root)
        assert con.execute(narrowed).fetchall() == con.execute(full).fetchall()
        raise _Abandon
    assert load_count(settings.db_path) == 1  # the abandoned snapshot changed nothing


def load_count(db) -> int:
    con = connect_read_only(db)
    try:
        return con.execute("select count(*) from loads").fetchone()[0]
    finally:
        con.close()


def test_a_snapshot_left_mostly_free_is_rewritten_small(tmp_path, deliveries):
    # Before layout 5 the hourly marts were tables of the snapshot. The load that moves them to the store frees their
    # blocks, and DuckDB never shrinks a file: without the rewrite every later load would copy them as free space.
    base, day = deliveries
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key=KEY)
    load([base], settings, now=NOW)
    snapshot = current_file(settings.db_path)
    inflated = inflate_snapshot(settings.db_path)  # an old layout's hourly mart: a table of 2 million rows
    load([day], settings, now=NOW)
    compacted = current_file(settings.db_path).stat().st_size
    plain = Settings(db_path=tmp_path / "plain.duckdb", pseudonym_key=KEY)  # the same loads, never inflated
    load([base], plain, now=NOW)
    load([day], plain, now=NOW)
    assert inflated > 10 * 2**20 and compacted < inflated / 4
    assert compacted <= current_file(plain.db_path).stat().st_size + 2**20
    assert not list(snapshot.parent.glob("*.compact"))
    queries = [f"select * from {table}" for table in ("kpi_grain_hourly", "kpi_grain", "qa_item_grain_hourly",
                                                      "agents", "contacts")] + ["select load_id from loads"]
    rows = {}
    for db in (settings.db_path, plain.db_path):
        con = connect_read_only(db)
        try:
            rows[db] = [sorted(map(repr, con.execute(query).fetchall())) for query in queries]
        finally:
            con.close()
    assert rows[settings.db_path] == rows[plain.db_path]
    assert len(rows[plain.db_path][0]) > 100 and rows[plain.db_path][-1] == ["(1,)", "(2,)"]


def test_the_loads_changes_live_in_their_own_file_and_leave_no_free_blocks_in_the_snapshot(tmp_path, deliveries):
    # <t>_added are tables of the load's changes file, not of the working file: once written to the store and dropped
    # they would leave their blocks free in the serving snapshot (a 50 M day's 21 MiB snapshot was 43.5 MiB), and a
    # full load's would make it rewrite the snapshot to shed them.
    base, day = deliveries
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key=KEY)
    seen = {}
    with pytest.raises(_Abandon), writable_snapshot(settings.db_path) as con:
        seen["added"] = sorted(con.execute("select database_name, table_name from duckdb_tables() "
                                           "where table_name like '%\\_added' escape '\\'").fetchall())
        seen["files"] = sorted(p.name.split(".duckdb")[-1].removesuffix(".wal")
                               for p in snapshot_dir(settings.db_path).iterdir() if p.is_file())
        raise _Abandon
    assert seen["added"] == [("changes", f"{table}_added") for table in ("contacts", "qa_results", "surveys")]
    assert set(seen["files"]) == {".loading", ".loading.changes"}
    assert list(snapshot_dir(settings.db_path).glob("*.loading*")) == []  # an abandoned load removes both
    for delivery in (base, day):
        report = load([delivery], settings, now=NOW)
        assert "compact" not in report.timings  # nothing to shed
        assert list(snapshot_dir(settings.db_path).glob("*.loading*")) == []
        con = duckdb.connect(str(current_file(settings.db_path)), read_only=True)
        try:
            total, free = con.execute("select total_blocks, free_blocks from pragma_database_size() "
                                      "where database_name = current_database()").fetchone()
            tables = {row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()}
        finally:
            con.close()
        assert free * 2 <= total, (free, total)  # not mostly free: what makes a load rewrite it
        assert not any(name.endswith("_added") for name in tables)


class _Stop(Exception):
    pass


def test_a_full_rebuild_writes_the_facts_straight_to_the_store_and_a_failed_one_leaves_nothing(tmp_path, deliveries,
                                                                                              monkeypatch):
    """The full rebuild writes the contact facts as store files before the store write (etl/store.py's
    write_replaced), never as a table of the snapshot; a load that fails after that write leaves the warehouse and
    the store's current files as they were, and the next load removes the files it left."""
    base, day = deliveries
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key=KEY)
    load([base], settings, now=NOW)
    root = store_dir(settings.db_path)
    facts = manifest(settings.db_path)["contact_facts"]
    con = connect_read_only(settings.db_path)
    try:
        contacts_by_day = dict(con.execute(
            "select strftime(offered_at::date, '%Y-%m-%d'), count(*) from contacts group by all").fetchall())
        stored = dict(con.execute("select strftime(offered_at::date, '%Y-%m-%d'), count(*) from "
                                  "read_parquet($f) group by all", {"f": [str(root / f) for fs in facts.values()
                                                                          for f in fs]}).fetchall())
        tables = {name for (name,) in con.execute("select table_name from duckdb_tables()").fetchall()}
    finally:
        con.close()
    assert stored == contacts_by_day and sum(stored.values()) > 500  # one fact per contact, in its day's partition
    assert set(facts) == set(contacts_by_day) and all(len(files) == 1 for files in facts.values())
    assert "contact_facts_added" not in tables and "contact_facts_template" in tables
    before = (current_file(settings.db_path).read_bytes(), (root / "manifest.json").read_bytes())
    on_disk = set(root.rglob("*.parquet"))

    def stop_at_store_write(phase: str) -> None:
        if phase == "store write":
            raise _Stop(phase)

    monkeypatch.setattr("etl.load.on_phase", stop_at_store_write)
    with pytest.raises(_Stop):
        load([base], settings.model_copy(update={"sl_threshold_voice_seconds": 25}), now=NOW)  # a full rebuild
    left = set(root.rglob("*.parquet")) - on_disk
    assert any("/contact_facts/" in str(path) for path in left)  # the facts it wrote before it failed
    assert (current_file(settings.db_path).read_bytes(), (root / "manifest.json").read_bytes()) == before
    monkeypatch.undo()
    load([day], settings, now=NOW)
    assert not any(path.exists() for path in left)
