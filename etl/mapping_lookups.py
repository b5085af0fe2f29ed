"""Lookups for mappings: a small list the platform exports beside its records (e.g. Genesys Cloud's queue list,
id -> name), read from a file next to each source file and offered to the mapping's expressions as a named
function `lookup_<name>(key)` that returns the value for the key, or the key itself when the list lacks it (or the
file is absent), so nothing is lost: an unnamed queue keeps its id.

    [lookups.queue_name]
    file = "routing_queues.json"      # beside the source file
    records = "entities"              # JSON: the list of records in the file (omit for a top-level array / CSV)
    key = "id"
    value = "name"

A lookup may instead read the source file itself (`in_source = true`, no `file`), with the mapping's own reader:
one record can then name another record of the same delivery (Amazon Connect: the next leg's InitiationMethod,
looked up by the NextContactId the first leg carries). Only the delivery being read is seen: a record delivered in
another file is "absent", and the key comes back.

    [lookups.initiation]
    in_source = true
    key = "ContactId"
    value = "InitiationMethod"
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from pydantic import BaseModel, Field, field_validator, model_validator

from etl.csv_reader import LoadError
from etl.mapping_fields import completed


class Lookup(BaseModel):
    file: str | None = Field(None, min_length=1)
    in_source: bool = False  # the list is the source file itself, read as the mapping reads it
    records: str | None = None
    key: str
    value: str

    @field_validator("file")
    @classmethod
    def _a_plain_file_name(cls, name: str | None) -> str | None:
        if name is not None and (Path(name).name != name or name in {".", ".."}):
            raise ValueError("a lookup file is a file name beside the source file, not a path")
        return name

    @model_validator(mode="after")
    def _one_list(self) -> Lookup:
        if (self.file is None) == (not self.in_source):
            raise ValueError("a lookup reads either a file beside the source (file) or the source itself "
                             "(in_source = true), not both or neither")
        if self.in_source and self.records is not None:
            raise ValueError("records applies to a lookup file; an in_source lookup reads the source's records")
        return self

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


def register(con: duckdb.DuckDBPyConnection, lookups: dict[str, Lookup], source: Path,
             source_reader: str | None = None) -> None:
    """Define lookup_<name>(key) on the connection from the lookup files beside one source file, or from the source
    itself (read by `source_reader`, the mapping's reader over $path, or over the records already read) for an
    in_source lookup. A JSON list read like a JSON source: a record without the key or value field reads it as null,
    and a file without records (empty, `[]`, `{}`, an empty list) gives an empty lookup, so every key comes back."""
    for name, lookup in lookups.items():
        table = f"ck_lookup_{name}"
        path = Path(source) if lookup.in_source else Path(source).parent / lookup.file
        rows = None
        if path.is_file() and (source_reader or not lookup.in_source):
            try:
                rows = _rows(con, lookup, path, source_reader)
                if rows is not None:
                    sql, params = rows
                    key, value = (f"r.{_quoted(lookup.key)}", f"r.{_quoted(lookup.value)}") if lookup.records else (
                        _quoted(lookup.key), _quoted(lookup.value))
                    con.execute(f"create or replace temp table {table} as select ({key})::varchar as k, "
                                f"min(({value})::varchar) as v from {sql} group by all", params)
            except duckdb.Error as exc:
                first = str(exc).strip().splitlines()[0]
                raise LoadError(f"{path}: lookup {name} cannot be read ({first})") from None
        if rows is None:
            con.execute(f"create or replace temp table {table} (k varchar, v varchar)")
        con.execute(f"create or replace temp macro lookup_{name}(key) as "
                    f"coalesce((select v from {table} where k = key::varchar), key::varchar)")
    con.execute("drop table if exists ck_lookup_src")


def _rows(con: duckdb.DuckDBPyConnection, lookup: Lookup, path: Path,
          source_reader: str | None) -> tuple[str, dict] | None:
    """The lookup's rows (each record as `r` when the list is nested under `records`) with the parameters to bind,
    or None when a JSON list holds no records."""
    if lookup.in_source:
        return source_reader, ({"path": str(path)} if "$path" in source_reader else {})
    if path.suffix.lower() == ".csv":
        return "read_csv($path, header = true, all_varchar = true)", {"path": str(path)}
    try:
        con.execute("create or replace temp table ck_lookup_src as select * from "
                    "read_json($path, format = 'auto', records = true, maximum_object_size = 67108864)",
                    {"path": str(path)})
    except duckdb.BinderException as exc:
        if "non-record JSON" in str(exc):
            return None  # an empty file, [] or {}: no records
        raise
    fields = [tuple(lookup.key.split(".")), tuple(lookup.value.split("."))]
    if not lookup.records:
        return completed(con, "ck_lookup_src", set(fields))[0], {}
    records, _ = completed(con, "ck_lookup_src", {tuple(lookup.records.split("."))})
    rows = f"(select unnest({_quoted(lookup.records)}) as r from {records})"
    return completed(con, rows, {("r", *field) for field in fields})[0], {}


def _quoted(dotted: str) -> str:
    return ".".join(f'"{part}"' for part in dotted.split("."))
