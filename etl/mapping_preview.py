"""`carekpi mapping preview`: try a mapping on the first records of a source file, writing nothing.

It shows the columns the reader found (names and types, never values), the first values of each `[let]` value and
contract column as the mapping computes them, and the records the load would quarantine, with the reason. Patient
references are never shown: the patient_ref column is summarised as a count, a `[let]` value is shown only when it
is a number, flag or time (text and nested values are summarised as a count), any value equal to a patient
reference of the previewed records is masked, and every value and reason passes the same identifier scrubber the
load uses for free text. Everything happens in an in-memory DuckDB database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from pydantic import SecretStr

from etl import sqlfiles
from etl.csv_reader import LoadError
from etl.mapping import Mapping, check, load_mapping, open_source, read_mapped
from etl.mapping_sql import RAW, SRC, scope_sql, tolerated_sql, values_sql
from etl.privacy import FREE_TEXT, MASK, scrub
from etl.sandbox import lock_down, readable
from etl.settings import Settings, load_settings
from etl.staging import stage

SHOWN = 5  # values shown per expression
# [let] values are shown only when they cannot hold free text (a name, a message): numbers, flags and times. The
# load never stores a let, so a textual or nested one (a visitor's name, a chat history) is summarised instead.
PLAIN = ("BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
         "UBIGINT", "FLOAT", "DOUBLE", "DECIMAL", "DATE", "TIME", "TIMESTAMP", "INTERVAL")
WIDTH = 40  # characters shown per value


@dataclass
class Preview:
    mapping: str
    table: str
    source: str
    records: int
    columns: list[tuple[str, str]]  # (name, type) of the source
    values: list[tuple[str, str, list[str]]]  # (what, expression, first values, masked)
    quarantined: list[tuple[int, str]] = field(default_factory=list)  # (line or record number, reason)
    unit: str = "record"  # what the numbers count: CSV lines or JSON records
    absent: list[str] = field(default_factory=list)  # fields the mapping reads that no record holds (read as empty)


def preview(mapping: Mapping, source: Path, settings: Settings, rows: int = 20) -> Preview:
    """The mapping tried on the first `rows` records of `source`, in memory."""
    check(mapping, [source])
    con = duckdb.connect()
    lock_down(con, readable([source], mapping))
    try:
        absent = open_source(con, mapping, source, limit=rows)
        columns = [(name, kind) for name, kind in con.execute(
            f"select column_name, column_type from (describe source_rows) where column_name not in ('{SRC}', '{RAW}')"
        ).fetchall() if name not in absent]
        lets = _first(con, scope_sql(mapping))  # as text, as the load reads them
        mapped = _first(con, tolerated_sql(mapping, values_sql(mapping)))
        patients = _patients(con, mapping)
        kinds = dict(con.execute(f"select column_name, column_type from (describe ({scope_sql(mapping)}))").fetchall())
        values = [(f"let {name}", expr, _shown(lets[name], patients) if kinds[name].startswith(PLAIN)
                   else [f"({kinds[name].split('(')[0].lower()}: {_present(lets[name])}, never shown)"])
                  for name, expr in mapping.let.items()]
        for column, expr in mapping.columns.items():
            text = "[" + ", ".join(expr) + "]" if isinstance(expr, list) else expr
            if column == "patient_ref":
                values.append((column, text, [f"{MASK} ({_present(mapped[column])}, never shown)"]))
            else:
                values.append((column, text, _shown(mapped[column], patients, column in FREE_TEXT)))
        records = con.execute("select count(*) from source_rows").fetchone()[0]
        quarantined = _quarantined(con, mapping, source, settings, rows, patients)
    except duckdb.Error as exc:
        raise LoadError(f"{source}: {str(exc).strip().splitlines()[0]}") from None
    finally:
        con.close()
    unit = "line" if mapping.source.format == "csv" else "record"
    return Preview(mapping.name, mapping.table, str(source), records, columns, values, quarantined, unit, absent)


_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?")


def _present(values: list) -> str:
    return f"{sum(value is not None for value in values)} of {len(values)} present"


def _first(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, list]:
    cursor = con.execute(f"select columns(*)::varchar from ({sql}) order by {SRC} limit {SHOWN}")
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    return {name: [row[i] for row in rows] for i, name in enumerate(names)}


def _patients(con: duckdb.DuckDBPyConnection, mapping: Mapping) -> set[str]:
    if "patient_ref" not in mapping.columns:
        return set()
    found = con.execute(f"select distinct trim(patient_ref::varchar) from ({values_sql(mapping)}) "
                        "where patient_ref is not null").fetchall()
    return {value.lower() for (value,) in found if value}


def _safe(text: str, patients: set[str], free_text: bool = False) -> str:
    """A value or reason fit to print: masked whole when it is (or, for free text, contains) a patient reference
    of the previewed records, and scrubbed of identifier-like text either way."""
    lowered = text.lower()
    if lowered.strip() in patients or (free_text and any(p in lowered for p in patients if len(p) >= 4)):
        return MASK
    return scrub(text)


def _shown(values: list, patients: set[str], free_text: bool = False) -> list[str]:
    shown = []
    for value in values:
        if value is None:
            shown.append("∅")
            continue
        # a timestamp is shown as it is (the scrubber masks dates in text: a bare date can be a date of birth)
        text = str(value) if _TIMESTAMP.fullmatch(str(value)) else _safe(str(value), patients, free_text)
        shown.append(text if len(text) <= WIDTH else text[:WIDTH - 1] + "…")
    return shown


def _quarantined(con: duckdb.DuckDBPyConnection, mapping: Mapping, source: Path, settings: Settings, rows: int,
                 patients: set[str]) -> list[tuple[int, str]]:
    """The records of the preview the load would quarantine: the reader's, the mapping's rules and the core's
    checks, run on an empty in-memory warehouse (so nothing is compared with stored data)."""
    from etl.load import load_parameters  # the load's own steps; imported late (load imports mapping)

    sqlfiles.run(con, "schema.sql")
    sqlfiles.run(con, "schema_contacts.sql")  # the contacts table the staging checks read (the table store's template)
    sqlfiles.run(con, "macros.sql")
    rejected, _ = read_mapped(con, mapping, source, limit=rows)
    params = load_parameters(settings, mapping, dt.datetime.now(dt.UTC).replace(tzinfo=None))
    stage(con, mapping.spec, {**params, "load_id": 0}, mapped=True)
    found = [(r.line_no, r.reason) for r in rejected]
    found += con.execute("select line_no, error from staged where error is not null order by line_no").fetchall()
    return [(int(line), _safe(reason, patients, free_text=True)) for line, reason in sorted(found)]


def format_preview(p: Preview) -> str:
    lines = [f"mapping {p.mapping} -> {p.table}: {p.source}, first {p.records} record(s); nothing is written", "",
             f"columns found ({len(p.columns)}):"]
    lines += [f"  {name}  {kind if len(kind) <= 70 else kind[:69] + '…'}" for name, kind in p.columns]
    if p.absent:
        lines.append(f"fields the mapping reads that no record holds (read as empty, as a null): {', '.join(p.absent)}")
    lines += ["", f"values (first {SHOWN} records):"]
    for what, expression, values in p.values:
        flat = " ".join(expression.split())
        lines.append(f"  {what} = {flat if len(flat) <= 90 else flat[:89] + '…'}")
        lines.append("      " + " | ".join(values))
    lines += ["", f"would be quarantined: {len(p.quarantined)} of {p.records}"]
    lines += [f"  {p.unit} {line}: {reason}" for line, reason in p.quarantined]
    return "\n".join(lines)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("mapping", help="work with mappings (platform exports -> the contract)")
    commands = p.add_subparsers(dest="mapping_command", required=True)
    q = commands.add_parser("preview", help="try a mapping on the first records of a file; writes nothing")
    q.add_argument("--mapping", required=True, metavar="NAME|FILE", help="a built-in mapping's name or a TOML file")
    q.add_argument("source", metavar="SOURCE", help="the platform's export file")
    q.add_argument("--rows", type=int, default=20, metavar="N", help="how many records to try (default 20)")
    q.set_defaults(func=_cmd_preview)


def _cmd_preview(args: argparse.Namespace) -> int:
    if args.rows < 1:
        raise LoadError("--rows must be at least 1")
    # pseudonyms are never shown: a throwaway key, so no key file is read or created
    settings = load_settings(Path(args.config) if args.config else None).model_copy(
        update={"pseudonym_key": SecretStr(secrets.token_hex(16))})
    print(format_preview(preview(load_mapping(args.mapping), Path(args.source), settings, args.rows)))
    return 0
