"""Column mappings: load what a telephony or chat platform exports, described in TOML, without writing Python.

A mapping names the contract table it feeds, how to read the source with DuckDB's own readers (CSV options, or
JSON: an array, JSON lines or records concatenated with no delimiter as Kinesis Firehose writes them; any of them
gzipped), the source time zone, reusable named values (`[let]`), and for each contract column a DuckDB SQL
expression over the source's columns (or a list of them: a composite id). A JSON key the mapping reads that no
record holds reads as null, exactly as a null key would (etl/mapping_fields.py); a JSON file without records
loads none. Optional rules quarantine rows by a SQL condition with a reason; `[dedupe]` keeps the newest copy of a
contact by the vendor's update time, within a delivery and across deliveries; `clock_skew_seconds` tolerates clocks
that disagree by a second or two; `unknown_agent` keeps an answered contact whose agent is not known under a
placeholder id. docs/mappings.md explains each. The mapped rows then go through every rule of the core (staging,
quarantine, merge). The expressions are configuration written by whoever runs the load, like a dbt model: they
are checked against each source before anything is loaded, and a missing CSV column or an invalid expression is
reported with the column and the expression named. Data values are never formatted into SQL: the source path is a
bound parameter.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import duckdb
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from etl import mapping_guard, sqlfiles
from etl.contract import SPEC_BY_FILE, FileSpec
from etl.csv_reader import LoadError, RejectedLine
from etl.mapping_lookups import Lookup, check_names, register
from etl.mapping_fields import completed, referenced
from etl.mapping_sql import (RAW, SRC, compression, json_reader, kept, no_values_sql, quoted, raw_input_sql, reader,
                             scope_sql, tolerated_sql, unnest_step, values_sql)
from etl.privacy import scrub, scrub_message
from etl.sandbox import lock_down, readable

TABLE_FILES = {"calls": "calls.csv", "chats": "chats.csv", "surveys": "surveys.csv",
               "qa_evaluations": "qa_evaluations.csv", "agents": "agents.csv", "queues": "queues.csv"}


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error, not ignored
    format: Literal["csv", "json", "jsonl"] = "csv"  # jsonl: JSON lines or Firehose's concatenated records
    delimiter: str = ","
    quote: str = '"'
    escape: str = '"'
    header: bool = True
    encoding: Literal["utf-8", "utf-16", "latin-1"] = "utf-8"
    skip: int = Field(0, ge=0)
    # JSON only: one output row per element of nested arrays, outermost first. Each entry is a list-valued path
    # over the row so far (e.g. "conversations", "conversations.participants", "participants.sessions"); the
    # element is kept as a column named after the path's last part, so expressions read `sessions.mediaType`.
    unnest: list[str] = Field(default_factory=list)
    # with unnest: a condition choosing which elements are contact rows (e.g. only the agent and queue sessions
    # of a conversation); the others are not records of this table and are not read
    keep: str | None = None
    # top-level fields some exports of the platform have and others lack (a report's optional column): when the
    # source lacks one it reads as NULL text instead of failing the load
    optional: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unnest_paths(self) -> Source:
        if self.unnest and self.format == "csv":
            raise ValueError("unnest applies to JSON sources only")
        if self.keep is not None and not self.unnest:
            raise ValueError("keep applies with unnest only")
        for path in self.unnest:
            if not all(part.isidentifier() for part in path.split(".")):
                raise ValueError(f"unnest path {path!r} is not a dotted list of field names")
        return self


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error, not ignored
    when: str  # a SQL condition over the source's columns
    reason: str = Field(min_length=3)


class Dedupe(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error, not ignored
    version: str  # an expression giving the vendor's update time of the record (a timestamp): the newest copy wins


NAME = r"^[A-Za-z][A-Za-z0-9_]*$"  # a plain identifier, usable unquoted


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt key is an error, not ignored
    name: str = ""
    table: Literal["calls", "chats", "surveys", "qa_evaluations", "agents", "queues"]
    timezone: str | None = None
    source: Source = Field(default_factory=Source)
    let: dict[Annotated[str, StringConstraints(pattern=NAME)], str] = Field(default_factory=dict)
    columns: dict[str, str | Annotated[list[str], Field(min_length=2)]]
    rules: list[Rule] = Field(default_factory=list)
    dedupe: Dedupe | None = None
    clock_skew_seconds: float = Field(0, ge=0, le=300)
    unknown_agent: str | None = Field(None, min_length=1)
    lookups: dict[str, Lookup] = Field(default_factory=dict)

    def expressions(self) -> list[tuple[str, str]]:
        """Every SQL expression the mapping's author wrote, named by where it stands (for checks and errors)."""
        found = [(f"let {name}", e) for name, e in self.let.items()]
        for column, value in self.columns.items():
            found += [(f"column {column}", e) for e in (value if isinstance(value, list) else [value])]
        found += [("rule", rule.when) for rule in self.rules]
        found += [("keep", self.source.keep)] if self.source.keep else []
        return found + ([("dedupe version", self.dedupe.version)] if self.dedupe else [])

    @property
    def spec(self) -> FileSpec:
        return SPEC_BY_FILE[TABLE_FILES[self.table]]

    @model_validator(mode="after")
    def _columns_are_the_contracts(self) -> Mapping:
        spec = SPEC_BY_FILE[TABLE_FILES[self.table]]
        unknown = sorted(set(self.columns) - set(spec.columns))
        if unknown:
            raise ValueError(f"columns not in the {self.table} contract: {', '.join(unknown)}")
        missing = [c for c in spec.required if c not in self.columns]
        if missing:
            raise ValueError(f"no expression for required {self.table} column(s): {', '.join(missing)}")
        check_names(self.lookups)
        return self

    @model_validator(mode="after")
    def _expressions_are_data(self) -> Mapping:
        """Every expression parsed and allow-listed (etl/mapping_guard.py); the canonical text replaces it."""
        return mapping_guard.guard(self)


def builtin_names() -> list[str]:
    return sorted(p.name.removesuffix(".toml") for p in (resources.files("etl") / "mappings").iterdir()
                  if p.name.endswith(".toml"))


def load_mapping(reference: str | Path) -> Mapping:
    """A mapping from a TOML file, or a built-in one by name (see builtin_names())."""
    path = Path(reference)
    if path.is_file():
        text = path.read_text(encoding="utf-8")
    elif str(reference) in builtin_names():
        text = (resources.files("etl") / "mappings" / f"{reference}.toml").read_text(encoding="utf-8")
    else:
        raise LoadError(f"{reference}: no such mapping file (built-in mappings: {', '.join(builtin_names())})")
    try:
        return Mapping(name=str(reference), **tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise LoadError(f"{reference}: not valid TOML ({exc})") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'mapping'}: {e['msg']}" for e in exc.errors())
        raise LoadError(f"{reference}: {problems}") from None


VERSIONS = ("create table if not exists mapping_versions (dedupe_key varchar primary key, version timestamptz)")


class EmptySource(LoadError):
    """A JSON source that holds no records: an empty file, `[]`, or an API page whose list of records (its first
    `unnest` path) is empty or absent (Genesys answers a query with no results with {"totalHits": 0})."""


def _json_records(con: duckdb.DuckDBPyConnection, mapping: Mapping, path: Path) -> None:
    """Temp table ck_records: the JSON source's records as DuckDB reads them. Raise EmptySource when it holds none,
    LoadError (one line) when its records are not objects with fields."""
    params = {"path": str(path)}
    try:
        con.execute(f"create or replace temp table ck_records as select * from {json_reader(mapping, path)}", params)
    except duckdb.BinderException as exc:
        if "non-record JSON" not in str(exc):
            raise
        objects = (f"read_json_objects($path, format = 'auto', compression = '{compression(path)}', "
                   "maximum_object_size = 67108864)")
        n, empty = con.execute(f"select count(*), count(*) filter (json::varchar = '{{}}') from {objects}",
                               params).fetchone()
        if n == 0:
            raise EmptySource(f"{path}: holds no records (the file is empty or an empty list)") from None
        if n == empty and mapping.source.unnest:
            raise EmptySource(f"{path}: holds no records (its {_top(mapping)} list is empty or absent)") from None
        if n == empty:
            raise LoadError(f"{path}: its {n} record(s) are all empty objects ({{}}), with no field to map") from None
        raise LoadError(f"{path}: cannot be read as {mapping.source.format} (its records are not JSON objects)") from None
    if mapping.source.format == "json" and mapping.source.unnest:
        top = _top(mapping)
        names = {name.lower() for name in con.sql("select * from ck_records").columns}
        if top.lower() not in names or con.execute(
                f"select coalesce(sum(len({quoted(top)})), 0) from ck_records").fetchone()[0] == 0:
            raise EmptySource(f"{path}: holds no records (its {top} list is empty or absent)")


def _top(mapping: Mapping) -> str:
    return mapping.source.unnest[0].split(".")[0]


def _json_source_sql(con: duckdb.DuckDBPyConnection, mapping: Mapping) -> tuple[str, list[str]]:
    """The records of ck_records unnested, with the raw record as JSON, every field the mapping reads present
    (etl/mapping_fields.py: absent = null) and [source] keep applied; with the fields supplied as empty."""
    wanted = referenced(mapping)
    sql, supplied = "ck_records", []
    for step in mapping.source.unnest:
        sql, added = completed(con, sql, {tuple(step.split("."))})  # a list no record holds unnests to no rows
        sql, supplied = unnest_step(sql, step), supplied + added
    sql = f"(select to_json(r)::varchar as {RAW}, * from {sql} r)"
    sql, added = completed(con, sql, wanted)
    return kept(mapping.source, sql), sorted(set(supplied + added))


def open_source(con: duckdb.DuckDBPyConnection, mapping: Mapping, path: Path, limit: int | None = None) -> list[str]:
    """Temp table source_rows: the source file's records (the first `limit` only, when given), numbered from 1,
    each with its raw text. Return the fields the mapping reads that no record of a JSON source holds (read as
    empty, exactly like a field that is null in every record). Raise EmptySource for a JSON source without records."""
    sqlfiles.run(con, "mapping_macros.sql")  # named functions expressions may call
    if mapping.source.format == "csv":
        sql, supplied, params = f"(select to_json(r)::varchar as {RAW}, * from {reader(mapping, path)} r)", [], {
            "path": str(path)}
    else:
        _json_records(con, mapping, path)
        (sql, supplied), params = _json_source_sql(con, mapping), {}
    register(con, mapping.lookups, path, sql)  # lookup_<name>() from the lists beside the source (or the source)
    cap = f" limit {int(limit)}" if limit is not None else ""
    con.execute(f"create or replace temp table source_rows as select row_number() over () as {SRC}, * "
                f"from {sql}{cap}", params)
    con.execute("drop table if exists ck_records")

    def columns() -> set[str]:  # DuckDB names are case-insensitive: Transfers hides TRANSFERS
        return {name.lower() for (name,) in con.execute("select column_name from (describe source_rows)").fetchall()}

    for name in mapping.source.optional:
        if name.lower() not in columns():
            con.execute(f"alter table source_rows add column {quoted(name)} varchar")  # the mapping's own text
    lowered = columns()
    clashes = sorted(name for name in mapping.let if name.lower() in lowered)
    if clashes:
        raise LoadError(f"{path}: [let] names that are also source columns: {', '.join(clashes)} "
                        "(choose other names)")
    return supplied


def check(mapping: Mapping, sources: list[Path]) -> None:
    """Fail before loading when a source is missing, or a column or expression of the mapping does not work."""
    con = duckdb.connect()
    lock_down(con, readable(sources, mapping))
    try:
        for path in sources:
            if not Path(path).is_file():
                raise LoadError(f"{path}: no such file")
            try:
                open_source(con, mapping, path, limit=1000)
            except EmptySource:
                continue  # nothing to try the expressions on; the load reads it as no records
            except duckdb.Error as exc:
                raise LoadError(f"{path}: cannot be read as {mapping.source.format} ({_first_line(exc)})") from None
            _probe_all(con, mapping, path)
    finally:
        con.close()


def _probe_all(con: duckdb.DuckDBPyConnection, mapping: Mapping, path: Path) -> None:
    """Try each expression where it stands (after the lets before it), then the whole mapping together."""
    names = list(mapping.let)
    for what, expression in mapping.expressions():
        before = names.index(what[4:]) if what.startswith("let ") else None
        try:
            con.execute(f"select ({expression}) from ({scope_sql(mapping, before)}) limit 0")  # the author's own
        except duckdb.Error as exc:
            raise LoadError(
                f"{path}: {what}: expression {expression!r} does not work here: {_first_line(exc)}") from None
    try:
        con.execute(f"select * from ({tolerated_sql(mapping, values_sql(mapping))}) limit 0")
    except duckdb.Error as exc:
        raise LoadError(f"{path}: the mapping's expressions do not work together: {_first_line(exc)}") from None


def _first_line(exc: Exception) -> str:
    return scrub_message(str(exc).strip().splitlines()[0])  # DuckDB quotes the values it fails on


def read_mapped(con: duckdb.DuckDBPyConnection, mapping: Mapping, path: Path,
                limit: int | None = None) -> tuple[list[RejectedLine], list[str]]:
    """Fill temp table raw_input (rec_no, line_no, every contract column as text, _raw_text, _rule_reason,
    _dedupe_key, _version) from one source (its first `limit` records only, when given) through the mapping;
    return the lines the reader could not parse, and notes for the load report (a source without records; the
    fields no record holds, read as empty)."""
    con.execute("drop table if exists ck_reject_errors")
    con.execute("drop table if exists ck_reject_scans")
    con.execute(VERSIONS)
    try:
        supplied = open_source(con, mapping, path, limit)
        mapped = tolerated_sql(mapping, values_sql(mapping))
        notes = [f"fields no record holds, read as empty: {', '.join(supplied)}"] if supplied else []
    except EmptySource as exc:
        mapped = no_values_sql(mapping)  # an empty file or an API page without records: read as none
        notes = [str(exc).removeprefix(f"{path}: ")]
    con.execute("create or replace temp table mapped_rows as " + mapped)
    line_offset = 1 + mapping.source.skip if mapping.source.format == "csv" and mapping.source.header else 0
    con.execute("create or replace temp table raw_input as " + raw_input_sql(mapping, line_offset))
    con.execute("drop table mapped_rows")
    rejected = []
    if mapping.source.format == "csv":
        for line, error_type, text in con.execute(
                "select line, any_value(error_type), any_value(csv_line) from ck_reject_errors group by line "
                "order by line").fetchall():
            rejected.append(RejectedLine(int(line), f"unreadable row ({error_type.lower()})", scrub(text or "")))
    return rejected, notes
