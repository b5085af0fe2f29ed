"""What the warehouse keeps on disk, for the privacy proofs' byte scans: the snapshot files and the table store's
files. A Parquet file is compressed (zstd), so a scan of its raw bytes alone could miss a value: each store file is
also given as the text of every value it holds, decoded by DuckDB. Also a snapshot inflated as an old layout's was,
for the proofs of its rewrite."""

from __future__ import annotations

from pathlib import Path

import duckdb

from etl.store import store_dir
from etl.warehouse import current_file, snapshot_dir


def stored_bytes(db: Path) -> dict[Path, bytes]:
    """Every file of the warehouse with its bytes (for store Parquet files: raw bytes and decoded values)."""
    files = [p for p in [Path(db), *snapshot_dir(db).rglob("*"), *store_dir(db).rglob("*")] if p.is_file()]
    assert any(p.suffix == ".parquet" for p in files)
    con = duckdb.connect()
    try:
        out = {}
        for path in files:
            data = path.read_bytes()
            if path.suffix == ".parquet":
                rows = con.execute("select * from read_parquet($p)", {"p": str(path)}).fetchall()
                data += "\n".join(map(str, rows)).encode()
            out[path] = data
        return out
    finally:
        con.close()


def inflate_snapshot(db: Path) -> int:
    """Give the current snapshot a 2-million-row hourly mart table, as before layout 5 (the next load drops it, which
    leaves most of the file free); return the snapshot's size in bytes."""
    snapshot = current_file(db)
    con = duckdb.connect(str(snapshot))
    try:
        con.execute("drop view kpi_grain_hourly")
        con.execute("create table kpi_grain_hourly as select range as filler, random() as noise from range(2000000)")
        con.execute("checkpoint")
    finally:
        con.close()
    return snapshot.stat().st_size
