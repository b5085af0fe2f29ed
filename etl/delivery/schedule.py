"""Cron slots: the latest time a subscription's cron expression fired at or before now, in its time zone
(croniter does the calendar arithmetic with standard cron semantics — day of week 0 or 7 is Sunday — and the
time zone's daylight-saving changes). A slot is due until it is sent or failed, or once it is older than
settings.delivery.catch_up_hours (a machine that was off does not send a week of digests on waking)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from croniter import croniter

from etl.delivery.subscriptions import Subscription


def latest_slot(sub: Subscription, now: dt.datetime) -> dt.datetime:
    """The latest fire time ≤ now, in UTC."""
    local = (now + dt.timedelta(seconds=1)).astimezone(ZoneInfo(sub.timezone))
    return croniter(sub.when, local).get_prev(dt.datetime).astimezone(dt.UTC)


def next_slot(sub: Subscription, now: dt.datetime) -> dt.datetime:
    """The first fire time after now, in UTC."""
    return croniter(sub.when, now.astimezone(ZoneInfo(sub.timezone))).get_next(dt.datetime).astimezone(dt.UTC)


def due(subs: list[Subscription], now: dt.datetime, catch_up_hours: float) -> list[tuple[Subscription, dt.datetime]]:
    """Each subscription with its latest slot, when that slot is within the catch-up window."""
    found = []
    for sub in subs:
        slot = latest_slot(sub, now)
        if now.astimezone(dt.UTC) - slot <= dt.timedelta(hours=catch_up_hours):
            found.append((sub, slot))
    return found
