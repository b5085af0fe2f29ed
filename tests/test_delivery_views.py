"""A saved view as subscription content, delivered to the in-process SMTP server of test_delivery: the view's
headline KPIs equal kpi_table() for the view's filters under the RECIPIENT's scope (a partner receiving a
manager's whole-centre view gets only its own partner), the link opens the view's page with its filters, names are
the configured display names; a view the recipient may not see is refused by `deliver --check` and, at delivery
time, is a failed delivery reported to the managers."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.access import User
from etl.cli import main
from etl.delivery import log, saved_view
from etl.delivery.deliver import deliver_due
from etl.delivery.subscriptions import Subscription, load_subscriptions
from etl.kpis import KPI_BY_NAME, Filters, Scope, kpi_table
from etl.delivery.message import STATUS_WORDS
from etl.reports import rounded
from etl.saved_views import SavedView, delete_view, save_view, views_file
from etl.targets import status
from etl.warehouse import connect_read_only
from tests.test_delivery import NOW, PARTNERS, _attachments, _csv, _text, setup, smtp  # noqa: F401

WEEK = Filters(date_from=dt.date(2026, 11, 16), date_to=dt.date(2026, 11, 22), channels=["voice"])
VOICE = SavedView(name="Voice, last 7 days", owner="boss", page="channels", shared_roles=["partner"],
                  state={"period": "Last 7 days", "channel": ["voice"]})
VIEW_SUBSCRIPTIONS = """
[[subscription]]
name = "voice-to-northwind"
user = "nw"
what = "view"
view = "Voice, last 7 days"
view_owner = "boss"
when = "0 7 * * *"
formats = ["csv"]

[[subscription]]
name = "voice-to-boss"
user = "boss"
what = "view"
view = "Voice, last 7 days"
when = "0 7 * * *"
"""


@pytest.fixture
def views(setup, monkeypatch):  # noqa: F811
    settings, server = setup
    monkeypatch.setenv("CAREKPI_DISPLAY_NAMES", '{"voice": "Telephone", "billing": "Billing & payments"}')
    from etl.settings import Settings

    settings = Settings()
    (settings.users_file.parent / "subscriptions.toml").write_text(VIEW_SUBSCRIPTIONS)
    save_view(views_file(settings.users_file), VOICE, "manager")
    return settings, server


def _kpis(settings, scope: Scope | None):
    con = connect_read_only(settings.db_path)
    try:
        return kpi_table(con, WEEK, (), settings, scope).iloc[0]
    finally:
        con.close()


def test_a_managers_view_reaches_a_partner_with_only_its_own_data_and_the_views_link(views):
    settings, server = views
    summary = deliver_due(settings, now=NOW)
    assert summary.failed == [] and sorted(summary.sent) == ["voice-to-boss", "voice-to-northwind"]
    assert deliver_due(settings, now=NOW + dt.timedelta(minutes=5)).sent == []  # once per slot

    (partner,) = server.to("ops@northwind.test")
    mine = _kpis(settings, Scope(partners=["Northwind Support"]))
    assert partner["Subject"].startswith("carekpi view Voice, last 7 days: 16 Nov 2026 – 22 Nov 2026")
    text, plain = _text(partner), partner.get_body(("plain",)).get_content()
    for other in PARTNERS[:2]:  # CareCentre, Harbor BPO
        assert other not in text and other.encode() not in partner.as_bytes()
    assert "Scope: partner Northwind Support." in plain and "Filters: Channel: Telephone." in plain
    assert f"{mine['contacts_offered']:,.0f}" in plain
    assert f"{mine['service_level'] * 100:.1f}%" in plain
    assert f"(n = {int(mine['service_level_num']):,} / {int(mine['service_level_den']):,})" in plain
    (line,) = [line for line in plain.splitlines() if line.lstrip().startswith("Service level ")]
    word = STATUS_WORDS[status(mine["service_level"], settings.targets["service_level"])]
    assert f"{mine['service_level'] * 100:.1f}%  target 80.0%, {word}  (n = " in line and word  # value, target, status
    link = "https://kpi.centre.test/channels?period=Custom&dates=2026-11-16&dates=2026-11-22&channel=Telephone"
    assert f"Open in carekpi: {link}" in plain and link.replace("&", "&amp;") in text
    # the alerts that fired within the view's filters, for Northwind only, link with the display name too
    assert "partner Northwind Support: below the target 80.0%" in plain
    assert "https://kpi.centre.test/?period=Custom&dates=2026-11-20&dates=2026-11-20&partner=Northwind+Support" \
           "&channel=Telephone" in plain
    summary_rows = {r["kpi"]: r for r in _csv(_attachments(partner)["kpis-2026-11-16-2026-11-22.csv"])
                    if r["section"] == "summary"}
    for name in ("contacts_offered", "contacts_handled", "service_level", "abandon_rate", "aht_seconds"):
        assert float(summary_rows[name]["value"]) == rounded(KPI_BY_NAME[name], float(mine[name])), name

    (own,) = server.to("boss@centre.test")
    everything = _kpis(settings, None)
    assert everything["contacts_offered"] > mine["contacts_offered"] > 0
    assert f"{everything['contacts_offered']:,.0f}" in own.get_body(("plain",)).get_content()
    assert "Scope: the whole centre." in own.get_body(("plain",)).get_content()


def _users():
    return {"boss": User(username="boss", role="manager", email="boss@centre.test"),
            "nw": User(username="nw", role="partner", partners=["Northwind Support"], email="ops@northwind.test"),
            "coach": User(username="coach", role="trainer", teams=["Billing"], email="coach@centre.test")}


@pytest.mark.parametrize("view, user, message", [
    (SavedView(name="v", owner="boss", page="channels", state={}), "nw",
     r"saved view 'v' of 'boss' is not shared with 'nw' \(partner users\)"),
    (SavedView(name="v", owner="boss", page="data_quality", shared_roles=["partner"]), "nw",
     "shows the Data quality page, which partner users cannot open"),
    (SavedView(name="v", owner="boss", page="channels", shared_roles=["trainer"]), "coach",
     "shows the Channels page, which trainer users cannot open"),
    (SavedView(name="v", owner="boss", page="", shared_roles=["partner"], state={"partner": ["Harbor BPO"]}), "nw",
     r"filters on 1 partner\(s\) outside 'nw''s access"),
    (SavedView(name="v", owner="boss", page="quality", shared_roles=["trainer"], state={"team": ["Billing", "X"]}),
     "coach", r"filters on 1 team\(s\) outside 'coach''s access"),
    (SavedView(name="other", owner="boss", page=""), "boss", "no saved view 'v' of user 'boss'"),
])
def test_a_view_the_recipient_may_not_see_is_refused_at_validation(tmp_path, view, user, message):
    users_file = tmp_path / "users.toml"
    save_view(views_file(users_file), view, "manager")
    path = tmp_path / "subscriptions.toml"
    path.write_text(f'[[subscription]]\nname = "s"\nuser = "{user}"\nwhat = "view"\nview = "v"\nview_owner = "boss"\n'
                    'when = "0 7 * * *"\n')
    assert load_subscriptions(path, _users())  # without the views: the file itself is valid
    with pytest.raises(saved_view.ViewRefused, match=message):
        load_subscriptions(path, _users(), views_of=users_file)


def test_deliver_check_lists_the_file_or_refuses_it_in_one_line(views, capsys):
    settings, _ = views
    assert main(["deliver", "--check", "--now", NOW.isoformat()]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["subscriptions.toml: 2 subscription(s), all valid",
                   "  voice-to-northwind: view 'Voice, last 7 days' of boss to nw by email, next 2026-11-24 07:00 UTC",
                   "  voice-to-boss: view 'Voice, last 7 days' of boss to boss by email, next 2026-11-24 07:00 UTC"]
    save_view(views_file(settings.users_file), VOICE.model_copy(update={"shared_roles": []}), "manager")
    assert main(["deliver", "--check"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["carekpi deliver: error: subscription 'voice-to-northwind': saved view 'Voice, last 7 days' of "
                   "'boss' is not shared with 'nw' (partner users)"]


def test_a_view_gone_at_delivery_time_is_a_failed_delivery_reported_to_managers(views):
    settings, server = views
    delete_view(views_file(settings.users_file), "boss", VOICE.name)
    summary = deliver_due(settings, now=NOW)
    assert sorted(summary.failed) == ["voice-to-boss", "voice-to-northwind"]
    failed = log.deliveries(log.log_file(settings), "failed").set_index("subscription")
    assert failed.loc["voice-to-northwind", "error"] == (
        "could not build the message: ViewRefused: subscription 'voice-to-northwind': no saved view "
        "'Voice, last 7 days' of user 'boss'")
    assert server.to("ops@northwind.test") == []
    reports = [m for m in server.to("boss@centre.test") if "delivery failed (voice-to-northwind)" in m["Subject"]]
    assert len(reports) == 1 and "no saved view" in reports[0].get_body(("plain",)).get_content()


def test_the_views_period_unless_the_subscription_sets_one():
    sub = Subscription(name="s", user="u", what="view", view="v", when="0 7 * * *")
    view = SavedView(name="v", owner="u", page="quality", state={"period": "Month to date", "licensed": True})
    assert saved_view.period(view, sub) == "month_to_date" and saved_view.licensed(view)
    assert saved_view.headline_kpis(view)[0] == "qa_compliant_rate"
    own = Subscription(name="s", user="u", what="view", view="v", when="0 7 * * *", period="last_week")
    assert saved_view.period(view, own) == "last_week"
    custom = SavedView(name="v", owner="u", page="", state={"period": "Custom", "dates": ["2026-11-02", "2026-11-08"]})
    assert saved_view.period(custom, sub) == (dt.date(2026, 11, 2), dt.date(2026, 11, 8))
    assert saved_view.period(SavedView(name="v", owner="u", page=""), sub) == "last_7_days"


@pytest.mark.parametrize("body, message", [
    ('what = "view"', "name the saved view"),
    ('view = "v"', 'view = ... goes with what = "view"'),
    ('what = "view"\nview = "v"\nformats = ["pdf"]', "a view attaches csv or xlsx"),
    ('what = "view"\nview = "v"\nfilters = { queues = ["billing"] }', "a saved view brings its own filters"),
])
def test_bad_view_subscriptions(tmp_path, body, message):
    path = tmp_path / "subscriptions.toml"
    path.write_text(f'[[subscription]]\nname = "s"\nuser = "nw"\nwhen = "0 7 * * *"\n{body}\n')
    with pytest.raises(ValueError, match=message):
        load_subscriptions(path, _users())


def test_email_names_and_links_use_the_configured_display_names(views):
    settings, server = views
    folder = settings.users_file.parent
    (folder / "rules.toml").write_text('[[rule]]\nname = "sl per queue"\nkpi = "service_level"\ncondition = "target"\n'
                                      'by = "queue"\nlevel = "amber"\nmin_n = 5\n')
    (folder / "subscriptions.toml").write_text('[[subscription]]\nname = "nw-week"\nuser = "nw"\nwhen = "0 7 * * *"\n'
                                               'period = "last_7_days"\nfilters = { queues = ["billing"] }\n')
    assert deliver_due(settings, now=NOW).sent == ["nw-week"]
    (message,) = server.to("ops@northwind.test")
    plain, html = message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()
    alerts = [line for line in plain.splitlines() if line.startswith("  - ")]
    assert alerts and all(", queue Billing & payments: below the target 80.0%" in line for line in alerts)
    assert "queue billing" not in plain and "queue=billing" not in plain
    assert "queue Billing &amp; payments" in html
    assert "Open in carekpi: https://kpi.centre.test/?period=Custom&dates=2026-11-16&dates=2026-11-22" \
           "&queue=Billing+%26+payments" in plain.splitlines()
    assert "    https://kpi.centre.test/?period=Custom&dates=2026-11-1" in plain
    assert all("&queue=Billing+%26+payments" in line for line in plain.splitlines()
               if line.startswith("    https://"))
    contacts = [line for line in plain.splitlines() if line.startswith("    contacts behind it: ")]
    assert len(contacts) == len(alerts) and all(
        "&queue=Billing+%26+payments&drill=service_level&drill_day=2026-11-" in line for line in contacts)
    assert html.count("'>contacts</a>") == len(alerts)
