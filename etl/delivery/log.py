"""The delivery log: one row per subscription and slot (SQLite, file mode 0600), so a slot is sent once however
often `carekpi deliver --due` runs, and a failed delivery is kept for the Data quality page. Notices sent to
managers are logged by key, so each is sent once.

A run claims a slot in a write transaction before sending; a claim left by a run that died is taken over after
STALE_CLAIM. A failed slot is final: it was reported to the managers and is not retried by a later run."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

STALE_CLAIM = dt.timedelta(hours=1)
SCHEMA = """
create table if not exists deliveries (
    subscription text not null,
    slot text not null,
    recipient text not null,
    status text not null check (status in ('sending', 'sent', 'failed')),
    attempts integer not null default 0,
    via text,
    error text,
    claimed_at text not null,
    finished_at text,
    primary key (subscription, slot)
);
create table if not exists notices_sent (key text primary key, kind text not null, sent_at text not null);
"""


def log_file(settings) -> Path:
    return settings.delivery.log_file or Path(settings.users_file).with_name("deliveries.sqlite")


@contextlib.contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    con = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        con.executescript(SCHEMA)
        yield con
    finally:
        con.close()


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def claim(path: Path, subscription: str, slot: dt.datetime, recipient: str, now: dt.datetime) -> bool:
    """True when this run may send the slot: nobody has, nobody is, and it has not failed."""
    with connect(path) as con:
        con.execute("begin immediate")
        row = con.execute("select status, claimed_at from deliveries where subscription = ? and slot = ?",
                          (subscription, _iso(slot))).fetchone()
        stale = row is not None and row[0] == "sending" and \
            dt.datetime.fromisoformat(row[1]) < now.astimezone(dt.UTC) - STALE_CLAIM
        if row is not None and not stale:
            con.execute("rollback")
            return False
        con.execute("insert or replace into deliveries (subscription, slot, recipient, status, claimed_at) "
                    "values (?, ?, ?, 'sending', ?)", (subscription, _iso(slot), recipient, _iso(now)))
        con.execute("commit")
        return True


def finish(path: Path, subscription: str, slot: dt.datetime, status: str, attempts: int, via: str | None,
           error: str | None, now: dt.datetime) -> None:
    with connect(path) as con:
        con.execute("update deliveries set status = ?, attempts = ?, via = ?, error = ?, finished_at = ? "
                    "where subscription = ? and slot = ?",
                    (status, attempts, via, error, _iso(now), subscription, _iso(slot)))


def claim_notice(path: Path, key: str, kind: str, now: dt.datetime) -> bool:
    """True the first time a notice key is seen (it is then recorded as sent)."""
    with connect(path) as con:
        cursor = con.execute("insert or ignore into notices_sent values (?, ?, ?)", (key, kind, _iso(now)))
        return cursor.rowcount == 1


def deliveries(path: Path, status: str | None = None) -> pd.DataFrame:
    """The log, newest first (optionally only one status): for the Data quality page and tests."""
    columns = ["subscription", "slot", "recipient", "status", "attempts", "via", "error", "finished_at"]
    if not Path(path).is_file():
        return pd.DataFrame(columns=columns)
    with connect(path) as con:
        rows = con.execute(f"select {', '.join(columns)} from deliveries "
                           "where ? is null or status = ? order by slot desc, subscription",
                           (status, status)).fetchall()
    return pd.DataFrame(rows, columns=columns)
