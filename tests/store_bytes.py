"""What the warehouse keeps on disk, for the privacy proofs' byte scans: the snapshot files and the table store's
files. A Parquet file is compressed (zstd), so a scan of its raw bytes alone could miss a value: each store file is
also given as the text of every value it holds, decoded by DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb

from etl.store import store_dir
from etl.warehouse import snapshot_dir


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
