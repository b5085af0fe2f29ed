"""Quarantine without patient data: a quarantined row is kept as typed columns under the warehouse's names, never
as raw text, and only the columns of an allow-list are kept.

- SHOWN is the allow-list (column -> type). Anything else a staged row has (the patient pseudonym, coaching
  notes (privacy.WITHHELD), a column a newer contract adds) is dropped. Text columns go through the free-text scrubber (etl/privacy.py).
- Extra columns of a delivery file are dropped; only their names (scrubbed) are kept, in `extra_columns`.
- A line the CSV parser could not split keeps its line number and reason only: its fields cannot be trusted to be
  what their position says (one extra field shifts a patient reference under `queue`).
- A row whose id or name (KEYS) looks like a patient identifier (privacy.KEY_PATTERN) is quarantined rather than
  loaded, so ids and names in the warehouse never carry one.
Everything is done in bulk in DuckDB; nothing runs per row in Python.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from etl.csv_reader import LoadError, RejectedLine, read_header
from etl.junk_reader import SAMPLE_LINES, RejectedInTable, junk_share
from etl.privacy import AGENT_PATTERN, IDENTIFIER_PATTERN, KEY_PATTERN, MASK, WITHHELD, scrub

TEXT, TS, INT, BOOL = "varchar", "timestamp", "integer", "boolean"
SECONDS = "decimal(18, 3)"  # durations to the millisecond, as contacts keep them
SHOWN: dict[str, str] = {
    "contact_id": TEXT, "channel": TEXT, "survey_id": TEXT, "evaluation_id": TEXT, "item": TEXT, "result": TEXT,
    "queue": TEXT, "agent_id": TEXT, "agent_name": TEXT, "team": TEXT, "site": TEXT, "partner": TEXT,
    "contact_reason": TEXT, "evaluator": TEXT,
    "offered_at": TS, "handled_at": TS, "ended_at": TS, "responded_at": TS, "evaluated_at": TS, "hire_date": "date",
    "hold_seconds": SECONDS, "acw_seconds": SECONDS, "csat": INT, "sl_threshold_seconds": INT,
    "transferred": BOOL, "escalated_clinical": BOOL, "resolved": BOOL, "licensed": BOOL,
    # contract v2 (calls and chats): a conversation's id, and enums and flags checked at staging
    "conversation_id": TEXT, "direction": TEXT, "end_reason": TEXT, "transfer_type": TEXT, "queued": BOOL,
    "talk_seconds": SECONDS,
    # coaching_sessions.csv: never `notes` (privacy.WITHHELD), which is kept for the Coaching page only
    "session_id": TEXT, "topic": TEXT, "trainer": TEXT, "session_date": "date",
}
assert not WITHHELD & SHOWN.keys(), "withheld free text is never copied into quarantine"
# ids and names: kept as they are when loaded, so a row carrying an identifier in one is quarantined instead
KEYS = ("contact_id", "survey_id", "evaluation_id", "queue", "agent_id", "team", "site", "partner", "channel",
        "item", "conversation_id", "session_id")
# a staged column kept under another name (the quarantine's own `reason` says why the row was quarantined)
RENAMED = {"reason": "contact_reason"}


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """The quarantine table's allow-listed columns; the raw text of earlier versions is dropped."""
    present = dict(con.execute("select column_name, column_type from (describe quarantine)").fetchall())
    if "raw_text" in present:
        con.execute("alter table quarantine drop column raw_text")
    for name, kind in {"extra_columns": "varchar[]", **SHOWN}.items():
        if name not in present:
            con.execute(f'alter table quarantine add column "{name}" {kind}')  # fixed names and types
        elif kind == SECONDS and present[name] != "DECIMAL(18,3)":  # whole seconds before issue 11
            con.execute(f'alter table quarantine alter column "{name}" set data type {kind}')


def staged_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [row[0] for row in con.execute("select column_name from (describe staged)").fetchall()]


def flag_identifiers(con: duckdb.DuckDBPyConnection) -> None:
    """Quarantine the staged rows whose ids or names look like a patient identifier."""
    staged = set(staged_columns(con))
    columns = [c for c in KEYS if c in staged]
    if not columns:
        return
    checks = [(f'regexp_matches("{c}", ${"agent" if c == "agent_id" else "key"}_pattern)',  # fixed names
               f"{c} holds identifier-like text") for c in columns]
    if "contact_id" in columns and "conversation_id" in columns:  # a conversation id defaults to the contact id:
        checks = [(f'"conversation_id" is distinct from "contact_id" and {test}' if message.startswith(
            "conversation_id ") else test, message) for test, message in checks]  # say it once, for contact_id
    messages = ", ".join(f"case when {test} then '{message}' end" for test, message in checks)
    con.execute(f"update staged set error = nullif(concat_ws('; ', error, {messages}), '') "
                f"where {' or '.join(test for test, _ in checks)}",
                {"key_pattern": KEY_PATTERN, **({"agent_pattern": AGENT_PATTERN} if "agent_id" in columns else {})})


def extra_names(path: Path, names: list[str] | None) -> list[str]:
    """The names (scrubbed) of a delivery file's columns outside the contract."""
    if not names:
        return []
    header = read_header(path)
    return [scrub(h.strip()) or "(unnamed)" for h, n in zip(header, names, strict=False) if n.startswith("_extra_")]


def store(con: duckdb.DuckDBPyConnection, load_id: int, file: str, kind: str, extras: list[str],
          rejected: list[RejectedLine]) -> None:
    """Insert the staged rows with an error and the lines the parser rejected into the quarantine table."""
    ensure_schema(con)
    where = {"load_id": load_id, "file": file, "kind": kind, "extras": extras}
    present = {c: RENAMED.get(c, c) for c in staged_columns(con) if RENAMED.get(c, c) in SHOWN}
    shown = ", ".join(
        f"regexp_replace(\"{c}\", $pattern, '{MASK}', 'g') as \"{name}\"" if SHOWN[name] == TEXT
        else f'"{c}" as "{name}"' for c, name in present.items())  # allow-listed identifiers only
    con.execute(
        "insert into quarantine by name select $load_id as load_id, $file as file, $kind as kind, line_no, "
        f"regexp_replace(error, $pattern, '{MASK}', 'g') as reason, $extras as extra_columns"
        + (f", {shown}" if shown else "") + " from staged where error is not null",
        {**where, "pattern": IDENTIFIER_PATTERN})
    if isinstance(rejected, RejectedInTable) and not rejected:
        con.execute("drop table ck_rejected_lines")  # an empty table of a junk-read file
    if not rejected:
        return
    insert = ("insert into quarantine by name select $load_id as load_id, $file as file, $kind as kind, line_no, "
              "reason, $extras as extra_columns from ck_rejected_lines")
    if isinstance(rejected, RejectedInTable):  # already a table (etl/junk_reader.py)
        con.execute(insert, where)
        con.execute("drop table ck_rejected_lines")
        return
    frame = pd.DataFrame({"line_no": [r.line_no for r in rejected], "reason": [r.reason for r in rejected]})
    con.register("ck_rejected_lines", frame)
    try:
        con.execute(insert, where)
    finally:
        con.unregister("ck_rejected_lines")


def refuse_mostly_junk(con: duckdb.DuckDBPyConnection, path: Path, rejected: int, share: float | None) -> None:
    """Refuse the whole load (LoadError) when more than `share` of a file's rows cannot be loaded."""
    if share is None:
        return
    parsed, bad = con.execute("select count(*), count(error) from staged").fetchone()
    total, junk = parsed + rejected, bad + rejected
    if total and junk / total > share:
        raise LoadError(f"{path}: {junk:,} of {total:,} rows ({junk / total:.0%}) cannot be loaded, more than "
                        f"load_refuse_junk_share ({share:.0%}); nothing was loaded (is it the right file?)")


def refuse_early(path: Path, names: list[str] | None, share: float | None) -> None:
    """Refuse a contract file before reading it whole when its first lines are mostly unreadable junk."""
    if share is None or not names:
        return
    sampled = junk_share(path, len(names))
    if sampled > share:
        raise LoadError(f"{path}: {sampled:.0%} of its first {SAMPLE_LINES:,} rows cannot be read, more than "
                        f"load_refuse_junk_share ({share:.0%}); nothing was loaded (is it the right file?)")
