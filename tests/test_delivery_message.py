"""The e-mail itself: names from a delivery are escaped in the HTML, both parts say the same, and credentials are
never sent without TLS."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from aiosmtpd.controller import Controller

from etl.alerts.alert import Alert
from etl.delivery.config import SmtpSettings
from etl.delivery.digest import Attachment, Content, HeadlineRow
from etl.delivery.message import compose
from etl.delivery.transport import SendError, send_smtp
from etl.kpis import Filters

HOSTILE = '<script>alert(1)</script> [x](http://evil.test) =HYPERLINK("x")'
DAY = dt.date(2026, 1, 6)


def content() -> Content:
    alert = Alert(rule="sl", kpi="service_level", condition="target", grain="day", day=DAY, hour=None,
                  group={"queue": HOSTILE}, value=0.5, n=40, limit=0.75, direction="below", reference=0.8,
                  filters=Filters(date_from=DAY, date_to=DAY, queues=[HOSTILE]))
    return Content(subject="carekpi digest: 06 Jan 2026", title="Daily digest, 06 Jan 2026",
                   period=Filters(date_from=DAY, date_to=DAY), scope=f"partner {HOSTILE}",
                   headline=[HeadlineRow("service_level", "Service level", "50.0%", "80.0%", "red", "20 / 40")],
                   suppressed=False, alerts=[alert], link="https://kpi.test/overview?period=Custom",
                   base_url="https://kpi.test", attachments=[Attachment("kpis.csv", "text", "csv", b"a,b\n1,2\n")])


def test_html_escapes_delivery_names_and_the_text_part_says_the_same():
    message = compose(content(), "carekpi@kpi.test", "ops@partner.test")
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "queue%3Cscript%3E" not in html  # the link's query is URL-encoded, then escaped
    assert "queue=%3Cscript%3Ealert%281%29%3C%2Fscript%3E" in text
    for part in (html, text):
        assert "Service level 50.0% (n = 40) on Tue 06 Jan 2026" in part
        assert "off target" in part
    assert [p.get_filename() for p in message.iter_attachments()] == ["kpis.csv"]


def test_header_injection_is_refused():
    with pytest.raises(ValueError):
        compose(content(), "carekpi@kpi.test", "ops@partner.test\r\nBcc: someone@else.test")


class Sink:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


def test_credentials_are_never_sent_without_tls():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        plain = SmtpSettings(host="127.0.0.1", port=port, security="none", username="u", password="p")
        with pytest.raises(SendError, match="refusing to send SMTP credentials without TLS"):
            send_smtp(compose(content(), "carekpi@kpi.test", "ops@partner.test"), plain)
        send_smtp(compose(content(), "carekpi@kpi.test", "ops@partner.test"),
                  plain.model_copy(update={"username": None}))  # a local relay without log-in is fine
        starttls = plain.model_copy(update={"security": "starttls", "username": None})
        with pytest.raises(SendError, match="STARTTLS"):
            send_smtp(compose(content(), "carekpi@kpi.test", "ops@partner.test"), starttls)
    finally:
        controller.stop()


def test_small_groups_are_suppressed_as_in_reports(example_con, example_warehouse):
    """P2 on 6 Jan 2026 handled one contact (C5): below the minimum cell size of 5, nothing is shown."""
    from etl.access import User
    from etl.delivery.digest import build
    from etl.delivery.message import text_body
    from etl.delivery.subscriptions import Subscription

    user = User(username="p2", role="partner", partners=["P2"], email="p2@partner.test")
    sub = Subscription(name="p2", user="p2", when="0 7 * * *", formats=["csv"])
    made = build(example_con, sub, user, example_warehouse, dt.datetime(2026, 1, 7, 7, tzinfo=dt.UTC), [])
    assert made.suppressed and made.headline == []
    assert "Headline KPIs suppressed" in text_body(made)
    rows = made.attachments[0].data.decode().splitlines()
    shown = [r for r in rows if ",service_level," in r]
    assert shown == ["summary,all,service_level,Service level,,,,0.8,suppressed",
                     "by day,2026-01-06,service_level,Service level,,,,0.8,suppressed"]
