"""Runbook runs: the run history (the guards' memory) and which incident each execution belongs to."""

from __future__ import annotations

from datetime import datetime

from aiops.adapters.dynamodb.table import Table, _epoch, _n, _s
from aiops.remediation.decide import Run
from aiops.signals.model import format_time


class RunRows(Table):
    def record_run(
        self, service: str, run: Run, *, execution_id: str, incident_id: str, playbook: str
    ) -> None:
        """One transaction: the run (the guards' memory) and its execution's owner, written once (a
        retried start finds the same execution: its run is not counted twice)."""
        sk = f"{format_time(run.started_at)}#{execution_id}"
        expires = _n(_epoch(run.started_at) + 30 * 86400)
        try:
            self.client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": {
                                "pk": _s(f"RUN#{service}"),
                                "sk": _s(sk),
                                "runbook": _s(run.runbook),
                                "status": _s(run.status),
                                "started_at": _s(format_time(run.started_at)),
                                "expires_at": expires,
                            },
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": {
                                "pk": _s(f"EXE#{execution_id}"),
                                "sk": _s("EXE"),
                                "service": _s(service),
                                "run_sk": _s(sk),
                                "incident_id": _s(incident_id),
                                "playbook": _s(playbook),
                                "expires_at": expires,
                            },
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                ]
            )
        except self.client.exceptions.TransactionCanceledException as exc:
            codes = [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]
            if "ConditionalCheckFailed" not in codes:
                raise
            # recorded already

    def finish_run(self, execution_id: str, status: str) -> tuple[str, str] | None:
        item = self.client.get_item(
            TableName=self.table, Key={"pk": _s(f"EXE#{execution_id}"), "sk": _s("EXE")}, ConsistentRead=True
        ).get("Item")
        if item is None:
            return None
        self.client.update_item(
            TableName=self.table,
            Key={"pk": _s(f"RUN#{item['service']['S']}"), "sk": _s(item["run_sk"]["S"])},
            UpdateExpression="SET #s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": _s(status)},
        )
        return item["incident_id"]["S"], item["playbook"]["S"]

    def runs(self, service: str, since: datetime) -> list[Run]:
        rows = self._query(f"RUN#{service}", "")
        out = [
            Run(
                r["runbook"]["S"],
                datetime.fromisoformat(r["started_at"]["S"].replace("Z", "+00:00")),
                r["status"]["S"],
            )
            for r in rows
        ]
        return [r for r in out if r.started_at >= since]
