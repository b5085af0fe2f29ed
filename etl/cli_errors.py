"""How every `carekpi` command ends: its own output, or one line on stderr that carries no row value.

An error a user can fix (bad input, a missing file, an unsafe --out) prints its message (scrubbed of identifier-like
text) with exit status 2. Anything else (a DuckDB error mid-load, a bug) prints one line naming the kind of error
with every quoted value and identifier-like text masked, exit status 1: DuckDB quotes the value it failed on
("Could not convert string 'jane.doe@example.com'"), so quoted text never reaches the screen. `--debug` adds the
traceback, masked the same way. Every file a command creates is owner-only (etl/safe_files.py).
"""

from __future__ import annotations

import argparse
import sys
import traceback

from pydantic import ValidationError

from etl.csv_reader import LoadError
from etl.privacy import scrub, scrub_message
from etl.reports import ReportError
from etl.safe_files import private_umask
from etl.warehouse import LoadInProgress

USER_ERRORS = (LoadError, LoadInProgress, FileNotFoundError, ValueError, ValidationError, ReportError)


def run(args: argparse.Namespace) -> int:
    """Run the parsed command; on an error print one line (and, with --debug, the masked traceback)."""
    try:
        with private_umask():
            return args.func(args)
    except KeyboardInterrupt:
        print(f"carekpi {args.command}: interrupted; nothing was changed", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - every error ends on one line without data
        if getattr(args, "debug", False):
            print(scrub_message(traceback.format_exc()), file=sys.stderr, end="")
        print(f"carekpi {args.command}: error: {one_line(exc)}", file=sys.stderr)
        return 2 if isinstance(exc, USER_ERRORS) else 1


def one_line(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        # "field: message", or the message alone for a whole-model check
        return scrub("; ".join(": ".join(filter(None, (".".join(map(str, e["loc"])),
                                                         e["msg"].removeprefix("Value error, "))))
                               for e in exc.errors()))
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, USER_ERRORS) and not _from_duckdb(exc):
        return scrub(first) or type(exc).__name__
    detail = scrub_message(first)
    return (f"unexpected {type(exc).__name__}" + (f" ({detail})" if detail else "")
            + "; nothing was changed (run with --debug for the traceback)")


def _from_duckdb(exc: BaseException) -> bool:
    return type(exc).__module__.startswith(("duckdb", "_duckdb"))
