"""Lookups for mappings: a small list the platform exports beside its records (e.g. Genesys Cloud's queue list,
id -> name), read from a file next to each source file and offered to the mapping's expressions as a named
function `lookup_<name>(key)` that returns the value for the key, or the key itself when the list lacks it (or the
file is absent), so nothing is lost: an unnamed queue keeps its id.

    [lookups.queue_name]
    file = "routing_queues.json"      # beside the source file
    records = "entities"              # JSON: the list of records in the file (omit for a top-level array / CSV)
    key = "id"
    value = "name"
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from pydantic import BaseModel, Field, field_validator

from etl.csv_reader import LoadError


class Lookup(BaseModel):
    file: str = Field(min_length=1)
    records: str | None = None
    key: str
    value: str

    @field_validator("file")
    @classmethod
    def _a_plain_file_name(cls, name: str) -> str:
        if Path(name).name != name or name in {".", ".."}:
            raise ValueError("a lookup file is a file name beside the source file, not a path")
        return name

    @field_validator("records", "key", "value")
    @classmethod
    def _field_names(cls, path: str | None) -> str | None:
        if path is not None and not all(part.isidentifier() for part in path.split(".")):
            raise ValueError(f"{path!r} is not a dotted list of field names")
        return path


def check_names(lookups: dict[str, Lookup]) -> None:
    bad = [name for name in lookups if not name.isidentifier()]
    if bad:
        raise ValueError(f"lookup names must be plain identifiers: {', '.join(bad)}")


def register(con: duckdb.DuckDBPyConnection, lookups: dict[str, Lookup], source: Path) -> None:
    """Define lookup_<name>(key) on the connection from the lookup files beside one source file."""
    for name, lookup in lookups.items():
        table = f"ck_lookup_{name}"
        path = Path(source).parent / lookup.file
        if path.is_file():
            if path.suffix.lower() == ".csv":
                reader = "read_csv($path, header = true, all_varchar = true)"
            else:
                reader = "read_json($path, format = 'auto', records = true, maximum_object_size = 67108864)"
            rows = f"(select unnest({_quoted(lookup.records)}) as r from {reader})" if lookup.records else None
            key, value = (f"r.{_quoted(lookup.key)}", f"r.{_quoted(lookup.value)}") if rows else (
                _quoted(lookup.key), _quoted(lookup.value))
            try:
                con.execute(f"create or replace temp table {table} as select ({key})::varchar as k, "
                            f"min(({value})::varchar) as v from {rows or reader} group by all", {"path": str(path)})
            except duckdb.Error as exc:
                first = str(exc).strip().splitlines()[0]
                raise LoadError(f"{path}: lookup {name} cannot be read ({first})") from None
        else:
            con.execute(f"create or replace temp table {table} (k varchar, v varchar)")
        con.execute(f"create or replace temp macro lookup_{name}(key) as "
                    f"coalesce((select v from {table} where k = key::varchar), key::varchar)")


def _quoted(dotted: str) -> str:
    return ".".join(f'"{part}"' for part in dotted.split("."))
