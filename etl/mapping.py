"""Column mappings: load what a telephony or chat platform exports, described in TOML, without writing Python.

A mapping names the contract table it feeds, how to read the source with DuckDB's own readers (CSV options, or
JSON / JSON lines), the source time zone, and for each contract column a DuckDB SQL expression over the source's
columns. Optional rules quarantine rows by a SQL condition with a reason. The mapped rows then go through every
rule of the core (staging, quarantine, merge). The expressions are configuration written by whoever runs the
load, like a dbt model: they are checked against each source before anything is loaded, and a missing column or
an invalid expression is reported with the column and the expression named. Data values are never formatted into
SQL: the source path is a bound parameter.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Literal

import duckdb
from pydantic import BaseModel, Field, ValidationError, model_validator

from etl import sqlfiles
from etl.contract import SPEC_BY_FILE, FileSpec
from etl.csv_reader import LoadError, RejectedLine
from etl.mapping_lookups import Lookup, check_names, register
from etl.privacy import scrub

TABLE_FILES = {"calls": "calls.csv", "chats": "chats.csv", "surveys": "surveys.csv",
               "qa_evaluations": "qa_evaluations.csv", "agents": "agents.csv", "queues": "queues.csv"}


class Source(BaseModel):
    format: Literal["csv", "json", "jsonl"] = "csv"
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
    when: str  # a SQL condition over the source's columns
    reason: str = Field(min_length=3)


class Mapping(BaseModel):
    name: str = ""
    table: Literal["calls", "chats", "surveys", "qa_evaluations", "agents", "queues"]
    timezone: str | None = None
    source: Source = Field(default_factory=Source)
    columns: dict[str, str]
    rules: list[Rule] = Field(default_factory=list)
    lookups: dict[str, Lookup] = Field(default_factory=dict)

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


def _reader_sql(mapping: Mapping) -> str:
    """The DuckDB table function that reads one source file ($path), every column as text where it can."""
    s = mapping.source
    if s.format == "csv":
        # options are the mapping's own configuration, quoted as SQL string literals
        options = {"delim": s.delimiter, "quote": s.quote, "escape": s.escape, "encoding": s.encoding}
        literal = ", ".join(f"{k} = '{v.replace(chr(39), chr(39) * 2)}'" for k, v in options.items())
        return (f"read_csv($path, header = {str(s.header).lower()}, skip = {int(s.skip)}, all_varchar = true, "
                f"{literal}, store_rejects = true, rejects_table = 'ck_reject_errors', "
                f"rejects_scan = 'ck_reject_scans')")
    fmt = "newline_delimited" if s.format == "jsonl" else "array"
    if s.unnest and s.format == "json":
        fmt = "auto"  # an API page is one object holding the array (e.g. {"conversations": [...]})
    return _unnested(s, f"read_json($path, format = '{fmt}', records = true, maximum_object_size = 67108864)")


def _unnested(s: Source, reader: str) -> str:
    """The reader with one row per element of each [source] unnest path, the element in a column named after the
    path's last part (replacing a top-level list of the same name), filtered by [source] keep."""
    sql = f"select * from {reader}"
    for path in s.unnest:
        parts = path.split(".")
        column, source = f'"{parts[-1]}"', ".".join(f'"{part}"' for part in parts)
        sql = (f"select * replace (unnest({source}) as {column}) from ({sql})" if len(parts) == 1
               else f"select *, unnest({source}) as {column} from ({sql})")
    return f"({sql}) where ({s.keep})" if s.keep else f"({sql})"


def check(mapping: Mapping, sources: list[Path]) -> None:
    """Fail before loading when a source is missing, or a column or expression of the mapping does not work."""
    con = duckdb.connect()
    try:
        sqlfiles.run(con, "mapping_macros.sql")
        for path in sources:
            if not Path(path).is_file():
                raise LoadError(f"{path}: no such file")
            register(con, mapping.lookups, path)
            try:
                con.execute(f"create or replace temp table source_rows as select * from {_reader_sql(mapping)} "
                            "limit 1000", {"path": str(path)})
            except duckdb.Error as exc:
                raise LoadError(f"{path}: cannot be read as {mapping.source.format} ({_first_line(exc)})") from None
            for column, expression in mapping.columns.items():
                _probe(con, path, f"column {column}", expression)
            for rule in mapping.rules:
                _probe(con, path, "rule", rule.when)
    finally:
        con.close()


def _probe(con: duckdb.DuckDBPyConnection, path: Path, what: str, expression: str) -> None:
    try:
        con.execute(f"select ({expression}) from source_rows limit 0")  # the mapping's own expression
    except duckdb.Error as exc:
        raise LoadError(f"{path}: {what}: expression {expression!r} does not work here: {_first_line(exc)}") from None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]


def read_mapped(con: duckdb.DuckDBPyConnection, mapping: Mapping, path: Path) -> list[RejectedLine]:
    """Fill temp table raw_input (rec_no, line_no, every contract column as text, _raw_text, _rule_reason) from one
    source through the mapping; return the lines the reader could not parse."""
    con.execute("drop table if exists ck_reject_errors")
    con.execute("drop table if exists ck_reject_scans")
    sqlfiles.run(con, "mapping_macros.sql")
    register(con, mapping.lookups, path)
    con.execute("create or replace temp table source_rows as select row_number() over () as rec_no, * from "
                + _reader_sql(mapping), {"path": str(path)})
    columns = [f"({mapping.columns[c]})::varchar as \"{c}\"" if c in mapping.columns else f'null::varchar as "{c}"'
               for c in mapping.spec.columns]
    rules = " ".join(f"when ({rule.when}) then '{rule.reason.replace(chr(39), chr(39) * 2)}'"
                     for rule in mapping.rules)
    line_offset = 1 + mapping.source.skip if mapping.source.format == "csv" and mapping.source.header else 0
    con.execute(
        "create or replace temp table raw_input as select rec_no, rec_no + $offset as line_no, "
        + ", ".join(columns)
        + ", to_json(source_rows)::varchar as _raw_text, "
        + (f"case {rules} end" if rules else "null::varchar") + " as _rule_reason from source_rows",
        {"offset": line_offset})
    rejected = []
    if mapping.source.format == "csv":
        for line, error_type, text in con.execute(
                "select line, any_value(error_type), any_value(csv_line) from ck_reject_errors group by line "
                "order by line").fetchall():
            rejected.append(RejectedLine(int(line), f"unreadable row ({error_type.lower()})", scrub(text or "")))
    return rejected
