"""Load and freshness notices reach the managers by e-mail (the in-process SMTP server of test_delivery): a load
that quarantined above the threshold, then a load that failed, then data older than the freshness target, each
once, to every manager and to nobody else."""

from __future__ import annotations

import datetime as dt

from conftest import EXAMPLE, TEST_KEY, write_delivery
from etl.access import User, add_user
from etl.cli import main
from etl.delivery.deliver import deliver_due
from etl.load import load
from tests.test_delivery import smtp  # noqa: F401


def _notices(server, address: str) -> list[str]:
    return [m.get_body(("plain",)).get_content() for m in server.to(address) if "notice" in m["Subject"]]


def test_quarantine_failed_load_and_stale_data_each_reach_every_manager_once(tmp_path, smtp, monkeypatch):  # noqa: F811
    handler, port, ca_file = smtp
    users = tmp_path / "users.toml"
    for user in (User(username="boss", role="manager", email="boss@centre.test"),
                 User(username="deputy", role="manager", email="deputy@centre.test"),
                 User(username="p1", role="partner", partners=["P1"], email="ops@p1.test")):
        add_user(users, user, None)
    db = tmp_path / "wh" / "carekpi.duckdb"
    for name, value in {"USERS_FILE": users, "AUDIT_LOG": tmp_path / "audit.jsonl", "DB_PATH": db,
                        "PSEUDONYM_KEY": TEST_KEY, "DELIVERY__SMTP__HOST": "127.0.0.1", "DELIVERY__SMTP__PORT": port,
                        "DELIVERY__SMTP__USERNAME": "carekpi", "DELIVERY__SMTP__PASSWORD": "smtp-secret-1",
                        "DELIVERY__SMTP__CA_FILE": ca_file, "DELIVERY__BACKOFF_SECONDS": 0,
                        "ALERTS__FRESHNESS_HOURS": 36}.items():
        monkeypatch.setenv(f"CAREKPI_{name}", str(value))
    from etl.settings import Settings

    settings = Settings()
    files = dict(EXAMPLE)
    bad = list(files["calls.csv"][1])
    bad[0], bad[5] = "C77", "not a time"
    files["calls.csv"] = files["calls.csv"] + [bad]  # 1 of 25 call rows quarantined: 4 % > 2 %
    load([write_delivery(tmp_path / "d", files)], settings)
    fresh = dt.datetime(2026, 1, 21, tzinfo=dt.UTC)  # the latest contact (20 Jan 12:00) is 12 hours old
    assert deliver_due(settings, now=fresh).notices == ["quarantine:1"]
    assert main(["load", str(tmp_path / "missing")]) == 2  # a load that fails and changes nothing
    sent = deliver_due(settings, now=fresh + dt.timedelta(hours=1)).notices
    assert len(sent) == 1 and sent[0].startswith("load_failed:")
    assert deliver_due(settings, now=fresh + dt.timedelta(hours=2)).notices == []  # each once
    assert deliver_due(settings, now=dt.datetime(2026, 1, 23, tzinfo=dt.UTC)).notices == ["stale:2026-01-20T12:00:00"]

    for manager in ("boss@centre.test", "deputy@centre.test"):
        bodies = _notices(handler, manager)
        assert len(bodies) == 3
        assert "load 1 quarantined 1 of 25 rows (4.0%), above 2.0%" in bodies[0]
        assert "failed and changed nothing" in bodies[1]
        assert "the latest contact is 60 hours old (2026-01-20 12:00 UTC), beyond the freshness target of 36 " \
               "hours" in bodies[2]
    assert handler.to("ops@p1.test") == []
