"""Send everything due: each subscription's latest cron slot once (claimed in the delivery log first), with retries
and exponential back-off; a delivery that fails its last try is logged as failed, audited, and reported to every
manager. New load and freshness notices go to the managers once each. Every delivery is audited (etl/audit.py)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from etl import audit
from etl.access import User, load_users
from etl.alerts.notices import Notice, notices
from etl.delivery import log
from etl.delivery.digest import build
from etl.delivery.message import compose, notice_message, notices_message
from etl.delivery.schedule import due
from etl.delivery.subscriptions import Subscription, load_subscriptions, subscriptions_file
from etl.delivery.transport import SendError, drop, one_line, send_smtp
from etl.settings import Settings
from etl.warehouse import connect_read_only

SCHEDULER = "scheduler"


@dataclass
class RunSummary:
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already sent, being sent, or failed in this slot
    failed: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def text(self) -> str:
        return (f"sent {len(self.sent)}, already done {len(self.skipped)}, failed {len(self.failed)}, "
                f"notices {len(self.notices)}" + "".join(f"\n  failed: {name}" for name in self.failed))


def drop_folder(settings: Settings) -> Path:
    return settings.delivery.drop_folder or Path(settings.users_file).with_name("outbox")


def deliver_due(settings: Settings, now: dt.datetime | None = None, only: list[str] | None = None,
                sleep: Callable[[float], None] = time.sleep) -> RunSummary:
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    users = load_users(settings.users_file)
    path = subscriptions_file(settings)
    # no subscriptions file where none was configured: no subscriptions, and the notices still go to managers
    missing = settings.delivery.subscriptions_file is None and not path.exists()
    subs = [] if missing else load_subscriptions(path, users)
    if only:
        unknown = sorted(set(only) - {s.name for s in subs})
        if unknown:
            raise ValueError(f"no subscription named {', '.join(map(repr, unknown))}")
        subs = [s for s in subs if s.name in only]
    summary = RunSummary()
    current = notices(settings, now)
    pending = due(subs, now, settings.delivery.catch_up_hours)
    if pending:
        con = connect_read_only(settings.db_path)
        try:
            for sub, slot in pending:
                _deliver_one(con, sub, slot, users[sub.user], settings, now, current, sleep, summary)
        finally:
            con.close()
    send_notices(settings, users, current, now, summary)
    return summary


def _deliver_one(con: duckdb.DuckDBPyConnection, sub: Subscription, slot: dt.datetime, user: User,
                 settings: Settings, now: dt.datetime, current: list[Notice], sleep, summary: RunSummary) -> None:
    path = log.log_file(settings)
    if not log.claim(path, sub.name, slot, user.username, now):
        summary.skipped.append(sub.name)
        return
    attempts, via, error, period = 0, None, None, None
    try:
        content = build(con, sub, user, settings, slot, current)
        period = content.period
        message = compose(content, settings.delivery.smtp.sender, user.email or "")
    except Exception as exc:  # noqa: BLE001 - any failure to build is a failed delivery, reported below
        error = f"could not build the message: {one_line(exc)}"
    else:
        for attempt in range(settings.delivery.retries):
            attempts += 1
            try:
                via = _send(message, sub, settings, f"{sub.name}-{slot:%Y%m%dT%H%MZ}")
                error = None
                break
            except SendError as exc:
                error = str(exc)
                if attempt + 1 < settings.delivery.retries:
                    sleep(settings.delivery.backoff_seconds * 2 ** attempt)
    outcome = "sent" if error is None else "failed"
    log.finish(path, sub.name, slot, outcome, attempts, via, error, dt.datetime.now(dt.UTC))
    audit.record(settings.audit_log, SCHEDULER, SCHEDULER, "delivery", subscription=sub.name,
                 recipient=user.username, slot=slot.isoformat(), status=outcome, attempts=attempts, via=via,
                 what=sub.what, formats=sub.formats,
                 filters=period.model_dump(mode="json") if period is not None else None, error=error)
    (summary.sent if outcome == "sent" else summary.failed).append(sub.name)
    if outcome == "failed":
        lines = [f"The delivery of subscription {sub.name} ({sub.what}) to user {user.username} for the slot "
                 f"{slot:%Y-%m-%d %H:%M} UTC failed after {attempts} tries: {error}.",
                 "It is listed on the Data quality page and will not be retried for this slot."]
        to_managers(settings, load_users(settings.users_file), f"carekpi: delivery failed ({sub.name})", lines,
                    f"failed-{sub.name}-{slot:%Y%m%dT%H%MZ}")


def _send(message, sub: Subscription, settings: Settings, name: str) -> str:
    if sub.how == "folder" or not settings.delivery.smtp.host:
        drop(message, drop_folder(settings) / sub.name, name)
        return "folder"
    send_smtp(message, settings.delivery.smtp)
    return "smtp"


def to_managers(settings: Settings, users: dict[str, User], subject: str, lines: list[str], name: str,
                notices_list: list[Notice] | None = None) -> list[str]:
    """Send a notice to every manager with an e-mail address (SMTP once each; on failure, or without SMTP, into
    the drop folder's notices/ so it is never lost). Returns how each went."""
    managers = [u for u in users.values() if u.role == "manager"]
    sender = settings.delivery.smtp.sender
    ways = []
    for manager in managers or [None]:
        address = manager.email if manager else None
        message = (notices_message(notices_list, sender, address or "managers") if notices_list
                   else notice_message(subject, lines, sender, address or "managers"))
        way = "folder"
        if address and settings.delivery.smtp.host:
            try:
                send_smtp(message, settings.delivery.smtp)
                way = "smtp"
            except SendError:
                way = "folder"
        if way == "folder":
            drop(message, drop_folder(settings) / "notices", f"{name}-{manager.username if manager else 'managers'}")
        ways.append(way)
        audit.record(settings.audit_log, SCHEDULER, SCHEDULER, "notice", subject=subject,
                     recipient=manager.username if manager else None, via=way)
    return ways


def send_notices(settings: Settings, users: dict[str, User], current: list[Notice], now: dt.datetime,
                 summary: RunSummary) -> None:
    """The notices not sent before, in one message to the managers."""
    path = log.log_file(settings)
    new = [n for n in current if log.claim_notice(path, n.key, n.kind, now)]
    if new:
        to_managers(settings, users, "carekpi notice", [], f"notice-{now:%Y%m%dT%H%M%SZ}", new)
        summary.notices += [n.key for n in new]
