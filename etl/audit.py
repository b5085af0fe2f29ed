"""The audit log: one JSON line per page view and per export: who, when, with what scope and filters, which file.

Appended under an exclusive lock so concurrent sessions do not interleave lines. It holds no KPI values and no
patient data.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
from pathlib import Path

from etl.safe_files import private_opener


def record(path: Path, user: str, role: str, action: str, **details: object) -> None:
    entry = {"at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "user": user, "role": role,
             "action": action, **details}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8", opener=private_opener) as handle:  # created 0600
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write(json.dumps(entry, default=str, sort_keys=True) + "\n")


def entries(path: Path) -> list[dict]:
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
