"""What each button and each ``/aiops`` command of the Slack app does, said whole (docs/mutation.md):
the text the person reads, the page, the silence and the timeline entry, against the real bolt app,
moto and the fake Slack. The refusals are in test_slack_app.py and test_guards.py."""

from __future__ import annotations

import urllib.parse
from datetime import timedelta
from typing import Any

import pytest
from slack_bolt.request import BoltRequest

from tests.functional.test_slack_app import APPROVER, STRANGER, _click, _signed, bolt_for
from tests.functional.test_slack_app import world as world  # the cost-runaway incident, TokenCap pending


def _command(bolt: Any, fake_slack: Any, text: str, user: str = APPROVER, **extra: str) -> str:
    """``/aiops TEXT`` as USER; the one reply (through the response URL)."""
    url = fake_slack.url.replace("/api/", "/response")
    fields = {"command": "/aiops", "text": text, "user_id": user, "response_url": url, **extra}
    body = urllib.parse.urlencode(fields)
    before = sum(c.method == "response" for c in fake_slack.calls)
    assert bolt.dispatch(BoltRequest(body=body, headers=_signed(body))).status == 200
    replies = [c.body["text"] for c in fake_slack.calls if c.method == "response"]
    assert len(replies) == before + 1
    return str(replies[-1])


@pytest.mark.parametrize(
    ("spoken", "lasts"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        (" 9999m", timedelta(minutes=9999)),
    ],
    ids=["minutes", "hours", "days", "four-digits"],
)
def test_an_approver_silences_a_service_by_command_for_what_they_said(
    world: Any, fake_slack: Any, clock: Any, spoken: str, lasts: timedelta
) -> None:
    app, bolt, _, _, _ = world
    # WHEN an approver silences the service for a duration, THEN they read it back as they said it
    assert _command(bolt, fake_slack, f"silence chat-assistant {spoken}") == (
        f"chat-assistant silenced for {spoken.strip()}."
    )
    # and the silence holds until exactly then, and no longer
    assert app.store.silences("chat-assistant", clock.now() + lasts - timedelta(seconds=1)) != []
    assert app.store.silences("chat-assistant", clock.now() + lasts) == []


@pytest.mark.parametrize(
    "text",
    [
        "silence chat-assistant 2w",
        "silence chat-assistant 12345m",
        "silence chat-assistant h",
        "silence chat-assistant 0.5h",
        "silence unowned 1h",
        "silence no-such-service 1h",
    ],
)
def test_a_silence_the_bot_cannot_read_is_answered_with_its_usage_and_silences_nothing(
    world: Any, fake_slack: Any, clock: Any, text: str
) -> None:
    app, bolt, _, _, _ = world
    assert _command(bolt, fake_slack, text) == "Usage: /aiops silence <service> <duration, e.g. 30m, 2h, 1d>"
    assert app.store.silences("chat-assistant", clock.now()) == []
    assert app.store.silences("unowned", clock.now()) == []


@pytest.mark.parametrize(
    "text", ["silence chat-assistant", "silence chat-assistant 1h now", "reboot", "help"]
)
def test_a_command_the_bot_does_not_know_is_answered_with_the_usage(
    world: Any, fake_slack: Any, clock: Any, text: str
) -> None:
    app, bolt, _, _, _ = world
    assert (
        _command(bolt, fake_slack, text) == "Usage: /aiops status | incidents | silence <service> <duration>"
    )
    assert app.store.silences("chat-assistant", clock.now()) == []


def test_a_stranger_cannot_silence_a_service_that_has_approvers(
    world: Any, fake_slack: Any, clock: Any
) -> None:
    app, bolt, _, _, _ = world
    fake_slack.users = {"S0ONCALL": ["U0ONCALL"]}
    said = _command(bolt, fake_slack, "silence chat-assistant 2h", user=STRANGER)
    assert said == "Only the approvers of chat-assistant can silence it."
    assert app.store.silences("chat-assistant", clock.now()) == []


@pytest.mark.parametrize("text", ["", "status"], ids=["bare", "status"])
def test_status_counts_the_open_incidents_and_lists_each(world: Any, fake_slack: Any, text: str) -> None:
    _, bolt, _, _, _ = world
    assert _command(bolt, fake_slack, text) == "1 open incident(s)\n• SEV2 chat-assistant: open"


def test_incidents_lists_each_with_its_id_and_root_cause(world: Any, fake_slack: Any) -> None:
    _, bolt, incident, _, _ = world
    component = incident.root_cause.component
    assert component  # GIVEN a root cause was found
    assert (
        _command(bolt, fake_slack, "incidents") == f"• `{incident.id}` SEV2 chat-assistant open: {component}"
    )


def test_with_nothing_open_status_and_incidents_say_so(world: Any, fake_slack: Any) -> None:
    _, bolt, incident, _, _ = world
    body = _click("aiops_resolve", incident.id, APPROVER)
    assert bolt.dispatch(BoltRequest(body=body, headers=_signed(body))).status == 200
    assert _command(bolt, fake_slack, "status") == "0 open incident(s)"
    assert _command(bolt, fake_slack, "incidents") == "No open incident."


def test_a_long_list_is_cut_to_20_by_status_and_30_by_incidents_and_an_unknown_cause_is_a_question_mark(
    world: Any, fake_slack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN 31 open incidents (copies of the one, under other ids), the last ones with no root cause
    app, bolt, incident, _, _ = world
    many = [
        incident.model_copy(update={"id": f"inc-{n:02d}", **({"root_cause": None} if n >= 28 else {})})
        for n in range(31)
    ]
    monkeypatch.setattr(app.store, "open_incidents", lambda: many)
    component = incident.root_cause.component
    assert (
        _command(bolt, fake_slack, "status") == "31 open incident(s)" + "\n• SEV2 chat-assistant: open" * 20
    )
    listed = _command(bolt, fake_slack, "incidents").split("\n")
    assert listed == [f"• `inc-{n:02d}` SEV2 chat-assistant open: {component}" for n in range(28)] + [
        f"• `inc-{n:02d}` SEV2 chat-assistant open: ?" for n in (28, 29)
    ]


@pytest.mark.parametrize(
    ("channels", "channel_id", "channel_name", "allowed"),
    [
        (("C0OPS",), "C0OPS", "ops", True),
        (("#ops",), "C0OPS", "ops", True),
        (("C0OPS", "#ops"), "C0ELSE", "elsewhere", False),
        (("ops",), "C0OPS", "ops", False),
    ],
    ids=["by-id", "by-name", "another-channel", "a-name-without-its-hash"],
)
def test_anyone_may_list_incidents_in_a_read_channel_and_nowhere_else(
    world: Any, fake_slack: Any, channels: tuple[str, ...], channel_id: str, channel_name: str, allowed: bool
) -> None:
    app, _, _, _, _ = world
    fake_slack.users = {"S0ONCALL": ["U0ONCALL"]}
    bolt = bolt_for(app, fake_slack, read_channels=channels)
    said = _command(
        bolt, fake_slack, "status", user=STRANGER, channel_id=channel_id, channel_name=channel_name
    )
    refusal = "Only approvers, or anyone in the incident read channel, can list incidents."
    assert said == ("1 open incident(s)\n• SEV2 chat-assistant: open" if allowed else refusal)


# --- the buttons, clicked by an approver -------------------------------------------------------------

CAUSE = "[SEV2] chat-assistant: a cost runaway: token growth with a budget or cost-anomaly alert"
"""The page summary's head for the cost-runaway incident; the tail says why it was sent."""


def _press(bolt: Any, fake_slack: Any, action_id: str, value: str, user: str = APPROVER) -> None:
    fake_slack.calls.clear()
    body = _click(action_id, value, user)
    assert bolt.dispatch(BoltRequest(body=body, headers=_signed(body))).status == 200


def _thread(fake_slack: Any) -> list[tuple[str, str]]:
    """What the click made the bot say: its thread replies, and the ephemeral answer (to whom)."""
    said = []
    for c in fake_slack.calls:
        if c.method == "chat.postMessage":
            said.append(("thread" if c.body.get("thread_ts") else "root", c.body["text"]))
        elif c.method == "chat.postEphemeral":
            said.append((f"{c.body['user']}@{c.body['channel']}", c.body["text"]))
    return said


def _new_entries(app: Any, incident_id: str, before: Any) -> list[tuple[str, str, str]]:
    return sorted((e.kind, e.actor, e.text) for e in app.store.timeline(incident_id) if e not in before)


@pytest.mark.parametrize(
    ("action_id", "answer", "replies", "page", "entries"),
    [
        (
            "aiops_deny",
            "skipped: denied by U0APPROVER",
            ["TokenCap skipped: denied by U0APPROVER"],
            None,
            [("action", APPROVER, "TokenCap skipped: denied by U0APPROVER")],
        ),
        (
            "aiops_ack",
            "acknowledged",
            ["acknowledged by U0APPROVER", "page acknowledge (pagerduty): acknowledged by U0APPROVER"],
            ("acknowledge", f"{CAUSE} (acknowledged by U0APPROVER)"),
            [
                ("acknowledged", APPROVER, "acknowledged by U0APPROVER"),
                # the open page acknowledged by the bot's escalation step, as a timer-driven one would be
                ("escalated", "aiops", "page acknowledge (pagerduty): acknowledged by U0APPROVER"),
            ],
        ),
        (
            "aiops_silence",
            "chat-assistant silenced for 1 h",
            ["notifications silenced until 2026-11-25T11:00:00Z by U0APPROVER"],
            None,
            [("silenced", APPROVER, "notifications silenced until 2026-11-25T11:00:00Z by U0APPROVER")],
        ),
    ],
    ids=["deny", "acknowledge", "silence"],
)
def test_an_approvers_click_does_its_work_tells_the_thread_and_answers_the_clicker(
    world: Any,
    fake_slack: Any,
    clock: Any,
    action_id: str,
    answer: str,
    replies: list[str],
    page: tuple[str, str] | None,
    entries: list[tuple[str, str, str]],
) -> None:
    app, bolt, incident, remediator, _ = world
    before = app.store.timeline(incident.id)
    pages = list(app.pager.pages)
    _press(bolt, fake_slack, action_id, f"{incident.id}|token-cap")
    # THEN the thread says what happened, then the clicker alone reads the answer, in the channel clicked
    assert _thread(fake_slack) == [("thread", f"{incident.id} {r}") for r in replies] + [
        (f"{APPROVER}@C0INC", answer)
    ]
    assert [(p.action, p.summary) for p in app.pager.pages[len(pages) :]] == ([page] if page else [])
    assert _new_entries(app, incident.id, before) == sorted(entries)
    assert remediator.executor.executions == {}


def test_silence_holds_the_service_for_one_hour(world: Any, fake_slack: Any, clock: Any) -> None:
    app, bolt, incident, _, _ = world
    _press(bolt, fake_slack, "aiops_silence", f"{incident.id}|token-cap")
    [silence] = app.store.silences("chat-assistant", clock.now())
    assert (silence.service, silence.component, silence.until, silence.by) == (
        "chat-assistant",
        None,
        clock.now() + timedelta(hours=1),
        APPROVER,
    )


def test_resolve_closes_the_incident_and_its_page_and_escalate_pages_again(
    world: Any, fake_slack: Any
) -> None:
    app, bolt, incident, _, _ = world
    pages = len(app.pager.pages)
    # WHEN an approver resolves it
    _press(bolt, fake_slack, "aiops_resolve", incident.id)
    assert _thread(fake_slack) == [
        ("thread", f"{incident.id} resolved by U0APPROVER"),
        ("thread", f"{incident.id} resolved since 2026-11-25T10:00:00Z; page resolved (pagerduty)"),
        (f"{APPROVER}@C0INC", "resolved"),
    ]
    assert app.store.get(incident.id).status == "resolved"
    # and then asks for a page after all: a new trigger, by them
    before = app.store.timeline(incident.id)
    _press(bolt, fake_slack, "aiops_escalate", incident.id)
    assert _thread(fake_slack) == [
        ("thread", f"{incident.id} page trigger (pagerduty): escalated by U0APPROVER"),
        (f"{APPROVER}@C0INC", "paged"),
    ]
    assert [(p.action, p.summary) for p in app.pager.pages[pages:]] == [
        ("resolve", f"{CAUSE} (resolved)"),
        ("trigger", f"{CAUSE} (escalated by U0APPROVER)"),
    ]
    assert _new_entries(app, incident.id, before) == [
        ("escalated", APPROVER, "page trigger (pagerduty): escalated by U0APPROVER")
    ]


def test_escalate_while_the_page_is_open_pages_nobody_twice(world: Any, fake_slack: Any) -> None:
    app, bolt, incident, _, _ = world
    pages, before = list(app.pager.pages), app.store.timeline(incident.id)
    _press(bolt, fake_slack, "aiops_escalate", incident.id)
    assert app.pager.pages == pages and app.store.timeline(incident.id) == before


def test_ack_on_an_incident_resolved_by_its_signals_acknowledges_the_page_still_open(
    world: Any, fake_slack: Any, clock: Any
) -> None:
    # GIVEN the incident calmed down by itself: resolved, its page left open while the resolution holds
    app, bolt, incident, _, _ = world

    def calmed(inc: Any) -> tuple[Any, list[Any]]:
        return inc.model_copy(update={"status": "resolved", "resolved_at": clock.now()}), []

    app.pipeline.update(incident.id, calmed)
    pages, before = len(app.pager.pages), app.store.timeline(incident.id)
    # WHEN an approver acknowledges it, THEN the open page is acknowledged, by them
    _press(bolt, fake_slack, "aiops_ack", incident.id)
    assert [(p.action, p.summary) for p in app.pager.pages[pages:]] == [
        ("acknowledge", f"{CAUSE} (acknowledged by U0APPROVER)")
    ]
    assert _new_entries(app, incident.id, before) == [
        ("acknowledged", APPROVER, "acknowledged by U0APPROVER"),
        ("escalated", APPROVER, "page acknowledge (pagerduty): acknowledged by U0APPROVER"),
    ]
    assert _thread(fake_slack)[-1] == (f"{APPROVER}@C0INC", "acknowledged")


# --- who may act: the refusals said and logged, the user group's cache -------------------------------


def test_a_click_on_an_incident_the_bot_does_not_know_is_refused_and_logged(
    world: Any, fake_slack: Any, clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app, bolt, incident, remediator, _ = world
    caplog.set_level("INFO", logger="aiops.adapters.slack_app")
    before = app.store.timeline(incident.id)
    _press(bolt, fake_slack, "aiops_resolve", "inc-000000000000")
    assert _thread(fake_slack) == [(f"{APPROVER}@C0INC", "That incident is not known.")]
    [record] = [r for r in caplog.records if r.getMessage() == "slack_app.click_refused"]
    assert (record.levelname, record.action_id, record.user) == ("INFO", "aiops_resolve", APPROVER)  # type: ignore[attr-defined]
    assert app.store.get(incident.id).status == "open" and app.store.timeline(incident.id) == before
    assert remediator.executor.executions == {}


def test_a_strangers_click_is_logged_with_the_button_and_the_user(
    world: Any, fake_slack: Any, caplog: pytest.LogCaptureFixture
) -> None:
    _, bolt, incident, _, _ = world
    caplog.set_level("INFO", logger="aiops.adapters.slack_app")
    _press(bolt, fake_slack, "aiops_deny", f"{incident.id}|token-cap", user=STRANGER)
    [record] = [r for r in caplog.records if r.getMessage() == "slack_app.click_refused"]
    assert (record.action_id, record.user) == ("aiops_deny", STRANGER)  # type: ignore[attr-defined]


def test_an_unknown_buttons_id_is_logged_cut_to_100_characters(
    world: Any, fake_slack: Any, caplog: pytest.LogCaptureFixture
) -> None:
    _, bolt, incident, _, _ = world
    caplog.set_level("WARNING", logger="aiops.adapters.slack_app")
    _press(bolt, fake_slack, "aiops_" + "x" * 200, incident.id)
    [record] = [r for r in caplog.records if r.getMessage() == "slack_app.unknown_action"]
    assert (record.action_id, record.user) == ("aiops_" + "x" * 94, APPROVER)  # type: ignore[attr-defined]
    assert _thread(fake_slack) == [(f"{APPROVER}@C0INC", "That button is not known: nothing was done.")]


def _authorizer(world: Any, fake_slack: Any) -> Any:
    from aiops.adapters.slack import web_client
    from aiops.adapters.slack_app import Authorizer

    return Authorizer(world[0], web_client("xoxb-test-token", base_url=fake_slack.url))


def test_a_groups_members_are_asked_again_exactly_when_the_minute_is_up(
    world: Any, fake_slack: Any, clock: Any
) -> None:
    from aiops.adapters.slack_app import GROUP_TTL

    incident = world[2]
    auth = _authorizer(world, fake_slack)
    fake_slack.users = {"S0ONCALL": ["U0ONCALL"]}
    start = clock.now()
    assert auth.may_act("U0ONCALL", incident.service)
    fake_slack.users = {"S0ONCALL": []}  # removed from the group
    clock.set(start + GROUP_TTL - timedelta(microseconds=1))
    assert auth.may_act("U0ONCALL", incident.service)  # still the cached answer
    clock.set(start + GROUP_TTL)
    assert not auth.may_act("U0ONCALL", incident.service)  # asked again: no longer a member
    assert fake_slack.methods().count("usergroups.users.list") == 2


def test_a_cached_group_from_the_future_is_not_trusted(world: Any, fake_slack: Any, clock: Any) -> None:
    # GIVEN a cached answer stamped later than now (the clock stepped back): asked again, not reused
    incident = world[2]
    auth = _authorizer(world, fake_slack)
    fake_slack.users = {"S0ONCALL": ["U0ONCALL"]}
    start = clock.now()
    assert auth.may_act("U0ONCALL", incident.service)
    fake_slack.users = {"S0ONCALL": []}
    clock.set(start - timedelta(seconds=1))
    assert not auth.may_act("U0ONCALL", incident.service)


def test_a_failed_group_lookup_is_logged_with_the_group_and_the_error(
    world: Any, fake_slack: Any, caplog: pytest.LogCaptureFixture
) -> None:
    incident = world[2]
    auth = _authorizer(world, fake_slack)
    caplog.set_level("WARNING", logger="aiops.adapters.slack_app")
    fake_slack.fail_next(200, error="missing_scope")
    assert not auth.may_act("U0ONCALL", incident.service)
    [record] = [r for r in caplog.records if r.getMessage() == "slack_app.usergroup_lookup_failed"]
    assert record.levelname == "WARNING" and record.group == "S0ONCALL"  # type: ignore[attr-defined]
    assert "missing_scope" in record.error  # type: ignore[attr-defined]


def test_a_group_lookup_without_members_admits_nobody_through_the_group(world: Any, fake_slack: Any) -> None:
    incident = world[2]
    auth = _authorizer(world, fake_slack)
    assert not auth.may_act("U0ONCALL", incident.service)  # a group nobody is in
    assert auth.may_act(APPROVER, incident.service)


@pytest.mark.parametrize("posted", ["never", "not-confirmed"])
def test_a_postmortem_asked_for_before_the_thread_exists_is_refused_and_uploads_nothing(
    world: Any, fake_slack: Any, monkeypatch: pytest.MonkeyPatch, posted: str
) -> None:

    # GIVEN the incident's root message not in Slack: never posted, or claimed and not confirmed yet
    app, bolt, incident, _, _ = world
    record = app.store.message_for(incident.id)
    unconfirmed = None if posted == "never" else record._replace(ts=None)
    monkeypatch.setattr(app.store, "message_for", lambda incident_id: unconfirmed)
    _press(bolt, fake_slack, "aiops_postmortem", incident.id)
    assert _thread(fake_slack) == [(f"{APPROVER}@C0INC", "That incident has no thread to post the draft in.")]
    assert fake_slack.files == []


def test_a_postmortem_of_an_incident_gone_from_the_store_is_refused() -> None:
    from aiops.adapters.slack_app import post_postmortem
    from aiops.present.ports import MessageRecord

    # GIVEN a thread on record but the incident itself no longer readable
    class Empty:
        def get(self, incident_id: str) -> None:
            return None

        def message_for(self, incident_id: str) -> MessageRecord:
            return MessageRecord(incident_id, channel="C0INC", ts="1764064800.000001", rendered_version=1)

    class App:
        store = Empty()

    said = post_postmortem(App(), "inc-gone", client=None, user=APPROVER)  # type: ignore[arg-type]
    assert said == "That incident has no thread to post the draft in."


def test_the_postmortem_draft_is_titled_links_its_thread_and_the_clicker_is_told(
    world: Any, fake_slack: Any
) -> None:
    app, bolt, incident, _, _ = world
    record = app.store.message_for(incident.id)
    _press(bolt, fake_slack, "aiops_postmortem", incident.id)
    assert _thread(fake_slack)[-1] == (f"{APPROVER}@C0INC", "postmortem draft posted in the thread")
    [shared] = fake_slack.files
    assert shared["title"] == f"Postmortem draft: {incident.id}"
    link = f"https://slack.com/archives/{record.channel}/p{record.ts.replace('.', '')}"
    assert f"- **Slack thread:** <{link}>" in shared["content"].decode().splitlines()


def test_the_first_acknowledge_and_the_first_resolve_are_each_measured_at_once(
    world: Any, fake_slack: Any, clock: Any
) -> None:
    app, _, incident, _, _ = world
    seen: list[tuple[str, float]] = []
    bolt = bolt_for(app, fake_slack, observe=lambda name, seconds: seen.append((name, seconds)))
    opened = app.store.get(incident.id).opened_at
    clock.set(opened + timedelta(minutes=7))
    _press(bolt, fake_slack, "aiops_ack", incident.id)
    assert seen == [("TimeToAcknowledge", 420.0)]  # the first click, measured when it lands
    clock.set(opened + timedelta(minutes=12))
    _press(bolt, fake_slack, "aiops_resolve", incident.id)
    assert seen == [("TimeToAcknowledge", 420.0), ("TimeToResolve", 720.0)]


def test_a_service_gone_from_the_catalog_lets_nobody_act_on_its_open_incident(
    world: Any, fake_slack: Any, caplog: pytest.LogCaptureFixture
) -> None:
    import dataclasses

    import yaml

    from aiops.catalog.model import load_catalog
    from tests.functional.test_slack_app import SCENARIO

    app, _, incident, remediator, _ = world
    # GIVEN the catalog changed under a warm container: the incident's service was renamed away
    doc = yaml.safe_load((SCENARIO / "catalog.yaml").read_text())
    doc["services"][0]["name"] = "chat-assistant-v2"
    doc["services"][0]["approvers"] = [APPROVER]
    current = dataclasses.replace(app, catalog=load_catalog(doc))
    bolt = bolt_for(lambda: current, fake_slack)
    caplog.set_level("INFO", logger="aiops.adapters.slack_app")
    before = app.store.timeline(incident.id)
    # WHEN an approver of every service there is presses the incident's buttons
    for action_id in ("aiops_approve", "aiops_resolve", "aiops_silence"):
        _press(bolt, fake_slack, action_id, f"{incident.id}|token-cap")
        # THEN each is refused, said to the clicker: nobody owns the service now, so nobody acts from Slack
        assert _thread(fake_slack) == [
            (f"{APPROVER}@C0INC", "Only the approvers of chat-assistant can do that.")
        ]
    assert [r.action_id for r in caplog.records if r.getMessage() == "slack_app.click_refused"] == [  # type: ignore[attr-defined]
        "aiops_approve",
        "aiops_resolve",
        "aiops_silence",
    ]
    assert app.store.get(incident.id).status == "open" and app.store.timeline(incident.id) == before
    assert remediator.executor.executions == {}


def test_the_app_is_built_for_lambda_and_calls_slack_for_nothing_at_build_time(
    world: Any, fake_slack: Any
) -> None:
    app = world[0]
    fake_slack.calls.clear()
    bolt = bolt_for(app, fake_slack)
    # a Lambda is frozen once it has answered: bolt must finish its work before it responds (bolt's docs:
    # process_before_response "True if this app runs on Function as a Service")
    assert bolt.process_before_response is True
    # and building it asks Slack nothing (no auth.test): a cold start stays inside Slack's 3 seconds
    assert fake_slack.calls == []
