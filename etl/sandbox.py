"""A loader connection that can touch nothing but its own files: DuckDB's external access off (no file or network
access beyond the listed source files and the spill folder), extension autoloading and autoinstalling off, and the
configuration locked so no statement can switch any of it back on.

Used by every load (etl/load.py) and by the mapping check (etl/mapping.py), once the connection is set up and
before any SQL a mapping influences runs. Mapping expressions are allow-listed first (etl/mapping_guard.py); this
is the second wall.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb


def lock_down(con: duckdb.DuckDBPyConnection, sources: Iterable[Path], folders: Iterable[Path] = ()) -> None:
    """Allow reading only `sources` (and `folders`, e.g. the spill folder), then lock the configuration."""
    paths = [str(Path(p).resolve()) for p in sources]
    dirs = [str(Path(d).resolve()) + "/" for d in folders]
    con.execute("set allowed_paths = $paths", {"paths": paths})
    con.execute("set allowed_directories = $dirs", {"dirs": dirs})
    con.execute("set enable_external_access = false")
    con.execute("set autoload_known_extensions = false")
    con.execute("set autoinstall_known_extensions = false")
    con.execute("set lock_configuration = true")


def readable(sources: Iterable[Path], mapping=None) -> list[Path]:
    """The files a load may read: the sources and, with a mapping, the lookup files beside each source."""
    sources = [Path(p) for p in sources]
    lookups = list(mapping.lookups.values()) if mapping is not None else []
    return sources + [source.parent / lookup.file for source in sources for lookup in lookups if lookup.file]
