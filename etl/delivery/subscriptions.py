"""Subscriptions: who receives what, when and how, read from a TOML file (README "Subscriptions and delivery").

The recipient is a user of the users file, so that user's scope applies to everything sent (a partner never
receives another partner's data) and the e-mail goes to the user's own address. What: a `digest` (headline KPIs
against target and the alerts that fired), a partner scorecard `report`, or a saved `view` (`view` and `view_owner`
name it; etl/delivery/saved_view.py); `formats` lists the attachments. When:
a cron expression in a time zone. How: `email` (SMTP, or the drop folder when no SMTP server is set) or `folder`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from etl.access import User
from etl.alerts.rules import RuleFilters
from etl.delivery import saved_view
from etl.toml_models import read_model

Period = Literal["yesterday", "last_7_days", "last_week", "last_4_weeks", "month_to_date", "last_month"]
Format = Literal["csv", "xlsx", "html", "pdf"]


class Subscription(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    user: str
    what: Literal["digest", "report", "view"] = "digest"
    when: str = Field(description="cron expression: minute hour day-of-month month day-of-week")
    timezone: str = "UTC"
    period: Period = "yesterday"
    partner: str | None = None
    formats: list[Format] = Field(default_factory=list)
    filters: RuleFilters = Field(default_factory=RuleFilters)
    how: Literal["email", "folder"] = "email"
    view: str | None = Field(None, description="what = \"view\": the saved view's name")
    view_owner: str | None = Field(None, description="the saved view's owner (default: the recipient)")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _cron(self) -> Subscription:
        if len(self.when.split()) != 5 or not croniter.is_valid(self.when):
            raise ValueError(f"subscription {self.name!r}: bad cron expression {self.when!r} (five fields: "
                             "minute hour day-of-month month day-of-week, 0 or 7 = Sunday)")
        if self.what in ("digest", "view") and set(self.formats) - {"csv", "xlsx"}:
            raise ValueError(f"subscription {self.name!r}: a {self.what} attaches csv or xlsx")
        if (self.what == "view") != (self.view is not None):
            raise ValueError(f"subscription {self.name!r}: " + ("name the saved view (view = \"...\")"
                             if self.what == "view" else "view = ... goes with what = \"view\""))
        if self.what == "view" and self.filters != RuleFilters():
            raise ValueError(f"subscription {self.name!r}: a saved view brings its own filters")
        if self.what == "report" and not self.formats:
            raise ValueError(f"subscription {self.name!r}: a report needs formats (csv, xlsx, html, pdf)")
        return self


class SubscriptionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subscription: list[Subscription] = Field(default_factory=list)


def report_partner(sub: Subscription, user: User) -> str:
    """The partner a report is about: as named, or a partner user's only partner."""
    if sub.partner:
        return sub.partner
    if user.role == "partner" and len(user.partners) == 1:
        return user.partners[0]
    raise ValueError(f"subscription {sub.name!r}: name the partner the report is about")


def check(subs: list[Subscription], users: dict[str, User]) -> list[Subscription]:
    names: set[str] = set()
    for sub in subs:
        user = users.get(sub.user)
        if user is None:
            raise ValueError(f"subscription {sub.name!r}: {sub.user!r} is not a user of the users file")
        if sub.how == "email" and not user.email:
            raise ValueError(f"subscription {sub.name!r}: user {sub.user!r} has no e-mail address "
                             f"(carekpi users add {sub.user} --email ...)")
        if sub.what == "report":
            partner = report_partner(sub, user)
            if user.role == "partner" and partner not in user.partners:
                raise ValueError(f"subscription {sub.name!r}: partner {partner!r} is outside {sub.user!r}'s access")
            if user.role == "trainer":
                raise ValueError(f"subscription {sub.name!r}: partner reports are for managers and partners")
        if sub.name in names:
            raise ValueError(f"two subscriptions are named {sub.name!r}")
        names.add(sub.name)
    return subs


def subscriptions_file(settings) -> Path:
    return settings.delivery.subscriptions_file or Path(settings.users_file).with_name("subscriptions.toml")


def load_subscriptions(path: Path, users: dict[str, User], views_of: Path | None = None) -> list[Subscription]:
    """The subscriptions of a file, checked against the users; with `views_of` (the users file) each saved view is
    also checked for its recipient (`carekpi deliver --check`). `deliver --due` leaves that to each delivery, so
    a view deleted or unshared since is that subscription's failed delivery, not every subscription's."""
    subs = check(read_model(path, SubscriptionsFile, "subscriptions").subscription, users)
    if views_of is not None:
        for sub in subs:
            if sub.what == "view":
                saved_view.resolve(sub, users[sub.user], views_of)
    return subs
