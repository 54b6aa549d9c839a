"""Runbook runs: the run history (the guards' memory) and which incident each execution belongs to."""

from __future__ import annotations

from datetime import datetime

from aiops.adapters.dynamodb import conditions, keys
from aiops.adapters.dynamodb.codec import av, epoch, read_time
from aiops.adapters.dynamodb.table import Table, refused
from aiops.remediation.decide import Run
from aiops.signals.model import format_time

_RECORD = ("run", "execution")
"""What the two puts of :meth:`RunRows.record_run` are, in the order sent."""


class RunRows(Table):
    def record_run(
        self, service: str, run: Run, *, execution_id: str, incident_id: str, playbook: str
    ) -> None:
        """One transaction: the run (the guards' memory) and its execution's owner, written once (a
        retried start finds the same execution: its run is not counted twice)."""
        key = keys.run(service, run.started_at, execution_id)
        expires = av(epoch(run.started_at) + 30 * 86400)
        try:
            self.client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": {
                                **key.attrs(),
                                "runbook": av(run.runbook),
                                "status": av(run.status),
                                "started_at": av(format_time(run.started_at)),
                                "expires_at": expires,
                            },
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": {
                                **keys.execution(execution_id).attrs(),
                                "service": av(service),
                                "run_sk": av(key.sk),
                                "incident_id": av(incident_id),
                                "playbook": av(playbook),
                                "expires_at": expires,
                            },
                            "ConditionExpression": conditions.NEW_ITEM,
                        }
                    },
                ]
            )
        except self.client.exceptions.TransactionCanceledException as exc:
            if "execution" not in (refused(exc.response, _RECORD) or ()):
                raise
            # recorded already: a retried start found the same execution

    def finish_run(self, execution_id: str, status: str) -> tuple[str, str] | None:
        item = self.client.get_item(
            TableName=self.table, Key=keys.execution(execution_id).attrs(), ConsistentRead=True
        ).get("Item")
        if item is None:
            return None
        self.client.update_item(
            TableName=self.table,
            Key=keys.Key(keys.runs_of(item["service"]["S"]), item["run_sk"]["S"]).attrs(),
            UpdateExpression="SET #s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": av(status)},
        )
        return item["incident_id"]["S"], item["playbook"]["S"]

    def runs(self, service: str, since: datetime) -> list[Run]:
        rows = self._query(keys.runs_of(service), "")
        out = [Run(r["runbook"]["S"], read_time(r["started_at"]["S"]), r["status"]["S"]) for r in rows]
        return [r for r in out if r.started_at >= since]
