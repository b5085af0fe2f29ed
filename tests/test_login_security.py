"""Log-in that resists guessing: throttling and lock-out per user and per client (shared, persisted), audit of
every attempt, session expiry (absolute and idle) and revocation, password strength, and a damaged users file."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from etl import audit, login_guard
from etl.access import WeakPassword, add_user, check_password, load_users, read_users, session_token
from etl.login_guard import LoginGuard
from etl.settings import Settings
from tests.conftest import PASSWORDS, SESSION_SECRET, TEST_USERS, login

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
LOCKED = "Too many failed log-ins."


class Clock:
    def __init__(self, start: float = 1_800_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(login_guard, "_clock", fake)
    return fake


@pytest.fixture
def env(sample_db, users_env, monkeypatch):
    monkeypatch.setenv("CAREKPI_DB_PATH", str(sample_db.db_path))
    st.cache_resource.clear()
    return users_env


def attempt(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="login_user").input(username)
    at.text_input(key="login_password").input(password)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def logins(users_file: Path) -> list[dict]:
    return [e for e in audit.entries(users_file.with_name("audit.jsonl")) if e["action"] == "login"]


def test_fifty_wrong_passwords_then_the_right_one_is_refused_until_the_lock_ends(env, clock):
    at = AppTest.from_file(APP, default_timeout=90).run()
    for i in range(50):
        clock.now += 1
        attempt(at, "manager", f"guess-number-{i}")
        assert len(at.metric) == 0
    attempt(at, "manager", PASSWORDS["manager"])
    assert len(at.metric) == 0 and errors(at)[0].startswith(LOCKED)
    outcomes = [e["outcome"] for e in logins(env)]
    assert outcomes.count("success") == 0
    assert outcomes.count("failure") == 5  # only the first five guesses were even checked
    assert outcomes.count("locked") + outcomes.count("throttled") == 46
    # a restart of the server keeps the lock: a new guard reads the same file
    assert LoginGuard(Settings()).attempt("manager", "local").reason == "locked"
    clock.now += 15 * 60 + 1
    attempt(at, "manager", PASSWORDS["manager"])
    assert not at.error and len(at.metric) > 0
    assert logins(env)[-1]["outcome"] == "success" and logins(env)[-1]["user"] == "manager"


def test_failed_log_ins_are_audited_without_the_password(env, clock):
    at = AppTest.from_file(APP, default_timeout=90).run()
    attempt(at, "harbor", "wrong-horse-battery")
    clock.now += 1
    attempt(at, "mallory", "another-wrong-one")
    clock.now += 1
    attempt(at, "harbor", PASSWORDS["harbor"])
    entries = logins(env)
    assert [(e["user"], e["role"], e["outcome"], e["method"]) for e in entries] == [
        ("harbor", "partner", "failure", "password"), ("(unknown)", "", "failure", "password"),
        ("harbor", "partner", "success", "password")]
    text = env.with_name("audit.jsonl").read_text()
    assert "wrong-horse-battery" not in text and PASSWORDS["harbor"] not in text and "mallory" not in text


def test_a_client_is_locked_after_failures_across_user_names(env, clock, monkeypatch):
    monkeypatch.setenv("CAREKPI_LOGIN_MAX_FAILURES_PER_CLIENT", "8")
    at = AppTest.from_file(APP, default_timeout=90).run()
    for i in range(8):
        clock.now += 60
        attempt(at, f"user{i}", "not-a-password-1")
        assert errors(at) == ["Wrong user name or password."]
    clock.now += 60
    attempt(at, "trainer", PASSWORDS["trainer"])  # right password, but from a locked client
    assert errors(at)[0].startswith(LOCKED) and len(at.metric) == 0


def test_throttling_and_lock_expiry_in_the_guard(tmp_path, clock):
    guard = LoginGuard(Settings(users_file=tmp_path / "users.toml"))
    for _ in range(3):
        assert guard.attempt("ann", "10.0.0.1").allowed
    refused = guard.attempt("ann", "10.0.0.1")
    assert (refused.allowed, refused.reason, refused.retry_after) == (False, "throttled", 1.0)
    clock.now += 1
    assert guard.attempt("ANN ", "10.0.0.1").allowed  # user names are case-folded and trimmed
    clock.now += 2
    assert guard.attempt("ann", "10.0.0.2").allowed  # fifth failure: locked
    locked = guard.attempt("ann", "10.0.0.3")
    assert (locked.reason, locked.retry_after) == ("locked", 900)
    clock.now += 899
    assert guard.attempt("ann", "10.0.0.3").reason == "locked"
    clock.now += 2
    decision = guard.attempt("ann", "10.0.0.3")
    assert decision.allowed
    guard.succeeded("ann", "10.0.0.3", decision)
    assert guard.attempt("ann", "10.0.0.3").allowed  # a success cleared the user's failures
    stored = (tmp_path / "login-guard.json").read_text()
    assert "ann" not in stored and "10.0.0" not in stored  # keys are hashes
    assert (tmp_path / "login-guard.json").stat().st_mode & 0o777 == 0o600


def test_a_damaged_guard_file_does_not_lock_everyone_out(tmp_path, clock):
    (tmp_path / "login-guard.json").write_text("{not json")
    assert LoginGuard(Settings(users_file=tmp_path / "users.toml")).attempt("ann", "local").allowed


def test_an_old_session_is_refused(env):
    at = AppTest.from_file(APP, default_timeout=90)
    manager = load_users(env)["manager"]
    at.session_state["carekpi_session"] = session_token(SESSION_SECRET.encode(), manager, time.time() - 13 * 3600)
    at.run()
    assert errors(at) == ["Your session has expired. Log in again."] and len(at.metric) == 0
    assert logins(env) == []
    assert audit.entries(env.with_name("audit.jsonl"))[-1]["reason"] == "expired"


def test_an_idle_session_is_refused(env):
    at = login(AppTest.from_file(APP, default_timeout=90), "manager")
    at.session_state["carekpi_session_seen"] = time.time() - 31 * 60
    at.run()
    assert errors(at) == ["Your session ended after a period without use. Log in again."]
    assert len(at.metric) == 0 and at.text_input(key="login_user")


def test_a_used_session_stays_open(env):
    at = login(AppTest.from_file(APP, default_timeout=90), "manager")
    at.session_state["carekpi_session_seen"] = time.time() - 29 * 60
    at.run()
    assert not at.error and len(at.metric) > 0


@pytest.mark.parametrize("change", ["password", "role", "scope", "removed password"])
def test_a_session_is_revoked_when_the_users_access_changes(env, change):
    at = login(AppTest.from_file(APP, default_timeout=90), "harbor").run()
    assert len(at.metric) > 0
    harbor = next(u for u in TEST_USERS if u.username == "harbor")
    if change == "password":
        add_user(env, harbor, "a-brand-new-harbour-secret")
    elif change == "role":
        add_user(env, harbor.model_copy(update={"role": "trainer", "teams": ["Referrals"]}), None)
    elif change == "scope":
        add_user(env, harbor.model_copy(update={"partners": ["Harbor BPO", "Northwind Support"]}), None)
    else:
        text = env.read_text()
        stored = load_users(env)["harbor"].password_hash
        env.write_text(text.replace(f'password_hash = "{stored}"\n', ""))
    at.run()
    assert errors(at) == ["Your access has changed since you logged in. Log in again."]
    assert len(at.metric) == 0 and at.text_input(key="login_user")


@pytest.mark.parametrize("password", ["          ", "password123", "Password1234", "manager2026!", "qwertyuiop"])
def test_weak_passwords_are_refused(tmp_path, password):
    user = TEST_USERS[0]
    with pytest.raises(WeakPassword):
        check_password(password, user)
    with pytest.raises(WeakPassword):
        add_user(tmp_path / "users.toml", user, password)
    assert not (tmp_path / "users.toml").exists()


def test_the_command_line_refuses_a_weak_password_in_one_line(tmp_path):
    env = {"CAREKPI_USERS_FILE": str(tmp_path / "users.toml"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "etl.cli", "users", "add", "ann", "--role", "manager",
                           "--password-stdin"], input="password123\n", capture_output=True, text=True, env=env,
                          cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr.startswith("carekpi users: error: this password is too weak")
    assert len(done.stderr.strip().splitlines()) == 1 and "password123" not in done.stderr
    demo = subprocess.run([sys.executable, "-m", "etl.cli", "users", "demo"], capture_output=True, text=True,
                          env=env, cwd=ROOT)
    assert demo.returncode == 0, demo.stderr
    users = load_users(tmp_path / "users.toml")
    for line in demo.stdout.splitlines()[1:]:
        name, password = line.split()[:2]
        check_password(password, users[name])  # every demo password passes the rule


BAD_ENTRIES = """
[users.eve]
role = "admin"
partners = "Harbor BPO"
password_hash = "secret-looking-value"

[users."bad name!"]
role = "manager"
"""


def test_one_bad_users_entry_keeps_only_that_user_out(env):
    env.write_text(env.read_text() + BAD_ENTRIES)
    users, problems = read_users(env)
    assert "eve" not in users and "bad name!" not in users and "manager" in users
    assert len(problems) == 2 and all("secret-looking-value" not in p and "Harbor BPO" not in p for p in problems)
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert not at.exception
    assert [w.value for w in at.warning][0].startswith("2 entries of the users file cannot be used")
    attempt(at, "eve", "whatever-it-is-1")
    assert errors(at) == ["Wrong user name or password."]
    attempt(at, "manager", PASSWORDS["manager"])
    assert len(at.metric) > 0


def test_an_unreadable_users_file_refuses_every_log_in_with_a_clear_message(env):
    env.write_text(env.read_text() + "\n[users.broken\nrole = \n")
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert not at.exception
    assert errors(at)[0].startswith("Log-in is unavailable: the users file cannot be read.")
    assert at.button[0].disabled
    with pytest.raises(ValueError, match="not valid TOML"):
        add_user(env, TEST_USERS[0], "a-long-and-strong-passphrase")


def test_login_guard_state_is_json_with_hashed_keys_only(tmp_path, clock):
    guard = LoginGuard(Settings(users_file=tmp_path / "users.toml"))
    guard.attempt("somebody@example.org", "203.0.113.9")
    data = json.loads((tmp_path / "login-guard.json").read_text())
    assert list(data) == ["failures"] and len(data["failures"]) == 2
    assert all(len(k) == 32 for k in data["failures"])
