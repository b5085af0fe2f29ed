"""`carekpi deliver --due` and `carekpi serve-scheduler`."""

from __future__ import annotations

import argparse
import datetime as dt
import logging


def register(subparsers) -> None:
    p = subparsers.add_parser("deliver", help="send the subscriptions that are due (once per cron slot)")
    action = p.add_mutually_exclusive_group(required=True)
    action.add_argument("--due", action="store_true",
                        help="send every subscription whose latest slot has not been sent (run it from cron)")
    action.add_argument("--check", action="store_true",
                        help="check the subscriptions file (users, cron, saved views each recipient may see) and "
                             "list it; send nothing")
    p.add_argument("--db", help="warehouse file (default: settings db_path)")
    p.add_argument("--only", action="append", default=[], metavar="NAME", help="only this subscription (repeatable)")
    p.add_argument("--now", type=_moment, help=argparse.SUPPRESS)  # for tests and replays: an ISO time with offset
    p.set_defaults(func=_cmd_deliver)

    p = subparsers.add_parser("serve-scheduler", help="run the subscriptions' schedule in-process (no cron needed)")
    p.add_argument("--db", help="warehouse file (default: settings db_path)")
    p.set_defaults(func=_cmd_serve)


def _moment(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO time") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no UTC offset")
    return moment


def _cmd_deliver(args: argparse.Namespace) -> int:
    from etl.cli import _settings
    from etl.delivery.deliver import deliver_due

    if args.check:
        print(check_text(_settings(args), args.now))
        return 0
    summary = deliver_due(_settings(args), now=args.now, only=args.only or None)
    print(summary.text())
    return 1 if summary.failed else 0


def check_text(settings, now: dt.datetime | None = None) -> str:
    """The subscriptions file checked as `deliver --check` does (ValueError on the first problem), one line each."""
    from etl.access import load_users
    from etl.delivery.schedule import next_slot
    from etl.delivery.subscriptions import load_subscriptions, subscriptions_file

    users = load_users(settings.users_file)
    path = subscriptions_file(settings)
    subs = load_subscriptions(path, users, views_of=settings.users_file)
    now = now or dt.datetime.now(dt.UTC)
    lines = [f"{path.name}: {len(subs)} subscription(s), all valid"]
    for sub in subs:
        what = f"view {sub.view!r} of {sub.view_owner or sub.user}" if sub.what == "view" else sub.what
        lines.append(f"  {sub.name}: {what} to {sub.user} by {sub.how}, next {next_slot(sub, now):%Y-%m-%d %H:%M} UTC")
    return "\n".join(lines)


def _cmd_serve(args: argparse.Namespace) -> int:
    from etl.cli import _settings
    from etl.delivery.scheduler import scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    runner = scheduler(_settings(args))
    print(f"carekpi scheduler: {len(runner.get_jobs())} jobs; Ctrl-C to stop")
    try:
        runner.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    return 0
