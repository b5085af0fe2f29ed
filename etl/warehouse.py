"""The warehouse file and its snapshots: readers open it read-only, a load writes a copy and swaps it in.

DuckDB allows one writing process or many read-only ones, never both. So a load never writes the live file: it
copies it to a working file beside it, loads there, checkpoints, and renames the working file over the live one
(an atomic rename on POSIX). A reader keeps the snapshot it opened until it reconnects; a load that fails or is
killed leaves only a working file behind, which the next load removes. One load at a time, by an exclusive lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb

from etl import sqlfiles

WORK_SUFFIX = ".loading"


class LoadInProgress(RuntimeError):
    pass


def connect_read_only(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the current snapshot. Raises FileNotFoundError when nothing is loaded yet."""
    db_path = Path(db_path)
    if not db_path.is_file():
        raise FileNotFoundError(f"no warehouse at {db_path}: run `carekpi load DIR --db {db_path}` first")
    con = duckdb.connect(str(db_path), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    return con


def snapshot_id(db_path: Path) -> str:
    """Changes whenever a new snapshot is swapped in (used as a cache key by the dashboard)."""
    try:
        stat = Path(db_path).stat()
    except FileNotFoundError:
        return "none"
    return f"{stat.st_ino}-{stat.st_mtime_ns}-{stat.st_size}"


@contextlib.contextmanager
def writable_snapshot(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a working copy of the warehouse; swap it in only if the block finishes."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = db_path.with_name(db_path.name + ".lock")
    with open(lock_path, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise LoadInProgress(f"another load is writing {db_path}; try again when it has finished") from exc
        work = db_path.with_name(db_path.name + WORK_SUFFIX)
        _remove(work)
        if db_path.exists():
            shutil.copyfile(db_path, work)
        con = duckdb.connect(str(work))
        try:
            con.execute("set TimeZone = 'UTC'")
            sqlfiles.run(con, "schema.sql")
            yield con
            con.execute("checkpoint")
            con.close()
            _fsync(work)
            os.replace(work, db_path)
            _fsync(db_path.parent)
        except BaseException:
            con.close()
            _remove(work)
            raise


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

