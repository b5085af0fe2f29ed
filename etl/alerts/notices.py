"""Load and freshness notices for managers: the last load attempt failed, the latest load quarantined more than
settings.alerts.quarantine_share of its rows, or the latest contact is older than settings.alerts.freshness_hours.
Each notice has a stable key, so a delivery sends it once."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import pandas as pd

from etl import sqlfiles, views
from etl.alerts.load_outcomes import outcomes
from etl.settings import Settings
from etl.warehouse import connect_read_only


@dataclass(frozen=True)
class Notice:
    kind: str  # load_failed | quarantine | stale
    key: str  # the same condition keeps the same key (one delivery per key)
    message: str
    value: float | None = None
    limit: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def notices(settings: Settings, now: dt.datetime | None = None) -> list[Notice]:
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    found = _failed_load(settings)
    if not settings.db_path.is_file():
        return found + [Notice("stale", "stale:no-warehouse", f"no warehouse at {settings.db_path}: nothing loaded")]
    con = connect_read_only(settings.db_path)
    try:
        latest = sqlfiles.query(con, "queries/latest_load_quality.sql")
        fresh = views.freshness(con)
    finally:
        con.close()
    if len(latest):
        row = latest.iloc[0]
        read, quarantined = int(row["rows_read"]), int(row["quarantined"])
        share = quarantined / read if read else 0.0
        if share > settings.alerts.quarantine_share:
            found.append(Notice(
                "quarantine", f"quarantine:{int(row['load_id'])}",
                f"load {int(row['load_id'])} quarantined {quarantined:,} of {read:,} rows ({share:.1%}), above "
                f"{settings.alerts.quarantine_share:.1%}: see the Data quality page", share,
                settings.alerts.quarantine_share))
    latest_contact = fresh.get("latest_contact_at")
    if latest_contact is None or pd.isna(latest_contact):
        found.append(Notice("stale", "stale:empty", "the warehouse holds no contacts"))
    else:
        stamp = pd.Timestamp(latest_contact).tz_localize("UTC")
        age = (pd.Timestamp(now) - stamp).total_seconds() / 3600
        if age > settings.alerts.freshness_hours:
            found.append(Notice(
                "stale", f"stale:{stamp:%Y-%m-%dT%H:%M:%S}",
                f"the latest contact is {age:,.0f} hours old ({stamp:%Y-%m-%d %H:%M} UTC), beyond the freshness "
                f"target of {settings.alerts.freshness_hours:g} hours", age, settings.alerts.freshness_hours))
    return found


def _failed_load(settings: Settings) -> list[Notice]:
    attempts = outcomes(settings)
    if not attempts or attempts[-1]["ok"]:
        return []
    last = attempts[-1]
    return [Notice("load_failed", f"load_failed:{last['at']}",
                   f"the load at {last['at']} failed and changed nothing: {last['error']}")]
