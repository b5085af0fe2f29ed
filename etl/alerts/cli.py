"""`carekpi alerts`: evaluate the alert rules for one day after a load and print what fired (table or JSON)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from etl import views
from etl.access import load_users, scope_for
from etl.alerts.evaluate import evaluate, kpi_source
from etl.alerts.notices import notices
from etl.alerts.rules import load_rules
from etl.defaults import period_label
from etl.display import display_name
from etl.drilldown import label
from etl.kpis import Filters, Scope
from etl.settings import Settings
from etl.warehouse import connect_read_only


def register(subparsers) -> None:
    from etl.cli import _date

    p = subparsers.add_parser("alerts", help="evaluate the alert rules for a day and print what fired")
    p.add_argument("--db", help="warehouse file (default: settings db_path)")
    p.add_argument("--for", dest="day", type=_date, metavar="DATE",
                   help="the day to judge (default: yesterday, or the latest day with data if earlier)")
    p.add_argument("--rules", metavar="FILE", help="TOML rules file (default: settings alerts.rules_file, else "
                                                   "the built-in defaults)")
    p.add_argument("--user", help="evaluate under this user's access (default: everything)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.set_defaults(func=_cmd_alerts)


def default_day(last_day: dt.date | None, settings: Settings, now: dt.datetime | None = None) -> dt.date:
    """Yesterday in the reporting time zone, or the latest day with data when the data ends earlier."""
    today = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(settings.reporting_timezone)).date()
    yesterday = today - dt.timedelta(days=1)
    return min(yesterday, last_day) if last_day else yesterday


def run_alerts(settings: Settings, day: dt.date | None, rules_file: Path | None, scope: Scope | None,
               with_notices: bool) -> dict:
    """The day judged, the alerts that fired (as dicts with their drill-down link) and the notices."""
    rules = load_rules(rules_file if rules_file is not None else settings.alerts.rules_file, settings)
    con = connect_read_only(settings.db_path)
    try:
        if day is None:
            last = views.freshness(con, scope)["last_day"]
            day = default_day(None if last is None or pd.isna(last) else pd.Timestamp(last).date(), settings)
        fired = evaluate(rules, kpi_source(con, settings, scope), settings, day, day)
    finally:
        con.close()
    base = settings.delivery.app_base_url
    return {"day": day.isoformat(), "rules": len(rules),
            "alerts": [a.to_dict(base, settings.display_names) for a in fired],
            "notices": [n.to_dict() for n in notices(settings)] if with_notices else []}


def _cmd_alerts(args: argparse.Namespace) -> int:
    from etl.cli import _settings

    settings = _settings(args)
    scope, managers_view = None, True
    if args.user:
        user = load_users(settings.users_file).get(args.user)
        if user is None:
            raise ValueError(f"unknown user {args.user!r}")
        scope, managers_view = scope_for(user), user.role == "manager"
    result = run_alerts(settings, args.day, Path(args.rules) if args.rules else None, scope, managers_view)
    if args.format == "json":
        print(json.dumps(result, indent=2))
    else:
        print(format_alerts(result, settings.display_names))
    return 0


def format_alerts(result: dict, names: dict[str, str] | None = None) -> str:
    day = dt.date.fromisoformat(result["day"])
    lines = [f"alerts for {day:%a %d %b %Y}: {len(result['alerts'])} fired ({result['rules']} rules)"]
    for notice in result["notices"]:
        lines.append(f"NOTICE {notice['kind']}: {notice['message']}")
    for alert in result["alerts"]:
        lines.append(f"- [{alert['rule']}] {alert['message']}")
        lines.append(f"    view: {alert['link']}")
        contacts = alert["contacts"]
        if contacts is None:
            lines.append("    contacts: no drill-down for this KPI")
            continue
        lines.append(f"    contacts: {contacts_text(contacts, names)}")
        lines.append(f"      {alert['contacts_link']}")
    return "\n".join(lines)


def contacts_text(contacts: dict, names: dict[str, str] | None = None) -> str:
    """An alert's kpi_contacts arguments in one line, in display names as on the screens:
    'Service level; Wed 07 Jan 2026, 09:00–09:59; queue Billing' (the JSON output keeps the ids)."""
    filters = dict(contacts["filters"])
    start, end = (dt.date.fromisoformat(filters.pop(k)) for k in ("date_from", "date_to"))
    when = f"{start:%a %d %b %Y}" if start == end else period_label(Filters(date_from=start, date_to=end))
    if "hour" in contacts:
        when += f", {contacts['hour']:02d}:00–{contacts['hour']:02d}:59"
    groups = [f"{k.removesuffix('s') if len(values) == 1 else k} {', '.join(display_name(v, names) for v in values)}"
              if isinstance(values, list) else f"{k} {values}" for k, values in filters.items()]
    return "; ".join([label(contacts["kpi"], names), when, *groups])
