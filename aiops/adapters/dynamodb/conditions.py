"""Every condition the adapter writes under, named: what makes each effect happen exactly once.

Placeholders (``:name``) are filled by the caller's ``ExpressionAttributeValues``; ``#name`` by its
``ExpressionAttributeNames``.
"""

from __future__ import annotations

NEW_ITEM = "attribute_not_exists(pk)"
"""The row does not exist yet: an incident, an execution's owner, a state's first version."""

SAME_VERSION = "version = :expected"
"""Optimistic concurrency: the row is still at the version the writer read."""

CLAIM_OR_EXPIRED = "attribute_not_exists(pk) OR expires_at < :now"
"""An event id not seen yet, or whose claim's TTL passed (TTL deletes lazily)."""

POINTER_FREE = "attribute_not_exists(pk) OR active = :false"
"""The service has no current incident there (none yet, or its last one resolved)."""

OR_REPLACES = " OR incident_id = :replaces"
"""Appended to :data:`POINTER_FREE` when the new incident replaces the one the pointer names."""

POINTER_OURS = "incident_id = :id"
"""The pointer still names this incident (a newer one has not taken its place)."""

STILL_RESOLVED = "#status = :resolved AND resolved_at = :at"
"""The incident is resolved, at the same moment the reader saw (not reopened nor resolved again)."""

SLACK_ROOT_CLAIMABLE = (
    "attribute_not_exists(pk) OR (attribute_not_exists(ts)"
    " AND (attribute_not_exists(claimed_at) OR claimed_at < :lapsed))"
)
"""No root message posted, and nobody holds a claim to post it whose lease (``:lapsed``) runs."""

SLACK_ROOT_UNPOSTED = "attribute_exists(pk) AND attribute_not_exists(ts)"
"""The root message was claimed but Slack's ``ts`` was not recorded yet."""

RENDERED_VERSION = "rendered_version = :expected"
"""The root message still shows the version the writer read."""

THREAD_BEHIND = "attribute_exists(pk) AND (attribute_not_exists(thread_version) OR thread_version < :v)"
"""The thread's mark is older than ``:v`` (marks only move forward)."""

REPLY_CLAIMABLE = (
    "attribute_not_exists(pk) OR (attribute_not_exists(done)"
    " AND (attribute_not_exists(claimed_at) OR claimed_at < :lapsed))"
)
"""A thread reply not posted, and nobody holds a running claim to post it."""

REPLY_UNPOSTED = "attribute_exists(pk) AND attribute_not_exists(done)"
"""A thread reply claimed and not confirmed: its claim may be given back."""

UNDER_CAPS = (
    "(attribute_not_exists(calls) OR calls < :max_calls)"
    " AND (attribute_not_exists(tokens) OR tokens < :max_tokens)"
)
"""A narrative counter below both of its caps."""

NEW_MOMENT = "attribute_not_exists(moment) OR moment <> :moment"
"""The incident's narrative was not asked about this moment yet."""

SAME_MOMENT = "moment = :moment"
"""The narrative row is still at the moment being settled (a later reservation's outcome stands)."""


def both(first: str, second: str) -> str:
    """``(first) AND (second)``."""
    return f"({first}) AND ({second})"
