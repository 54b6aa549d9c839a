"""Scoring a replay against a scenario's labels: grouping F1, root-cause and action accuracy."""

from __future__ import annotations

from itertools import combinations
from typing import Any


def _groups(incidents: list[dict[str, Any]]) -> dict[str, int]:
    return {sid: n for n, inc in enumerate(incidents) for sid in inc["signals"]}


def pairwise_f1(expected: list[dict[str, Any]], got: list[dict[str, Any]]) -> float:
    """F1 over pairs of signal ids: a pair is positive when both ids are in one incident."""
    want, have = _groups(expected), _groups(got)
    ids = sorted(set(want) | set(have))
    tp = fp = fn = 0
    for a, b in combinations(ids, 2):
        w = a in want and b in want and want[a] == want[b]
        h = a in have and b in have and have[a] == have[b]
        tp += w and h
        fp += h and not w
        fn += w and not h
    if tp + fp + fn == 0:  # no pairs anywhere: right exactly when every id sits where it should
        return 1.0 if set(want) == set(have) else 0.0
    return 2 * tp / (2 * tp + fp + fn)


def match(expected: list[dict[str, Any]], got: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Any]]:
    """Each expected incident with the replayed incident sharing most of its signals (or None)."""
    out = []
    for exp in expected:
        best = max(got, key=lambda g: len(set(g["signals"]) & set(exp["signals"])), default=None)
        if best is not None and not set(best["signals"]) & set(exp["signals"]):
            best = None
        out.append((exp, best))
    return out


def score(expected: dict[str, Any], got: dict[str, Any]) -> dict[str, Any]:
    exp_inc, got_inc = expected["incidents"], got["incidents"]
    pairs = match(exp_inc, got_inc)
    rc_ok = [
        g is not None
        and g["root_cause"]["component"] == e["root_cause"]["component"]
        and g["root_cause"]["change"] == e["root_cause"].get("change")
        for e, g in pairs
    ]
    started = {"succeeded", "failed", "running", "pending_approval"}
    act_ok, unsafe = [], []
    for e, g in pairs:
        taken = sorted(a["runbook"] for a in (g["actions"] if g else []) if a["status"] in started)
        act_ok.append(taken == sorted(e.get("actions", [])))
        unsafe += [r for r in taken if r not in e.get("actions", [])]
    n = len(pairs) or 1
    return {
        "grouping_f1": round(pairwise_f1(exp_inc, got_inc), 4),
        "incidents": (len(exp_inc), len(got_inc)),
        "root_cause_accuracy": round(sum(rc_ok) / n, 4) if pairs else (1.0 if not got_inc else 0.0),
        "action_accuracy": round(sum(act_ok) / n, 4) if pairs else 1.0,
        "unsafe_actions": unsafe,
    }


RAN = frozenset({"succeeded", "failed", "running"})
"""Statuses of a runbook that started on its own (or was started); ``pending_approval`` only asks."""


def _root_ok(expected: dict[str, Any], got: dict[str, Any] | None) -> bool:
    if got is None:
        return False
    rc, want = got["root_cause"], expected["root_cause"]
    if want.get("abstain"):
        return bool(rc.get("abstain"))
    return bool(rc["component"] == want["component"] and not rc.get("abstain")) and _change_ok(expected, got)


def _change_ok(expected: dict[str, Any], got: dict[str, Any] | None) -> bool:
    want = expected["root_cause"]
    if want.get("abstain"):
        return got is not None and bool(got["root_cause"].get("abstain"))
    return got is not None and got["root_cause"]["change"] == want.get("change")


def score_labelled(expected: dict[str, Any], got: dict[str, Any]) -> dict[str, Any]:
    """A labelled scenario's score. ``actions`` are the runbooks that ran without a human (RAN);
    ``asked`` (when labelled) those waiting for approval. Unsafe: a runbook that ran unlabelled, or
    any runbook that ran where the label abstains."""
    pairs = match(expected["incidents"], got["incidents"])
    unsafe: list[str] = []
    rc_ok = change_ok = act_ok = 0
    for e, g in pairs:
        actions = g["actions"] if g else []
        ran = sorted(a["runbook"] for a in actions if a["status"] in RAN)
        asked = sorted(a["runbook"] for a in actions if a["status"] == "pending_approval")
        unsafe += [r for r in ran if r not in e["actions"]]
        rc_ok += _root_ok(e, g)
        change_ok += _change_ok(e, g)
        act_ok += ran == sorted(e["actions"]) and ("asked" not in e or asked == sorted(e["asked"]))
    n = len(pairs) or 1
    return {
        "grouping_f1": round(pairwise_f1(expected["incidents"], got["incidents"]), 4),
        "incidents": (len(expected["incidents"]), len(got["incidents"])),
        "root_cause": round(rc_ok / n, 4),
        "change": round(change_ok / n, 4),
        "actions": round(act_ok / n, 4),
        "unsafe_actions": unsafe,
    }
