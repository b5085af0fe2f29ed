"""Log-in throttling and lock-out, per user name and per client, shared by every session and kept across restarts.

Each log-in attempt is first *reserved* as a failure under both keys (the user name, case-folded, and the client)
in one locked read-modify-write of a small JSON file beside the users file, and only then is the password checked;
a success removes the reservation and clears the user's failures. So parallel sessions cannot race past the limit,
and a server restart does not reset it. For a key with n failures in the last `login_failure_window_seconds`:

- n >= its maximum (`login_max_failures_per_user`, `login_max_failures_per_client`): locked until
  `login_lockout_seconds` after the latest failure; attempts are refused without checking the password;
- n >= `login_throttle_after`: the next attempt must wait `login_throttle_seconds * 2 ** (n - throttle_after)`
  (capped at the lock-out) after the latest failure;
- refused attempts do not count as failures, so a lock ends on time.

Unknown user names are counted like known ones (the answer does not tell them apart). Keys are stored as hashes,
never as the typed name or the client address. The file holds at most MAX_KEYS keys; stale keys are pruned.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from etl.settings import Settings

MAX_KEYS = 10_000
_clock = time.time  # tests replace this to move time


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""  # "locked" or "throttled" when refused
    retry_after: float = 0.0  # seconds
    reserved_at: float = 0.0  # the timestamp of the reserved failure, for succeeded()


def user_key(username: str) -> str:
    return _hash("user:" + username.strip().casefold())


def client_key(client: str) -> str:
    return _hash("client:" + client)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def state_file(settings: Settings) -> Path:
    return Path(settings.login_state_file or Path(settings.users_file).with_name("login-guard.json"))


class LoginGuard:
    def __init__(self, settings: Settings):
        self.path = state_file(settings)
        self.window = settings.login_failure_window_seconds
        self.lockout = settings.login_lockout_seconds
        self.throttle_after = settings.login_throttle_after
        self.throttle_seconds = settings.login_throttle_seconds
        self.limits = {"user": settings.login_max_failures_per_user,
                       "client": settings.login_max_failures_per_client}

    def attempt(self, username: str, client: str) -> Decision:
        """Refuse (locked or throttled) or reserve a failure under both keys and allow the password check."""
        now = _clock()
        keys = {"user": user_key(username), "client": client_key(client)}
        with self._state() as state:
            refusals = [self._refusal(state.get(key, []), kind, now) for kind, key in keys.items()]
            refusals = [r for r in refusals if r is not None]
            if refusals:
                locked = [r for r in refusals if r.reason == "locked"]
                return max(locked or refusals, key=lambda r: r.retry_after)
            for key in keys.values():
                state.setdefault(key, []).append(now)
        return Decision(True, reserved_at=now)

    def succeeded(self, username: str, client: str, decision: Decision) -> None:
        """The password was right: the user's failures are cleared and the client's reservation removed."""
        with self._state() as state:
            state.pop(user_key(username), None)
            failures = state.get(client_key(client), [])
            if decision.reserved_at in failures:
                failures.remove(decision.reserved_at)

    def _refusal(self, failures: list[float], kind: str, now: float) -> Decision | None:
        if not failures:
            return None
        latest = max(failures)
        n = sum(1 for t in failures if latest - t < self.window)  # as counted when the latest failure came
        if n >= self.limits[kind]:
            until = latest + self.lockout
            return Decision(False, "locked", until - now) if now < until else None
        if now - latest >= self.window:
            return None
        if n >= self.throttle_after:
            wait = min(self.throttle_seconds * 2 ** (n - self.throttle_after), self.lockout)
            if now < latest + wait:
                return Decision(False, "throttled", latest + wait - now)
        return None

    def _state(self):
        return _LockedState(self.path, keep_seconds=max(self.window, self.lockout))


class _LockedState:
    """The JSON state under an exclusive lock; written back (0600, atomically) on leaving the block."""

    def __init__(self, path: Path, keep_seconds: float):
        self.path, self.keep = path, keep_seconds

    def __enter__(self) -> dict[str, list[float]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        self.lock = os.fdopen(os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600), "r+")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.state = {k: [float(t) for t in v] for k, v in data.get("failures", {}).items()}
        except (FileNotFoundError, ValueError, AttributeError, TypeError):
            self.state = {}  # missing or damaged: start again (a damaged file must not lock everyone out)
        return self.state

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self._write()
        finally:
            fcntl.flock(self.lock, fcntl.LOCK_UN)
            self.lock.close()

    def _write(self) -> None:
        now = _clock()
        kept = {k: [t for t in v if max(v) - t < self.keep] for k, v in self.state.items()
                if v and now - max(v) < self.keep}
        if len(kept) > MAX_KEYS:
            kept = dict(sorted(kept.items(), key=lambda kv: max(kv[1]))[-MAX_KEYS:])
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"failures": kept}, handle)
        os.replace(tmp, self.path)
