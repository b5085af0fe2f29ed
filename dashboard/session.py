"""Log-in before any page: password log-in against the users file, or OpenID Connect through st.login when
secrets configure it (the identity's e-mail maps to a user in the same file). The session holds only a signed token;
a token whose signature does not match, or that names a user no longer in the file, is refused."""

from __future__ import annotations

import streamlit as st

from etl.access import User, authenticate, load_users, session_key, session_token, user_for_email, user_from_token
from etl.settings import Settings

TOKEN_KEY = "carekpi_session"


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all
        return False


def signed_in_user(settings: Settings) -> User | None:
    """The user of this session, or None after drawing the log-in form (the caller stops the script)."""
    users = load_users(settings.users_file)
    key = session_key(settings)
    token = st.session_state.get(TOKEN_KEY)
    if token is not None:
        user = user_from_token(key, users, token)
        if user is not None:
            return user
        del st.session_state[TOKEN_KEY]
        st.error("Your session is not valid any more. Log in again.")
    if _oidc_configured() and st.user.is_logged_in:
        user = user_for_email(users, st.user.get("email"))
        if user is not None:
            st.session_state[TOKEN_KEY] = session_token(key, user.username)
            return user
        st.error("Your single sign-on identity is not mapped to a carekpi user. Ask a manager to add you.")
        st.button("Log out", on_click=st.logout)
        return None
    _login_form(users, key)
    return None


def _login_form(users: dict[str, User], key: bytes) -> None:
    st.title("carekpi")
    if not users:
        st.warning("No users are configured yet: run `carekpi users add NAME --role manager` (or `make run`, which "
                   "creates the demo users).")
    with st.form("login"):
        username = st.text_input("User name", key="login_user")
        password = st.text_input("Password", type="password", key="login_password")
        submitted = st.form_submit_button("Log in")
    if submitted:
        user = authenticate(users, username.strip(), password)
        if user is None:
            st.error("Wrong user name or password.")
        else:
            st.session_state[TOKEN_KEY] = session_token(key, user.username)
            st.rerun()
    if _oidc_configured():
        st.button("Log in with single sign-on", on_click=st.login)


def sign_out() -> None:
    st.session_state.pop(TOKEN_KEY, None)
    if _oidc_configured() and st.user.is_logged_in:
        st.logout()
