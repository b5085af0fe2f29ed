"""Loads that stop at a named phase and wait to be killed (tests/test_prove_crashes.py), forked from one helper
process that has imported the loader once: each of the 21 kills then costs the load up to its phase, not another
two seconds of importing pandas, DuckDB and pydantic in a new interpreter.

`Loader` runs this file as that helper. It reads one request per line (JSON: delivery, db, key, now, phase, n), forks a
child that loads the delivery and, when it enters `phase` for the n-th time, says {"paused": its pid} and sleeps;
the helper reports {"exited": the child's exit status} once the child ends (killed: -9). The messages go over the
helper's original stdout; anything else written to stdout (DuckDB's progress bar on a slow query) goes to stderr,
so a busy machine cannot garble them."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

HELPER = Path(__file__).resolve()


def _say(messages, message: dict) -> None:
    messages.write(json.dumps(message) + "\n")
    messages.flush()


def _child(request: dict, messages) -> None:
    import time

    import etl.load
    from etl.settings import Settings

    seen: dict[str, int] = {}

    def pause(name: str) -> None:
        seen[name] = seen.get(name, 0) + 1
        if name == request["phase"] and seen[name] == request["n"]:
            _say(messages, {"paused": os.getpid()})
            time.sleep(3600)

    etl.load.on_phase = pause
    etl.load.load([Path(request["delivery"])], Settings(db_path=Path(request["db"]), pseudonym_key=request["key"]),
                  now=dt.datetime.fromisoformat(request["now"]))


def serve() -> None:
    import etl.load  # noqa: F401 - imported once here, inherited by every forked load

    messages = os.fdopen(os.dup(1), "w")  # the original stdout carries the messages only
    os.dup2(2, 1)  # whatever else writes to stdout goes to stderr
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _child(request, messages)
            except BaseException:  # noqa: BLE001 - reported as the exit status; the traceback goes to stderr
                import traceback

                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        _say(messages, {"exited": os.waitstatus_to_exitcode(status)})


class Loader:
    """The helper process, started once: `start` a load that pauses at a phase, or runs through with `phase=None`."""

    def __enter__(self) -> Loader:
        self.process = subprocess.Popen([sys.executable, str(HELPER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)
        return self

    def __exit__(self, *exc) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a failed test left a load paused: the helper still waits for it
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()

    def start(self, delivery: Path, db: Path, key: str, now: dt.datetime, phase: str | None = None,
              n: int = 0) -> dict:
        """Start a load at `now`; the first thing it reports: {"paused": pid} or {"exited": status}."""
        request = {"delivery": str(delivery), "db": str(db), "key": key, "now": now.isoformat(), "phase": phase,
                   "n": n}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return self.report()

    def report(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the load helper ended")
        return json.loads(line)


if __name__ == "__main__":
    serve()
