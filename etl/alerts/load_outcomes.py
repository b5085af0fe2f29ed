"""Load outcomes: `carekpi load` appends one JSON line per attempt (success or failure) beside the warehouse, so a
failed load, which by design leaves the warehouse untouched, can still raise a notice. The file is 0600 and holds
no data: the time, the outcome, the load id and a one-line error with identifier-like text masked."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

from etl.privacy import scrub_message
from etl.settings import Settings


def outcomes_file(settings: Settings) -> Path:
    db = Path(settings.db_path)
    return db.with_name(db.name + ".loads.jsonl")


def record(settings: Settings, ok: bool, load_id: int | None = None, error: str | None = None,
           at: dt.datetime | None = None) -> None:
    entry = {"at": (at or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"), "ok": ok, "load_id": load_id,
             "error": scrub_message(error.splitlines()[0])[:300] if error else None}
    path = outcomes_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write(json.dumps(entry, sort_keys=True) + "\n")


@contextlib.contextmanager
def recorded(settings: Settings) -> Iterator[dict]:
    """Record the load run inside the block: put its load id in the yielded dict; an exception records a failure
    (with the exception's one-line text) and goes on up."""
    outcome: dict = {}
    try:
        yield outcome
    except Exception as exc:
        record(settings, False, error=f"{type(exc).__name__}: {exc}")
        raise
    record(settings, True, load_id=outcome.get("load_id"))


def outcomes(settings: Settings) -> list[dict]:
    path = outcomes_file(settings)
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
