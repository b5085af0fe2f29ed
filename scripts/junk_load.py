"""Bounded loads under junk: write a calls.csv of N junk lines (default 1,000,000, about 63 MB), load it in a child
process, and print the wall time, the child's peak resident memory and the quarantine counts. Run by `make prove`.

Junk, in equal parts: text without a single comma (too few fields), lines with too many fields, and lines with the
right number of fields whose values are all wrong (no id, bad timestamps, bad numbers); a few planted identifiers
too. Nothing here asserts: the figures are printed for docs/reliability.md (goal: under the memory cap, under 60 s).

    .venv/bin/python scripts/junk_load.py [--lines N] [--refuse-share 0.5]
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = ("call_id,patient_ref,queue,reason,agent_id,offered_at,answered_at,ended_at,hold_seconds,acw_seconds,"
          "transferred,escalated_clinical,resolved\n")
CHILD = """
import json, sys, time
from pathlib import Path
from etl.csv_reader import LoadError
from etl.load import load
from etl.settings import Settings
settings = Settings(db_path=Path(sys.argv[1]), pseudonym_key="junk-key-0123456789abcdef", **json.loads(sys.argv[3]))
started = time.perf_counter()
try:
    report = load([Path(sys.argv[2])], settings)
    f = report.files[0]
    print(json.dumps({"read": f.rows_read, "loaded": f.loaded, "quarantined": f.quarantined,
                      "reasons": len(f.reasons), "seconds": time.perf_counter() - started}))
except LoadError as exc:
    print(json.dumps({"refused": str(exc), "seconds": time.perf_counter() - started}))
"""


def write_junk(path: Path, lines: int, seed: int = 14) -> int:
    rng = random.Random(seed)
    words = ["lorem", "ipsum", "zz", "???", "na", "0xdeadbeef", "SSN 123-45-6789", "null", "-", "x" * 12]
    with open(path, "w", encoding="utf-8") as out:
        out.write(HEADER)
        for i in range(lines):
            kind = i % 3
            if kind == 0:  # no comma at all
                out.write(" ".join(rng.choice(words) for _ in range(6)) + f" {i}\n")
            elif kind == 1:  # too many fields
                out.write(",".join(rng.choice(words) for _ in range(16)) + "\n")
            else:  # the right number of fields, every value wrong
                out.write(f",{i},q,,,{rng.choice(words)},yesterday,soon,-{i % 7},many,perhaps,0x1,??\n")
    return path.stat().st_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--refuse-share", type=float, default=None,
                        help="also load with this junk share threshold (settings load_refuse_junk_share)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="carekpi-junk-") as tmp:
        folder = Path(tmp) / "delivery"
        folder.mkdir()
        size = write_junk(folder / "calls.csv", args.lines)
        print(f"junk calls.csv: {args.lines:,} lines, {size / 1e6:.1f} MB")
        runs = [("quarantine everything", "{}")]
        if args.refuse_share is not None:
            runs.append((f"refuse above {args.refuse_share:.0%} junk", f'{{"load_refuse_junk_share": {args.refuse_share}}}'))
        for label, overrides in runs:
            started = time.perf_counter()
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            done = subprocess.run([sys.executable, "-c", CHILD, str(Path(tmp) / f"w-{len(label)}.duckdb"),
                                   str(folder), overrides], capture_output=True, text=True)
            peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            wall = time.perf_counter() - started
            result = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr.strip()[-300:]
            note = "" if peak_mb > before / 1024 else " (peak of an earlier child)"
            print(f"{label}: {wall:.1f} s wall, peak RSS {peak_mb:,.0f} MB{note}; {result}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
