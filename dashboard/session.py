"""Log-in before any page: password log-in against the users file, or OpenID Connect through st.login when
secrets configure it (the identity's e-mail maps to a user in the same file).

The session holds only a signed token (etl.access) and the time it was last used. A token is refused when its
signature does not match, when it is older than `session_max_hours`, when it was unused for `session_idle_minutes`,
or when the user's password, role or scope changed since log-in (or the user is gone). Password attempts go
through etl.login_guard (throttling and lock-out per user name and per client). Every log-in, failure, refusal and
session end is written to the audit log: the user name when it is a known user, never a password.
A users file entry that does not validate keeps only that user out; a users file that cannot be read keeps
everyone out; both with a clear message and the details in the server log.
"""

from __future__ import annotations

import logging
import time

import streamlit as st

from etl import audit
from etl.access import User, authenticate, check_token, read_users, session_key, session_token, user_for_email
from etl.login_guard import LoginGuard
from etl.settings import Settings

TOKEN_KEY = "carekpi_session"
SEEN_KEY = "carekpi_session_seen"
_LOG = logging.getLogger("carekpi.access")
ENDED = {
    "invalid": "Your session is not valid any more. Log in again.",
    "expired": "Your session has expired. Log in again.",
    "idle": "Your session ended after a period without use. Log in again.",
    "revoked": "Your access has changed since you logged in. Log in again.",
}


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all
        return False


def client_address(settings: Settings) -> str:
    """Who is knocking, as far as Streamlit can tell: the connection's address (None on localhost), or the last
    X-Forwarded-For hop when `login_trust_forwarded_for` is set (only behind a reverse proxy that sets it)."""
    address = None
    try:
        if settings.login_trust_forwarded_for:
            forwarded = st.context.headers.get("X-Forwarded-For")
            address = forwarded.split(",")[-1].strip() if isinstance(forwarded, str) else None
        address = address or st.context.ip_address
    except Exception:  # noqa: BLE001 - no client context (e.g. AppTest)
        address = None
    return address if isinstance(address, str) and address else "local"


def _record(settings: Settings, user: str, role: str, action: str, **details) -> None:
    audit.record(settings.audit_log, user, role, action, **details)


def signed_in_user(settings: Settings) -> User | None:
    """The user of this session, or None after drawing the log-in form (the caller stops the script)."""
    users, problems = read_users(settings.users_file)
    for problem in problems:
        _LOG.warning("users file: %s", problem)
    key = session_key(settings)
    now = time.time()
    token = st.session_state.get(TOKEN_KEY)
    if token is not None:
        check = check_token(key, users, token, now, settings.session_max_hours * 3600)
        problem = check.problem
        seen = float(st.session_state.get(SEEN_KEY, check.issued_at))
        if check.user is not None and now - seen > settings.session_idle_minutes * 60:
            problem = "idle"
        if problem is None:
            st.session_state[SEEN_KEY] = now
            return check.user
        name = token.split(":")[1] if isinstance(token, str) and token.count(":") == 4 else "(unknown)"
        _record(settings, name if name in users else "(unknown)", "", "session_end", reason=problem,
                client=client_address(settings))
        sign_out()
        st.error(ENDED[problem])
    if _oidc_configured() and st.user.is_logged_in:
        user = user_for_email(users, st.user.get("email"))
        if user is not None:
            _start(settings, key, user, "oidc")
            return user
        _record(settings, "(unknown)", "", "login", outcome="unmapped", method="oidc", client=client_address(settings))
        st.error("Your single sign-on identity is not mapped to a carekpi user. Ask a manager to add you.")
        st.button("Log out", on_click=st.logout)
        return None
    _login_form(settings, users, problems, key)
    return None


def _start(settings: Settings, key: bytes, user: User, method: str) -> None:
    now = time.time()
    st.session_state[TOKEN_KEY] = session_token(key, user, now)
    st.session_state[SEEN_KEY] = now
    _record(settings, user.username, user.role, "login", outcome="success", method=method,
            client=client_address(settings))


def _login_form(settings: Settings, users: dict[str, User], problems: list[str], key: bytes) -> None:
    st.title("carekpi")
    unreadable = bool(problems) and not users
    if unreadable:
        st.error("Log-in is unavailable: the users file cannot be read. An administrator can see why in the server "
                 "log (`carekpi users add` refuses to run on it too).")
    elif problems:
        st.warning(f"{len(problems)} entr{'y' if len(problems) == 1 else 'ies'} of the users file cannot be used: "
                   "those users cannot log in until an administrator fixes the file (see the server log).")
    elif not users:
        st.warning("No users are configured yet: run `carekpi users add NAME --role manager` (or `make run`, which "
                   "creates the demo users).")
    with st.form("login"):
        username = st.text_input("User name", key="login_user")
        password = st.text_input("Password", type="password", key="login_password")
        submitted = st.form_submit_button("Log in", disabled=unreadable)
    if submitted and not unreadable:
        _try_password(settings, users, key, username.strip(), password)
    if _oidc_configured():
        st.button("Log in with single sign-on", on_click=st.login)


def _try_password(settings: Settings, users: dict[str, User], key: bytes, username: str, password: str) -> None:
    client = client_address(settings)
    known = username if username in users else "(unknown)"
    role = users[username].role if username in users else ""
    guard = LoginGuard(settings)
    decision = guard.attempt(username, client)
    if not decision.allowed:
        _record(settings, known, role, "login", outcome=decision.reason, method="password", client=client)
        minutes = max(1, round(decision.retry_after / 60))
        wait = f"{minutes} minute{'s' if minutes != 1 else ''}" if decision.retry_after >= 60 else \
            f"{max(1, round(decision.retry_after))} seconds"
        st.error(f"Too many failed log-ins. Try again in {wait}.")
        return
    user = authenticate(users, username, password)
    if user is None:
        _record(settings, known, role, "login", outcome="failure", method="password", client=client)
        st.error("Wrong user name or password.")
        return
    guard.succeeded(username, client, decision)
    _start(settings, key, user, "password")
    st.rerun()


def sign_out() -> None:
    st.session_state.pop(TOKEN_KEY, None)
    st.session_state.pop(SEEN_KEY, None)
    if _oidc_configured() and st.user.is_logged_in:
        st.logout()
