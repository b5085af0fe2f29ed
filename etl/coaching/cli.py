"""`carekpi coaching`: the Coaching page's scorecard on the command line, for trainers' learning systems.

Same function as the page (coaching_scorecard), same scope rules as `carekpi report` (`--user`: that user's
teams and partners; without it, unrestricted, for schedulers). JSON: an array of objects, one per agent and
measure. No notes and no patient data are ever printed.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import sys

import pandas as pd

from etl.coaching.scorecard import COLUMNS, coaching_scorecard
from etl.coaching.text import difference_text, value_text
from etl.kpis import Filters, Scope

CSV_RISKY = ("=", "+", "-", "@", "\t", "\r")


def register(subparsers) -> None:
    p = subparsers.add_parser("coaching", help="print the coaching scorecard (each agent against the rest of the "
                                               "team, with flags) for a period")
    p.add_argument("--db", help="warehouse file (default: settings db_path)")
    p.add_argument("--from", dest="date_from", type=_date, required=True, metavar="DATE",
                   help="first day of the period (YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", type=_date, required=True, metavar="DATE",
                   help="last day of the period (YYYY-MM-DD)")
    p.add_argument("--team", action="append", default=[], metavar="TEAM", help="keep only this team (repeatable)")
    p.add_argument("--format", choices=("json", "csv", "table"), default="table")
    p.add_argument("--flagged-only", action="store_true", help="print only the flagged rows")
    p.add_argument("--user", help="under this user's access (default: unrestricted, for schedulers)")
    p.set_defaults(func=run)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _scope(settings, username: str | None) -> Scope | None:
    if not username:
        return None
    from etl.access import load_users, scope_for

    user = load_users(settings.users_file).get(username)
    if user is None:
        raise ValueError(f"unknown user {username!r}")
    return scope_for(user)


def run(args: argparse.Namespace) -> int:
    from etl.cli import _settings
    from etl.warehouse import connect_read_only

    settings = _settings(args)
    filters = Filters(date_from=args.date_from, date_to=args.date_to, teams=args.team)
    scope = _scope(settings, args.user)
    con = connect_read_only(settings.db_path)
    try:
        card = coaching_scorecard(con, filters, settings, scope)
    finally:
        con.close()
    if args.flagged_only:
        card = card[card["flagged"]]
    sys.stdout.write(render(card, args.format))
    return 0


def records(card: pd.DataFrame) -> list[dict]:
    """JSON-ready rows: nan becomes null, numpy scalars plain Python values."""
    out = []
    for row in card[COLUMNS].to_dict(orient="records"):
        clean = {}
        for key, value in row.items():
            if hasattr(value, "item"):
                value = value.item()
            clean[key] = None if isinstance(value, float) and math.isnan(value) else value
        out.append(clean)
    return out


def _csv_cell(value):
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + value if isinstance(value, str) and value.startswith(CSV_RISKY) else value


def render(card: pd.DataFrame, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(records(card), indent=2) + "\n"
    if fmt == "csv":
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in records(card):
            writer.writerow(["" if row[c] is None else _csv_cell(row[c]) for c in COLUMNS])
        return buffer.getvalue()
    return table(card) + "\n"


def table(card: pd.DataFrame) -> str:
    """For people: one line per agent and measure, values with units, the interval, the status."""
    if card.empty:
        return "no agents match these filters"
    head = (f"{'agent':<12} {'team':<20} {'measure':<28} {'value':>9} {'n':>6} {'team':>9} {'team n':>7}  "
            f"{'difference (interval)':<38} status")
    lines = [head]
    for r in card.itertuples():
        gap = "—" if r.difference_low != r.difference_low else difference_text(
            r.difference_low, r.difference_high, r.difference_unit)
        lines.append(f"{str(r.agent)[:12]:<12} {str(r.team)[:20]:<20} {r.measure[:28]:<28} "
                     f"{value_text(r.value, r.unit):>9} {r.n:>6,} {value_text(r.team_value, r.unit):>9} "
                     f"{r.team_n:>7,}  {gap:<38} {r.status}")
    return "\n".join(lines)


