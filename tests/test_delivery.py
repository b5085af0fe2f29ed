"""Subscriptions delivered to a real SMTP server running in-process (aiosmtpd, STARTTLS with a test CA, log-in
required) on 127.0.0.1: one message per recipient per slot, scoped content, attachments equal to kpi_table(),
retries and the failure notice, the folder drop, notices to managers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import socket
import ssl
import stat
from email import message_from_bytes, policy

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from conftest import ROOT

from etl import audit
from etl.access import User, add_user
from etl.cli import main
from etl.delivery import log
from etl.delivery.deliver import deliver_due
from etl.delivery.schedule import due, latest_slot, next_slot
from etl.delivery.subscriptions import Subscription, load_subscriptions
from etl.kpis import KPI_BY_NAME, Filters, Scope, kpi_table
from etl.reports import rounded
from etl.saved_views import SavedView, save_view, views_file
from etl.warehouse import connect_read_only

NOW = dt.datetime(2026, 11, 23, 7, 5, tzinfo=dt.UTC)  # the sample data ends on 22 Nov 2026
YESTERDAY = dt.date(2026, 11, 22)
PARTNERS = ("CareCentre", "Harbor BPO", "Northwind Support")
SUBSCRIPTIONS = """
[[subscription]]
name = "manager-daily"
user = "boss"
what = "digest"
when = "0 7 * * *"
timezone = "UTC"
formats = ["csv"]

[[subscription]]
name = "northwind-daily"
user = "nw"
what = "digest"
when = "0 7 * * *"
formats = ["csv", "xlsx"]

[[subscription]]
name = "northwind-scorecard"
user = "nw"
what = "report"
when = "0 7 * * 1"        # Mondays; 23 Nov 2026 is a Monday
period = "last_week"
formats = ["csv", "html"]

[[subscription]]
name = "harbor-daily"
user = "hb"
what = "digest"
when = "0 7 * * *"
"""
RULES = """
[[rule]]
name = "service level per partner"
kpi = "service_level"
condition = "target"
by = "partner"
level = "amber"
min_n = 5

[[rule]]
name = "abandonment limits per queue"
kpi = "abandon_rate"
condition = "limits"
by = "queue"
"""


class Recorder:
    """An aiosmtpd handler that keeps every message and refuses the addresses in `refuse`."""

    def __init__(self):
        self.messages: list[tuple[list[str], object]] = []
        self.refuse: set[str] = set()
        self.rcpt_tries: dict[str, int] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_tries[address] = self.rcpt_tries.get(address, 0) + 1
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for rcpt, m in self.messages if address in rcpt]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _authenticate(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=auth_data.login == b"carekpi" and auth_data.password == b"smtp-secret-1")


@pytest.fixture
def smtp(tmp_path):
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    handler = Recorder()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port(), tls_context=server_context,
                            require_starttls=True, auth_require_tls=True, authenticator=_authenticate)
    controller.start()
    try:
        yield handler, controller.port, ca_file
    finally:
        controller.stop()


@pytest.fixture
def setup(tmp_path, sample_db, smtp, monkeypatch):
    handler, port, ca_file = smtp
    users = tmp_path / "users.toml"
    for user in (User(username="boss", role="manager", email="boss@centre.test"),
                 User(username="nw", role="partner", partners=["Northwind Support"], email="ops@northwind.test"),
                 User(username="hb", role="partner", partners=["Harbor BPO"], email="ops@harbor.test")):
        add_user(users, user, None)
    (tmp_path / "subscriptions.toml").write_text(SUBSCRIPTIONS)
    (tmp_path / "rules.toml").write_text(RULES)
    env = {"USERS_FILE": users, "AUDIT_LOG": tmp_path / "audit.jsonl", "DB_PATH": sample_db.db_path,
           "PSEUDONYM_KEY": sample_db.pseudonym_key.get_secret_value(),
           "DELIVERY__SMTP__HOST": "127.0.0.1", "DELIVERY__SMTP__PORT": port,
           "DELIVERY__SMTP__USERNAME": "carekpi", "DELIVERY__SMTP__PASSWORD": "smtp-secret-1",
           "DELIVERY__SMTP__CA_FILE": ca_file, "DELIVERY__SMTP__SENDER": "carekpi@centre.test",
           "DELIVERY__BACKOFF_SECONDS": 0, "DELIVERY__APP_BASE_URL": "https://kpi.centre.test",
           "ALERTS__FRESHNESS_HOURS": 100000, "ALERTS__RULES_FILE": tmp_path / "rules.toml"}
    for name, value in env.items():
        monkeypatch.setenv(f"CAREKPI_{name}", str(value))
    from etl.settings import Settings

    return Settings(), handler


def _csv(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data if isinstance(data, str) else data.decode("utf-8"))))


def _attachments(message) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def _text(message) -> str:
    return message.get_body(("plain",)).get_content() + message.get_body(("html",)).get_content()


def test_one_message_per_recipient_per_slot_scoped_with_attachments_equal_to_kpi_table(setup):
    settings, server = setup
    first = deliver_due(settings, now=NOW)
    assert first.failed == [], log.deliveries(log.log_file(settings))["error"].tolist()
    assert sorted(first.sent) == ["harbor-daily", "manager-daily", "northwind-daily", "northwind-scorecard"]
    assert main(["deliver", "--due", "--now", NOW.isoformat()]) == 0  # the same slot again: nothing new
    assert deliver_due(settings, now=NOW + dt.timedelta(minutes=50)).skipped == first.sent
    assert len(server.messages) == 4
    assert [len(server.to(a)) for a in ("boss@centre.test", "ops@northwind.test", "ops@harbor.test")] == [1, 2, 1]

    con = connect_read_only(settings.db_path)
    try:
        day = Filters(date_from=YESTERDAY, date_to=YESTERDAY)
        mine = kpi_table(con, day, (), settings, Scope(partners=["Northwind Support"])).iloc[0]
        week = Filters(date_from=dt.date(2026, 11, 16), date_to=YESTERDAY, partners=["Northwind Support"])
        scorecard = kpi_table(con, week, (), settings, Scope(partners=["Northwind Support"])).iloc[0]
        everything = kpi_table(con, day, (), settings, None).iloc[0]
    finally:
        con.close()

    digest, report = sorted(server.to("ops@northwind.test"), key=lambda m: m["Subject"])
    assert digest["Subject"].startswith("carekpi digest: 22 Nov 2026")
    text = _text(digest)
    for other in ("CareCentre", "Harbor BPO"):
        assert other not in text and other.encode() not in digest.as_bytes()
    assert "partner Northwind Support" in text
    assert "https://kpi.centre.test/?period=Custom&dates=2026-11-22&dates=2026-11-22" in text
    files = _attachments(digest)
    assert sorted(files) == ["kpis-2026-11-22-2026-11-22.csv", "kpis-2026-11-22-2026-11-22.xlsx"]
    summary = {r["kpi"]: r for r in _csv(files["kpis-2026-11-22-2026-11-22.csv"]) if r["section"] == "summary"}
    assert float(summary["contacts_handled"]["value"]) == mine["contacts_handled"]
    # files carry values rounded as etl.reports.DECIMALS says (rates to 4 decimals)
    assert float(summary["service_level"]["value"]) == rounded(KPI_BY_NAME["service_level"], mine["service_level"])
    assert float(summary["service_level"]["denominator"]) == mine["service_level_den"]
    assert f"{mine['service_level'] * 100:.1f}%" in digest.get_body(("plain",)).get_content()

    files = _attachments(report)
    assert sorted(files) == ["scorecard-northwind-support-2026-11-16-2026-11-22.csv",
                             "scorecard-northwind-support-2026-11-16-2026-11-22.html"]
    rows = _csv(files["scorecard-northwind-support-2026-11-16-2026-11-22.csv"])
    headline = {r["kpi"]: r for r in rows if r["section"] == "summary"}
    for name in ("contacts_offered", "service_level", "abandon_rate", "aht_seconds", "csat_top2_rate"):
        assert float(headline[name]["value"]) == rounded(KPI_BY_NAME[name], float(scorecard[name])), name
    assert {r["partner"] for r in rows} == {"Northwind Support"}

    manager = server.to("boss@centre.test")[0]
    body = manager.get_body(("plain",)).get_content()
    assert f"{everything['contacts_offered']:,.0f}" in body
    assert manager.get_body(("html",)) is not None and manager["Auto-Submitted"] == "auto-generated"

    assert stat.S_IMODE(os.stat(log.log_file(settings)).st_mode) == 0o600
    sent = log.deliveries(log.log_file(settings))
    assert sorted(sent["status"]) == ["sent"] * 4 and set(sent["via"]) == {"smtp"}
    audited = [e for e in audit.entries(settings.audit_log) if e["action"] == "delivery"]
    assert sorted((e["subscription"], e["status"], e["attempts"]) for e in audited) == [
        ("harbor-daily", "sent", 1), ("manager-daily", "sent", 1), ("northwind-daily", "sent", 1),
        ("northwind-scorecard", "sent", 1)]


def test_no_patient_reference_in_any_message(setup):
    settings, server = setup
    deliver_due(settings, now=NOW)
    refs = set()
    for name in ("calls.csv", "chats.csv"):
        with open(ROOT / "sample_data" / name, newline="") as handle:
            refs |= {row["patient_ref"] for row in csv.DictReader(handle) if row["patient_ref"]}
    con = connect_read_only(settings.db_path)
    try:
        pseudonyms = {r for (r,) in con.execute("select distinct patient_pseudonym from contacts "
                                                 "where patient_pseudonym is not null").fetchall()}
    finally:
        con.close()
    words = set()
    for _, message in server.messages:
        for part in message.walk():
            if not part.is_multipart():
                content = part.get_content()
                text = content if isinstance(content, str) else content.decode("latin-1")
                words |= set(re.findall(r"[A-Za-z0-9_+/=-]+", text))
    assert len(refs) > 1000 and len(pseudonyms) > 1000
    assert words & refs == set() and words & pseudonyms == set()


def test_a_refused_recipient_is_retried_then_reported_to_managers_and_kept_for_data_quality(setup):
    settings, server = setup
    server.refuse.add("ops@harbor.test")
    summary = deliver_due(settings, now=NOW)
    assert summary.failed == ["harbor-daily"]
    assert server.rcpt_tries["ops@harbor.test"] == settings.delivery.retries == 3
    failed = log.deliveries(log.log_file(settings), "failed")
    assert failed[["subscription", "attempts", "error"]].values.tolist() == [
        ["harbor-daily", 3, "recipient refused (SMTP 550)"]]
    notices = [m for m in server.to("boss@centre.test") if "delivery failed" in m["Subject"]]
    assert len(notices) == 1
    assert "harbor-daily" in notices[0].get_body(("plain",)).get_content()
    assert "after 3 tries" in notices[0].get_body(("plain",)).get_content()
    deliver_due(settings, now=NOW + dt.timedelta(minutes=5))  # final for the slot: no more tries, no more notices
    assert server.rcpt_tries["ops@harbor.test"] == 3
    assert len([m for m in server.to("boss@centre.test") if "delivery failed" in m["Subject"]]) == 1
    assert [e["status"] for e in audit.entries(settings.audit_log) if e.get("subscription") == "harbor-daily"] \
        == ["failed"]


def test_backoff_doubles_between_tries(setup):
    settings, server = setup
    server.refuse.add("ops@harbor.test")
    waits = []
    slow = settings.model_copy(update={"delivery": settings.delivery.model_copy(update={"backoff_seconds": 30})})
    deliver_due(slow, now=NOW, only=["harbor-daily"], sleep=waits.append)
    assert waits == [30, 60]


def test_without_smtp_everything_goes_to_the_drop_folder_once_per_slot(setup, tmp_path, monkeypatch):
    settings, server = setup
    monkeypatch.delenv("CAREKPI_DELIVERY__SMTP__HOST")
    from etl.settings import Settings

    settings = Settings()
    deliver_due(settings, now=NOW)
    deliver_due(settings, now=NOW + dt.timedelta(minutes=1))
    outbox = tmp_path / "outbox"
    files = sorted(p.relative_to(outbox).as_posix() for p in outbox.rglob("*.eml"))
    assert files == ["harbor-daily/harbor-daily-20261123T0700Z.eml", "manager-daily/manager-daily-20261123T0700Z.eml",
                     "northwind-daily/northwind-daily-20261123T0700Z.eml",
                     "northwind-scorecard/northwind-scorecard-20261123T0700Z.eml"]
    assert {stat.S_IMODE(os.stat(outbox / f).st_mode) for f in files} == {0o600}
    assert server.messages == []


def test_load_and_freshness_notices_reach_managers_once(setup, monkeypatch):
    settings, server = setup
    monkeypatch.setenv("CAREKPI_ALERTS__FRESHNESS_HOURS", "36")
    monkeypatch.setenv("CAREKPI_DELIVERY__CATCH_UP_HOURS", "1")
    from etl.settings import Settings

    settings = Settings()
    later = NOW + dt.timedelta(days=3, hours=2)  # no slot due (catch-up 1 h), the data is 3 days old
    sent = deliver_due(settings, now=later)
    assert sent.sent == [] and len(sent.notices) == 1 and sent.notices[0].startswith("stale:2026-11-22T")
    notices = [m for m in server.to("boss@centre.test") if m["Subject"].startswith("carekpi notice")]
    assert len(notices) == 1 and "beyond the freshness target of 36 hours" in notices[0].get_body(
        ("plain",)).get_content()
    deliver_due(settings, now=later + dt.timedelta(hours=1))
    assert len([m for m in server.to("boss@centre.test") if m["Subject"].startswith("carekpi notice")]) == 1
    assert server.to("ops@northwind.test") == []  # notices are for managers


def test_cron_slots_follow_the_time_zone_and_the_catch_up_window():
    sub = Subscription(name="x", user="u", when="0 7 * * 1-5", timezone="Europe/London")
    # Sunday 29 Mar 2026 is the switch to summer time: Friday's 07:00 was 07:00 UTC, Monday's is 06:00 UTC.
    assert latest_slot(sub, dt.datetime(2026, 3, 29, 12, tzinfo=dt.UTC)) == dt.datetime(2026, 3, 27, 7, tzinfo=dt.UTC)
    assert latest_slot(sub, dt.datetime(2026, 3, 30, 6, 30, tzinfo=dt.UTC)) == dt.datetime(2026, 3, 30, 6,
                                                                                           tzinfo=dt.UTC)
    monthly = Subscription(name="m", user="u", when="30 6 1 * *")
    assert latest_slot(monthly, dt.datetime(2026, 3, 20, tzinfo=dt.UTC)) == dt.datetime(2026, 3, 1, 6, 30,
                                                                                       tzinfo=dt.UTC)
    assert due([monthly], dt.datetime(2026, 3, 20, tzinfo=dt.UTC), catch_up_hours=24) == []
    assert due([monthly], dt.datetime(2026, 3, 2, 6, tzinfo=dt.UTC), catch_up_hours=24) == [
        (monthly, dt.datetime(2026, 3, 1, 6, 30, tzinfo=dt.UTC))]


@pytest.mark.parametrize("body, message", [
    ('[[subscription]]\nname = "a"\nuser = "ghost"\nwhen = "0 7 * * *"', "'ghost' is not a user"),
    ('[[subscription]]\nname = "a"\nuser = "nomail"\nwhen = "0 7 * * *"', "has no e-mail address"),
    ('[[subscription]]\nname = "a"\nuser = "nw"\nwhen = "0 25 * * *"', "bad cron expression"),
    ('[[subscription]]\nname = "a"\nuser = "nw"\nwhen = "0 7 * * *"\ntimezone = "Mars/Olympus"', "unknown time zone"),
    ('[[subscription]]\nname = "a"\nuser = "nw"\nwhat = "report"\npartner = "Harbor BPO"\nformats = ["csv"]\n'
     'when = "0 7 * * *"', "outside 'nw''s access"),
    ('[[subscription]]\nname = "a"\nuser = "nw"\nwhat = "report"\nwhen = "0 7 * * *"', "needs formats"),
    ('[[subscription]]\nname = "a"\nuser = "nw"\nwhen = "0 7 * * *"\nto = "x@y.test"', "Extra inputs"),
])
def test_bad_subscriptions_get_one_clear_line(tmp_path, body, message):
    users = {"nw": User(username="nw", role="partner", partners=["Northwind Support"], email="ops@northwind.test"),
             "nomail": User(username="nomail", role="manager")}
    path = tmp_path / "subscriptions.toml"
    path.write_text(body)
    with pytest.raises(ValueError, match=message):
        load_subscriptions(path, users)


def test_the_scheduler_ticks_the_same_idempotent_delivery(setup):
    from apscheduler.schedulers.background import BackgroundScheduler

    from etl.delivery.scheduler import scheduler, tick

    settings, server = setup
    runner = scheduler(settings, BackgroundScheduler)
    assert [(job.id, job.trigger.interval.total_seconds()) for job in runner.get_jobs()] == [("deliver", 60)]
    sub = Subscription(name="n", user="nw", when="0 7 * * 1", timezone="UTC")
    assert next_slot(sub, NOW) == dt.datetime(2026, 11, 30, 7, tzinfo=dt.UTC)
    tick(settings, NOW)  # a Monday 07:05: the three dailies and the Monday scorecard are due
    sent = len(server.messages)
    tick(settings, NOW + dt.timedelta(minutes=1))  # the next tick finds them in the delivery log
    assert len(server.messages) == sent
    assert sorted(log.deliveries(log.log_file(settings), "sent")["subscription"]) == [
        "harbor-daily", "manager-daily", "northwind-daily", "northwind-scorecard"]


def test_the_readme_subscriptions_example_is_valid(tmp_path):
    text = (ROOT / "README.md").read_text()
    block = text.split("<!-- subscriptions-example -->\n```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "subscriptions.toml"
    path.write_text(block)
    users = {"manager": User(username="manager", role="manager", email="m@x.test"),
             "northwind": User(username="northwind", role="partner", partners=["Northwind Support"], email="n@x.test"),
             "trainer": User(username="trainer", role="trainer", teams=["Scheduling"])}
    voice = SavedView(name="Voice, last 7 days", owner="manager", page="channels", state={"channel": ["voice"]},
                      shared_roles=["partner"])
    save_view(views_file(tmp_path / "users.toml"), voice, "manager")
    subs = load_subscriptions(path, users, views_of=tmp_path / "users.toml")
    assert [(s.what, s.how) for s in subs] == [("digest", "email"), ("report", "email"), ("digest", "folder"),
                                               ("view", "email")]
