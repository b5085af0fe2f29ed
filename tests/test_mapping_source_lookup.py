"""A lookup over the source itself (`in_source = true`): one record of a delivery reads a value of another record
of the same delivery (Amazon Connect: the next leg's InitiationMethod, by the NextContactId the first leg carries).
A record that is not in the delivery is absent and the key comes back, as with any lookup. (How a lookup
is declared is checked in tests/test_mapping_nested.py.)"""

from __future__ import annotations

import datetime as dt

from etl.load import load
from etl.mapping import load_mapping
from etl.settings import Settings
from etl.warehouse import connect_read_only

NOW = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
MAPPING = """table = "calls"
timezone = "UTC"
[source]
format = "csv"
[lookups.method]
in_source = true
key = "id"
value = "method"
[columns]
call_id = "id"
queue = "'Scheduling'"
offered_at = "offered"
ended_at = "ended"
direction = "case method when 'CALLBACK' then 'callback' else 'inbound' end"
queued = "true"
end_reason = "case when lookup_method(next_id) = 'CALLBACK' then 'callback' when next_id <> '' then 'moved' end"
"""
HEADER = "id,method,next_id,offered,ended\n"


def _end_reasons(tmp_path, *deliveries):
    (tmp_path / "m.toml").write_text(MAPPING)
    settings = Settings(db_path=tmp_path / "w.duckdb", pseudonym_key="lookup-key-0123456789")
    for i, rows in enumerate(deliveries):
        (tmp_path / f"d{i}.csv").write_text(HEADER + rows)
        load([tmp_path / f"d{i}.csv"], settings, now=NOW, mapping=load_mapping(tmp_path / "m.toml"))
    con = connect_read_only(settings.db_path)
    found = dict(con.execute("select contact_id, end_reason from contacts where direction = 'inbound'").fetchall())
    con.close()
    return found


def test_the_next_record_of_the_same_delivery_is_looked_up(tmp_path):
    found = _end_reasons(tmp_path, (
        "a,INBOUND,b,2026-01-05 09:00:00,2026-01-05 09:02:00\n"
        "b,CALLBACK,,2026-01-05 09:02:00,2026-01-05 09:09:00\n"
        "c,INBOUND,d,2026-01-05 10:00:00,2026-01-05 10:01:00\n"
        "d,QUEUE_TRANSFER,,2026-01-05 10:01:00,2026-01-05 10:03:00\n"
        "e,INBOUND,,2026-01-05 11:00:00,2026-01-05 11:01:00\n"))
    assert found == {"a": "callback", "c": "moved", "d": "abandoned", "e": "abandoned"}


def test_a_next_record_in_another_delivery_is_not_seen(tmp_path):
    found = _end_reasons(tmp_path, "a,INBOUND,b,2026-01-05 09:00:00,2026-01-05 09:02:00\n",
                         "b,CALLBACK,,2026-01-05 09:02:00,2026-01-05 09:09:00\n")
    assert found == {"a": "moved"}
