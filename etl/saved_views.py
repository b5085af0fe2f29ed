"""Saved views: a user names the current page with its filters and comes back to it; a manager may share a view
with roles. Kept beside the users file, in saved_views.toml (mode 0600, written atomically).

A view holds the page (its file under dashboard/app_pages/) and the sidebar's values as the app keeps them (ids,
not display names), so it survives a change of display names. Nothing about patients is ever in a view.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import tomli_w
from pydantic import BaseModel, Field

ROLES = ("manager", "partner", "trainer")


class SavedView(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    owner: str
    page: str  # e.g. "app_pages/channels.py"
    state: dict[str, str | bool | list[str]] = Field(default_factory=dict)  # sidebar widget key -> value
    shared_roles: list[str] = Field(default_factory=list)


def views_file(users_file: Path) -> Path:
    return Path(users_file).with_name("saved_views.toml")


def load_views(path: Path) -> list[SavedView]:
    path = Path(path)
    if not path.is_file():
        return []
    return [SavedView(**entry) for entry in tomllib.loads(path.read_text()).get("views", [])]


def _write(path: Path, views: list[SavedView]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(tomli_w.dumps({"views": [v.model_dump() for v in views]}))
    os.replace(tmp, path)


def save_view(path: Path, view: SavedView, role: str) -> None:
    """Add or replace the owner's view of that name. Only a manager may share a view with roles."""
    if view.shared_roles and role != "manager":
        raise ValueError("only a manager can share a saved view")
    unknown = sorted(set(view.shared_roles) - set(ROLES))
    if unknown:
        raise ValueError(f"unknown role(s) {', '.join(unknown)}")
    views = [v for v in load_views(path) if (v.owner, v.name) != (view.owner, view.name)]
    _write(Path(path), [*views, view])


def delete_view(path: Path, owner: str, name: str, user: str | None = None) -> None:
    """Remove the owner's view of that name (shared ones too: a manager deletes the views they shared). `user`,
    when given, must be the owner: nobody deletes another user's view, shared with them or not."""
    if user is not None and user != owner:
        raise ValueError("only the user who saved a view can delete it")
    views = load_views(path)
    kept = [v for v in views if (v.owner, v.name) != (owner, name)]
    if len(kept) == len(views):
        raise ValueError(f"no saved view {name!r} of {owner!r}")
    _write(Path(path), kept)


def views_for(path: Path, username: str, role: str) -> list[SavedView]:
    """The user's own views, then those shared with the user's role, by name."""
    views = load_views(path)
    own = sorted((v for v in views if v.owner == username), key=lambda v: v.name)
    shared = sorted((v for v in views if v.owner != username and role in v.shared_roles), key=lambda v: v.name)
    return own + shared
