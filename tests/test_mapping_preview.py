"""`carekpi mapping preview`: the columns found, each expression's first values and the records the load would
quarantine and why, on the first records of a file; never a patient value; nothing written."""

from __future__ import annotations

import json
import os
from pathlib import Path

from etl.cli import main

PHONE = "+15552017788"
MAPPING = '''table = "calls"
timezone = "UTC"
[source]
format = "jsonl"
[let]
enqueued = "Queue.EnqueueTimestamp"
caller = "CustomerEndpoint.Address || ' ' || Note"
[columns]
call_id = ["Line", "ContactId"]
patient_ref = "CustomerEndpoint.Address"
queue = "Queue.Name"
reason = "Note"
agent_id = "Agent.Username"
offered_at = "enqueued"
answered_at = "Agent.ConnectedToAgentTimestamp"
ended_at = "DisconnectTimestamp"
[[rules]]
when = "Channel <> 'VOICE'"
reason = "not a voice contact"
'''


def record(n: int, **changes) -> dict:
    r = {"ContactId": f"c-{n}", "Line": "L1", "Channel": "VOICE", "Note": "rebooked",
         "CustomerEndpoint": {"Address": f"+1555000{n:04d}"},
         "Queue": {"Name": "Scheduling", "EnqueueTimestamp": f"2026-01-05T09:{n:02d}:00Z"},
         "Agent": {"Username": "ana", "ConnectedToAgentTimestamp": f"2026-01-05T09:{n:02d}:30Z"},
         "DisconnectTimestamp": f"2026-01-05T09:{n:02d}:50Z"}
    return {**r, **changes}


def run(tmp_path: Path, capsys, *extra: str) -> tuple[int, str, str]:
    (tmp_path / "m.toml").write_text(MAPPING)
    rows = [record(1, CustomerEndpoint={"Address": PHONE}, Note=f"patient {PHONE} called twice"),
            record(2, Channel="CHAT"),
            record(3, Agent={"Username": "ana", "ConnectedToAgentTimestamp": "2026-01-05T08:00:00Z"}),
            record(4, Note=f"callback to {PHONE[2:]}"), record(5), record(6, Queue=None)]
    (tmp_path / "ctr.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    before = sorted(p.name for p in tmp_path.iterdir())
    cwd = os.getcwd()
    os.chdir(tmp_path)  # anything written by accident would land here
    try:
        status = main(["mapping", "preview", "--mapping", str(tmp_path / "m.toml"), str(tmp_path / "ctr.jsonl"),
                       *extra])
    finally:
        os.chdir(cwd)
    out = capsys.readouterr()
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written
    return status, out.out, out.err


def test_preview_shows_columns_values_and_quarantined_records(tmp_path, capsys):
    status, out, _ = run(tmp_path, capsys)
    assert status == 0
    assert "first 6 record(s); nothing is written" in out
    assert "columns found (8):" in out and "  ContactId  VARCHAR" in out and "  Queue  STRUCT(" in out
    lines = out.splitlines()
    values = {lines[i].strip(): lines[i + 1].strip() for i, line in enumerate(lines) if " = " in line}
    assert values["let enqueued = Queue.EnqueueTimestamp"].startswith("2026-01-05 09:01:00+00 | 2026-01-05 09:02:00+00 |")
    assert values["let caller = CustomerEndpoint.Address || ' ' || Note"] == "(varchar: 5 of 5 present, never shown)"
    assert values["call_id = [Line, ContactId]"] == "L1/c-1 | L1/c-2 | L1/c-3 | L1/c-4 | L1/c-5"
    assert values["queue = Queue.Name"] == "Scheduling | Scheduling | Scheduling | Scheduling | Scheduling"
    assert values["patient_ref = CustomerEndpoint.Address"] == "[redacted] (5 of 5 present, never shown)"
    # free text naming a patient is masked whole; identifier-like text is scrubbed
    assert values["reason = Note"] == "[redacted] | rebooked | rebooked | callback to [redacted] | rebooked"
    assert "would be quarantined: 3 of 6" in out
    assert "  record 2: not a voice contact" in out
    assert "  record 3: answered_at before offered_at" in out
    assert "  record 6: queue is missing; offered_at is missing" in out


def test_preview_never_prints_a_patient_value(tmp_path, capsys):
    _, out, err = run(tmp_path, capsys)
    for secret in (PHONE, PHONE[2:], "5552017788", "+15550000005", "15550000005"):
        assert secret not in out + err


def test_preview_reads_only_the_first_rows(tmp_path, capsys):
    status, out, _ = run(tmp_path, capsys, "--rows", "2")
    assert status == 0 and "first 2 record(s)" in out and "would be quarantined: 1 of 2" in out
    status, _, err = run(tmp_path, capsys, "--rows", "0")
    assert (status, err.strip()) == (2, "carekpi mapping: error: --rows must be at least 1")


def test_preview_of_a_broken_mapping_is_one_clear_line(tmp_path, capsys):
    # a field read as a nested object that is text (Queue.Name is a string): DuckDB cannot bind it
    (tmp_path / "bad.toml").write_text(MAPPING.replace('queue = "Queue.Name"', 'queue = "Queue.Name.First"'))
    (tmp_path / "ctr.jsonl").write_text(json.dumps(record(1)))
    status = main(["mapping", "preview", "--mapping", str(tmp_path / "bad.toml"), str(tmp_path / "ctr.jsonl")])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1
    assert "column queue: expression 'Queue.Name.First' does not work here" in err


def test_preview_names_a_field_no_record_holds(tmp_path, capsys):
    # JSON leaves out what has no value, so a field no record holds reads as empty (as a null); the preview names
    # it, which is also how a misspelt field shows
    (tmp_path / "bad.toml").write_text(MAPPING.replace('queue = "Queue.Name"', 'queue = "Queue.Nme"'))
    (tmp_path / "ctr.jsonl").write_text(json.dumps(record(1)))
    status = main(["mapping", "preview", "--mapping", str(tmp_path / "bad.toml"), str(tmp_path / "ctr.jsonl")])
    out = capsys.readouterr().out
    assert status == 0
    assert "fields the mapping reads that no record holds (read as empty, as a null): Queue.Nme" in out


def test_preview_of_a_built_in_mapping_on_its_vendor_example(capsys):
    example = Path(__file__).resolve().parent.parent / "etl" / "mappings" / "examples" / "amazon_connect"
    assert main(["mapping", "preview", "--mapping", "amazon_connect_voice",
                 str(example / "ctr-2026-03-02-firehose")]) == 0
    out = capsys.readouterr().out
    assert "first 18 record(s)" in out and "would be quarantined: 5 of 18" in out
    assert out.count("a chat contact (load it with the amazon_connect_chat mapping)") == 4
    assert "record 17: an older copy of a contact in this delivery (newest LastUpdateTimestamp kept)" in out
    assert "direction = case when InitiationMethod in ('CALLBACK', 'CALLBACK_CUSTOMER_FIRST_DIALED')" in out
    assert "+1555" not in out and "15550100" not in out  # the callers' numbers, never shown
