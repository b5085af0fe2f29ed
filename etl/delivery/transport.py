"""How a message leaves: SMTP with TLS (STARTTLS or implicit) and credentials from the settings, or a folder drop
(one .eml file per message, 0600, in a 0700 folder) when no SMTP server is set or a subscription asks for it."""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from etl.delivery.config import SmtpSettings
from etl.privacy import scrub


class SendError(Exception):
    """A message the server did not take; the text is one line, with addresses masked."""


def send_smtp(message: EmailMessage, smtp: SmtpSettings) -> None:
    if not smtp.host:
        raise SendError("no SMTP server is set (delivery.smtp.host)")
    context = ssl.create_default_context(cafile=str(smtp.ca_file) if smtp.ca_file else None)
    try:
        if smtp.security == "ssl":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_seconds, context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=context)
            if smtp.username:
                if smtp.security == "none":
                    raise SendError("refusing to send SMTP credentials without TLS (delivery.smtp.security)")
                client.login(smtp.username, smtp.password.get_secret_value() if smtp.password else "")
            refused = client.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise SendError(one_line(exc)) from None
    if refused:
        raise SendError(f"the server refused {len(refused)} recipient(s)")


def one_line(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        return f"recipient refused (SMTP {', '.join(map(str, codes))})"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return scrub(f"SMTP {exc.smtp_code}: {text.splitlines()[0] if text else ''}")[:200]
    return scrub(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")[:200]


def drop(message: EmailMessage, folder: Path, name: str) -> Path:
    """Write the message as <folder>/<name>.eml (replacing one of the same name: a slot is one file)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / f"{name}.eml"
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(message.as_bytes())
    os.replace(tmp, path)
    return path
