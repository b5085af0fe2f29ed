"""The warehouse and its snapshots: readers open the current snapshot read-only, a load writes a new one.

DuckDB allows one writing process or many read-only ones, never both. So a load never writes the live snapshot:
it copies it to a working file, loads there, checkpoints, renames it to a new versioned snapshot file in
`<db>.snapshots/`, and then atomically repoints `<db>` (a symbolic link) at it. Each snapshot has its own file
name, so a long-running reader that reconnects gets the new data (DuckDB caches open databases by path), while a
reader still holding the previous snapshot keeps reading it. A load that fails or is killed leaves only a working
file behind, which the next load removes. The newest KEEP snapshots are kept. One load at a time, by a lock.

Contacts and contact facts are not in the snapshot file: they live in the table store beside it (etl/store.py), and
the snapshot holds views naming the store files of its version. The load writes the partitions it touched as new
files before the swap; after it, the store's manifest.json names the new version and what no kept snapshot names is
removed. So the snapshot copy stays small and the swap still commits everything at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

from etl import sqlfiles, store
from etl.safe_files import DIR_MODE, FILE_MODE, private_opener, private_umask

WORK_SUFFIX = ".loading"
KEEP = 2


class LoadInProgress(RuntimeError):
    pass


def snapshot_dir(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + ".snapshots")


def current_file(db_path: Path) -> Path:
    """The snapshot file the warehouse path points at now."""
    return Path(os.path.realpath(db_path))


def connect_read_only(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the current snapshot. Raises FileNotFoundError when nothing is loaded yet."""
    db_path = Path(db_path)
    if not db_path.is_file():
        raise FileNotFoundError(f"no warehouse at {db_path}: run `carekpi load DIR --db {db_path}` first")
    con = duckdb.connect(str(current_file(db_path)), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    con.execute("set parquet_metadata_cache = true")  # the table store's file footers, read once per connection
    sqlfiles.run(con, "query_macros.sql")  # the filters and scope every query applies
    return con


def cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor on a connection (one per thread: DuckDB connections are not thread-safe), with the query macros
    (temp objects belong to each cursor)."""
    cur = con.cursor()
    sqlfiles.run(cur, "query_macros.sql")
    return cur


def snapshot_id(db_path: Path) -> str:
    """Changes whenever a new snapshot is swapped in (used as a cache key by the dashboard)."""
    try:
        real = current_file(db_path)
        stat = real.stat()
    except FileNotFoundError:
        return "none"
    return f"{real.name}-{stat.st_ino}-{stat.st_mtime_ns}"


@contextlib.contextmanager
def writable_snapshot(db_path: Path, memory_limit: str | None = None,
                      on_phase: Callable[[str], None] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a working copy of the warehouse, with the stored tables attached (etl/store.py); write
    the store's touched partitions and swap it in only if the block finishes. `memory_limit` caps DuckDB's memory
    (it spills to a folder beside the snapshots beyond it); `on_phase` is told "checkpoint and swap" once the store
    files are written, and "compact" before a mostly free file is rewritten (the crash proof kills the load there)."""
    db_path = Path(db_path)
    snapshots = snapshot_dir(db_path)
    snapshots.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    root = store.store_dir(db_path)
    root.mkdir(exist_ok=True, mode=DIR_MODE)
    with open(db_path.with_name(db_path.name + ".lock"), "w", opener=private_opener) as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise LoadInProgress(f"another load is writing {db_path}; try again when it has finished") from exc
        for stale in snapshots.glob(f"*{WORK_SUFFIX}*"):
            stale.unlink()
        target = snapshots / f"{db_path.stem}-{time.time_ns()}.duckdb"
        work = target.with_name(target.name + WORK_SUFFIX)
        changes = work.with_name(work.name + ".changes")  # the load's changes to the table store (etl/store.py)
        if db_path.exists():
            shutil.copyfile(current_file(db_path), work)
        config = {"memory_limit": memory_limit, "temp_directory": str(snapshots / "spill")} if memory_limit else {}
        con = duckdb.connect(str(work), config=config)
        os.chmod(work, FILE_MODE)  # owner-only, whatever the umask (etl/safe_files.py)
        try:
            con.execute("set TimeZone = 'UTC'")
            sqlfiles.run(con, "schema.sql")
            sqlfiles.run(con, "query_macros.sql")
            store.attach(con, root, target.stem, changes)
            store.publish(root, store.manifest_of(con)["version"])  # in case a load was killed right after its swap
            _upgrade_durations(con)
            yield con
            store.flush(con, root, target.stem)
            (on_phase or _no_phase)("checkpoint and swap")
            store.detach_changes(con)
            _remove(changes)
            con.execute("checkpoint")
            mostly_free = _mostly_free(con)
            con.close()
            if mostly_free:
                (on_phase or _no_phase)("compact")
                _compact(work)
            _fsync(work)
            os.replace(work, target)
            _point(db_path, target)
        except BaseException:
            con.close()
            _remove(work)
            _remove(changes)
            raise
        store.publish(root, target.stem)
        _prune(snapshots, keep=current_file(db_path))
        store.prune(root, {path.stem for path in snapshots.glob("*.duckdb")})


def _no_phase(phase: str) -> None:
    return None


def _mostly_free(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether more than half of the working file's blocks are free. DuckDB reuses freed blocks but never shrinks
    its file, and each load copies the whole file: a warehouse whose hourly marts moved to the table store would
    otherwise copy them as free space at every load."""
    total, free = con.execute("select total_blocks, free_blocks from pragma_database_size() "
                              "where database_name = current_database()").fetchone()
    return free * 2 > total


def _compact(work: Path) -> None:
    """Rewrite the working file without its free blocks (every table, view and value copied; nothing else changes)."""
    fresh = work.with_name(work.name + ".compact")  # removed with the working files if the load dies here
    _remove(fresh)
    con = duckdb.connect()
    try:
        con.execute("attach $path as old (read_only)", {"path": str(work)})
        with private_umask():  # owner-only from the start (etl/safe_files.py)
            con.execute("attach $path as fresh", {"path": str(fresh)})
        con.execute("copy from database old to fresh")
        con.execute("detach fresh")
    finally:
        con.close()
    os.replace(fresh, work)


# Durations in seconds are kept to the millisecond (issue 11); contacts stored as whole seconds by an earlier
# version are upgraded once, values unchanged (12 becomes 12.000), in the load's own swap (etl/store.py).
DURATION_COLUMNS = ("hold_seconds", "acw_seconds", "talk_seconds")
DURATION_TYPE = "DECIMAL(18,3)"


def _upgrade_durations(con: duckdb.DuckDBPyConnection) -> None:
    """Stored contacts with whole-second durations (before issue 11) rewritten once with DECIMAL(18,3) columns."""
    old = [column for (column,) in con.execute(
        "select column_name from duckdb_columns() where table_name = 'contacts_template' and schema_name = 'main' "
        "and column_name in $columns and data_type <> $type",
        {"columns": list(DURATION_COLUMNS), "type": DURATION_TYPE}).fetchall()]
    if not old:
        return
    casts = ", ".join(f"{column}::{DURATION_TYPE} as {column}" for column in old)  # fixed names
    con.execute(f"create or replace temp table upgraded_contacts as select * replace ({casts}) from contacts")
    store.replace(con, "contacts", "upgraded_contacts")


def _point(db_path: Path, target: Path) -> None:
    """Atomically make db_path a symbolic link to target (relative, so the folder can move)."""
    link = db_path.with_name(db_path.name + ".link")
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    link.symlink_to(os.path.relpath(target, db_path.parent))
    os.replace(link, db_path)
    _fsync(db_path.parent)


def _prune(snapshots: Path, keep: Path) -> None:
    """Remove all but the newest KEEP snapshots (a reader holding a removed one keeps its open file)."""
    files = sorted(snapshots.glob("*.duckdb"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in files[KEEP:]:
        if old != keep:
            _remove(old)


def _remove(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            candidate.unlink()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

