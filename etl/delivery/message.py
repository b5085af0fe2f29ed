"""The e-mail: an HTML part with a plain-text alternative saying the same, and the attachments. Every name that
came from a delivery (queues, partners) is escaped in the HTML; header values never carry a line break (Python's
email package refuses them)."""

from __future__ import annotations

import html
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from etl.alerts.notices import Notice
from etl.delivery.digest import Content

STATUS_WORDS = {"green": "on target", "amber": "near target", "red": "off target", "none": ""}
STATUS_COLOURS = {"green": "#2e7d32", "amber": "#b26a00", "red": "#c62828", "none": "#444444"}


def text_body(content: Content) -> str:
    period = content.period
    lines = [content.title, f"Period: {period.date_from} to {period.date_to}. Scope: {content.scope}."]
    lines += [content.details, ""] if content.details else [""]
    lines += [f"NOTICE: {notice.message}" for notice in content.notices]
    if content.notices:
        lines.append("")
    if content.suppressed:
        lines.append("Headline KPIs suppressed: fewer handled contacts than the minimum group size.")
    elif not content.headline:
        lines.append("No contacts in this period.")
    else:
        lines.append("Headline KPIs against target:")
        for row in content.headline:
            word = STATUS_WORDS[row.status]
            target = f"  target {row.target}" + (f", {word}" if word else "") if row.target else ""
            n = f"  (n = {row.n})" if row.n else ""
            lines.append(f"  {row.label:<28} {row.value:>9}{target}{n}")
    lines.append("")
    lines.append(f"Alerts that fired: {len(content.alerts)}")
    for alert in content.alerts:
        lines.append(f"  - {alert.message(content.names)}")
        lines.append(f"    {alert.link(content.base_url, content.names)}")
        contacts = alert.contacts_link(content.base_url, content.names)
        if contacts:
            lines.append(f"    contacts behind it: {contacts}")
    lines += ["", f"Open in carekpi: {content.link}"]
    if content.attachments:
        lines.append("Attached: " + ", ".join(a.filename for a in content.attachments))
    return "\n".join(lines) + "\n"


def html_body(content: Content) -> str:
    e = html.escape
    period = content.period
    notices = "".join(f"<p style='color:#c62828'><strong>Notice:</strong> {e(n.message)}</p>"
                      for n in content.notices)
    if content.suppressed:
        table = "<p>Headline KPIs suppressed: fewer handled contacts than the minimum group size.</p>"
    elif not content.headline:
        table = "<p>No contacts in this period.</p>"
    else:
        rows = "".join(
            f"<tr><th align='left'>{e(r.label)}</th><td align='right'>{e(r.value)}</td>"
            f"<td align='right'>{e(r.target)}</td>"
            f"<td style='color:{STATUS_COLOURS[r.status]}'>{e(STATUS_WORDS[r.status])}</td>"
            f"<td align='right'>{e(r.n)}</td></tr>" for r in content.headline)
        table = ("<table cellpadding='4' style='border-collapse:collapse'><tr><th align='left'>KPI</th>"
                 f"<th>value</th><th>target</th><th>status</th><th>n</th></tr>{rows}</table>")
    alerts = "".join(_alert_item(a, content) for a in content.alerts) or "<li>none</li>"
    details = f"<p>{e(content.details)}</p>" if content.details else ""
    attached = ("<p>Attached: " + e(", ".join(a.filename for a in content.attachments)) + "</p>"
                if content.attachments else "")
    return f"""<!doctype html><html><body style="font-family:sans-serif;color:#222">
<h2>{e(content.title)}</h2>
<p>Period {period.date_from} to {period.date_to}. Scope: {e(content.scope)}.</p>
{details}{notices}<h3>Headline KPIs against target</h3>{table}
<h3>Alerts that fired ({len(content.alerts)})</h3><ul>{alerts}</ul>
<p><a href="{e(content.link)}">Open this view in carekpi</a></p>{attached}
</body></html>"""


def _alert_item(alert, content: Content) -> str:
    e = html.escape
    contacts = alert.contacts_link(content.base_url, content.names)
    return (f"<li>{e(alert.message(content.names))} — <a href='{e(alert.link(content.base_url, content.names))}'>"
            "show</a>" + (f" · <a href='{e(contacts)}'>contacts</a>" if contacts else "") + "</li>")


def compose(content: Content, sender: str, to: str) -> EmailMessage:
    message = _envelope(content.subject, sender, to)
    message.set_content(text_body(content))
    message.add_alternative(html_body(content), subtype="html")
    for attachment in content.attachments:
        message.add_attachment(attachment.data, maintype=attachment.maintype, subtype=attachment.subtype,
                               filename=attachment.filename)
    return message


def notice_message(subject: str, lines: list[str], sender: str, to: str) -> EmailMessage:
    """A short message to managers: a failed delivery, a failed load, stale data."""
    message = _envelope(subject, sender, to)
    message.set_content("\n".join(lines) + "\n")
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    message.add_alternative(f"<!doctype html><html><body><ul>{items}</ul></body></html>", subtype="html")
    return message


def notices_message(notices: list[Notice], sender: str, to: str) -> EmailMessage:
    kinds = ", ".join(sorted({n.kind.replace("_", " ") for n in notices}))
    return notice_message(f"carekpi notice: {kinds}", [n.message for n in notices], sender, to)


def _envelope(subject: str, sender: str, to: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "carekpi")
    message["Auto-Submitted"] = "auto-generated"
    return message
