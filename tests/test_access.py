"""Access and sharing: log-in, each role's scope on every page (checked against the database), no leak through
the cache, fail-closed for unmapped users, page lists per role, and the audit log."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from etl import audit
from etl.access import authenticate, load_users, session_token
from etl.settings import Settings
from etl.warehouse import connect_read_only
from tests.conftest import PASSWORDS, SESSION_SECRET, login

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
KEY = "access-test-key-0123456789"
PAGES_BY_ROLE = {
    "manager": ["overview", "channels", "quality", "coaching", "partner", "data_quality"],
    "harbor": ["overview", "channels", "quality", "partner"],
    "trainer": ["overview", "quality", "coaching"],
}


@pytest.fixture
def env(sample_db, users_env, monkeypatch):
    monkeypatch.setenv("CAREKPI_DB_PATH", str(sample_db.db_path))
    st.cache_resource.clear()  # the settings (users file, audit log) are cached per process
    return sample_db


def fresh_app(period: str = "Last 4 weeks") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["period"] = period
    return at


def page_text(at: AppTest) -> str:
    """Everything a person could read on the page, filter choices included."""
    parts = [str(e.value) for e in (*at.markdown, *at.caption, *at.info, *at.title, *at.subheader)]
    parts += [f"{m.label} {m.value} {m.proto.help}" for m in at.metric]
    parts += [frame.value.to_string() for frame in at.dataframe]
    parts += [" ".join(map(str, w.options)) for w in (*at.multiselect, *at.selectbox)]
    return "\n".join(parts)


def others(settings: Settings, partner: str | None = None, team: str | None = None) -> set[str]:
    """Names a user scoped to `partner` (or `team`) must never see, taken from the database."""
    con = connect_read_only(settings.db_path)
    try:
        if partner:
            rows = con.execute(
                "select agent_id, agent_name, team from agents where partner <> $p "
                "union all select queue, partner, coalesce(team, queue) from queues where partner <> $p "
                "union all select distinct partner, partner, partner from contact_facts where partner <> $p",
                {"p": partner}).fetchall()
        else:
            rows = con.execute(
                "select agent_id, agent_name, team from agents where team <> $t "
                "union all select distinct team, team, team from contact_facts where team <> $t", {"t": team}).fetchall()
    finally:
        con.close()
    names = {value for row in rows for value in row if value}
    return {n for n in names if len(n) > 3}  # short tokens like "app" would match ordinary words


def visit(user: str, page: str) -> AppTest:
    """A new session of `user` on `page`. Query results stay cached across sessions, as on a real server."""
    at = login(fresh_app(), user).run()
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("page", PAGES_BY_ROLE["harbor"])
def test_a_partner_sees_nothing_of_other_partners_even_after_a_manager(env, page):
    visit("manager", page)  # fills the caches first
    at = visit("harbor", page)
    text = page_text(at)
    leaked = sorted(name for name in others(env, partner="Harbor BPO") if name in text)
    assert leaked == []
    assert at.multiselect(key="partner").options == ["Harbor BPO"]


@pytest.mark.parametrize("page", PAGES_BY_ROLE["trainer"])
def test_a_trainer_sees_only_their_teams(env, page):
    at = visit("trainer", page)
    text = page_text(at)
    leaked = sorted(name for name in others(env, team="Referrals") if name in text)
    assert leaked == []
    assert at.multiselect(key="team").options == ["Referrals"]


@pytest.mark.parametrize("role, user", [("partner", "harbor"), ("trainer", "trainer")])
def test_pages_a_role_has_no_use_for_are_not_in_its_navigation(env, role, user):
    at = login(fresh_app(), user).run()
    hidden = set(PAGES_BY_ROLE["manager"]) - set(PAGES_BY_ROLE[user])
    for page in hidden:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"app_pages/{page}.py")


def test_a_user_mapped_to_nothing_sees_nothing(env):
    at = login(fresh_app(), "nobody").run()
    assert not at.exception
    assert len(at.metric) == 0 and len(at.dataframe) == 0 and len(at.multiselect) == 0
    assert [i.value for i in at.info] == [
        "No contacts within your access. Ask a manager to check the partners or teams you are given."]


def test_log_in_with_the_right_password_only(env):
    at = fresh_app().run()
    assert len(at.metric) == 0 and at.text_input(key="login_user")
    at.text_input(key="login_user").input("manager")
    at.text_input(key="login_password").input("not the password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Wrong user name or password."]
    assert len(at.metric) == 0
    at.text_input(key="login_user").input("mallory")
    at.text_input(key="login_password").input(PASSWORDS["manager"])
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Wrong user name or password."]
    at.text_input(key="login_user").input("manager")
    at.text_input(key="login_password").input(PASSWORDS["manager"])
    at.button[0].click().run()
    assert not at.error and len(at.metric) > 0


def _tokens() -> dict[str, str]:
    manager = load_users(Path(os.environ["CAREKPI_USERS_FILE"]))["manager"]
    ghost = manager.model_copy(update={"username": "deleted-user"})
    now = time.time()
    return {"forged": "v2:manager:1:abc:forged", "other-key": session_token(b"another secret", manager, now),
            "bare": "manager", "old-format": "manager:" + "0" * 64,
            "deleted": session_token(SESSION_SECRET.encode(), ghost, now)}


@pytest.mark.parametrize("kind", ["forged", "other-key", "bare", "old-format", "deleted"])
def test_a_tampered_session_is_refused(env, kind):
    token = _tokens()[kind]
    at = fresh_app()
    at.session_state["carekpi_session"] = token
    at.run()
    assert not at.exception
    assert len(at.metric) == 0
    assert at.text_input(key="login_user")
    if ":" in token:
        assert at.error[0].value in ("Your session is not valid any more. Log in again.",
                                     "Your access has changed since you logged in. Log in again.")


def test_passwords_are_stored_only_as_argon2_hashes(users_env):
    text = users_env.read_text()
    assert "$argon2id$" in text
    assert all(password not in text for password in PASSWORDS.values())
    assert stat.S_IMODE(os.stat(users_env).st_mode) == 0o600
    users = load_users(users_env)
    assert authenticate(users, "harbor", PASSWORDS["harbor"]).partners == ["Harbor BPO"]
    assert authenticate(users, "harbor", PASSWORDS["manager"]) is None


def test_page_views_are_audited(env, users_env):
    visit("harbor", "partner")
    entries = audit.entries(users_env.with_name("audit.jsonl"))
    views = [e for e in entries if e["action"] == "view"]
    assert views[-1]["user"] == "harbor" and views[-1]["page"] == "Partner scorecard"
    assert views[-1]["scope"] == {"partners": ["Harbor BPO"], "teams": None}
    assert views[-1]["filters"]["date_from"] < views[-1]["filters"]["date_to"]


def test_the_partner_scorecard_offers_the_report_downloads(env):
    at = visit("northwind", "partner")
    # the report files, then the CSV of the contacts drill-down at the page's foot (dashboard/drilldown.py)
    assert [b.label for b in at.download_button] == ["Report (CSV)", "Report (XLSX)", "Report (HTML)",
                                                     "Report (PDF)", "Download CSV"]  # PDF: Chromium installed
    assert at.selectbox(key="scorecard_partner").options == ["Northwind Support"]


def test_an_openid_identity_maps_to_one_user_by_email():
    from etl.access import User, user_for_email

    users = {"a": User(username="a", role="manager", email="Ann@Example.org"),
             "b": User(username="b", role="partner", partners=["P"], email="bob@example.org"),
             "c": User(username="c", role="partner", partners=["Q"], email="bob@example.org")}
    assert user_for_email(users, "ann@example.org").username == "a"
    assert user_for_email(users, "bob@example.org") is None  # ambiguous: refused
    assert user_for_email(users, "eve@example.org") is None and user_for_email(users, None) is None
