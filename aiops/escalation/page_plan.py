"""The paging decision (pure): from an incident, its escalation policy and the time, what to send now
and which timers should be pending. :mod:`aiops.escalation.escalator` carries it out.

- An incident pages in *episodes*: one from its opening; another when it comes back after its
  resolution held (``settled``). Within an episode it is triggered at most once, acknowledged at most
  once, and resolved once its resolution held for the policy's ``resolve_after`` (longer when
  flapping), so a flapping alarm never churns trigger / resolve.
- Open and not paged: the severity's rule decides (``now``, ``never``, or a delay counted from the
  episode's start, cancelled by an acknowledgement). A fix that runs holds the page until its
  verification ends; a failed (undone) fix pages at once, whatever the delay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from aiops.catalog.escalation_policy import Policy
from aiops.incident.model import Escalation, Incident, PageAction, PageTarget, Timer


@dataclass(frozen=True, slots=True)
class PageState:
    open: bool = False
    """Triggered and not resolved since."""
    acknowledged: bool = False
    """The open page was acknowledged."""
    target: PageTarget | None = None


def advance(state: PageState, action: PageAction, target: PageTarget) -> PageState | None:
    """The state after ``action``; None when it would repeat what the state already says (a trigger
    while paged, an acknowledgement twice, a resolve with nothing paged)."""
    if action == "trigger":
        return None if state.open else PageState(open=True, target=target)
    if not state.open or (action == "acknowledge" and state.acknowledged):
        return None
    if action == "acknowledge":
        return PageState(open=True, acknowledged=True, target=state.target)
    return PageState(target=state.target)


def page_state(incident: Incident) -> PageState:
    state = PageState()
    for e in incident.escalations:
        state = advance(state, e.action, e.target) or state
    return state


_DONE = {"trigger": "triggered", "acknowledge": "acknowledged", "resolve": "resolved"}


def received(incident: Incident, action: PageAction, by: str, at: datetime) -> tuple[Escalation, ...]:
    """The incident's escalations once a person did ``action`` to its page in PagerDuty itself: recorded
    with who did it, so the plan sees the page as it is there and never sends the same action back (no
    echo). Unchanged when the page is not open in PagerDuty, or already says so (the bot's own action,
    told back by the webhook)."""
    state = page_state(incident)
    if state.target != "pagerduty" or advance(state, action, "pagerduty") is None:
        return incident.escalations
    done = Escalation(target="pagerduty", action=action, at=at, reason=f"{_DONE[action]} by {by}", by=by)
    return (*incident.escalations, done)


@dataclass(frozen=True, slots=True)
class Plan:
    sends: tuple[tuple[PageAction, str], ...] = ()
    """(action, why), in order."""
    timers: tuple[Timer, ...] = ()
    """The timers that should be pending afterwards (the others are cancelled)."""
    episode_at: datetime | None = None
    settled_at: datetime | None = None
    settle: bool = False
    """The resolution held: say so in the thread (and resolve the page, when one is open)."""
    new_episode: bool = False


def _epoch(when: datetime) -> int:
    return int(when.timestamp())


def _ceil(when: datetime) -> datetime:
    """Schedules fire on whole seconds: never before the due time."""
    whole = when.replace(microsecond=0)
    return whole if whole == when else whole + timedelta(seconds=1)


def _minutes(delay: timedelta) -> str:
    minutes = int(delay.total_seconds() // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h"


def plan(
    incident: Incident, policy: Policy, now: datetime, *, why_page: str, settle_now: bool = False
) -> Plan:
    """``why_page``: why a human is needed when no fix runs ("" while a fix is about to be decided).
    ``settle_now``: a human resolved it, so the resolution holds at once."""
    state = page_state(incident)
    episode = incident.episode_at or incident.opened_at
    settled_at = incident.settled_at
    if incident.status == "resolved":
        resolved_at = incident.resolved_at or now
        if settled_at is not None and settled_at >= resolved_at:
            return Plan(episode_at=incident.episode_at, settled_at=settled_at)
        hold = policy.resolve_hold(flapping=incident.flapping)
        due = _ceil(resolved_at + hold)
        owed = _owed(incident, policy, episode, why_page)
        if settle_now or now >= resolved_at + hold:
            sends: tuple[tuple[PageAction, str], ...] = owed
            if state.open or owed:
                sends += (
                    ("resolve", "resolved" if settle_now else f"resolved and calm for {_minutes(hold)}"),
                )
            return Plan(sends=sends, episode_at=incident.episode_at, settled_at=now, settle=True)
        timer = Timer(name=f"{incident.id}-settle-{_epoch(resolved_at)}", step="settle", at=due)
        return Plan(sends=owed, timers=(timer,), episode_at=incident.episode_at, settled_at=settled_at)

    new_episode = False
    if settled_at is not None:  # it came back after its resolution held: a new episode
        episode = incident.reopened_at or now
        settled_at, new_episode = None, True
    base = Plan(episode_at=episode, settled_at=settled_at, new_episode=new_episode)
    acked = not new_episode and incident.acknowledged is not None
    if state.open:  # nothing pages twice for one incident state
        if acked and not state.acknowledged:
            by = incident.acknowledged.by if incident.acknowledged else "?"
            return Plan(
                sends=(("acknowledge", f"acknowledged by {by}"),), episode_at=episode, settled_at=settled_at
            )
        return base
    if incident.status != "open" or acked:
        # mitigated (a fix or the signals calmed it), or a human has it; a page that fell due while it was
        # open and was never sent is sent still
        owed = () if acked else _owed(incident, policy, episode, why_page)
        return Plan(sends=owed, episode_at=episode, new_episode=new_episode) if owed else base
    delay = policy.page_after(incident.severity)
    if delay is None:
        return base  # stays in Slack
    if any(a.status == "running" for a in incident.actions):
        return base  # a fix runs first: the page waits for its verification
    failed = next((a for a in reversed(incident.actions) if a.status == "failed"), None)
    if failed is not None:
        what = f"the automatic fix {failed.runbook} failed: {failed.reason}"
        return Plan(sends=(("trigger", what),), episode_at=episode, new_episode=new_episode)
    if not why_page:
        return base
    if delay == timedelta(0) or now >= episode + delay:
        why = why_page if delay == timedelta(0) else f"{why_page}; not acknowledged within {_minutes(delay)}"
        return Plan(sends=(("trigger", why),), episode_at=episode, new_episode=new_episode)
    timer = Timer(name=f"{incident.id}-page-{_epoch(episode)}", step="page", at=_ceil(episode + delay))
    return Plan(timers=(timer,), episode_at=episode, settled_at=settled_at, new_episode=new_episode)


def _owed(
    incident: Incident, policy: Policy, episode: datetime, why_page: str
) -> tuple[tuple[PageAction, str], ...]:
    """The trigger of a page that fell due while the incident was open and was never sent - every attempt
    failed until its signals calmed (chaos finding 3) - sent late, saying so: the on-call learns that the
    outage happened, and then, by its resolve, that it is over. Nothing when it was paged in this
    episode, acknowledged, held by a fix (``why_page`` empty), or calmed before its page was due."""
    calmed = incident.mitigated_at or incident.resolved_at
    delay = policy.page_after(incident.severity)
    if not why_page or incident.acknowledged is not None or delay is None or calmed is None:
        return ()
    if calmed - episode < delay or any(
        e.action == "trigger" and e.at >= episode for e in incident.escalations
    ):
        return ()
    when = calmed.strftime("%H:%M:%SZ")
    why = why_page if delay == timedelta(0) else f"{why_page}; not acknowledged within {_minutes(delay)}"
    return (("trigger", f"{why} (it calmed at {when}, before the page could be sent)"),)
