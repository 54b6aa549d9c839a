"""The interactive Slack app (slack-bolt): buttons on the incident message and the ``/aiops`` command.

The Function URL edge (aiops/adapters/slack_http.py) has checked the signature and the request's shape
before bolt is even built; bolt checks the signature again and never calls ``auth.test`` at start-up
(``token_verification_enabled=False``). Each button is its own listener (:class:`Buttons`): it acks
within Slack's 3-second budget and does the work lazily (on Lambda, bolt re-invokes the function
asynchronously). Only a service's approvers (catalog ``approvers``: user ids, or user groups ``S...``)
may act: one listener middleware, shared by every button, checks that before the ack (one incident
read, a user group's members cached for :data:`GROUP_TTL`) and again when the lazy half runs; anyone
else gets an ephemeral refusal and nothing happens. A button id the bot does not know is logged and
answered, never acted on. ``/aiops status`` and ``/aiops incidents`` answer the approvers of any service, or
anyone in a read channel (``AIOPS_SLACK_READ_CHANNELS``). Every action lands on the timeline with the
user who took it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiops.adapters.wiring import App
from aiops.catalog.model import UNOWNED

if TYPE_CHECKING:
    from slack_bolt import Ack, BoltContext, BoltResponse
    from slack_bolt import App as BoltApp
    from slack_sdk import WebClient

    from aiops.adapters.slack_clicks import ClickRecords
    from aiops.incident.model import Incident

log = logging.getLogger(__name__)
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


@dataclass(frozen=True)
class Click:
    """A button click that passed :meth:`Buttons.authorized`: the incident as read then, who clicked it,
    in which channel, and the playbook the button is about (Approve and Deny carry one)."""

    incident: Incident
    playbook: str
    user: str
    channel: str


class Buttons:
    """The incident message's buttons, one bolt listener each (``app.action(action_id)``, see
    :meth:`listeners`). Every one of them runs :meth:`authorized` first, as listener middleware: the
    approver check is written once, and a click it refuses is answered and never reaches an action.
    Each action runs lazily (after the ack) and ends the same way: the thread brought up to date, the
    user told what happened. A button id none of them knows is logged and answered, never acted on."""

    def __init__(self, auth: Authorizer, observe: Callable[[str, float], None] | None = None) -> None:
        self.auth = auth
        self.observe = observe

    def listeners(self) -> dict[str, Callable[..., None]]:
        """Each action id the incident message offers (``present/slack_blocks.py``), and its work."""
        return {
            "aiops_approve": self.approve,
            "aiops_deny": self.deny,
            "aiops_ack": self.acknowledge,
            "aiops_escalate": self.escalate,
            "aiops_resolve": self.resolve,
            "aiops_silence": self.silence,
            "aiops_postmortem": self.postmortem,
        }

    def authorized(
        self, body: dict[str, Any], context: BoltContext, client: WebClient, next_: Callable[[], None]
    ) -> BoltResponse | None:
        """Listener middleware: the click's incident must be known and the user one of its service's
        approvers; then the :class:`Click` is put in the context (the listeners' ``click`` argument)
        and the listener runs. Anyone else is told no and acked here: nothing else happens."""
        action = body["actions"][0]
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or ""
        incident_id, _, playbook = str(action.get("value", "")).partition("|")
        incident = self.auth.app.store.get(incident_id)
        if incident is None:
            refusal = "That incident is not known."
        elif not self.auth.may_act(user, incident.service):
            refusal = f"Only the approvers of {incident.service} can do that."
        else:
            context["click"] = Click(incident, playbook, user, channel)
            next_()
            return None
        action_id = str(action.get("action_id", ""))[:100]  # request text: capped in the log
        log.info("slack_app.click_refused", extra={"action_id": action_id, "user": user})
        client.chat_postEphemeral(channel=channel, user=user, text=refusal)
        return context.ack()

    def approve(self, click: Click, client: WebClient) -> None:
        app = self.auth.app
        said = app.remediation.approve(click.incident.id, click.playbook, click.user, app.pipeline.update)
        self._answer(app, click, client, said)

    def deny(self, click: Click, client: WebClient) -> None:
        app = self.auth.app
        said = app.remediation.deny(click.incident.id, click.playbook, click.user, app.pipeline.update)
        self._answer(app, click, client, said)

    def acknowledge(self, click: Click, client: WebClient) -> None:
        app = self.auth.app
        first = click.incident.acknowledged is None
        incident = app.pipeline.acknowledge(click.incident.id, click.user)
        if first and incident.acknowledged is not None and self.observe is not None:
            self.observe("TimeToAcknowledge", (incident.acknowledged.at - incident.opened_at).total_seconds())
        app.remediation.escalator.page_now(
            incident, "acknowledge", f"acknowledged by {click.user}", app.pipeline.update, actor=click.user
        )
        self._answer(app, click, client, "acknowledged")

    def escalate(self, click: Click, client: WebClient) -> None:
        app = self.auth.app
        app.remediation.escalator.page_now(
            click.incident, "trigger", f"escalated by {click.user}", app.pipeline.update, actor=click.user
        )
        self._answer(app, click, client, "paged")

    def resolve(self, click: Click, client: WebClient) -> None:
        app = self.auth.app
        done = app.pipeline.resolve_by(click.incident.id, click.user)
        if click.incident.status != "resolved" and done.resolved_at is not None and self.observe is not None:
            self.observe("TimeToResolve", (done.resolved_at - done.opened_at).total_seconds())
        self._answer(app, click, client, "resolved")

    def silence(self, click: Click, client: WebClient) -> None:
        app = self.auth.app
        service = click.incident.service
        app.pipeline.silence(service, None, app.pipeline.clock.now() + SILENCE, click.user)
        self._answer(app, click, client, f"{service} silenced for 1 h")

    def postmortem(self, click: Click, client: WebClient) -> None:
        app = self.auth.app
        self._answer(app, click, client, post_postmortem(app, click.incident.id, client, user=click.user))

    def _answer(self, app: App, click: Click, client: WebClient, said: str) -> None:
        refreshed = app.store.get(click.incident.id)
        if refreshed is not None:
            app.pipeline.notify(refreshed)
        client.chat_postEphemeral(channel=click.channel, user=click.user, text=said)

    @staticmethod
    def unknown(body: dict[str, Any], client: WebClient) -> None:
        """Any other button (a message from an older or newer version of the bot): nothing is done,
        and the user is told so."""
        action_id = str(body["actions"][0].get("action_id", ""))[:100]
        user = body["user"]["id"]
        log.warning("slack_app.unknown_action", extra={"action_id": action_id, "user": user})
        channel = (body.get("channel") or {}).get("id") or ""
        client.chat_postEphemeral(
            channel=channel, user=user, text="That button is not known: nothing was done."
        )


class Commands:
    """``/aiops status | incidents | silence <service> <duration>``."""

    def __init__(self, auth: Authorizer) -> None:
        self.auth = auth

    def aiops(self, body: dict[str, Any], respond: Callable[..., Any]) -> None:
        words = str(body.get("text", "")).split()
        user = body.get("user_id", "")
        if not words or words[0] in ("status", "incidents"):
            if self.auth.may_read(user, body.get("channel_id", ""), body.get("channel_name", "")):
                respond(self._listing(words[0] if words else "status"))
            else:
                respond("Only approvers, or anyone in the incident read channel, can list incidents.")
        elif words[0] == "silence" and len(words) == 3:
            respond(self._silence(user, words[1], words[2]))
        else:
            respond("Usage: /aiops status | incidents | silence <service> <duration>")

    def _listing(self, what: str) -> str:
        open_incidents = self.auth.app.store.open_incidents()
        if what == "status":
            return f"{len(open_incidents)} open incident(s)" + "".join(
                f"\n• {i.severity} {i.service}: {i.status}" for i in open_incidents[:20]
            )
        return (
            "\n".join(
                f"• `{i.id}` {i.severity} {i.service} {i.status}: "
                f"{(i.root_cause.component if i.root_cause else None) or '?'}"
                for i in open_incidents[:30]
            )
            or "No open incident."
        )

    def _silence(self, user: str, service: str, spoken: str) -> str:
        app = self.auth.app
        duration = parse_duration(spoken)
        if duration is None or service == UNOWNED or app.catalog.service(service) is None:
            return "Usage: /aiops silence <service> <duration, e.g. 30m, 2h, 1d>"
        if not self.auth.may_act(user, service):
            return f"Only the approvers of {service} can silence it."
        app.pipeline.silence(service, None, app.pipeline.clock.now() + duration, user)
        return f"{service} silenced for {spoken}."


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
    buttons = Buttons(auth, observe)
    for action_id, work in buttons.listeners().items():
        bolt.action(action_id, middleware=[buttons.authorized])(ack=_ack_now, lazy=[work])
    bolt.action(re.compile(".*"))(ack=_ack_now, lazy=[buttons.unknown])  # last: only what none matched
    bolt.command("/aiops")(ack=_ack_now, lazy=[Commands(auth).aiops])
    return bolt


def _ack_now(ack: Ack) -> None:
    ack()
