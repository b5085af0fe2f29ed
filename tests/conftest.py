"""Shared fixtures: tiny hand-made deliveries written as CSV, loaded into a warehouse in a temp folder."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import time
from pathlib import Path

import pytest

from etl.access import User, add_user, load_users, session_token
from etl.kpis import Filters
from etl.load import load
from etl.settings import Settings
from etl.warehouse import connect_read_only

pytest_plugins = ["tests.browser_app"]  # the real-browser tests' shared app server and Chromium
TEST_KEY = "test-key-0123456789abcdef"
ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)

CALL_HEADER = ["call_id", "patient_ref", "queue", "reason", "agent_id", "offered_at", "answered_at", "ended_at",
               "hold_seconds", "acw_seconds", "transferred", "escalated_clinical", "resolved"]
CHAT_HEADER = ["chat_id", "channel", "patient_ref", "queue", "reason", "agent_id", "requested_at", "accepted_at",
               "ended_at", "acw_seconds", "transferred", "escalated_clinical", "resolved"]

AGENTS = [
    ["agent_id", "agent_name", "team", "site", "partner", "licensed", "hire_date"],
    ["A1", "Ann", "T1", "S1", "P1", "false", "2025-01-01"],
    ["A2", "Bob", "T2", "S2", "P2", "no", "2025-12-15"],
    ["N1", "Nia", "Nurse", "S1", "P1", "true", "2020-01-01"],
]
QUEUES = [
    ["queue", "partner", "team", "site", "sl_threshold_seconds"],
    ["q1", "P1", "T1", "S1", ""],
    ["q2", "P2", "T2", "S2", ""],
]
# The worked example of docs/kpis.md; tests/test_kpis.py works out every KPI from these rows by hand.
CALLS = [
    CALL_HEADER,
    ["C1", "PAT-X", "q1", "appt", "A1", "2026-01-05T09:00:00", "2026-01-05T09:00:20", "2026-01-05T09:05:20",
     "0", "30", "no", "no", "yes"],
    ["C2", "PAT-X", "q1", "appt", "A1", "2026-01-08T09:00:00", "2026-01-08T09:01:00", "2026-01-08T09:04:00",
     "0", "0", "no", "no", ""],
    ["C3", "PAT-Y", "q1", "appt", "", "2026-01-06T10:00:00", "", "2026-01-06T10:00:03", "", "", "", "", ""],
    ["C4", "PAT-Z", "q2", "bill", "", "2026-01-07T11:00:00", "", "2026-01-07T11:02:00", "", "", "", "", ""],
    ["C5", "PAT-Z", "q2", "bill", "A2", "2026-01-06T11:05:00", "2026-01-06T11:05:10", "2026-01-06T11:10:10",
     "15", "60", "yes", "no", "no"],
    ["C6", "PAT-W", "q1", "symptom", "N1", "2026-01-07T09:00:00", "2026-01-07T09:00:05", "2026-01-07T09:10:05",
     "0", "0", "no", "no", "yes"],
]
CHATS = [
    CHAT_HEADER,
    ["M1", "chat", "PAT-Y", "q1", "appt", "A1", "2026-01-05T08:00:00", "2026-01-05T08:00:50",
     "2026-01-05T08:10:50", "0", "false", "true", "true"],
    ["M2", "sms", "PAT-V", "q2", "bill", "A2", "2026-01-20T12:00:00", "2026-01-20T12:02:00",
     "2026-01-20T12:07:00", "", "", "", ""],
]
SURVEYS = [
    ["survey_id", "contact_id", "responded_at", "csat"],
    ["S1", "C1", "2026-01-05T10:00:00", "5"],
    ["S2", "C1", "2026-01-05T11:00:00", "3"],
    ["S3", "C4", "", "2"],
    ["S4", "M2", "", "4"],
    ["S5", "C99", "", "1"],
]
QA = [
    ["evaluation_id", "contact_id", "evaluated_at", "evaluator", "item", "result"],
    ["E1", "C1", "2026-01-06T09:00:00", "qa1", "identity_verified", "pass"],
    ["E1", "C1", "2026-01-06T09:00:00", "qa1", "minimum_necessary", "fail"],
    ["E1", "C1", "2026-01-06T09:00:00", "qa1", "recording_disclosure", "na"],
    ["E2", "C5", "2026-01-07T09:00:00", "qa1", "identity_verified", "pass"],
    ["E2", "C5", "2026-01-07T09:00:00", "qa1", "documentation_complete", "fail"],
    ["E2", "C5", "2026-01-07T09:00:00", "qa1", "empathy", "pass"],
]
EXAMPLE = {"agents.csv": AGENTS, "queues.csv": QUEUES, "calls.csv": CALLS, "chats.csv": CHATS,
           "surveys.csv": SURVEYS, "qa_evaluations.csv": QA}
JANUARY = Filters(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 1, 31))


def write_delivery(folder: Path, files: dict[str, list[list[str]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in files.items():
        with open(folder / name, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
    return folder


def count_records(path: Path) -> int:
    """Data records in a CSV file, counted by Python's csv module (independently of the loader)."""
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
        return sum(1 for row in csv.reader(handle) if row) - 1


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db_path=tmp_path / "wh" / "carekpi.duckdb", pseudonym_key=TEST_KEY)


@pytest.fixture
def example_db(tmp_path: Path, settings: Settings) -> Settings:
    load([write_delivery(tmp_path / "example", EXAMPLE)], settings, now=NOW)
    return settings


@pytest.fixture(scope="session")
def example_warehouse(tmp_path_factory) -> Settings:
    """The worked example loaded once, for the tests that only read it (through example_con)."""
    root = tmp_path_factory.mktemp("example")
    settings = Settings(db_path=root / "wh" / "carekpi.duckdb", pseudonym_key=TEST_KEY)
    load([write_delivery(root / "example", EXAMPLE)], settings, now=NOW)
    return settings


@pytest.fixture
def example_con(example_warehouse: Settings):
    """A read-only connection to the worked example's warehouse, loaded once per test session."""
    con = connect_read_only(example_warehouse.db_path)
    yield con
    con.close()


SESSION_SECRET = "test-session-secret-0123456789"
PASSWORDS = {"manager": "manager-pass-123", "harbor": "harbor-pass-123", "northwind": "northwind-pass-1",
             "trainer": "trainer-pass-123", "nobody": "nobody-pass-123"}
TEST_USERS = (
    User(username="manager", role="manager", display_name="Morgan"),
    User(username="harbor", role="partner", partners=["Harbor BPO"], display_name="Harbor"),
    User(username="northwind", role="partner", partners=["Northwind Support"]),
    User(username="trainer", role="trainer", teams=["Referrals"]),
    User(username="nobody", role="partner", partners=[]),  # mapped to no partner: sees nothing
)


@pytest.fixture(scope="session")
def users_template(tmp_path_factory) -> Path:
    """The users of TEST_USERS with their passwords hashed once per session (argon2 takes about 0.3 s a password)."""
    users_file = tmp_path_factory.mktemp("users") / "users.toml"
    for user in TEST_USERS:
        add_user(users_file, user, PASSWORDS[user.username])
    return users_file


@pytest.fixture
def users_env(tmp_path, monkeypatch, users_template) -> Path:
    """A users file with one user per role (and one mapped to nothing), wired into the app's settings: a copy of
    users_template for each test, which may change it."""
    users_file = tmp_path / "users.toml"
    shutil.copy(users_template, users_file)
    monkeypatch.setenv("CAREKPI_USERS_FILE", str(users_file))
    monkeypatch.setenv("CAREKPI_SESSION_SECRET", SESSION_SECRET)
    monkeypatch.setenv("CAREKPI_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    return users_file


def login(at, username: str):
    """Give an AppTest the session a successful log-in as `username` (of the users_env file) would have."""
    user = load_users(Path(os.environ["CAREKPI_USERS_FILE"]))[username]
    at.session_state["carekpi_session"] = session_token(SESSION_SECRET.encode(), user, time.time())
    return at


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory) -> Settings:
    """The shipped sample delivery, loaded once for every test that only reads it."""
    settings = Settings(db_path=tmp_path_factory.mktemp("sample") / "carekpi.duckdb", pseudonym_key=TEST_KEY)
    load([ROOT / "sample_data"], settings)
    return settings
