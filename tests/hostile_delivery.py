"""A hostile contract delivery: every contract file, every field kind carrying planted patient identifiers (the
patterns of issue 14 item 8) and names carrying markdown, HTML and formula payloads.

`write_hostile_delivery(folder)` writes the seven contract files (with coaching_sessions.csv); `MARKERS` are the planted identifiers no warehouse
file, page, export, log, load report or error message may contain (`found_markers(text_or_bytes)` lists the ones
a text holds, case-insensitively); `PAYLOADS` are the hostile names that may be shown, but only as plain text
(never rendered as markdown, HTML or a spreadsheet formula).

Every file has the fields of the contract plus extra columns (`notes`, `comment`, `qa_comment`), rows that load,
rows that are quarantined by a rule (each carrying identifiers in every field), a row with one extra field (which
shifts every later field one column right: a real patient reference lands under `queue`), and a row the CSV parser
cannot split. The expected outcome is not stated here: tests say what they prove.
"""

from __future__ import annotations

import csv
from pathlib import Path

# The planted patient identifiers (item 8 of issue 14, plus e-mail, a 10-digit phone and a patient's name).
SSN = "123-45-6789"
DOB_ISO = "1984-03-12"
DOB_US = "03/12/1984"
MRN_HYPHEN = "4821-3377-09"
MRN_ALNUM = "MRN-A7731X"
PHONE7 = "555-0199"
PHONE10 = "(617) 555-0142"
PHONE_DIGITS = "6175550143"
EMAIL = "jane.doe@example.com"
PATIENT_NAME = "Marta Quill"  # a patient reference of the delivery, also written into free text
PATIENT_REFS = ("PTREF-88213", "0048213377", PATIENT_NAME)  # raw patient references: never stored or shown

MARKERS: tuple[str, ...] = (
    SSN, DOB_ISO, DOB_US, MRN_HYPHEN, MRN_ALNUM, PHONE7, "555-0142", PHONE_DIGITS, EMAIL, "jane.doe@",
    PATIENT_NAME, "PTREF-88213", "0048213377",
)

# Names that must be shown as plain text: markdown, HTML and spreadsheet-formula payloads.
MD_IMAGE = "![x](http://evil.example/x.png)"
MD_COLOUR = ":red[Alert team]"
MD_LINK = "[link](http://evil.example/phish)"
HTML_IMG = '<img src="http://evil.example/i.png">'
HTML_SCRIPT = "<script>alert(1)</script>"
FORMULA_LINK = '=HYPERLINK("http://evil.example/f","click")'
FORMULA_AT = "@SUM(1)"
FORMULA_PLUS = "+1"
FORMULA_MINUS = "-1"
PAYLOADS: tuple[str, ...] = (MD_IMAGE, MD_COLOUR, MD_LINK, HTML_IMG, HTML_SCRIPT, FORMULA_LINK, FORMULA_AT,
                             FORMULA_PLUS, FORMULA_MINUS)
PAYLOAD_PARTNER = "Harbor =HYPERLINK partner"  # hostile agents belong to this partner (role-scoped proofs)
EVIL_HOST = "evil.example"  # no page may make a browser request this host


def found_markers(data: str | bytes) -> list[str]:
    """The planted identifiers `data` contains (case-insensitive)."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    lowered = text.lower()
    return [marker for marker in MARKERS if marker.lower() in lowered]


AGENTS = [
    ["agent_id", "agent_name", "team", "site", "partner", "licensed", "hire_date", "notes"],
    ["H1", MD_IMAGE, MD_COLOUR, HTML_IMG, PAYLOAD_PARTNER, "false", "2025-01-01", f"SSN {SSN}"],
    ["H2", f"Bob {PHONE7}", MD_LINK, FORMULA_AT, PAYLOAD_PARTNER, "no", "2025-02-01", f"DOB {DOB_US}"],
    ["H3", HTML_SCRIPT, FORMULA_MINUS, "Site 1", FORMULA_LINK, "no", "2025-03-01", f"mail {EMAIL}"],
    ["H4", f"Ann {SSN}", f"team {MRN_ALNUM}", f"site {DOB_ISO}", PAYLOAD_PARTNER, "no", "2025-04-01", ""],
    # quarantined (bad flag, bad date), identifiers in every field
    [MRN_HYPHEN, f"Eve {EMAIL}", f"T {PHONE10}", f"S {SSN}", f"P {PHONE7}", f"lic {SSN}", DOB_US,
     f"notes {MRN_ALNUM}"],
    # one extra field: every later field one column right
    ["H5", "Zed", f"x {SSN}", "T1", "S1", PAYLOAD_PARTNER, "no", "2025-01-01", f"extra {EMAIL}"],
]
QUEUES = [
    ["queue", "partner", "team", "site", "sl_threshold_seconds", "notes"],
    ["scheduling", PAYLOAD_PARTNER, MD_COLOUR, HTML_IMG, "", f"owner {PHONE10}"],
    [MD_LINK, FORMULA_LINK, FORMULA_PLUS, HTML_SCRIPT, "20", f"SSN {SSN}"],
    [f"queue {MRN_HYPHEN}", f"P {DOB_ISO}", f"T {EMAIL}", f"S {PHONE7}", "", ""],
    # quarantined: threshold not a whole number
    [f"q {MRN_ALNUM}", f"P {SSN}", f"T {DOB_US}", f"S {EMAIL}", f"{PHONE_DIGITS}", f"n {PATIENT_NAME}"],
]
CALL_HEADER = ["call_id", "patient_ref", "queue", "reason", "agent_id", "offered_at", "answered_at", "ended_at",
               "hold_seconds", "acw_seconds", "transferred", "escalated_clinical", "resolved", "notes", "comment"]
CALLS = [
    CALL_HEADER,
    ["HC1", PATIENT_NAME, "scheduling", f"SSN {SSN} asked", "H1", "2026-01-05T09:00:00", "2026-01-05T09:00:20",
     "2026-01-05T09:05:20", "0", "30", "no", "no", "yes", f"DOB {DOB_ISO}", f"born {DOB_US}"],
    ["HC2", "PTREF-88213", MD_LINK, f"MRN {MRN_HYPHEN} and {MRN_ALNUM}", "H2", "2026-01-06T09:00:00",
     "2026-01-06T09:00:10", "2026-01-06T09:04:00", "0", "0", "no", "no", "", f"call {PHONE7}", f"or {PHONE10}"],
    ["HC3", "0048213377", "scheduling", f"spoke with {PATIENT_NAME.lower()} again", "H3", "2026-01-07T11:00:00",
     "2026-01-07T11:00:30", "2026-01-07T11:02:00", "", "", "", "", "", f"mail {EMAIL}", f"tel {PHONE_DIGITS}"],
    ["HC4", "PTREF-88213", "scheduling", MD_IMAGE, "H4", "2026-01-07T12:00:00", "2026-01-07T12:00:30",
     "2026-01-07T12:02:00", "", "", "", "", "", HTML_SCRIPT, FORMULA_LINK],
    [f"id {SSN}", "0048213377", f"q {MRN_ALNUM}", f"DOB {DOB_ISO}", f"ag {PHONE7}", "2026-01-08T09:00:00",
     "2026-01-08T09:01:00", "2026-01-08T09:05:00", "0", "0", "no", "no", "yes", "", ""],
    # quarantined (answered before offered, bad number), identifiers in every field
    [f"HQ {MRN_HYPHEN}", PATIENT_NAME, f"q {EMAIL}", f"about {PATIENT_NAME}, DOB {DOB_US}", f"ag {SSN}",
     "2026-01-08T09:00:00", "2026-01-08T08:00:00", "2026-01-08T09:05:00", f"{PHONE_DIGITS}", "0", "no", "no", "",
     f"notes {SSN}", f"comment {PHONE10}"],
    # one extra field after call_id: the patient reference lands under queue
    ["HC5", "extra", "0048213377", "scheduling", f"r {SSN}", "H1", "2026-01-09T09:00:00", "2026-01-09T09:00:05",
     "2026-01-09T09:03:00", "0", "0", "no", "no", "yes", f"n {EMAIL}", f"c {PHONE7}"],
]
CALLS_UNPARSABLE = f'HC9,"{PATIENT_NAME},scheduling,"SSN {SSN}" MRN {MRN_HYPHEN},H1\n'  # a quote that never closes
CHATS = [
    ["chat_id", "channel", "patient_ref", "queue", "reason", "agent_id", "requested_at", "accepted_at", "ended_at",
     "acw_seconds", "transferred", "escalated_clinical", "resolved", "notes"],
    ["HM1", "sms", PATIENT_NAME, "scheduling", f"text {PHONE7}", "H1", "2026-01-05T08:00:00",
     "2026-01-05T08:00:50", "2026-01-05T08:10:50", "0", "false", "true", "true", f"MRN {MRN_ALNUM}"],
    ["HM2", FORMULA_AT, "PTREF-88213", MD_LINK, f"DOB {DOB_US}", "H2", "2026-01-20T12:00:00",
     "2026-01-20T12:02:00", "2026-01-20T12:07:00", "", "", "", "", f"SSN {SSN}"],
    # quarantined (channel voice), identifiers in every field
    [f"HMQ {EMAIL}", "voice", "0048213377", f"q {SSN}", f"mail {EMAIL}", f"ag {MRN_HYPHEN}",
     "2026-01-21T12:00:00", "", "2026-01-21T12:07:00", f"{PHONE7}", "", "", "", f"n {DOB_ISO}"],
    ["HM3", "chat", "x", "PTREF-88213", "scheduling", "r", "H1", "2026-01-22T12:00:00", "", "2026-01-22T12:07:00",
     "", "", "", "", f"n {PHONE10}"],
]
SURVEYS = [
    ["survey_id", "contact_id", "responded_at", "csat", "comment"],
    ["HS1", "HC1", "2026-01-05T10:00:00", "5", f"great, my SSN is {SSN}"],
    [f"HS {PHONE7}", f"HC {MRN_HYPHEN}", "", "4", f"DOB {DOB_ISO}"],
    ["HS2", "HC2", "", f"bad {SSN}", f"mail {EMAIL}"],  # quarantined: csat not a number
    ["HS3", "HC3", "", "3", f"{PATIENT_NAME}", f"extra {PHONE10}"],
]
QA = [
    ["evaluation_id", "contact_id", "evaluated_at", "evaluator", "item", "result", "qa_comment"],
    ["HE1", "HC1", "2026-01-06T09:00:00", f"qa {PHONE7}", "identity_verified", "pass", f"pt DOB {DOB_US}"],
    ["HE1", "HC1", "2026-01-06T09:00:00", f"qa {PHONE7}", MD_LINK, "fail", f"SSN {SSN}"],
    ["HE2", "HC2", "2026-01-07T09:00:00", HTML_SCRIPT, FORMULA_LINK, "pass", f"MRN {MRN_HYPHEN}"],
    [f"HE {MRN_ALNUM}", f"HC {EMAIL}", "2026-01-07T09:00:00", f"qa {SSN}", "empathy", "pass", ""],
    ["HE3", "HC3", "2026-01-07T09:00:00", f"qa {DOB_ISO}", "empathy", f"maybe {PHONE10}", f"n {PATIENT_NAME}"],
    ["HE4", "HC4", "x", "2026-01-07T09:00:00", "qa", "empathy", "pass", f"n {PHONE_DIGITS}"],
]
COACHING = [
    ["session_id", "agent_id", "date", "topic", "trainer", "notes", "comment"],
    ["HCS1", "H1", "2026-01-10", "aht_seconds", f"tr {PHONE7}", f"pt called from {PHONE10}, SSN {SSN}", MD_LINK],
    ["HCS2", "H2", "2026-01-11", "identity_verified", HTML_SCRIPT, f"{MD_IMAGE} mail {EMAIL}", f"DOB {DOB_US}"],
    # quarantined (bad date, unknown topic), identifiers in every field
    [f"HCS {MRN_HYPHEN}", f"ag {SSN}", DOB_US, f"topic {MRN_ALNUM}", f"tr {EMAIL}", f"about {PATIENT_NAME}", ""],
]
FILES = {"agents.csv": AGENTS, "queues.csv": QUEUES, "calls.csv": CALLS, "chats.csv": CHATS, "surveys.csv": SURVEYS,
         "qa_evaluations.csv": QA, "coaching_sessions.csv": COACHING}
# Fields of each kind the delivery plants identifiers in (for tests that want to say so).
FIELD_KINDS = ("ids", "patient_ref", "queue", "agent_id", "agent_name", "team", "site", "partner", "reason",
               "evaluator", "item", "channel", "csat", "notes", "comment", "qa_comment", "extra field",
               "unparsable row", "trainer", "topic")


def write_hostile_delivery(folder: Path) -> Path:
    """Write the hostile contract files into `folder` (created if missing); return it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in FILES.items():
        with open(folder / name, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
    with open(folder / "calls.csv", "a", encoding="utf-8", newline="") as handle:
        handle.write(CALLS_UNPARSABLE)  # last: an unclosed quote swallows the rest of the file
    return folder
