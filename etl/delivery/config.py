"""The delivery settings (the `[delivery]` table of the settings file, or CAREKPI_DELIVERY__<NAME> variables;
the SMTP password as CAREKPI_DELIVERY__SMTP__PASSWORD)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr


class SmtpSettings(BaseModel):
    host: str | None = Field(None, description="SMTP server; none: every delivery goes to the drop folder")
    port: int = Field(587, gt=0, lt=65536)
    security: Literal["starttls", "ssl", "none"] = Field(
        "starttls", description="STARTTLS (port 587) or implicit TLS (465); 'none' only for a local relay, "
                                "and then credentials are never sent")
    username: str | None = None
    password: SecretStr | None = None
    sender: str = Field("carekpi@localhost", description="the From address")
    ca_file: Path | None = Field(None, description="extra CA certificates to trust (a private mail relay)")
    timeout_seconds: float = Field(30, gt=0)


class DeliverySettings(BaseModel):
    subscriptions_file: Path | None = Field(None, description="default: subscriptions.toml beside the users file")
    log_file: Path | None = Field(None, description="delivery log (SQLite); default: deliveries.sqlite beside "
                                                    "the users file")
    drop_folder: Path | None = Field(None, description="folder drop; default: outbox/ beside the users file")
    app_base_url: str = Field("http://localhost:8501", description="where links in e-mails point")
    retries: int = Field(3, ge=1, le=10, description="tries per delivery before it is reported as failed")
    backoff_seconds: float = Field(30, ge=0, description="wait before the 2nd try; doubled before each next one")
    catch_up_hours: float = Field(24, gt=0, description="a slot missed for longer than this is skipped")
    tick_seconds: int = Field(60, ge=5, description="how often serve-scheduler looks for due slots and notices")
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
