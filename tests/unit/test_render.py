"""Slack rendering: untrusted text escaped and capped; every message valid Block Kit within limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from slack_sdk.models.blocks import Block

from aiops.incident.model import Incident, Member, RootCause
from aiops.present.mrkdwn import escape_mrkdwn, mrkdwn
from aiops.present.slack_blocks import MAX_BLOCKS, incident_message

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
HOSTILE = "<!channel> <!here> <!subteam^S123> <@U123> <https://evil.example|click> & " + "x" * 100_000


def _incident(n_members: int = 3, text: str = HOSTILE) -> Incident:
    members = {
        f"fp{i}": Member(
            fingerprint=f"fp{i}",
            kind="alarm",
            resource=f"{text[:300]}-{i}",
            component="api",
            title=text,
            status="firing",
            first_seen=T0,
            last_change=T0,
            fired_at=T0,
        )
        for i in range(n_members)
    }
    return Incident(
        id="inc-1",
        service=text[:500],
        title=text,
        opened_at=T0,
        last_activity_at=T0,
        members=members,
        root_cause=RootCause(component="api", summary=text, confidence=0.5),
    )


def test_escape_stops_every_mention_and_link() -> None:
    # the URL left bare once its brackets are escaped is shown as code: Slack links no bare URL in code
    assert escape_mrkdwn("<!channel> & <https://x|y>") == "&lt;!channel&gt; &amp; &lt;`https://x|y&gt;`"


def test_mrkdwn_caps_after_escaping_without_cutting_an_entity() -> None:
    out = mrkdwn("<" * 5000, 3000)
    assert len(out) <= 3000
    assert out.replace("&lt;", "") in ("", "…")


def _formatted(node: object) -> list[str]:
    """Every string Slack formats: mrkdwn text objects (plain_text is shown as it is)."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            return [str(node["text"])]
        return [t for v in node.values() for t in _formatted(v)]
    if isinstance(node, list):
        return [t for v in node for t in _formatted(v)]
    return []


@pytest.mark.parametrize("members", [0, 3, 60])
def test_message_is_valid_block_kit_within_limits(members: int) -> None:
    message = incident_message(_incident(members))
    assert len(message.blocks) <= MAX_BLOCKS
    for raw in message.blocks:
        block = Block.parse(raw)
        assert block is not None
        block.to_dict()  # raises SlackObjectFormationError past any element limit
    text = " ".join([message.text, *_formatted(message.blocks)])
    for token in ("<!channel>", "<!here>", "<!subteam", "<@U123>", "<https://evil"):
        assert token not in text
    assert len(message.text) <= 4000
    header = message.blocks[0]
    assert header["type"] == "header" and len(header["text"]["text"]) <= 150


def test_pending_approval_buttons_and_thread_replies_are_valid_and_escaped() -> None:
    from aiops.incident.model import Action, TimelineEntry
    from aiops.present.slack_blocks import entry_message

    pending = Action(
        playbook="token-cap",
        runbook="TokenCap",
        status="pending_approval",
        decided_at=T0,
        reason=HOSTILE[:500],
        parameters={"MaxTokens": "1024", "Note": HOSTILE[:300]},
    )
    incident = _incident(3).model_copy(update={"actions": (pending,), "region": "us-east-1"})
    message = incident_message(incident)
    actions = [b for b in message.blocks if b["type"] == "actions"]
    assert [e["action_id"] for e in actions[0]["elements"]][:2] == ["aiops_approve", "aiops_deny"]
    entry = TimelineEntry(incident_id="inc-1", at=T0, key="k", kind="action", text=HOSTILE, actor="<@U1>")
    for msg in (message, entry_message(incident, entry)):
        for raw in msg.blocks:
            block = Block.parse(raw)
            assert block is not None
            block.to_dict()
        text = " ".join([msg.text, *_formatted(msg.blocks)])
        for token in ("<!channel>", "<!here>", "<@U123>", "<@U1>", "<https://evil"):
            assert token not in text


@pytest.mark.parametrize(
    ("by", "shown"),
    [
        ("U0123ABCD", "<@U0123ABCD>"),  # a Slack user: a mention
        ("Jane Doe (PagerDuty)", "Jane Doe (PagerDuty)"),  # anyone else: their name as text
        ("<!channel> Eve (PagerDuty)", "&lt;!channel&gt; Eve (PagerDuty)"),
    ],
)
def test_who_acknowledged_is_a_mention_only_when_a_slack_user(by: str, shown: str) -> None:
    from aiops.incident.model import Ack

    incident = _incident(1, "t").model_copy(update={"acknowledged": Ack(by=by, at=T0)})
    [field] = [
        f["text"]
        for b in incident_message(incident).blocks
        for f in b.get("fields", [])
        if f["text"].startswith("*Acknowledged*")
    ]
    assert field == f"*Acknowledged*\n{shown} at 2026-11-25T10:00:00Z"


def test_the_root_message_says_when_the_bot_is_not_sure_and_what_would_decide() -> None:
    unsure = _incident(1).model_copy(
        update={
            "root_cause": RootCause(
                component="prompt",
                summary="s",
                confidence=0.6,
                why=f"not sure; {HOSTILE}",
                abstain=True,
                decider="which prompt version the failing requests ran with",
            )
        }
    )
    [section] = [str(b) for b in incident_message(unsure).blocks if "Not sure" in str(b)]
    assert (
        "Not sure, a human decides" in section and "which prompt version the failing requests ran" in section
    )
    assert "<!channel>" not in section and "&lt;!channel&gt;" in section  # event text stays escaped


def test_the_root_message_says_why_not_the_ruled_out_causes() -> None:
    from aiops.incident.model import Hypothesis

    ruled_out = Hypothesis(
        component="prompt",
        summary="s",
        change="chg-1",
        confidence=0.0,
        cause="change",
        ruled_out=True,
        against=("change chg-1 came after the symptoms began: alarm chat-api-5xx from 10:02",),
    )
    leader = Hypothesis(component="model", summary="m", confidence=0.8, evidence=("alarm x",))
    incident = _incident(1).model_copy(update={"hypotheses": (leader, ruled_out)})
    text = str(incident_message(incident).blocks)
    assert "Why not:" in text and "came after the symptoms began" in text
