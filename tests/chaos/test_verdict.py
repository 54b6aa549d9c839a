"""The verdict itself: it must fail a run that ends wrong, whatever the bot itself would have said.

Each test plants one wrong thing - in the outcome of a real fault-free run, or in the bot during a real
run - and checks that the verdict names it, and only it."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any
from unittest import mock

import pytest

from aiops.adapters.pagerduty import PagerDuty
from aiops.pipeline.core import Pipeline
from tests.chaos.harness import HANG_IN
from tests.chaos.runner import run_one
from tests.chaos.verdict import Outcome, problems


@pytest.fixture(scope="module")
def fault_free() -> Outcome:
    outcome = run_one((0.0, 0)).outcome
    assert problems(outcome) == []
    return outcome


def test_a_wrong_action_parameter_fails_it(fault_free: Outcome) -> None:
    # GIVEN the cost fix run with the cap the catalog does not say (1024 instead of its token_cap 512)
    actions = []
    for service, runbook, status, by, params in fault_free.actions:
        if runbook == "TokenCap":
            params = json.dumps({**json.loads(params), "MaxTokens": "1024"}, sort_keys=True)
        actions.append((service, runbook, status, by, params))
    assert actions != list(fault_free.actions)
    assert problems(replace(fault_free, actions=tuple(actions))) == ["actions"]


def test_a_fix_approved_by_nobody_fails_it(fault_free: Outcome) -> None:
    actions = tuple((s, r, st, None, p) for s, r, st, _, p in fault_free.actions)
    assert problems(replace(fault_free, actions=actions)) == ["actions"]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"triggers": 2}, "a second trigger while PagerDuty had answered the first"),
        ({"severity": "critical"}, "SEV3 paged as critical"),
        ({"trigger_at": 900.0}, "paged 15 minutes late"),
        ({"status": "triggered", "resolve_at": None}, "never resolved"),
    ],
)
def test_a_wrong_page_fails_it(fault_free: Outcome, change: dict[str, Any], why: str) -> None:
    [page] = fault_free.pages
    assert problems(replace(fault_free, pages=(replace(page, **change),))) == ["page"], why


def test_a_repeated_trigger_after_a_lost_answer_is_allowed(fault_free: Outcome) -> None:
    [page] = fault_free.pages
    assert problems(replace(fault_free, pages=(replace(page, triggers=2, lost=1),))) == []


def test_a_wrong_severity_or_root_cause_fails_it(fault_free: Outcome) -> None:
    diagnoses = tuple(
        (s, "SEV1" if s == "doc-search" else sev, comp, change)
        for s, sev, comp, change in fault_free.diagnoses
    )
    assert problems(replace(fault_free, diagnoses=diagnoses)) == ["diagnosis"]
    diagnoses = tuple(
        (s, sev, "api" if s == "doc-search" else c, ch) for s, sev, c, ch in fault_free.diagnoses
    )
    assert problems(replace(fault_free, diagnoses=diagnoses)) == ["diagnosis"]


def test_the_round_limit_and_a_faulty_run_without_a_fault_fail_it(fault_free: Outcome) -> None:
    assert problems(replace(fault_free, round_limit=True)) == ["round_limit"]
    assert problems(replace(fault_free, rate=0.01, faults=0, killed=0)) == ["no_fault"]
    # with HANG_IN, a faulty run must also have killed an invocation at the Lambda timeout
    assert problems(replace(fault_free, rate=0.01, faults=1, killed=0)) == (["no_fault"] if HANG_IN else [])
    assert problems(replace(fault_free, rate=0.01, faults=1, killed=1)) == []


def test_a_repeat_is_tolerated_only_as_a_takeover_in_a_run_with_store_faults(fault_free: Outcome) -> None:
    [page] = fault_free.pages
    # a second trigger within the minute (a double send, two workers sending one page): never
    twice = replace(fault_free, pages=(replace(page, triggers=2),), aws_faults=5)
    assert problems(twice) == ["page"]
    # a takeover a minute on, in a run whose store never failed: nothing lost the "sent" record
    taken_over = replace(fault_free, pages=(replace(page, triggers=2, takeovers=1),))
    assert problems(taken_over) == ["page"]
    # a takeover in a run with store faults: the escalator's design (sent until recorded as taken)
    assert problems(replace(taken_over, aws_faults=1)) == []
    # each repeat needs its own reason
    thrice = replace(fault_free, pages=(replace(page, triggers=3, takeovers=1),), aws_faults=5)
    assert problems(thrice) == ["page"]
    assert problems(replace(thrice, pages=(replace(page, triggers=3, takeovers=2),))) == []


def test_an_extra_trigger_sent_by_the_bot_fails_it() -> None:
    # GIVEN a bot that sends every page event twice (PagerDuty answering both): deduplicated there, so
    # the alert looks right; only the count of triggers shows it
    enqueue = PagerDuty.enqueue

    def twice(self: PagerDuty, routing_key: str, page: Any) -> None:
        enqueue(self, routing_key, page)
        enqueue(self, routing_key, page)

    with mock.patch.object(PagerDuty, "enqueue", twice):
        outcome = run_one((0.0, 0)).outcome
    [page] = outcome.pages
    assert (page.triggers, page.lost, page.takeovers, page.status) == (2, 0, 0, "resolved")
    assert problems(outcome) == ["page"]


def test_an_exception_that_was_not_injected_fails_it() -> None:
    # GIVEN a bug: the first Slack sync raises a TypeError, which escapes its ingest invocation (the
    # pipeline catches faults only); the batch, delivered again, is all duplicates and the flush syncs
    # again, so the run otherwise ends right
    notify = Pipeline.notify
    raised: list[str] = []

    def buggy(self: Pipeline, incident: Any) -> bool:
        if not raised:
            raised.append(incident.id)
            raise TypeError("unsupported operand type(s) for +: 'NoneType' and 'int'")
        return notify(self, incident)

    with mock.patch.object(Pipeline, "notify", buggy):
        outcome = run_one((0.0, 0)).outcome
    assert raised and any("TypeError" in u for u in outcome.unexpected)
    assert problems(outcome) == ["exception"]
