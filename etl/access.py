"""Who may see what. Users and roles live in one TOML file (settings.users_file); passwords only as argon2 hashes.

- manager: everything; partner: the partners listed; trainer: the teams listed.
- `scope_for()` turns a user into the Scope that etl.kpis.kpi_table() and etl.views apply in SQL to every query.
  No user, an unknown role or an empty list gives a scope that matches nothing (fail closed).
- Session tokens are HMAC-signed (settings.session_secret, else a key file beside the users file), so a session
  that claims a user it did not log in as is refused.
This module never logs a password and never stores one in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tomllib
from pathlib import Path
from typing import Literal

import tomli_w
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, Field

from etl.kpis import Scope
from etl.settings import Settings

Role = Literal["manager", "partner", "trainer"]
_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("a password nobody has")  # verified against for unknown users, to even out timing


class User(BaseModel):
    username: str = Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")
    display_name: str = ""
    role: Role
    partners: list[str] = Field(default_factory=list)
    teams: list[str] = Field(default_factory=list)
    email: str | None = None  # for log-in through OpenID Connect (st.login)
    password_hash: str | None = None


NOTHING = Scope(partners=[], teams=[])


def scope_for(user: User | None) -> Scope:
    if user is None:
        return NOTHING
    if user.role == "manager":
        return Scope()
    if user.role == "partner":
        return Scope(partners=list(user.partners))
    if user.role == "trainer":
        return Scope(teams=list(user.teams))
    return NOTHING


def load_users(path: Path) -> dict[str, User]:
    path = Path(path)
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text())
    return {name: User(username=name, **fields) for name, fields in data.get("users", {}).items()}


def save_users(path: Path, users: dict[str, User]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"users": {name: user.model_dump(exclude={"username"}, exclude_none=True) for name, user in users.items()}}
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(tomli_w.dumps(body))
    os.replace(tmp, path)


def add_user(path: Path, user: User, password: str | None) -> None:
    """Add a user or reset one (role, scope and, when given, password)."""
    users = load_users(path)
    if password is not None:
        if len(password) < 10:
            raise ValueError("passwords need at least 10 characters")
        user = user.model_copy(update={"password_hash": _HASHER.hash(password)})
    elif user.username in users:
        user = user.model_copy(update={"password_hash": users[user.username].password_hash})
    users[user.username] = user
    save_users(path, users)


def authenticate(users: dict[str, User], username: str, password: str) -> User | None:
    """The user when the password matches its hash; None for a wrong password or an unknown user."""
    user = users.get(username)
    stored = user.password_hash if user and user.password_hash else _DUMMY_HASH
    try:
        _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    return user if user and user.password_hash else None


def user_for_email(users: dict[str, User], email: str | None) -> User | None:
    """The user an OpenID Connect identity maps to (by e-mail, case-insensitive); None when unmapped."""
    if not email:
        return None
    matches = [u for u in users.values() if u.email and u.email.lower() == email.lower()]
    return matches[0] if len(matches) == 1 else None


def session_key(settings: Settings) -> bytes:
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value().encode()
    path = Path(settings.users_file).with_name("session.key")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def session_token(key: bytes, username: str) -> str:
    return f"{username}:{hmac.new(key, username.encode(), hashlib.sha256).hexdigest()}"


def user_from_token(key: bytes, users: dict[str, User], token: object) -> User | None:
    """The user a session token names, if its signature is valid and the user still exists; else None."""
    if not isinstance(token, str) or ":" not in token:
        return None
    username, _, signature = token.rpartition(":")
    expected = hmac.new(key, username.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(signature, expected):
        return None
    return users.get(username)
