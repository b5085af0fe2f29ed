"""What must never be stored or shown: patient identifiers. patient_ref is pseudonymised (pseudonym.py); this
module is the one free-text scrubber: every free text the warehouse keeps (reasons, evaluators, agent names,
coaching trainers and notes, the shown fields of quarantined rows) and every error message goes through `scrub`,
which masks identifier-like text. Coaching notes (WITHHELD) are never copied into quarantine.

The pattern set (tested in tests/test_privacy_patterns.py; the same patterns serve DuckDB's RE2, bound as a
parameter, and Python's re):
- e-mail addresses;
- US social security numbers (123-45-6789, 123 45 6789);
- calendar dates, which may be dates of birth (1984-03-12, 1984/3/12, 03/12/1984, 3.12.84): every date in free
  text is masked, a contact date written into a reason included;
- record numbers written with a label (MRN-A7731X, MRN: 48213377, medical record no. 77-1, patient id P9912,
  acct 5531);
- numbers in groups (4821-3377-09, 617 555 0142) and phone numbers ((617) 555-0142, +44 20 7946 0958, 555-0199);
- runs of 8 or more digits (0048213377), spaces allowed.
Limits (docs/data-contract.md): a name is not recognisable by pattern (a patient's name is masked only where the
same file also uses it as a patient reference: staging/patient_named.sql); an identifier written in words, split
by other characters, or shorter than these shapes (a 6-digit number) is kept.

IDENTIFIER_PATTERN is used on free text. KEY_PATTERN, the same set without bare digit runs (which ordinary ids such
as C000000002 are), is used on ids and names (queue, team, site, partner, item, ids): a row whose id or name
matches it is quarantined rather than altered (etl/quarantine.py). AGENT_PATTERN drops e-mail addresses, which are
often agents' log-in names, for agent ids.
"""

from __future__ import annotations

import re

MASK = "[redacted]"
_EMAIL = r"[^\s@,;:\"'<>()\[\]]+@[^\s@,;:\"'<>()\[\]]+\.[A-Za-z]{2,}"
_SSN = r"\b\d{3}[- ]\d{2}[- ]\d{4}\b"
_DATE = (r"\b(?:1[89]|20)\d{2}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])\b"
         r"|\b(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|[12]\d|3[01])[-/.](?:(?:1[89]|20)\d{2}|\d{2})\b")
_LABELLED = (r"(?i:\b(?:mrn|mr#|medical record(?: number| no\.?| #)?|patient id|pt id|member id|acct|account"
             r"(?: number| no\.?)?)[\s:#.-]*[A-Za-z-]*\d[A-Za-z0-9-]*)")
_GROUPS = r"\b\d{2,}(?:[ .-]\d{2,}){2,}\b"
_PHONE = r"(?:\+\d{1,3}[ .-]?)?\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}\b|\b\d{3}[ .-]\d{4}\b"
_DIGITS = r"(?:\+|\b)\d[\d ]{6,}\d\b"

KEY_PATTERN = "|".join((_EMAIL, _SSN, _DATE, _LABELLED, _GROUPS, _PHONE))
AGENT_PATTERN = "|".join((_SSN, _DATE, _LABELLED, _GROUPS, _PHONE))
IDENTIFIER_PATTERN = "|".join((KEY_PATTERN, _DIGITS))
FREE_TEXT = frozenset({"reason", "agent_name", "evaluator", "trainer", "notes"})
# Free text kept only for one page (coaching notes): scrubbed where stored, never copied into quarantine.
WITHHELD = frozenset({"notes"})
_IDENTIFIER = re.compile(IDENTIFIER_PATTERN)
_QUOTED = re.compile(r"'(?:[^']|'')*'")


def scrub(text: str) -> str:
    """Free text with identifier-like text masked."""
    return _IDENTIFIER.sub(MASK, text)


def scrub_message(text: str) -> str:
    """An error message or traceback fit to show: quoted values (DuckDB quotes the values it fails on) and
    identifier-like text masked."""
    return scrub(_QUOTED.sub("'" + MASK + "'", text))
