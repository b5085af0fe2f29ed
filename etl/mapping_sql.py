"""The SQL a mapping becomes: reading the source, the `[let]` values, the contract columns, the clock-skew
tolerance, the unknown-agent placeholder and the newest-copy-wins order. Every expression written in a mapping stays
an ordinary DuckDB scalar expression over the source's columns (and earlier `[let]` names); this module only places
those expressions in SELECT lists. Option values of the mapping itself (a reason, a placeholder) are quoted as SQL
string literals; data values are never formatted into SQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from etl.mapping import Mapping

# The contract's timestamps in the order a contact lives them: (earlier, later) pairs checked with the tolerance.
ORDER = {
    "calls": (("offered_at", "answered_at"), ("answered_at", "ended_at"), ("offered_at", "ended_at")),
    "chats": (("requested_at", "accepted_at"), ("accepted_at", "ended_at"), ("requested_at", "ended_at")),
}
ANSWERED = {"calls": "answered_at", "chats": "accepted_at"}
GZIP_MAGIC = b"\x1f\x8b"
SRC, RAW = "__ck_src", "__ck_raw"  # the source row number and the source row as JSON, carried beside the lets


def literal(text: str) -> str:
    """A mapping's own option text (never data) as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def compression(path: Path) -> str:
    """gzip when the file starts with gzip's magic bytes (Firehose's GZIP output, whatever its name), else none."""
    with open(path, "rb") as handle:
        return "gzip" if handle.read(2) == GZIP_MAGIC else "none"


def json_reader(mapping: Mapping, path: Path) -> str:
    """DuckDB's JSON reader over one source file ($path), keeping the JSON's types. `jsonl` reads records one after
    another, whether each is on its own line (JSON lines) or they follow each other with no delimiter at all
    (Kinesis Firehose's default S3 output); `json` an array of records, or an API page (one object holding the array
    of records, e.g. {"conversations": [...]}) when the mapping unnests."""
    s = mapping.source
    fmt = "unstructured" if s.format == "jsonl" else "auto" if s.unnest else "array"
    return (f"read_json($path, format = '{fmt}', records = true, compression = '{compression(path)}', "
            "sample_size = -1, maximum_object_size = 67108864)")


def reader(mapping: Mapping, path: Path) -> str:
    """The DuckDB table function that reads one CSV source file ($path), every column as text."""
    s = mapping.source
    options = {"delim": s.delimiter, "quote": s.quote, "escape": s.escape, "encoding": s.encoding,
               "compression": compression(path)}
    text = ", ".join(f"{k} = {literal(v)}" for k, v in options.items())
    return (f"read_csv($path, header = {str(s.header).lower()}, skip = {int(s.skip)}, all_varchar = true, "
            f"{text}, store_rejects = true, rejects_table = 'ck_reject_errors', rejects_scan = 'ck_reject_scans')")


def unnest_step(sql: str, path: str) -> str:
    """One row per element of the list at `path`, the element in a column named after the path's last part
    (replacing a top-level list of the same name)."""
    parts = path.split(".")
    column, source = f'"{parts[-1]}"', ".".join(f'"{part}"' for part in parts)
    return (f"(select * replace (unnest({source}) as {column}) from {sql})" if len(parts) == 1
            else f"(select *, unnest({source}) as {column} from {sql})")


def kept(s, sql: str) -> str:
    """The rows [source] keep chooses (all without it)."""
    return f"(select * from {sql} where ({s.keep}))" if s.keep else sql


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def composite(parts: list[str]) -> str:
    """One id from several source values: each part escaped as in a JSON pointer (~ -> ~0, / -> ~1) and joined by
    '/', so different parts never make the same id; NULL when any part is missing."""
    escaped = [f"replace(replace(({p})::varchar, '~', '~0'), '/', '~1')" for p in parts]
    missing = " or ".join(f"({p}) is null" for p in parts)
    return f"case when {missing} then null else concat_ws('/', {', '.join(escaped)}) end"


def expression(value: str | list[str]) -> str:
    return composite(value) if isinstance(value, list) else value


def lets(mapping: Mapping) -> list[str]:
    """CTEs l0..ln: the source rows, then one more named value per `[let]` entry (in the order written, so a let
    may use the ones before it)."""
    ctes = [f"l0 as (select * from source_rows)"]
    for i, (name, expr) in enumerate(mapping.let.items(), start=1):
        ctes.append(f"l{i} as (select *, ({expr}) as {quoted(name)} from l{i - 1})")
    return ctes


def scope_sql(mapping: Mapping, lets_before: int | None = None) -> str:
    """The source rows with the first `lets_before` [let] values (all of them by default): what an expression
    standing there sees."""
    n = len(mapping.let) if lets_before is None else lets_before
    return f"with {', '.join(lets(mapping)[:n + 1])} select * from l{n}"


def values_sql(mapping: Mapping) -> str:
    """One row per source row: its number, raw JSON, every mapped contract column (typed as the expression gives
    it), the version and the first matching rule's reason."""
    last = f"l{len(mapping.let)}"
    columns = [f"({expression(mapping.columns[c])}) as {quoted(c)}" if c in mapping.columns
               else f"null::varchar as {quoted(c)}" for c in mapping.spec.columns]
    rules = " ".join(f"when ({rule.when}) then {literal(rule.reason)}" for rule in mapping.rules)
    version = f"({mapping.dedupe.version})::timestamptz" if mapping.dedupe else "null::timestamptz"
    return (f"with {', '.join(lets(mapping))} select {SRC}, {RAW}, {', '.join(columns)}, {version} as __ck_version, "
            f"{f'case {rules} end' if rules else 'null::varchar'} as __ck_rule from {last}")


def no_values_sql(mapping: Mapping) -> str:
    """values_sql's columns without a row: what a source holding no records maps to."""
    columns = ", ".join(f"null::varchar as {quoted(c)}" for c in mapping.spec.columns)
    return (f"select null::bigint as {SRC}, null::varchar as {RAW}, {columns}, null::timestamptz as __ck_version, "
            "null::varchar as __ck_rule where false")


def _instant(column: str) -> str:
    return f"try_cast({quoted(column)}::varchar as timestamptz)"


def tolerated_sql(mapping: Mapping, source: str) -> str:
    """The values with the clock-skew tolerance applied: a later contract time that precedes an earlier one by no
    more than clock_skew_seconds is taken as equal to it (the two clocks disagree; nothing happened out of order).
    Beyond the tolerance the value is kept and the core quarantines the row (e.g. 'answered_at before offered_at').
    Then the unknown-agent placeholder: an answered contact without an agent id gets mapping.unknown_agent."""
    select = source
    skew = mapping.clock_skew_seconds
    for i, (earlier, later) in enumerate(ORDER.get(mapping.table, ()) if skew else ()):
        clamp = (f"case when {_instant(later)} < {_instant(earlier)} and {_instant(earlier)} - {_instant(later)} "
                 f"<= to_microseconds({int(round(skew * 1_000_000))}) then {quoted(earlier)} else {quoted(later)} end")
        select = f"select * replace (({clamp}) as {quoted(later)}) from ({select}) s{i}"
    if mapping.unknown_agent is not None and mapping.table in ANSWERED:
        answered = quoted(ANSWERED[mapping.table])
        placeholder = (f"case when nullif(trim(agent_id::varchar), '') is null and {answered} is not null "
                       f"then {literal(mapping.unknown_agent)} else agent_id end")
        select = f"select * replace (({placeholder}) as agent_id) from ({select}) u"
    return select


def key_sql(mapping: Mapping) -> str:
    """The contact's natural key as one text (table/key parts), the unit of newest-copy-wins."""
    return composite([literal(mapping.table)] + [f"{quoted(k)}::varchar" for k in mapping.spec.key])


def raw_input_sql(mapping: Mapping, line_offset: int) -> str:
    """raw_input (rec_no, line_no, contract columns as text, _raw_text, _rule_reason, _dedupe_key, _version) from
    temp table mapped_rows. rec_no puts the records a rule sets aside first, so one of them never displaces a record
    of the same id under the core's 'repeated id: the last occurrence is kept' (Five9 writes a 3rd party's leg
    under its call's CALL ID). With [dedupe], rec_no then puts every copy of a contact in version order, so the core
    keeps the newest; older copies and copies older than the one already loaded are quarantined with their own
    reason."""
    columns = ", ".join(f"ck_trim({quoted(c)}::varchar) as {quoted(c)}" for c in mapping.spec.columns)  # as read_csv
    if not mapping.dedupe:
        return (f"select row_number() over (order by (__ck_rule is null), {SRC}) as rec_no, "
                f"{SRC} + {line_offset} as line_no, {columns}, {RAW} as _raw_text, "
                "__ck_rule as _rule_reason, null::varchar as _dedupe_key, null::timestamptz as _version "
                "from mapped_rows")
    by = mapping.dedupe.version
    return (
        "select row_number() over (order by (m.__ck_rule is null), k.key nulls first, m.__ck_version nulls first, "
        f"m.{SRC}) as rec_no, "
        f"m.{SRC} + {line_offset} as line_no, {columns}, m.{RAW} as _raw_text, "
        "coalesce(m.__ck_rule, "
        "case when k.key is null then null "  # no id: the core says so
        f"when m.__ck_version is null then {literal(f'no version ({by}) to tell the newest copy by')} "
        "when row_number() over (partition by k.key order by m.__ck_version desc, m." + SRC + " desc) > 1 "
        f"then {literal(f'an older copy of a contact in this delivery (newest {by} kept)')} "
        "when v.version > m.__ck_version "
        f"then {literal(f'older than the copy already loaded (newest {by} kept)')} end) as _rule_reason, "
        "k.key as _dedupe_key, m.__ck_version as _version "
        f"from mapped_rows m cross join lateral (select {key_sql(mapping)} as key) k "
        "left join mapping_versions v on v.dedupe_key = k.key"
    )
