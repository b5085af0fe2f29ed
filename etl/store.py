"""The table store: contacts, contact facts, surveys, QA results and the hourly marts as plain Parquet files in day
partitions beside the warehouse, so a load writes only the partitions its delivery touches and Spark (or any
Parquet reader) reads them as they are.

    <db>.store/<table>/<partition>=YYYY-MM-DD/<version>-<n>.parquet   (a UTC day, or the marts' reporting day;
                                                                      STORED below, docs/storage.md)
    <db>.store/manifests/<version>.json   per kept snapshot: the files of every partition of every table
    <db>.store/manifest.json              a copy of the current one, for other engines

A file is never changed once written. A load writes the partitions it touched as new files named by its version and
a new manifest, and the warehouse snapshot it swaps in (etl/warehouse.py) holds views naming exactly those files:
that swap is the one commit point. A killed load leaves only unnamed files, which the next load removes; the files of
the KEEP snapshots still on disk are kept for their readers.

During a load, each stored table is a temp view over the stored files minus the rows the load drops (temp table
<t>_dropped: their keys, and the time their partition comes from) plus the rows it adds (<t>_added), so the
load's SQL reads them as tables. <t>_added is a table of the load's changes file, a database file beside the working
file (attached as `changes`, on the search path after the working file's own tables, deleted with the load's other
working files): beyond the memory cap DuckDB spills temp tables uncompressed (at 50 million contacts 5.6 GiB for the
facts, against 1.6 GiB compressed in a file), and a full load's would not fit the disk; in the working file itself
they would leave their blocks free in the serving snapshot once dropped (at 50 million contacts an incremental day's
snapshot 43.5 MiB instead of 21, or a compaction of 1-2 s to shed them).
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from etl import sqlfiles
from etl.safe_files import DIR_MODE, private_opener, private_umask



@dataclass(frozen=True)
class Stored:
    """A stored table: its natural key, the name of its partition folders' column, the partition's SQL value and
    the column it is computed from (kept with the dropped rows' keys, so their partitions are known unread).
    A table without a key (the hourly marts) is replaced a whole day at a time: <t>_dropped lists the days a load
    recomputes, and its partition column is its own `day`, read from the folder names (hive partitioning), so a
    query's date filter opens only those days' files."""
    key: tuple[str, ...]
    partition: str
    day: str
    at: str

    @property
    def keys(self) -> str:
        return ", ".join(self.key)

    @property
    def dropped(self) -> str:
        """The columns of <t>_dropped."""
        return ", ".join(self.key + (self.at,))

    @property
    def by_day(self) -> bool:
        """Whether whole day partitions are replaced (the partition column is the table's `day`)."""
        return not self.key


# identifiers and expressions interpolated below come only from this table
STORED = {
    "contacts": Stored(("contact_id",), "offered_day", "strftime(offered_at::date, '%Y-%m-%d')", "offered_at"),
    "contact_facts": Stored(("contact_id",), "offered_day", "strftime(offered_at::date, '%Y-%m-%d')",
                            "offered_at"),
    "surveys": Stored(("survey_id",), "responded_day", "coalesce(strftime(responded_at::date, '%Y-%m-%d'), 'none')",
                      "responded_at"),
    "qa_results": Stored(("evaluation_id", "item"), "evaluated_day",
                         "coalesce(strftime(evaluated_at::date, '%Y-%m-%d'), 'none')", "evaluated_at"),
    "kpi_grain_hourly": Stored((), "day", "strftime(day, '%Y-%m-%d')", "day"),
    "qa_item_grain_hourly": Stored((), "day", "strftime(day, '%Y-%m-%d')", "day"),
}
TABLES = tuple(STORED)
CHANGES = "changes"  # the attached database of a load's <t>_added tables
LOADED = ("contacts", "surveys", "qa_results")  # merged by the load (contact_facts and the marts are derived)
MARTS = ("kpi_grain_hourly", "qa_item_grain_hourly")  # derived, replaced a day at a time (etl/sql/marts)


def store_dir(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + ".store")


def current_files(root: Path, table: str) -> list[Path]:
    """The files of a table in the current manifest (what another engine reads), oldest partition first."""
    manifest = json.loads((Path(root) / "manifest.json").read_text())
    return [Path(root) / f for part in sorted(manifest["tables"].get(table, {})) for f in
            manifest["tables"][table][part]]


def built(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether the table has been written to the store (its column template is kept in the warehouse)."""
    return con.execute("select count(*) from duckdb_tables() where table_name = $t and not temporary",
                       {"t": f"{table}_template"}).fetchone()[0] > 0


def attach(con: duckdb.DuckDBPyConnection, root: Path, version: str, changes: Path) -> None:
    """Make the stored tables readable (and changeable through <t>_added / <t>_dropped, the dropped rows' keys) in a
    load's connection; store_<t> is every stored file as it is. `version` names the files this load writes;
    `changes` is the new database file that holds the <t>_added tables (the caller deletes it after the load). A new
    warehouse, or one from before the store, has its contacts, surveys and QA results tables (schema.sql,
    schema_contacts.sql) moved into the store; its contact facts are rebuilt."""
    con.execute("set parquet_metadata_cache = true")  # the load scans the stored files several times
    con.execute(f"attach $path as {CHANGES}", {"path": str(changes)})
    working = con.execute("select current_database()").fetchone()[0].replace('"', '""')
    con.execute(f"set search_path = '\"{working}\".main,{CHANGES}.main'")  # new tables go to the working file
    con.execute("create table if not exists store_manifest (manifest_json varchar)")
    con.execute("create or replace temp table store_replaced (table_name varchar)")
    con.execute("create or replace temp table store_version as select $v::varchar as version", {"v": version})
    # the tables replaced straight into the store (write_replaced): their partition -> files, as JSON
    con.execute("create or replace temp table store_written (table_name varchar, partitions_json varchar)")
    for table in LOADED:
        if _table_type(con, table) != "VIEW":
            if table == "contacts":
                sqlfiles.run(con, "schema_contacts.sql")
            con.execute(f"create or replace table {table}_template as select * from {table} limit 0")
            con.execute(f"create or replace table {CHANGES}.main.{table}_added as select * from {table}")
            con.execute(f"drop table {table}")
            replace(con, table)
    for table in ("contact_facts", *MARTS):  # facts and hourly marts from before the store: rebuilt in full
        if _table_type(con, table) == "BASE TABLE":
            con.execute(f"drop table {table}")
    files = manifest_of(con)["tables"]
    for table in _merged(con):
        source = _source(con, root, table, [f for part in files.get(table, {}).values() for f in part])
        con.execute(f"create or replace temp view store_{table} as {source}")
        con.execute(f"create or replace table {CHANGES}.main.{table}_added as select * from {table}_template limit 0")
        con.execute(f"create or replace temp table {table}_dropped as select {STORED[table].dropped} "
                    f"from {table}_template limit 0")
    narrow(con, root)  # the views <t>: the stored rows the load keeps plus those it adds


def detach_changes(con: duckdb.DuckDBPyConnection) -> None:
    """Detach the load's changes file (written to the store by flush); the caller deletes it."""
    con.execute("reset search_path")
    con.execute(f"detach {CHANGES}")


def replace(con: duckdb.DuckDBPyConnection, table: str, query: str | None = None) -> None:
    """Replace a table whole: its rows become <t>_added (from `query`, a fixed view name, when given)."""
    if query is not None:
        con.execute(f"create or replace table {CHANGES}.main.{table}_added as select * from {query}")
    _mark_replaced(con, table, f"{table}_added")
    con.execute(f"create or replace temp view {table} as select * from {table}_added")


def write_replaced(con: duckdb.DuckDBPyConnection, root: Path, table: str, query: str) -> None:
    """Replace a table whole by writing the rows of `query` (a fixed view name) straight to new store files, named
    by this load's version like flush's (a killed load leaves them unnamed, and the next load removes them); the
    view <t> then reads those files. The full rebuild's contact facts go this way: materialised first as a table of
    the working file, then copied to the store, they cost a compressed table write as well (at 10 million contacts
    48.4 s for the two steps, 32.5 s for this one; docs/storage.md)."""
    _mark_replaced(con, table, query)
    con.execute(f"drop table if exists {CHANGES}.main.{table}_added")  # attach's empty one: nothing is merged now
    version = con.execute("select version from store_version").fetchone()[0]
    partitions = _copy(con, root, table, version, f"select * from {query}", {})
    con.execute("insert into store_written values ($t, $partitions)",
                {"t": table, "partitions": json.dumps(partitions)})
    files = [f for part_files in partitions.values() for f in part_files]
    con.execute(f"create or replace temp view {table} as {_source(con, root, table, files)}")


def _mark_replaced(con: duckdb.DuckDBPyConnection, table: str, columns_from: str) -> None:
    """Record that this load replaces the table whole: its column template (from the relation `columns_from`), no
    dropped keys, and its name in store_replaced."""
    con.execute(f"create or replace table {table}_template as select * from {columns_from} limit 0")
    con.execute(f"create or replace temp table {table}_dropped as select {STORED[table].dropped} "
                f"from {table}_template limit 0")
    con.execute("insert into store_replaced values ($t)", {"t": table})


def band(con: duckdb.DuckDBPyConnection, root: Path, table: str) -> None:
    """Temp view <table>_band: the table as the load sees it, in the day partitions listed in temp table
    fact_band_days only (etl/sql/contacts/fact_band.sql), reading only those partitions' files (and matching only
    the changed ones against the load's keys, as narrow does)."""
    stored = STORED[table]
    days = {row[0] for row in con.execute("select day from fact_band_days").fetchall()}
    partitions = {} if _replaced(con, table) else manifest_of(con)["tables"].get(table, {})
    in_band = {part: part_files for part, part_files in partitions.items() if part in days}
    sources = _kept_rows(con, root, table, in_band)
    sources.append(f"select * from {table}_added where {stored.day} in (select day from fact_band_days)")
    con.execute(f"create or replace temp view {table}_band as {' union all '.join(sources)}")


def narrow(con: duckdb.DuckDBPyConnection, root: Path) -> None:
    """Re-point each stored table's load view so that only the partitions this load has changed so far are matched
    against the keys it drops and adds; the others are read as they are (a replaced row is always in a partition of
    an added or dropped row, which is what flush rewrites). The same rows, without reading every stored row's key:
    about 2 s less per full read at 50 million contacts. Once a later change reaches a partition read as it is, the
    view fails (`stale`) rather than count a replaced row twice: narrow again after each change (etl/load.py)."""
    files = manifest_of(con)["tables"]
    for table in _merged(con):
        sources = _kept_rows(con, root, table, files.get(table, {}))
        sources.append(f"select * from {table}_added")
        con.execute(f"create or replace temp view {table} as {' union all '.join(sources)}")


def _kept_rows(con: duckdb.DuckDBPyConnection, root: Path, table: str,
               partitions: dict[str, list[str]]) -> list[str]:
    """SELECTs of the stored rows of these partitions that the load keeps: the files of the partitions it changed so
    far minus the keys it drops and adds; the others' files as they are, while no change reaches them."""
    touched = sorted(_touched(con, table, False))
    kept = [f for part, part_files in partitions.items() if part not in touched for f in part_files]
    changed = [f for part, part_files in partitions.items() if part in touched for f in part_files]
    sources = []
    if kept:
        sources.append(f"select * from {_scan(con, root, table, kept)} where {_unchanged_since(table, touched)}")
    if changed and not STORED[table].by_day:  # a day-replaced table's changed days are its added rows alone
        sources.append(f"select * from (select * from {_scan(con, root, table, changed)} anti join ({_gone(table)}) "
                       f"using ({STORED[table].keys}))")
    return sources


def _unchanged_since(table: str, touched: list[str]) -> str:
    """A condition true while every added or dropped row is in the partitions `touched`; an error once not."""
    day = STORED[table].day
    outside = f"{day} not in ({', '.join(_literal(part) for part in touched)})" if touched else "true"
    return (f"case when exists (select 1 from {table}_added where {outside} union all select 1 from {table}_dropped "
            f"where {outside}) then error('stale view of {table}: narrow it again after a change') else true end")


def _touched(con: duckdb.DuckDBPyConnection, table: str, replaced: bool) -> set[str]:
    """The partitions holding the rows a load adds to or drops from a table."""
    day = STORED[table].day
    dropped = "" if replaced else f" union select {day} from {table}_dropped"
    return {row[0] for row in con.execute(f"select distinct {day} from {table}_added{dropped}").fetchall()}


def flush(con: duckdb.DuckDBPyConnection, root: Path, version: str) -> dict:
    """Write the touched partitions as new files and the manifest naming every current file; point the
    warehouse's views at them. Returns the new manifest."""
    manifest = manifest_of(con)
    for table in TABLES:
        written = _written(con, table)
        if written is not None:
            manifest["tables"][table] = written
        elif _exists(con, f"{table}_added"):
            manifest["tables"][table] = _write_table(con, root, table, version, manifest["tables"].get(table, {}))
        con.execute(f"drop table if exists {CHANGES}.main.{table}_added")  # written; never part of the snapshot
    manifest["version"] = version
    _write_json(root / "manifests" / f"{version}.json", manifest)
    con.execute("delete from store_manifest")
    con.execute("insert into store_manifest values ($m)", {"m": json.dumps(manifest, sort_keys=True)})
    for table in TABLES:
        if table in manifest["tables"]:
            files = [f for part in manifest["tables"][table].values() for f in part]
            con.execute(f"create or replace view main.{table} as {_source(con, root, table, files)}")
    return manifest


def _write_table(con: duckdb.DuckDBPyConnection, root: Path, table: str, version: str,
                 partitions: dict[str, list[str]]) -> dict[str, list[str]]:
    """Rewrite the partitions holding added or dropped rows; return the table's new partition -> files map."""
    stored = STORED[table]
    replaced = _replaced(con, table)
    touched = _touched(con, table, replaced)
    if replaced:
        partitions = {}
    kept = {part: files for part, files in partitions.items() if part not in touched}
    old = [f for part, files in partitions.items() if part in touched for f in files]
    if not touched:
        return kept
    source = f"select * from {table}_added"
    if old and not stored.by_day:
        source = (f"select * from {_scan(con, root, table, old)} anti join ({_gone(table)}) using ({stored.keys}) "
                  f"union all {source}")
    return _copy(con, root, table, version, source, kept)


def _copy(con: duckdb.DuckDBPyConnection, root: Path, table: str, version: str, source: str,
          kept: dict[str, list[str]]) -> dict[str, list[str]]:
    """Write the rows of `source` as new files of the table's day partitions; return `kept` (partition -> files)
    with the new files added."""
    stored = STORED[table]
    folder = root / table
    partitioned = source if stored.by_day else f"select *, {stored.day} as {stored.partition} from ({source})"
    with private_umask():
        con.execute(f"copy ({partitioned}) to {_literal(folder)} "
                    f"(format parquet, compression zstd, compression_level 1, "  # level 1: docs/storage.md
                    f"partition_by ({stored.partition}), filename_pattern {_literal(version + '-{i}')}, "
                    f"overwrite_or_ignore)")
    kept = {part: list(files) for part, files in kept.items()}
    for path in folder.glob(f"{stored.partition}=*/{version}-*.parquet"):
        part = path.parent.name.split("=", 1)[1]
        kept.setdefault(part, []).append(str(path.relative_to(root)))
    return {part: sorted(files) for part, files in sorted(kept.items())}


def _written(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, list[str]] | None:
    """The partitions and files write_replaced wrote for a table in this load; None when it did not replace it."""
    row = con.execute("select partitions_json from store_written where table_name = $t", {"t": table}).fetchone()
    return json.loads(row[0]) if row else None


def manifest_of(con: duckdb.DuckDBPyConnection) -> dict:
    """The manifest the warehouse (this working copy) was built with."""
    row = con.execute("select any_value(manifest_json) from store_manifest").fetchone()
    return json.loads(row[0]) if row and row[0] else {"version": None, "tables": {}}


def publish(root: Path, version: str) -> None:
    """Make a committed version's manifest the current one (manifest.json), atomically."""
    source = root / "manifests" / f"{version}.json"
    if source.is_file():
        _write_json(root / "manifest.json", json.loads(source.read_text()))


def prune(root: Path, versions: set[str]) -> None:
    """Remove the manifests of versions no longer kept and every file none of the kept manifests names (old
    versions, and what killed loads left)."""
    named: set[Path] = set()
    for manifest in (root / "manifests").glob("*.json"):
        if manifest.stem in versions:
            tables = json.loads(manifest.read_text())["tables"]
            named |= {root / f for parts in tables.values() for files in parts.values() for f in files}
        else:
            manifest.unlink()
    for stale in (root / "manifests").glob("*.tmp"):
        stale.unlink()
    for table, stored in STORED.items():
        for path in (root / table).glob(f"{stored.partition}=*/*"):
            if path not in named:
                path.unlink()
        for folder in (root / table).glob(f"{stored.partition}=*"):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty


def _gone(table: str) -> str:
    """The keys of the stored rows a load replaces: those it dropped and those it adds again."""
    keys = STORED[table].keys
    return f"select {keys} from {table}_dropped union all select {keys} from {table}_added"


def _source(con: duckdb.DuckDBPyConnection, root: Path, table: str, files: list[str]) -> str:
    if not files:
        return f"select * from {table}_template"
    return f"select * from {_scan(con, root, table, files)}"


def _scan(con: duckdb.DuckDBPyConnection, root: Path, table: str, files: list[str]) -> str:
    """The files as a relation with the table's columns. A day-replaced table's files lack its `day`, which comes
    from their folder names (typed, so a filter on the day skips the other days' files unopened)."""
    listed = ", ".join(_literal(root / f) for f in sorted(files))
    if not STORED[table].by_day:
        return f"read_parquet([{listed}], hive_partitioning = false)"
    columns = ", ".join(f'"{name}"' for (name,) in con.execute(
        "select column_name from duckdb_columns() where table_name = $t and database_name = current_database() "
        "order by column_index", {"t": f"{table}_template"}).fetchall())
    return (f"(select {columns} from read_parquet([{listed}], hive_partitioning = true, "
            f"hive_types = {{'day': 'DATE'}}, hive_types_autocast = false))")


def _literal(path: Path | str) -> str:
    """A file path as a SQL string literal (paths come from the store's own layout; quotes doubled)."""
    return "'" + str(path).replace("'", "''") + "'"


def _table_type(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    row = con.execute("select table_type from information_schema.tables where table_schema = 'main' "
                      "and table_name = $n", {"n": name}).fetchone()
    return row[0] if row else None


def _exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return con.execute("select count(*) from duckdb_tables() where table_name = $n", {"n": name}).fetchone()[0] > 0


def _merged(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The stored tables a load changes in place: built (their template is kept), and not replaced whole by it."""
    tables = {row[0] for row in con.execute("select table_name from duckdb_tables() where not temporary").fetchall()}
    replaced = {row[0] for row in con.execute("select table_name from store_replaced").fetchall()}
    return [table for table in STORED if f"{table}_template" in tables and table not in replaced]


def _replaced(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return con.execute("select count(*) from store_replaced where table_name = $t", {"t": table}).fetchone()[0] > 0


def _write_json(path: Path, data: dict) -> None:
    """Write a JSON file atomically (a temporary file, fsynced, renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    work = path.with_name(path.name + ".tmp")
    with open(work, "w", opener=private_opener) as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(work, path)
