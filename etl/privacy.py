"""What must never be stored or shown: patient identifiers. patient_ref is pseudonymised (pseudonym.py); this
module masks identifier-like text (MRN-like digit runs, phone numbers, e-mail addresses) wherever free text is kept:
the reason, agent_name and evaluator fields, and the raw text of quarantined rows.

The same pattern serves DuckDB (RE2, bound as a parameter) and Python (re). A name written into free text cannot be
recognised by pattern; docs/reliability.md says so.
"""

from __future__ import annotations

import re

MASK = "[redacted]"
IDENTIFIER_PATTERN = (
    r"\+?\d[\d ]{6,}\d"                                  # MRN-like numbers: 8 or more digits, spaces allowed
    r"|\+?\d{0,3}[ .-]?\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}"  # phone numbers
    r"|[^\s@,;\"]+@[^\s@,;\"]+\.[A-Za-z]{2,}"             # e-mail addresses
)
FREE_TEXT = frozenset({"reason", "agent_name", "evaluator", "trainer", "notes"})
# Free text kept only for one page (coaching notes): scrubbed where stored, never copied into quarantine.
WITHHELD = frozenset({"notes"})
_IDENTIFIER = re.compile(IDENTIFIER_PATTERN)


def scrub(text: str) -> str:
    return _IDENTIFIER.sub(MASK, text)


_QUOTED = re.compile(r"'(?:[^']|'')*'")


def scrub_message(text: str) -> str:
    """An error message or traceback fit to show: quoted values (DuckDB quotes the values it fails on) and
    identifier-like text masked."""
    return scrub(_QUOTED.sub("'" + MASK + "'", text))
