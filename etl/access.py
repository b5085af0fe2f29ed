"""Who may see what. Users and roles live in one TOML file (settings.users_file); passwords only as argon2 hashes.

- manager: everything; partner: the partners listed; trainer: the teams listed.
- `scope_for()` turns a user into the Scope that etl.kpis.kpi_table() and etl.views apply in SQL to every query.
  No user, an unknown role or an empty list gives a scope that matches nothing (fail closed).
- A users file entry that does not validate is left out (that user cannot log in) and reported by `read_users()`
  without its values; a file that is not TOML at all gives no users (nobody can log in) and one problem.
- Passwords must pass zxcvbn's strength estimate (settings.password_min_score), not only a length.
- Session tokens are HMAC-signed (settings.session_secret, else a key file beside the users file) over the user
  name, the time of log-in and a fingerprint of the user's credentials (password hash, role, scope, e-mail), so a
  forged session is refused, and a session ends when it is too old or when the user's password, role or scope
  changes.
This module never logs a password and never stores one in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import tomli_w
import zxcvbn
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, Field, ValidationError

from etl.kpis import Scope
from etl.settings import Settings

Role = Literal["manager", "partner", "trainer"]
_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("a password nobody has")  # verified against for unknown users, to even out timing
MIN_PASSWORD_LENGTH = 10
_ZXCVBN_MAX = 72  # zxcvbn refuses longer input; the first 72 characters are judged
TOKEN_VERSION = "v2"


class User(BaseModel):
    username: str = Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")
    display_name: str = ""
    role: Role
    partners: list[str] = Field(default_factory=list)
    teams: list[str] = Field(default_factory=list)
    email: str | None = None  # for log-in through OpenID Connect (st.login)
    password_hash: str | None = None


class WeakPassword(ValueError):
    """A password the strength rule refuses; the message says why, never the password."""


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


def _raw_users(path: Path) -> dict:
    """The users table of the file as TOML gives it; ValueError (one line, no content) when it is not TOML."""
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        where = str(exc).rsplit("(", 1)[-1].rstrip(")") if "(" in str(exc) else "unknown position"
        raise ValueError(f"the users file {path} is not valid TOML ({where})") from None
    users = data.get("users", {})
    if not isinstance(users, dict):
        raise ValueError(f"the users file {path}: [users] must be a table of users")
    return users


def read_users(path: Path) -> tuple[dict[str, User], list[str]]:
    """The valid users, and one line per problem (entry name and field, never a value)."""
    try:
        raw = _raw_users(path)
    except ValueError as exc:
        return {}, [str(exc)]
    users: dict[str, User] = {}
    problems: list[str] = []
    for name, fields in raw.items():
        if not isinstance(fields, dict):
            problems.append(f"user entry {name!r}: must be a table (role = ..., partners = [...])")
            continue
        try:
            users[name] = User.model_validate({**fields, "username": name})
        except ValidationError as exc:
            fields_wrong = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg']}" for e in exc.errors())
            problems.append(f"user entry {name!r}: {fields_wrong}")
    return users, problems


def load_users(path: Path) -> dict[str, User]:
    """The valid users of the file (see read_users for the problems)."""
    return read_users(path)[0]


def save_users(path: Path, users: dict[str, User]) -> None:
    _write_raw(path, {name: user.model_dump(exclude={"username"}, exclude_none=True) for name, user in users.items()})


def _write_raw(path: Path, raw: dict) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(tomli_w.dumps({"users": raw}))
    os.replace(tmp, path)


def check_password(password: str, user: User, min_score: int = 3) -> None:
    """Raise WeakPassword unless the password is long enough and zxcvbn scores it at least `min_score` (0-4),
    judged against the user's own name, display name and e-mail too."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    hints = [h for h in (user.username, user.display_name, user.email or "", "carekpi") if h]
    result = zxcvbn.zxcvbn(password[:_ZXCVBN_MAX], user_inputs=hints)
    if result["score"] < min_score:
        feedback = result["feedback"]
        why = feedback.get("warning") or "it is easy to guess"
        hint = " ".join(feedback.get("suggestions") or [])
        raise WeakPassword(f"this password is too weak ({why.rstrip('.')}). {hint}".strip())


def add_user(path: Path, user: User, password: str | None, min_score: int = 3) -> None:
    """Add a user or reset one (role, scope and, when given, password). The other entries of the file are kept
    as they are, even ones that do not validate."""
    raw = _raw_users(path)
    if password is not None:
        check_password(password, user, min_score)
        user = user.model_copy(update={"password_hash": _HASHER.hash(password)})
    elif isinstance(raw.get(user.username), dict) and raw[user.username].get("password_hash"):
        user = user.model_copy(update={"password_hash": raw[user.username]["password_hash"]})
    raw[user.username] = user.model_dump(exclude={"username"}, exclude_none=True)
    _write_raw(path, raw)


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


def credential_fingerprint(user: User) -> str:
    """Changes whenever the user's password, role, scope or e-mail changes (a new hash has a new salt)."""
    fields = [user.password_hash or "", user.role, sorted(user.partners), sorted(user.teams), user.email or ""]
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()[:32]


def _sign(key: bytes, payload: str) -> str:
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def session_token(key: bytes, user: User, issued_at: float) -> str:
    payload = f"{TOKEN_VERSION}:{user.username}:{int(issued_at)}:{credential_fingerprint(user)}"
    return f"{payload}:{_sign(key, payload)}"


@dataclass(frozen=True)
class TokenCheck:
    user: User | None
    issued_at: float = 0.0
    problem: Literal["invalid", "expired", "revoked"] | None = None


def check_token(key: bytes, users: dict[str, User], token: object, now: float, max_age_seconds: float) -> TokenCheck:
    """The user a session token names when its signature is valid, it is younger than `max_age_seconds` and the
    user's credentials have not changed since; else the problem ('invalid', 'expired' or 'revoked')."""
    if not isinstance(token, str) or token.count(":") != 4:
        return TokenCheck(None, problem="invalid")
    payload, _, signature = token.rpartition(":")
    if not hmac.compare_digest(signature, _sign(key, payload)):
        return TokenCheck(None, problem="invalid")
    version, username, issued, fingerprint = payload.split(":")
    if version != TOKEN_VERSION or not issued.isdigit():
        return TokenCheck(None, problem="invalid")
    issued_at = float(issued)
    if not 0 <= now - issued_at <= max_age_seconds:
        return TokenCheck(None, issued_at, "expired")
    user = users.get(username)
    if user is None or not hmac.compare_digest(fingerprint, credential_fingerprint(user)):
        return TokenCheck(None, issued_at, "revoked")
    return TokenCheck(user, issued_at)
