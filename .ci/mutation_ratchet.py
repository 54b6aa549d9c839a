"""The mutation score's ratchet (``make mutation``, docs/mutation.md).

Reads mutmut's results (``mutants/**/*.py.meta``: each mutant's exit code), prints the score on the last
line, and fails

- when the score is below the one recorded in tests/mutation-score.txt: a change may raise it, never
  lower it (``--record`` writes a higher score back: commit it with the tests that raised it);
- when a mutant survives that tests/mutation-equivalents.yaml does not list as equivalent, with why:
  every survivor is killed by a test or explained;
- when the list names a mutant that no longer survives (killed, or gone because the code changed and
  mutmut numbered its mutants anew): the list says only what is true of the code as it is. A listed
  mutant that timed out is let be: it ran the same tests as the code, more slowly on a loaded machine.

score = killed / mutants, where a mutant that made the tests time out counts as killed, and one no fast
test covers counts as surviving. An equivalent mutant counts as surviving too: it is explained, not
killed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "mutants"
RECORD = ROOT / "tests" / "mutation-score.txt"
EQUIVALENTS = ROOT / "tests" / "mutation-equivalents.yaml"
TOLERANCE = 0.05
"""Percentage points: rounding, never a real loss (one mutant of about 2,200 is 0.05)."""
TIMEOUT = {36, 24, -24, 152, 255}
"""mutmut's exit codes of a timeout (its own, or the CPU limit's SIGXCPU)."""
KILLED = {1, 3} | TIMEOUT
"""mutmut's exit codes of a killed mutant: the tests failed (1), pytest's internal error (3), a timeout."""
SURVIVED = {0}
NO_TESTS = {5, 33}
SKIPPED = {34}


def recorded() -> float:
    for line in RECORD.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            return float(line.split()[0])
    raise SystemExit(f"{RECORD}: no score in it")


def results() -> dict[str, int | None]:
    """Every mutant's exit code, by name (None: not run yet)."""
    out: dict[str, int | None] = {}
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        out.update(json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"])
    return out


def equivalents() -> dict[str, str]:
    """The mutants listed as equivalent: name -> why it is the same program."""
    doc = yaml.safe_load(EQUIVALENTS.read_text(encoding="utf-8")) or {}
    listed = doc.get("equivalent") or {}
    bad = [name for name, why in listed.items() if not isinstance(why, str) or not why.strip()]
    if bad:
        raise SystemExit(f"{EQUIVALENTS.relative_to(ROOT)}: no reason given for {', '.join(bad)}")
    return dict(listed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="write a higher score to the record")
    args = parser.parse_args(argv)
    codes = results()
    if not codes:
        print(f"error: no results in {MUTANTS}: run `mutmut run` first")
        return 2
    unrun = sorted(name for name, code in codes.items() if code is None)
    if unrun:
        print(f"error: {len(unrun)} mutants not run yet (first: {unrun[0]}): run `mutmut run` again")
        return 2
    skipped = sum(code in SKIPPED for code in codes.values())
    total = len(codes) - skipped
    killed = sum(code in KILLED for code in codes.values())
    no_tests = sorted(name for name, code in codes.items() if code in NO_TESTS)
    surviving = {name for name, code in codes.items() if code not in KILLED and code not in SKIPPED}
    listed = equivalents()
    unexplained = sorted(surviving - set(listed))
    # A listed mutant that timed out is not stale: an equivalent mutant runs the same tests as the code,
    # and a timeout of those is the machine's load (2 busy cores), not a test that tells it apart.
    timed_out = {name for name, code in codes.items() if code in TIMEOUT}
    stale = sorted(set(listed) - surviving - timed_out)
    score = round(100.0 * killed / total, 2)
    floor = recorded()
    failed = False
    if unexplained:
        failed = True
        print(f"FAILED: {len(unexplained)} surviving mutants neither killed nor listed as equivalent:")
        for name in unexplained:
            print(f"  {name}  (mutmut show {name})")
    if stale:
        failed = True
        print(f"FAILED: {EQUIVALENTS.relative_to(ROOT)} lists {len(stale)} mutants that do not survive:")
        for name in stale:
            state = "killed" if codes.get(name) in KILLED else "not a mutant of the code as it is"
            print(f"  {name}: {state}")
    if score < floor - TOLERANCE:
        failed = True
        print(f"FAILED: the mutation score fell below the recorded {floor:.2f}% ({RECORD.relative_to(ROOT)})")
    if args.record and not failed and score > floor:
        text = RECORD.read_text(encoding="utf-8").splitlines()
        comments = [t for t in text if t.startswith("#")]
        RECORD.write_text("\n".join([*comments, f"{score:.2f}"]) + "\n", encoding="utf-8")
    print(
        f"survivors: {len(surviving)}, each listed as equivalent in {EQUIVALENTS.relative_to(ROOT)}"
        if not unexplained
        else f"survivors: {len(surviving)}, {len(unexplained)} of them unexplained"
    )
    print(
        f"mutation score: {score:.2f}% - {killed} of {total} mutants killed, {len(surviving)} survived "
        f"({len(set(listed) & surviving)} equivalent), {len(no_tests)} not covered by a fast test "
        f"(recorded: {floor:.2f}%)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
