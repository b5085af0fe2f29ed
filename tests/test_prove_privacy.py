"""Proof of privacy: fake patient identifiers planted in a delivery (as patient references; MRN-like numbers, phone
numbers and e-mail addresses in the free-text fields; and a patient's name, which is also a patient reference of
the delivery, written into a reason) never appear in the warehouse files, the app's rendered
pages, the command line's exports or its load report; and a pseudonym cannot be recovered by hashing the space of
10-digit numbers without the key."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from etl.cli import main
from etl.pseudonym import pseudonym
from tests.conftest import AGENTS, CALL_HEADER, CHATS, QA, QUEUES, SURVEYS, login, write_delivery
from tests.store_bytes import stored_bytes

pytestmark = pytest.mark.prove
ROOT = Path(__file__).resolve().parent.parent
KEY = "privacy-key-0123456789abcdef"
MRN, PHONE, EMAIL, NAME = "0048213377", "+1 (555) 201-7788", "jane.patient@example.org", "Jane Q. Patient"
PLANTED = [MRN, "555) 201-7788", "201-7788", "jane.patient@example", NAME, NAME.lower()]


def planted_delivery(folder: Path) -> Path:
    calls = [CALL_HEADER,
             ["P1", MRN, "q1", f"re MRN {MRN}", "A1", "2026-01-05T09:00:00", "2026-01-05T09:00:20",
              "2026-01-05T09:05:20", "0", "30", "no", "no", "yes"],
             ["P2", PHONE, "q1", f"call back on {PHONE}", "A1", "2026-01-06T09:00:00", "2026-01-06T09:00:10",
              "2026-01-06T09:04:00", "0", "0", "no", "no", ""],
             ["P3", NAME, "q2", f"{NAME} wrote from {EMAIL}", "A2", "2026-01-07T11:00:00", "2026-01-07T11:00:30",
              "2026-01-07T11:02:00", "", "", "", "", ""],
             ["P6", MRN, "q2", f"asked for {NAME.lower()} again", "A2", "2026-01-07T12:00:00",
              "2026-01-07T12:00:30", "2026-01-07T12:02:00", "", "", "", "", ""],
             # quarantined rows keep their raw text: it must be masked too
             ["P4", MRN, "q1", f"MRN {MRN} again", "A1", "2026-01-08T09:00:00", "2026-01-08T08:00:00",
              "2026-01-08T09:05:00", "0", "0", "no", "no", ""],
             ["P5", PHONE, f"tel {PHONE}", "x"],
             ["P7", NAME, "q1", f"about {NAME}", "A1", "2026-01-08T10:00:00", "2026-01-08T09:00:00",
              "2026-01-08T10:05:00", "0", "0", "no", "no", ""]]
    agents = [AGENTS[0], *AGENTS[1:]]
    qa = [QA[0], ["E9", "P1", "2026-01-06T09:00:00", f"qa lead {PHONE}", "identity_verified", "pass"]]
    return write_delivery(folder, {"agents.csv": agents, "queues.csv": QUEUES, "calls.csv": calls,
                                   "chats.csv": CHATS, "surveys.csv": SURVEYS, "qa_evaluations.csv": qa})


def leaks(text: str) -> list[str]:
    return [p for p in PLANTED if p in text]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("privacy")
    folder = planted_delivery(root / "delivery")
    db = root / "w.duckdb"
    os.environ["CAREKPI_PSEUDONYM_KEY"] = KEY
    try:
        yield folder, db
    finally:
        del os.environ["CAREKPI_PSEUDONYM_KEY"]


def test_no_planted_identifier_in_the_warehouse_report_or_exports(warehouse, capsys):
    folder, db = warehouse
    assert main(["load", str(folder), "--db", str(db)]) == 0
    assert main(["load", str(folder), "--db", str(db), "--json"]) == 0
    for fmt in ("json", "csv", "table"):
        assert main(["kpi", "--db", str(db), "--from", "2026-01-01", "--to", "2026-01-31", "--by", "day", "agent",
                     "queue", "--format", fmt]) == 0
    out = capsys.readouterr()
    assert leaks(out.out) == [] and leaks(out.err) == []
    for path, data in stored_bytes(db).items():  # the snapshots and the table store's files (decoded too)
        assert [p for p in PLANTED if p.encode() in data] == [], path


def test_no_planted_identifier_on_any_page(warehouse, users_env, monkeypatch):
    folder, db = warehouse
    if not db.exists():
        assert main(["load", str(folder), "--db", str(db)]) == 0
    monkeypatch.setenv("CAREKPI_DB_PATH", str(db))
    pages = ["overview", "channels", "quality", "coaching", "partner", "data_quality"]
    for page in pages:
        st.cache_data.clear()
        st.cache_resource.clear()
        at = login(AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60), "manager")
        at.query_params["period"] = "Custom"
        at.session_state["dates"] = (__import__("datetime").date(2026, 1, 1), __import__("datetime").date(2026, 1, 31))
        at.run()
        if page != "overview":
            at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception
        text = "\n".join([str(e.value) for e in (*at.markdown, *at.caption, *at.metric, *at.info, *at.title)]
                         + [frame.value.to_string() for frame in at.dataframe]
                         + [str(e.proto) for e in at.metric])
        if page == "data_quality":
            assert "[redacted]" in text  # the quarantined rows are shown, masked
        assert leaks(text) == [], page


def test_a_pseudonym_cannot_be_recovered_without_the_key():
    stored = pseudonym(KEY.encode(), MRN)
    # the plain hashes an attacker would try over the 10-digit space do not match it
    assert stored != hashlib.sha256(MRN.encode()).hexdigest()
    assert stored != hashlib.sha512(MRN.encode()).hexdigest()[:64]
    assert stored != pseudonym(b"a-guessed-key-of-any-length", MRN)
    # enumerating a slice of the 10-digit space without the key finds nothing
    candidates = (f"{n:010d}" for n in range(48_213_000, 48_214_000))
    assert all(hashlib.sha256(c.encode()).hexdigest() != stored for c in candidates)


def test_identifier_like_text_is_masked_and_ordinary_text_kept():
    from etl.privacy import scrub

    assert scrub("re MRN 0048213377 refill") == "re [redacted] refill"  # a labelled number goes with its label
    assert scrub("re 0048213377 refill") == "re [redacted] refill"
    assert scrub("call back on +1 (555) 201-7788 today") == "call back on [redacted] today"
    assert scrub("wrote from jane.patient@example.org") == "wrote from [redacted]"
    for ordinary in ("reschedule", "prior_authorisation", "seen at 09:00", "room 12", "A0013"):
        assert scrub(ordinary) == ordinary
