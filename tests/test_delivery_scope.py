"""A partner's deliveries name no other partner, anywhere: not in the subject, the text and HTML parts, nor inside
the attachments once decoded (CSV, XLSX cells, the HTML scorecard), and none of the other partners' queues or
teams either, by id or by display name. Digests, scorecards and a manager's shared saved view, as sent to the
in-process SMTP server of test_delivery."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook

from conftest import ROOT
from etl.delivery.deliver import deliver_due
from etl.saved_views import SavedView, save_view, views_file
from tests.test_delivery import NOW, SUBSCRIPTIONS, setup, smtp  # noqa: F401

MORE = """
[[subscription]]
name = "harbor-scorecard"
user = "hb"
what = "report"
when = "0 7 * * 1"
period = "last_week"
formats = ["xlsx", "html", "csv"]

[[subscription]]
name = "harbor-view"
user = "hb"
what = "view"
view = "Everything, 4 weeks"
view_owner = "boss"
when = "0 7 * * *"
formats = ["xlsx"]
"""


def _catalogue() -> dict[str, set[str]]:
    """Each partner's own names: the partner, its queues (id and readable name) and its teams."""
    with open(ROOT / "sample_data" / "queues.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    owned: dict[str, set[str]] = {}
    for row in rows:
        names = owned.setdefault(row["partner"], {row["partner"]})
        names |= {row["queue"], row["queue"].replace("_", " ").capitalize(), row["team"]}
    return owned


def _texts(message) -> list[str]:
    """Every part as text: attachments decoded (XLSX: every cell of every sheet)."""
    out = [str(message["Subject"])]
    for part in message.walk():
        if part.is_multipart():
            continue
        content = part.get_content()
        if part.get_content_type().endswith("spreadsheetml.sheet"):
            book = load_workbook(io.BytesIO(content), read_only=True)
            out += [str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                    for cell in row if cell is not None]
        else:
            out.append(content if isinstance(content, str) else content.decode("utf-8"))
    return out


def _named(text: str, name: str, own: set[str]) -> bool:
    """`name` as a whole word or phrase, not as the start of one of the recipient's own longer names
    ('Scheduling' is CareCentre's team, 'Scheduling overflow' Northwind's)."""
    longer = [o[len(name):] for o in own if o.lower().startswith(name.lower()) and o.lower() != name.lower()]
    tail = "".join(f"(?!{re.escape(rest)})" for rest in longer)
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-]){tail}", text, flags=re.IGNORECASE) is not None


def test_a_partners_messages_and_attachments_name_no_other_partner(setup):  # noqa: F811
    settings, server = setup
    (settings.users_file.parent / "subscriptions.toml").write_text(SUBSCRIPTIONS + MORE)
    save_view(views_file(settings.users_file), SavedView(name="Everything, 4 weeks", owner="boss", page="partner",
                                                         state={"period": "Last 4 weeks"}, shared_roles=["partner"]),
              "manager")
    summary = deliver_due(settings, now=NOW)
    assert summary.failed == [] and len(summary.sent) == 6
    owned = _catalogue()
    checked = 0
    for address, partner in (("ops@northwind.test", "Northwind Support"), ("ops@harbor.test", "Harbor BPO")):
        messages = server.to(address)
        assert len(messages) == 2 + (partner == "Harbor BPO")
        others = set().union(*(names for p, names in owned.items() if p != partner))
        for message in messages:
            text = "\n".join(_texts(message))
            assert partner in text  # the check reads the content: the partner's own name is there
            leaked = sorted(name for name in others if _named(text, name, owned[partner]))
            assert leaked == [], (message["Subject"], leaked)
            checked += 1
    assert checked == 5
    # the check finds a name where it is, and tells a partner's own longer name apart
    northwind = owned["Northwind Support"]
    assert _named("queue Pharmacy refills: below", "Pharmacy refills", northwind)
    assert _named("team Scheduling, 80 %", "Scheduling", northwind)
    assert not _named("team Scheduling overflow, 80 %", "Scheduling", northwind)
    assert _named("queue=scheduling&x", "scheduling", northwind)
    assert not _named("queue=scheduling_overflow", "scheduling", northwind)
