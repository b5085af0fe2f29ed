"""`carekpi serve-scheduler`: the subscriptions' schedule run in-process by APScheduler, for machines without
cron. One job ticks every delivery.tick_seconds and runs the same idempotent `deliver_due` as
`carekpi deliver --due`: it sends each subscription's latest cron slot once (the delivery log says what was sent,
so a tick that overlaps a cron run, or a restart, sends nothing twice) and new load and freshness notices. The
subscriptions file is read at each tick, so a change needs no restart."""

from __future__ import annotations

import datetime as dt
import logging

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from etl.delivery.deliver import deliver_due
from etl.settings import Settings

LOG = logging.getLogger("carekpi.scheduler")


def scheduler(settings: Settings, scheduler_class=BlockingScheduler):
    """A scheduler holding the delivery job (not started)."""
    runner = scheduler_class(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1,
                                                           "misfire_grace_time": 300})
    runner.add_job(tick, IntervalTrigger(seconds=settings.delivery.tick_seconds), args=(settings,), id="deliver",
                   name="deliver what is due")
    return runner


def tick(settings: Settings, now: dt.datetime | None = None) -> None:
    """One run of `deliver_due` at `now` (the clock when None); a failure is logged, not raised."""
    try:
        summary = deliver_due(settings, now)
        LOG.info("deliveries: %s", summary.text())
    except Exception as exc:  # noqa: BLE001 - a failed tick is logged; the schedule keeps running
        LOG.error("delivery run failed: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
