"""FCR in an e-mail is meaningful, as on the screens: a digest or view of a recent period reads FCR over the latest
period of the same length whose windows have all closed, names that period beside its n, and judges it against
the target (the e-mails said '—' and 'no 7-day window closed yet' for every recent period, while the attached
partner report read the closed windows). Values equal kpi_table()'s over that period, under the recipient's
scope."""

from __future__ import annotations

import datetime as dt

from etl.delivery.deliver import deliver_due
from etl.delivery.message import STATUS_WORDS
from etl.kpis import KPI_BY_NAME, Scope, kpi_table
from etl.targets import status
from etl.warehouse import connect_read_only
from tests.test_delivery import NOW, setup, smtp  # noqa: F401
from tests.test_delivery_views import WEEK, views  # noqa: F401

CLOSED = WEEK.model_copy(update={"date_from": dt.date(2026, 11, 8), "date_to": dt.date(2026, 11, 14)})


def test_a_views_fcr_is_read_over_the_closed_windows_under_the_recipients_scope(views):  # noqa: F811
    settings, server = views
    assert deliver_due(settings, now=NOW).failed == []
    (message,) = server.to("ops@northwind.test")
    plain = message.get_body(("plain",)).get_content()
    con = connect_read_only(settings.db_path)
    try:
        want = kpi_table(con, CLOSED, (), settings, Scope(partners=["Northwind Support"])).iloc[0]
        open_week = kpi_table(con, WEEK, (), settings, Scope(partners=["Northwind Support"])).iloc[0]
    finally:
        con.close()
    assert int(open_week["fcr_rate_den"]) == 0  # the view's own week has no closed window
    (line,) = [line for line in plain.splitlines() if line.lstrip().startswith(KPI_BY_NAME["fcr_rate"].label)]
    word = STATUS_WORDS[status(float(want["fcr_rate"]), settings.targets["fcr_rate"])]
    assert f"{want['fcr_rate'] * 100:.1f}%  target 70.0%, {word}  (n = {int(want['fcr_rate_num']):,} / " \
           f"{int(want['fcr_rate_den']):,}, windows closed: 08 – 14 Nov 2026)" in line and word
    html = message.get_body(("html",)).get_content()
    assert f"{int(want['fcr_rate_num']):,} / {int(want['fcr_rate_den']):,}, windows closed: 08 – 14 Nov 2026" in html


def test_the_readme_subscriptions_pass_the_check_with_the_demo_users(tmp_path, monkeypatch, capsys):
    """The README's example, exactly as written, with the users `carekpi users demo` makes (they had no e-mail
    address, so the check refused the first subscription) and the view the README says to save first."""
    from pathlib import Path

    from etl.cli import main
    from etl.saved_views import SavedView, save_view, views_file

    users_file = tmp_path / "users.toml"
    monkeypatch.setenv("CAREKPI_USERS_FILE", str(users_file))
    assert main(["users", "demo"]) == 0
    text = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = text.split("<!-- subscriptions-example -->\n```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "subscriptions.toml").write_text(block)
    save_view(views_file(users_file), SavedView(name="Voice, last 7 days", owner="manager", page="channels",
                                                state={"period": "Last 7 days", "channel": ["voice"]},
                                                shared_roles=["partner"]), "manager")
    capsys.readouterr()
    assert main(["deliver", "--check", "--now", "2026-11-23T13:00:00+00:00"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "subscriptions.toml: 4 subscription(s), all valid"
    assert [line.split(":")[0].strip() for line in out[1:]] == [
        "managers-daily", "northwind-weekly-scorecard", "scheduling-daily-to-folder", "northwind-voice-view"]
