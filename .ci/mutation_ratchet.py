"""The mutation score's ratchet (``make mutation``, docs/testing.md).

Reads the counts mutmut exported (``mutmut export-cicd-stats``), prints the score on the last line, and
fails when it is below the score recorded in tests/mutation-score.txt: a change may raise it, never lower
it. ``--record`` writes a higher score back (commit it with the tests that raised it).

score = killed / mutants, where a mutant that made the tests time out counts as killed, and one no fast
test covers counts as surviving.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATS = ROOT / "mutants" / "mutmut-cicd-stats.json"
RECORD = ROOT / "tests" / "mutation-score.txt"
TOLERANCE = 0.05
"""Percentage points: rounding, never a real loss (one mutant of about 1,500 is 0.07)."""


def recorded() -> float:
    for line in RECORD.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            return float(line.split()[0])
    raise SystemExit(f"{RECORD}: no score in it")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="write a higher score to the record")
    args = parser.parse_args(argv)
    if not STATS.is_file():
        print(f"error: {STATS} is missing: run `mutmut run` and `mutmut export-cicd-stats` first")
        return 2
    stats = json.loads(STATS.read_text(encoding="utf-8"))
    total = int(stats["total"]) - int(stats.get("skipped", 0))
    killed = int(stats["killed"]) + int(stats.get("timeout", 0))
    if total <= 0:
        print("error: mutmut made no mutant")
        return 2
    score = round(100.0 * killed / total, 2)
    floor = recorded()
    line = (
        f"mutation score: {score:.2f}% - {killed} of {total} mutants killed, {stats['survived']} survived, "
        f"{stats['no_tests']} not covered by a fast test (recorded: {floor:.2f}%)"
    )
    if score < floor - TOLERANCE:
        print(f"FAILED: the mutation score fell below the recorded {floor:.2f}% ({RECORD.relative_to(ROOT)})")
        print(line)
        return 1
    if args.record and score > floor:
        text = RECORD.read_text(encoding="utf-8").splitlines()
        comments = [t for t in text if t.startswith("#")]
        RECORD.write_text("\n".join([*comments, f"{score:.2f}"]) + "\n", encoding="utf-8")
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
