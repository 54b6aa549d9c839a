"""The interactive Slack app (slack-bolt): buttons on the incident message and the ``/aiops`` command.

The Function URL edge (aiops/adapters/slack_http.py) has checked the signature and the request's shape
before bolt is even built; bolt checks the signature again and never calls ``auth.test`` at start-up
(``token_verification_enabled=False``). Listeners ack at once and do the work lazily (on Lambda, bolt
re-invokes the function asynchronously), within Slack's 3-second budget. Only a service's approvers
(catalog ``approvers``: user ids, or user groups ``S...``) may act; anyone else gets an ephemeral refusal
and nothing happens. ``/aiops status`` and ``/aiops incidents`` answer the approvers of any service, or
anyone in a read channel (``AIOPS_SLACK_READ_CHANNELS``). Every action lands on the timeline with the
user who took it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection
from concurrent.futures import Executor
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiops.adapters.wiring import App
from aiops.catalog.model import UNOWNED

if TYPE_CHECKING:
    from slack_bolt import App as BoltApp
    from slack_sdk import WebClient

    from aiops.adapters.slack_clicks import ClickRecords

log = logging.getLogger(__name__)
ACTIONS = (
    "aiops_approve",
    "aiops_deny",
    "aiops_ack",
    "aiops_escalate",
    "aiops_resolve",
    "aiops_silence",
    "aiops_postmortem",
)
SILENCE = timedelta(hours=1)
_DURATION = re.compile(r"^(\d{1,4})([mhd])$")


def parse_duration(text: str) -> timedelta | None:
    m = _DURATION.match(text.strip())
    if m is None:
        return None
    n, unit = int(m.group(1)), m.group(2)
    return {"m": timedelta(minutes=n), "h": timedelta(hours=n), "d": timedelta(days=n)}[unit]


GROUP_TTL = timedelta(seconds=60)
"""How long a user group's members are reused before Slack is asked again: a burst of clicks costs one
``usergroups.users.list`` (a rate-limited method), and a member removed from the group can still act
for at most this long."""


class Authorizer:
    """Who may act on a service: its catalog approvers, by user id or through a user group; who may read
    the incident list: any service's approvers, or anyone in a read channel."""

    def __init__(
        self, app: App | Callable[[], App], client: WebClient, *, read_channels: Collection[str] = ()
    ) -> None:
        self._app = app
        self.client = client
        self.read_channels = frozenset(read_channels)
        self._groups: dict[str, tuple[datetime, frozenset[str]]] = {}

    @property
    def app(self) -> App:
        return self._app if isinstance(self._app, App) else self._app()

    def may_act(self, user: str, service: str) -> bool:
        svc = self.app.catalog.service(service)
        if svc is None or not svc.approvers:
            return False  # unowned, or nobody named: nobody acts from Slack
        return self._among(user, svc.approvers)

    def may_read(self, user: str, channel_id: str = "", channel_name: str = "") -> bool:
        """``/aiops status|incidents`` list every open incident of every service: approvers of any
        service may read them anywhere, anyone else only in a configured read channel."""
        if channel_id in self.read_channels or f"#{channel_name}" in self.read_channels:
            return True
        approvers = {a for svc in self.app.catalog.services for a in svc.approvers}
        return self._among(user, approvers)

    def _among(self, user: str, approvers: Collection[str]) -> bool:
        if user in approvers:
            return True
        return any(user in self._members(group) for group in sorted(approvers) if group.startswith("S"))

    def _members(self, group: str) -> frozenset[str]:
        """The group's members, from Slack at most once per GROUP_TTL. A failed lookup admits nobody
        through the group (and is not remembered: the next click asks again)."""
        from slack_sdk.errors import SlackApiError

        now = self.app.pipeline.clock.now()
        hit = self._groups.get(group)
        if hit is not None and timedelta(0) <= now - hit[0] < GROUP_TTL:
            return hit[1]
        try:
            resp = self.client.usergroups_users_list(usergroup=group)
        except SlackApiError as exc:
            log.warning("slack_app.usergroup_lookup_failed", extra={"group": group, "error": str(exc)})
            return frozenset()
        users: list[Any] = resp.get("users") or []
        members = frozenset(str(u) for u in users)
        self._groups[group] = (now, members)
        return members


def post_postmortem(app: App, incident_id: str, client: WebClient, *, user: str) -> str:
    """The incident's postmortem draft (Markdown) as a file in its thread, through ``files_upload_v2``
    (scopes ``files:write``, ``files:read``); what to tell the user who asked."""
    from aiops.incident.links import slack_thread_url
    from aiops.present.mrkdwn import person
    from aiops.present.postmortem import postmortem
    from aiops.present.postmortem_md import render_markdown

    store = app.store
    incident = store.get(incident_id)
    record = store.message_for(incident_id)
    if incident is None or record is None or record.ts is None:
        return "That incident has no thread to post the draft in."
    doc = postmortem(
        incident,
        store.timeline(incident_id),
        signals=store.signals_of(incident_id),
        thread_url=slack_thread_url(record.channel, record.ts),
    )
    client.files_upload_v2(
        channel=record.channel,  # the thread's channel (the click may come from a copy of the message)
        thread_ts=record.ts,
        content=render_markdown(doc),
        filename=f"postmortem-{incident_id}.md",
        title=f"Postmortem draft: {incident_id}",
        initial_comment=f"Postmortem draft, asked for by {person(user)}: edit it before publishing.",
    )
    return "postmortem draft posted in the thread"


def build_bolt_app(
    app: App | Callable[[], App],
    *,
    token: str,
    signing_secret: str,
    client: WebClient,
    listener_executor: Executor | None = None,
    read_channels: Collection[str] = (),
    observe: Callable[[str, float], None] | None = None,
    clicks: ClickRecords | None = None,
) -> BoltApp:
    """``app`` is the app, or what returns the current one (a Lambda container's app is rebuilt when the
    catalog changes). ``listener_executor`` runs the lazy listeners (bolt's default: a thread pool).
    ``observe(metric, seconds)`` hears TimeToAcknowledge and TimeToResolve when a click does either.
    ``clicks``: requests are verified by :class:`~aiops.adapters.slack_clicks.VerifyRequests`, which
    records them so that a lazy half arriving after the signature's 5 minutes still runs, once."""
    from slack_bolt import App as BoltApp
    from slack_bolt.authorization import AuthorizeResult

    def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        """The one workspace's bot token, as is: bolt's default single-team authorization would call
        ``auth.test`` on the first request of every container, before the ack (Slack waits 3 s)."""
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=token)

    bolt = BoltApp(
        signing_secret=signing_secret,
        client=client,
        authorize=authorize,
        process_before_response=True,
        listener_executor=listener_executor,
        token_verification_enabled=False,  # nothing is verified against Slack at start-up either
        request_verification_enabled=clicks is None,  # else VerifyRequests does it
        ignoring_self_events_enabled=False,  # it needs the bot's ids (auth.test); no events arrive here
    )
    if clicks is not None:
        from aiops.adapters.slack_clicks import VerifyRequests

        bolt.use(VerifyRequests(signing_secret, clicks))
    auth = Authorizer(app, client, read_channels=read_channels)

    def ack_now(ack: Callable[..., None]) -> None:
        ack()

    def button(body: dict[str, Any], client: WebClient) -> None:
        app = auth.app
        pipeline, remediation = app.pipeline, app.remediation
        action = body["actions"][0]
        user = body["user"]["id"]
        channel = body.get("channel", {}).get("id") or ""
        incident_id, _, playbook = str(action.get("value", "")).partition("|")
        incident = app.store.get(incident_id)
        if incident is None:
            client.chat_postEphemeral(channel=channel, user=user, text="That incident is not known.")
            return
        if not auth.may_act(user, incident.service):
            client.chat_postEphemeral(
                channel=channel, user=user, text=f"Only the approvers of {incident.service} can do that."
            )
            return
        update = pipeline.update
        kind = action["action_id"]
        if kind == "aiops_approve":
            said = remediation.approve(incident_id, playbook, user, update)
        elif kind == "aiops_deny":
            said = remediation.deny(incident_id, playbook, user, update)
        elif kind == "aiops_ack":
            first = incident.acknowledged is None
            incident = pipeline.acknowledge(incident_id, user)
            if first and incident.acknowledged is not None and observe is not None:
                observe("TimeToAcknowledge", (incident.acknowledged.at - incident.opened_at).total_seconds())
            remediation.escalator.page_now(
                incident, "acknowledge", f"acknowledged by {user}", update, actor=user
            )
            said = "acknowledged"
        elif kind == "aiops_escalate":
            remediation.escalator.page_now(incident, "trigger", f"escalated by {user}", update, actor=user)
            said = "paged"
        elif kind == "aiops_resolve":
            was = incident.status
            done = pipeline.resolve_by(incident_id, user)
            if was != "resolved" and done.resolved_at is not None and observe is not None:
                observe("TimeToResolve", (done.resolved_at - done.opened_at).total_seconds())
            said = "resolved"
        elif kind == "aiops_postmortem":
            said = post_postmortem(app, incident.id, client, user=user)
        else:
            pipeline.silence(incident.service, None, app.pipeline.clock.now() + SILENCE, user)
            said = f"{incident.service} silenced for 1 h"
        refreshed = app.store.get(incident_id)
        if refreshed is not None:
            pipeline.notify(refreshed)
        client.chat_postEphemeral(channel=channel, user=user, text=said)

    for action_id in ACTIONS:
        bolt.action(action_id)(ack=ack_now, lazy=[button])

    def command(body: dict[str, Any], respond: Callable[..., Any]) -> None:
        app = auth.app
        pipeline = app.pipeline
        words = str(body.get("text", "")).split()
        user = body.get("user_id", "")
        reading = not words or words[0] in ("status", "incidents")
        if reading and not auth.may_read(user, body.get("channel_id", ""), body.get("channel_name", "")):
            respond("Only approvers, or anyone in the incident read channel, can list incidents.")
            return
        open_incidents = app.store.open_incidents() if reading else []
        if not words or words[0] == "status":
            respond(
                f"{len(open_incidents)} open incident(s)"
                + "".join(f"\n• {i.severity} {i.service}: {i.status}" for i in open_incidents[:20])
            )
        elif words[0] == "incidents":
            respond(
                "\n".join(
                    f"• `{i.id}` {i.severity} {i.service} {i.status}: "
                    f"{(i.root_cause.component if i.root_cause else None) or '?'}"
                    for i in open_incidents[:30]
                )
                or "No open incident."
            )
        elif words[0] == "silence" and len(words) == 3:
            service, duration = words[1], parse_duration(words[2])
            if duration is None or service == UNOWNED or app.catalog.service(service) is None:
                respond("Usage: /aiops silence <service> <duration, e.g. 30m, 2h, 1d>")
            elif not auth.may_act(user, service):
                respond(f"Only the approvers of {service} can silence it.")
            else:
                pipeline.silence(service, None, app.pipeline.clock.now() + duration, user)
                respond(f"{service} silenced for {words[2]}.")
        else:
            respond("Usage: /aiops status | incidents | silence <service> <duration>")

    bolt.command("/aiops")(ack=ack_now, lazy=[command])
    return bolt
