"""The `carekpi` command line: load, kpi, generate. Thin: it parses arguments and calls the library.

Every command ends on its output or one line on stderr (exit status 2 for errors a user can fix, 1 otherwise); never a
traceback (unless --debug, masked), never a row value (etl/cli_errors.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import signal
import sys
from pathlib import Path

import pandas as pd

from etl import cli_errors, mapping_preview
from etl.alerts import cli as alerts_cli
from etl.alerts.load_outcomes import recorded
from etl.build import cli as build_cli
from etl.coaching import cli as coaching_cli
from etl.delivery import cli as delivery_cli
from etl.kpis import DIMENSIONS, Filters, kpi_table
from etl.load import LoadReport, load
from etl.reports import neutralise
from etl.safe_files import write_out
from etl.settings import Settings, load_settings
from etl.warehouse import connect_read_only


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # a command line: end quietly when the reader of our output goes away (| head)
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    parser = _parser()
    args = parser.parse_args(argv)
    return cli_errors.run(args)  # one line on any error, never a row value (etl/cli_errors.py)


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
    if getattr(args, "db", None):
        overrides["db_path"] = Path(args.db)
    return load_settings(Path(args.config) if args.config else None, **overrides)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="carekpi", description="Contact-centre KPIs for patient support.")
    parser.add_argument("--config", help="TOML settings file (default: $CAREKPI_CONFIG, else built-in defaults)")
    parser.add_argument("--debug", action="store_true", help="on an error, also print the traceback (values masked)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("load", help="validate and load contract CSV files from one or more folders")
    p.add_argument("folders", nargs="+", metavar="DIR|SOURCE",
                   help="delivery folders, or with --mapping the source files")
    p.add_argument("--mapping", metavar="FILE",
                   help="load the source files through this mapping (a TOML file or a built-in name)")
    p.add_argument("--db", help="warehouse file (default: settings db_path)")
    p.add_argument("--json", action="store_true", help="print the load report as JSON")
    p.set_defaults(func=_cmd_load)

    p = sub.add_parser("kpi", help="print the KPI table for a period")
    p.add_argument("--db", help="warehouse file (default: settings db_path, var/carekpi.duckdb)")
    p.add_argument("--from", dest="date_from", type=_date, required=True, metavar="DATE",
                   help="first day, YYYY-MM-DD (reporting time zone), included")
    p.add_argument("--to", dest="date_to", type=_date, required=True, metavar="DATE",
                   help="last day, YYYY-MM-DD (reporting time zone), included")
    p.add_argument("--by", nargs="+", action="extend", default=[], choices=DIMENSIONS, metavar="DIM",
                   help=f"group by one or more of: {', '.join(DIMENSIONS)} (repeatable: --by day --by channel)")
    for name in ("partner", "site", "team", "channel", "queue", "agent"):
        p.add_argument(f"--{name}", action="append", default=[], metavar=name.upper(),
                       help=f"keep only this {name} (repeatable)")
    p.add_argument("--include-licensed", action="store_true", help="include contacts handled by licensed staff")
    p.add_argument("--format", choices=("json", "csv", "table"), default="table",
                   help="table for people (units, targets, a total column); csv or json with every numerator "
                        "and denominator, rates as fractions")
    p.set_defaults(func=_cmd_kpi)

    p = sub.add_parser("generate", help="write a realistic synthetic delivery in the contract")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--days", type=int, default=90)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--contacts-per-day", type=int, default=400)
    p.add_argument("--end", type=_date, default=None, help="last day of the data (default: yesterday)")
    p.set_defaults(func=_cmd_generate)

    p = sub.add_parser("report", help="write a partner report (csv, xlsx, html or pdf)")
    p.add_argument("--db")
    p.add_argument("--partner", required=True)
    p.add_argument("--from", dest="date_from", type=_date, required=True, metavar="DATE")
    p.add_argument("--to", dest="date_to", type=_date, required=True, metavar="DATE")
    p.add_argument("--format", choices=("csv", "xlsx", "html", "pdf"), required=True)
    p.add_argument("--out", required=True, metavar="FILE")
    p.add_argument("--user", help="make the report under this user's access (default: unrestricted, for schedulers)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("users", help="add or reset a user of the app")
    users = p.add_subparsers(dest="users_command", required=True)
    q = users.add_parser("add", help="add a user, or reset one's role, scope and password")
    q.add_argument("username")
    q.add_argument("--role", choices=("manager", "partner", "trainer"), required=True)
    q.add_argument("--partner", action="append", default=[], help="a partner this user sees (repeatable)")
    q.add_argument("--team", action="append", default=[], help="a team this user sees (repeatable)")
    q.add_argument("--display-name", default="")
    q.add_argument("--email", help="the e-mail an OpenID Connect log-in maps to this user")
    q.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    q.set_defaults(func=_cmd_users_add)
    q = users.add_parser("demo", help="(re)create the demo users with new random passwords and print them")
    q.set_defaults(func=_cmd_users_demo)

    p = sub.add_parser("bench", help="generate N contacts and measure loads and KPI queries (prints figures)")
    p.add_argument("--contacts", type=int, action="append", metavar="N",
                   help="a size to measure (repeatable; default 1, 10 and 50 million, in turn)")
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--data-dir", default="var/bench", help="where generated deliveries are kept between runs")
    p.add_argument("--out", default=None, help="JSON results file (default bench-results/bench-N[-N...].json)")
    p.add_argument("--pandas-max", type=int, default=10_000_000, metavar="N",
                   help="skip the pandas FCR comparison above N contacts (it holds them all in memory)")
    p.add_argument("--half-history-max", type=int, default=10_000_000, metavar="N",
                   help="skip the incremental day on half the history above N contacts (a second full load)")
    p.add_argument("--warm-runs", type=int, default=15, help="warm runs of each KPI query (p50 and p95 of them)")
    p.set_defaults(func=_cmd_bench)
    mapping_preview.register(sub)
    alerts_cli.register(sub)
    delivery_cli.register(sub)
    coaching_cli.register(sub)
    build_cli.register(sub)
    return parser


def _cmd_load(args: argparse.Namespace) -> int:
    from etl.mapping import load_mapping

    settings = _settings(args)
    with recorded(settings) as outcome:  # a failed load raises a notice to managers (etl/alerts/notices.py)
        mapping = load_mapping(args.mapping) if args.mapping else None
        report = load([Path(f) for f in args.folders], settings, mapping=mapping)
        outcome["load_id"] = report.load_id
    print(report.to_json() if args.json else format_report(report))
    return 0


def format_report(report: LoadReport) -> str:
    lines = [f"load {report.load_id} into {report.db_path}"]
    lines.append(f"{'file':<44} {'read':>9} {'loaded':>9} {'replaced':>9} {'quarantined':>11}")
    for f in report.files:
        lines.append(f"{f.file[-44:]:<44} {f.rows_read:>9} {f.loaded:>9} {f.replaced:>9} {f.quarantined:>11}")
        lines += [f"    {count:>7}  {reason}" for reason, count in f.reasons.items()]
        lines += [f"    note: {note}" for note in f.notes]
    if report.unmapped_queues:
        lines.append(f"queues not in queues.csv (counted in totals, no partner): {', '.join(report.unmapped_queues)}")
    if report.unknown_agents:
        lines.append(f"agent ids not in agents.csv (attributed through their queue): "
                     f"{', '.join(report.unknown_agents[:20])}")
    lines.append(f"unmatched surveys: {report.unmatched_surveys}; "
                 f"unmatched QA evaluations: {report.unmatched_qa_evaluations}")
    if report.uncatalogued_qa_items:
        lines.append(f"QA items outside the catalogue (loaded, not scored): {', '.join(report.uncatalogued_qa_items)}")
    lines.append(f"latest contact (FCR horizon): {report.horizon}")
    return "\n".join(lines)


def _cmd_kpi(args: argparse.Namespace) -> int:
    from etl.kpi_cli import check_dates, check_names, format_table

    settings = _settings(args)
    check_dates(args.date_from, args.date_to)
    filters = Filters(date_from=args.date_from, date_to=args.date_to, partners=args.partner, sites=args.site,
                      teams=args.team, channels=args.channel, queues=args.queue, agents=args.agent)
    by = list(dict.fromkeys(args.by))
    con = connect_read_only(settings.db_path)
    try:
        check_names(con, filters)
        table = kpi_table(con, filters, by, settings, include_licensed=args.include_licensed or None)
        total = kpi_table(con, filters, (), settings, include_licensed=args.include_licensed or None) \
            if by and args.format == "table" else None
    finally:
        con.close()
    if args.format == "json":
        print(json.dumps([_clean(row) for row in table.to_dict(orient="records")], indent=2))
    elif args.format == "csv":
        print(table.map(neutralise).to_csv(index=False), end="")  # inert in a spreadsheet, like the reports
    else:
        print(format_table(table, by, settings, total))
    return 0


def _clean(row: dict) -> dict:
    out = {}
    for key, value in row.items():
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
            out[key] = None
        elif hasattr(value, "item"):
            out[key] = value.item()
        else:
            out[key] = value
    return out


def _cmd_generate(args: argparse.Namespace) -> int:
    from etl.generate import generate

    end = args.end or (dt.date.today() - dt.timedelta(days=1))
    counts = generate(Path(args.out), days=args.days, seed=args.seed,
                      contacts_per_day=args.contacts_per_day, end=end)
    print(", ".join(f"{name}: {n} rows" for name, n in counts.items()))
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    import getpass

    from etl import audit
    from etl.access import load_users, scope_for
    from etl.reports import render, report_data

    settings = _settings(args)
    if args.user:
        user = load_users(settings.users_file).get(args.user)
        if user is None:
            raise ValueError(f"unknown user {args.user!r}")
        scope, who, role = scope_for(user), user.username, user.role
    else:
        scope, who, role = None, f"cli:{getpass.getuser()}", "scheduler"
    con = connect_read_only(settings.db_path)
    try:
        data = report_data(con, args.partner, Filters(date_from=args.date_from, date_to=args.date_to), settings,
                           scope)
    finally:
        con.close()
    write_out(Path(args.out), render(data, args.format))  # refuses folders, devices, symbolic links; 0600
    audit.record(settings.audit_log, who, role, "export", format=args.format, file=str(args.out),
                 filters=data.filter_summary())
    print(f"wrote {args.out}")
    return 0


def _cmd_users_add(args: argparse.Namespace) -> int:
    import getpass

    from etl.access import User, add_user

    settings = _settings(args)
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else (
        getpass.getpass(f"password for {args.username}: ") if sys.stdin.isatty() else None)
    user = User(username=args.username, role=args.role, partners=args.partner, teams=args.team,
                display_name=args.display_name, email=args.email)
    add_user(settings.users_file, user, password, settings.password_min_score)
    print(f"saved user {args.username} ({args.role}) in {settings.users_file}")
    return 0


DEMO_USERS = (
    ("manager", "manager", [], [], "Morgan"),
    ("northwind", "partner", ["Northwind Support"], [], "Northwind Support"),
    ("trainer", "trainer", [], ["Scheduling", "Referrals"], "Taylor"),
)


def _cmd_users_demo(args: argparse.Namespace) -> int:
    import secrets

    from etl.access import User, WeakPassword, add_user, check_password

    settings = _settings(args)
    print("demo users (passwords are new each time):")
    for username, role, partners, teams, name in DEMO_USERS:
        user = User(username=username, role=role, partners=partners, teams=teams, display_name=name,
                    email=f"{username}@example.org")  # reserved for examples: the README's subscriptions work
        while True:  # a random password that the strength rule accepts
            password = secrets.token_urlsafe(12)
            try:
                check_password(password, user, settings.password_min_score)
                break
            except WeakPassword:
                continue
        add_user(settings.users_file, user, password, settings.password_min_score)
        print(f"  {username:<10} {password:<14} {role}: {', '.join(partners + teams) or 'everything'}")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from etl.bench import run

    sizes = args.contacts or [1_000_000, 10_000_000, 50_000_000]
    out = Path(args.out or f"bench-results/bench-{'-'.join(str(n) for n in sizes)}.json")
    run(sizes, args.days, Path(args.data_dir), out, args.pandas_max, args.half_history_max, args.warm_runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
