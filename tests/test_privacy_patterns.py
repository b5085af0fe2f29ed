"""The free-text scrubber's pattern set (etl/privacy.py): every identifier shape of issue 14 item 8 is masked, the
same way in Python and in DuckDB (where the loader applies it in bulk); ordinary contact-centre text is kept; ids
and names are held to the stricter key pattern; error messages lose their quoted values."""

from __future__ import annotations

import re

import duckdb
import pytest

from etl.privacy import AGENT_PATTERN, IDENTIFIER_PATTERN, KEY_PATTERN, MASK, scrub, scrub_message

MASKED = [  # (free text, scrubbed)
    ("SSN 123-45-6789 on file", f"SSN {MASK} on file"),
    ("ssn 123 45 6789", f"ssn {MASK}"),
    ("DOB 1984-03-12", f"DOB {MASK}"),
    ("born 03/12/1984, asked for refill", f"born {MASK}, asked for refill"),
    ("born 3.12.84", f"born {MASK}"),
    ("MRN 4821-3377-09 verified", f"{MASK} verified"),
    ("chart 4821-3377-09", f"chart {MASK}"),
    ("MRN-A7731X", MASK),
    ("mrn: a7731x please", f"{MASK} please"),
    ("patient id P9912 called", f"{MASK} called"),
    ("call back 555-0199", f"call back {MASK}"),
    ("call back 555 0199", f"call back {MASK}"),
    ("cell (617) 555-0142", f"cell {MASK}"),
    ("+1 617 555 0142", MASK),
    ("+44 20 7946 0958", MASK),
    ("tel 6175550143", f"tel {MASK}"),
    ("id 0048213377", f"id {MASK}"),
    ("mail jane.doe@example.com now", f"mail {MASK} now"),
]
KEPT = ["reschedule", "prior_authorisation", "new_appointment", "room 12", "A0013", "C000000002", "qa.moreno",
        "Ben B.", "2 calls at 09:00", "patient called back", "version 1.2", "AA0101-33116", "z-2", "PTREF-88",
        "Harbor BPO", "Scheduling", "identity_verified", "q1"]


@pytest.mark.parametrize("text, expected", MASKED)
def test_every_identifier_shape_is_masked_in_python_and_in_duckdb(text, expected):
    assert scrub(text) == expected
    con = duckdb.connect()
    in_duckdb = con.execute("select regexp_replace($t, $p, $m, 'g')",
                            {"t": text, "p": IDENTIFIER_PATTERN, "m": MASK}).fetchone()[0]
    assert in_duckdb == expected


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_text_is_kept(text):
    assert scrub(text) == text
    assert not re.search(KEY_PATTERN, text)


def test_ids_and_names_use_the_key_pattern_without_bare_digit_runs():
    assert re.search(KEY_PATTERN, "id 123-45-6789") and re.search(KEY_PATTERN, "q MRN-A7731X")
    assert not re.search(KEY_PATTERN, "0048213377")  # an ordinary numeric id
    assert re.search(KEY_PATTERN, "jane.doe@example.com") and not re.search(AGENT_PATTERN, "ana@centre.example")


def test_error_messages_lose_quoted_values():
    message = "Conversion Error: Could not convert string 'jane.doe@example.com' to INT32 (id 'Marta Quill')"
    assert scrub_message(message) == f"Conversion Error: Could not convert string '{MASK}' to INT32 (id '{MASK}')"
