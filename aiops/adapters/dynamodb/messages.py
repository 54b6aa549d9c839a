"""Slack message records: the root message claim, what Slack shows, the replies posted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from aiops.adapters.dynamodb import conditions, keys
from aiops.adapters.dynamodb.codec import av, epoch, read_time
from aiops.adapters.dynamodb.table import TIMELINE_RETENTION, Table
from aiops.present.ports import CLAIM_LEASE, MessageRecord
from aiops.signals.model import format_time


class MessageRows(Table):
    """``INC#<id>`` | ``SLACK``: the root message; ``INC#<id>`` | ``SLACK#<entry key>``: the claim of one
    thread reply (``done`` once Slack took it). A sync reads the root's row and the rows of the replies
    it is about to post in one BatchGetItem: never every reply the thread ever had."""

    def message_for(self, incident_id: str, *, entries: Sequence[str] = ()) -> MessageRecord | None:
        root = keys.slack_root(incident_id)
        if entries:  # one BatchGetItem: the root's row and the rows of these replies alone
            found = self._batch_get(
                [root, *(keys.slack_reply(incident_id, k) for k in dict.fromkeys(entries))]
            )
            item = found.pop(root, None)
            rows = list(found.values())
        else:
            rows = []
            item = self.client.get_item(TableName=self.table, Key=root.attrs(), ConsistentRead=True).get(
                "Item"
            )
        if item is None:
            return None
        posted = list(item.get("posted", {}).get("SS", ()))  # replies claimed before entry rows existed
        pending: list[str] = []
        for row in rows:
            (posted if "done" in row else pending).append(keys.parse_slack_reply(keys.key_of(row))[1])
        claimed = item.get("claimed_at", {}).get("N")
        return MessageRecord(
            incident_id=incident_id,
            channel=item["channel"]["S"],
            ts=item["ts"]["S"] if "ts" in item else None,
            rendered_version=int(item["rendered_version"]["N"]),
            posted_entries=tuple(sorted(set(posted))),
            claimed_at=datetime.fromtimestamp(int(claimed), tz=self.clock.now().tzinfo) if claimed else None,
            updated_at=read_time(item["updated_at"]["S"]) if "updated_at" in item else None,
            pending_entries=tuple(sorted(set(pending) - set(posted))),
            thread_version=int(item.get("thread_version", {}).get("N", "0")),
            thread_settled=item.get("thread_settled", {}).get("BOOL", False),
        )

    def claim(self, incident_id: str, channel: str, *, now: datetime) -> bool:
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    **keys.slack_root(incident_id).attrs(),
                    "channel": av(channel),
                    "rendered_version": av(-1),
                    "claimed_at": av(epoch(now)),
                    "expires_at": av(epoch(now + TIMELINE_RETENTION)),
                },
                ConditionExpression=conditions.SLACK_ROOT_CLAIMABLE,
                ExpressionAttributeValues={":lapsed": av(epoch(now - CLAIM_LEASE))},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def store(self, record: MessageRecord, *, expected_version: int | None) -> bool:
        """Write the root message's state (the thread replies have rows of their own)."""
        values: dict[str, Any] = {
            ":ch": av(record.channel),
            ":v": av(record.rendered_version),
            ":x": av(epoch((record.updated_at or self.clock.now()) + TIMELINE_RETENTION)),
        }
        expr = "SET channel = :ch, rendered_version = :v, expires_at = :x"
        if record.ts is not None:
            expr += ", ts = :ts"
            values[":ts"] = av(record.ts)
        if record.updated_at is not None:
            expr += ", updated_at = :u"
            values[":u"] = av(format_time(record.updated_at))
        if expected_version is None:
            cond = conditions.SLACK_ROOT_UNPOSTED
        else:
            cond = conditions.RENDERED_VERSION
            values[":expected"] = av(expected_version)
        try:
            self.client.update_item(
                TableName=self.table,
                Key=keys.slack_root(record.incident_id).attrs(),
                UpdateExpression=expr,
                ConditionExpression=cond,
                ExpressionAttributeValues=values,
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def claim_entry(self, incident_id: str, key: str, *, now: datetime, release: bool = False) -> bool:
        row = keys.slack_reply(incident_id, key).attrs()
        try:
            if release:
                self.client.update_item(
                    TableName=self.table,
                    Key=row,
                    UpdateExpression="REMOVE claimed_at",
                    ConditionExpression=conditions.REPLY_UNPOSTED,
                )
                return True
            self.client.put_item(
                TableName=self.table,
                Item={
                    **row,
                    "claimed_at": av(epoch(now)),
                    "expires_at": av(epoch(now + TIMELINE_RETENTION)),
                },
                ConditionExpression=conditions.REPLY_CLAIMABLE,
                ExpressionAttributeValues={":lapsed": av(epoch(now - CLAIM_LEASE))},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def confirm_entry(self, incident_id: str, key: str) -> None:
        self.client.update_item(
            TableName=self.table,
            Key=keys.slack_reply(incident_id, key).attrs(),
            UpdateExpression="SET done = :true",
            ExpressionAttributeValues={":true": av(True)},
        )

    def mark_thread(self, incident_id: str, version: int, *, settled: bool = False) -> None:
        try:
            self.client.update_item(
                TableName=self.table,
                Key=keys.slack_root(incident_id).attrs(),
                UpdateExpression="SET thread_version = :v, thread_settled = :settled",
                ConditionExpression=conditions.THREAD_BEHIND,
                ExpressionAttributeValues={":v": av(version), ":settled": av(settled)},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return  # a later version was marked meanwhile

    def release(self, incident_id: str) -> None:
        """The claim lapses at once; the record stays, so the next attempt looks for the post first."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key=keys.slack_root(incident_id).attrs(),
                UpdateExpression="REMOVE claimed_at",
                ConditionExpression=conditions.SLACK_ROOT_UNPOSTED,
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return  # confirmed meanwhile, or already gone
