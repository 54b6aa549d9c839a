"""Writes the labelled scenarios: each folder's ``expected.json`` (the label, with the note of why a
senior SRE would say so, written first) and its ``events.jsonl`` (the events, in AWS's shapes).

Run ``python examples/labelled/build.py`` after editing; ``tests/functional/test_labelled.py`` replays
and scores them. Ids: ``SSKKKKKK-0000-4000-8000-00000000000N``, SS the scenario, N the event.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from events import (
    alarm,
    budget_forecast,
    cost_anomaly,
    health,
    insight,
    parameter_store_change,
    put_parameter,
)

HERE = Path(__file__).resolve().parent
SONNET = {"ModelId": "anthropic.claude-3-5-sonnet-20240620-v1:0"}
LLAMA = {"ModelId": "meta.llama3-70b-instruct-v1:0"}
PROMPT, MODEL = "/llm/chat-assistant/prompt", "/llm/chat-assistant/model-id"
RETRIEVER_CONFIG = "/llm/chat-assistant/retriever-config"


def ids(n: int) -> list[str]:
    return [f"{n:02d}000000-0000-4000-8000-{k:012d}" for k in range(1, 13)]


def bedrock(
    event_id: str, name: str, delivered: str, metric: str, values: list[tuple[str, float]], **kw: Any
) -> Any:
    dims = kw.pop("dimensions", SONNET)
    return alarm(
        event_id,
        name,
        delivered,
        namespace="AWS/Bedrock",
        metric=metric,
        dimensions=dims,
        values=values,
        threshold=kw.pop("threshold", 20.0),
        **kw,
    )


def api_5xx(
    event_id: str, delivered: str, values: list[tuple[str, float]], name: str = "chat-assistant-api-5xx"
) -> Any:
    return alarm(
        event_id,
        name,
        delivered,
        namespace="AWS/ApiGateway",
        metric="5XXError",
        dimensions={"ApiName": name.rsplit("-api", 1)[0]},
        values=values,
        threshold=5.0,
    )


def latency(event_id: str, name: str, delivered: str, values: list[tuple[str, float]], **kw: Any) -> Any:
    return alarm(
        event_id,
        name,
        delivered,
        namespace=kw.pop("namespace", "AWS/ApiGateway"),
        metric=kw.pop("metric", "Latency"),
        dimensions=kw.pop("dimensions", {"ApiName": "chat-assistant"}),
        values=values,
        threshold=kw.pop("threshold", 2500.0),
        stat="p99",
        **kw,
    )


def quality(event_id: str, delivered: str, values: list[tuple[str, float]]) -> Any:
    return alarm(
        event_id,
        "chat-assistant-api-answer-quality",
        delivered,
        namespace="ChatAssistant/Feedback",
        metric="ThumbsDownRatio",
        dimensions={"Service": "chat-assistant"},
        values=values,
        threshold=0.2,
        period=300,
        stat="Average",
        evaluated=True,
    )


def one(
    sid: str,
    service: str,
    signals: list[str],
    root: dict[str, Any],
    actions: list[str],
    asked: list[str] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"service": service, "signals": signals, "root_cause": root, "actions": actions}
    if asked is not None:
        out["asked"] = asked
    return out


SCENARIOS: dict[str, tuple[dict[str, Any], list[Any]]] = {}


def scenario(
    name: str, cls: str, note: str, incidents: list[dict[str, Any]], events: list[Any], catalog: str = ""
) -> None:
    label: dict[str, Any] = {"class": cls, "note": note, "incidents": incidents}
    if catalog:
        label["catalog"] = catalog
    SCENARIOS[name] = (label, events)


# --- two changes minutes apart ------------------------------------------------------------------------
e = ids(21)
scenario(
    "two-changes-model-fails",
    "two changes",
    "A prompt edit at 10:00 and a model switch at 10:04; Bedrock rejects requests (4XX) on the model id "
    "from 10:05, the api errors follow. A prompt cannot make Bedrock reject a request: the model change "
    "is the culprit and rolling it back is what an SRE does; the prompt stays.",
    [one("", "chat-assistant", [e[2], e[3]], {"component": "model", "change": e[1]}, ["ModelRollback"])],
    [
        parameter_store_change(e[0], PROMPT, "10:00:05"),
        put_parameter(e[1], MODEL, "10:04:00", 8),
        bedrock(
            e[2],
            "chat-assistant-bedrock-client-errors",
            "10:06",
            "InvocationClientErrors",
            [("10:05", 1163.0)],
        ),
        api_5xx(e[3], "10:07", [("10:06", 88.0)]),
    ],
)
e = ids(22)
scenario(
    "two-changes-prompt-after-failure",
    "two changes",
    "The model was switched at 10:00 and its client errors began at 10:02 by their datapoints; someone "
    "edited the prompt at 10:05 while the alarms were still on their way (delivered 10:08). The prompt "
    "edit came after the failure began: it cannot be the cause. Roll back the model.",
    [one("", "chat-assistant", [e[2], e[3]], {"component": "model", "change": e[0]}, ["ModelRollback"])],
    [
        put_parameter(e[0], MODEL, "10:00:00", 12),
        parameter_store_change(e[1], PROMPT, "10:05:00"),
        bedrock(
            e[2],
            "chat-assistant-bedrock-client-errors",
            "10:08",
            "InvocationClientErrors",
            [("10:02", 640.0), ("10:03", 720.0)],
        ),
        api_5xx(e[3], "10:08:30", [("10:03", 40.0)]),
    ],
)

# --- provider outages ---------------------------------------------------------------------------------
e = ids(31)
scenario(
    "provider-outage-healthy-prompt",
    "provider outage",
    "The prompt was edited at 10:00 and served fine for 20 minutes; at 10:20 Bedrock answers 5XX and "
    "throttles, and AWS Health opens a Bedrock issue in us-east-1. The provider is down: rolling the "
    "prompt back would change nothing; falling back to another model may help.",
    [
        one(
            "",
            "chat-assistant",
            [e[1], e[2], e[3], e[4]],
            {"component": "model", "change": None},
            ["ModelFallback"],
        )
    ],
    [
        parameter_store_change(e[0], PROMPT, "10:00:00"),
        bedrock(
            e[1],
            "chat-assistant-bedrock-server-errors",
            "10:21",
            "InvocationServerErrors",
            [("10:20", 310.0)],
        ),
        bedrock(
            e[2], "chat-assistant-bedrock-throttles", "10:21:30", "InvocationThrottles", [("10:20", 95.0)]
        ),
        api_5xx(e[3], "10:22", [("10:21", 120.0)]),
        health(e[4], "10:23", "10:19"),
    ],
)
e = ids(32)
scenario(
    "provider-outage-two-services",
    "provider outage",
    "chat-assistant (Claude) and doc-qa (Llama) both get Bedrock server errors in the same minute in "
    "us-east-1, then AWS Health confirms. Two services, two model ids, one region: Bedrock. Each "
    "service's incident falls back to its fallback model; nothing is rolled back.",
    [
        one("", "chat-assistant", [e[0], e[2]], {"component": "model", "change": None}, ["ModelFallback"]),
        one("", "doc-qa", [e[1], e[2]], {"component": "model", "change": None}, ["ModelFallback"]),
    ],
    [
        bedrock(
            e[0],
            "chat-assistant-bedrock-server-errors",
            "11:01",
            "InvocationServerErrors",
            [("11:00", 210.0)],
        ),
        bedrock(
            e[1],
            "doc-qa-bedrock-server-errors",
            "11:01:30",
            "InvocationServerErrors",
            [("11:00", 150.0)],
            dimensions=LLAMA,
        ),
        health(e[2], "11:03", "10:59"),
    ],
)
e = ids(33)
scenario(
    "provider-outage-after-model-change",
    "provider outage",
    "The model id changed at 09:50 and served fine; at 10:10 Bedrock returns server errors (5XX) and "
    "AWS Health reports the outage. A model switch makes Bedrock reject requests (4XX), not fail them "
    "(5XX), and it worked for 20 minutes: the provider is at fault; no rollback of the model change.",
    [
        one(
            "",
            "chat-assistant",
            [e[1], e[2], e[3]],
            {"component": "model", "change": None},
            ["ModelFallback"],
        )
    ],
    [
        put_parameter(e[0], MODEL, "09:50:00", 14),
        bedrock(
            e[1],
            "chat-assistant-bedrock-server-errors",
            "10:11",
            "InvocationServerErrors",
            [("10:10", 410.0)],
        ),
        api_5xx(e[2], "10:12", [("10:11", 150.0)]),
        health(e[3], "10:13", "10:08"),
    ],
)

e = ids(34)
scenario(
    "provider-outage-two-services-no-health", "provider outage",
    "doc-qa (Llama) gets Bedrock server errors at 11:00; a minute later chat-assistant (Claude), whose "
    "model id changed at 10:40, gets throttled and server errors too. No AWS Health event yet. Two "
    "services on two model ids failing at once in one region is Bedrock, not chat-assistant's change: "
    "fall back, do not roll back.",
    [one("", "doc-qa", [e[1]], {"component": "model", "change": None}, ["ModelFallback"]),
     one("", "chat-assistant", [e[2], e[3]], {"component": "model", "change": None}, ["ModelFallback"])],
    [put_parameter(e[0], MODEL, "10:40:00", 15),
     bedrock(e[1], "doc-qa-bedrock-server-errors", "11:01", "InvocationServerErrors", [("11:00", 150.0)],
             dimensions=LLAMA),
     bedrock(e[2], "chat-assistant-bedrock-server-errors", "11:02", "InvocationServerErrors", [("11:01", 260.0)]),
     bedrock(e[3], "chat-assistant-bedrock-throttles", "11:02:20", "InvocationThrottles", [("11:01", 90.0)])],
)

# --- DevOps Guru ----------------------------------------------------------------------------------------
e = ids(41)
scenario(
    "devops-guru-before-model-change",
    "devops guru",
    "DevOps Guru saw the orchestrator's Lambda duration go anomalous from 09:49; the model id changed "
    "at 09:52 and the api latency alarm fired at 09:55. The slowdown began before the change, in the "
    "orchestrator: it is the root cause; rolling back the model would be a guess. No runbook fits: page.",
    [one("", "chat-assistant", [e[1], e[2]], {"component": "orchestrator", "change": None}, [])],
    [
        put_parameter(e[0], MODEL, "09:52:00", 9),
        insight(
            e[1],
            "09:54",
            "ADkq3rG8sJ2mT7yWcP4xLbN9vEhZ1fQaAAAAAAAAAA41",
            "chat-assistant",
            [("09:49", "AWS/Lambda", "Duration", "chat-assistant-orchestrator")],
        ),
        latency(e[2], "chat-assistant-api-latency", "09:56", [("09:55", 4100.0)]),
    ],
)
e = ids(42)
scenario(
    "devops-guru-before-prompt-change",
    "devops guru",
    "The orchestrator's errors began at 09:58 (first breaching datapoint; DevOps Guru's anomaly from "
    "09:57); the prompt was edited at 09:59, before either event arrived. The errors predate the edit: "
    "the orchestrator is the root cause, not the prompt; nothing to roll back.",
    [one("", "chat-assistant", [e[1], e[2]], {"component": "orchestrator", "change": None}, [])],
    [
        parameter_store_change(e[0], PROMPT, "09:59:00"),
        alarm(
            e[1],
            "chat-assistant-orch-errors",
            "10:01",
            namespace="AWS/Lambda",
            metric="Errors",
            dimensions={"FunctionName": "chat-assistant-orchestrator"},
            values=[("09:58", 37.0), ("09:59", 41.0)],
            threshold=10.0,
        ),
        insight(
            e[2],
            "10:03",
            "ADkq3rG8sJ2mT7yWcP4xLbN9vEhZ1fQaAAAAAAAAAA42",
            "chat-assistant",
            [("09:57", "AWS/Lambda", "Errors", "chat-assistant-orchestrator")],
        ),
    ],
)

e = ids(43)
scenario(
    "devops-guru-anomaly-by-anomaly", "devops guru",
    "One DevOps Guru insight on the chat-assistant stack holds two anomalies: the retriever function's "
    "duration from 10:01 and the orchestrator's from 10:04; the api latency alarm fires at 10:06, and "
    "the model id changed at 09:58. Read anomaly by anomaly, the retriever slowed first and the "
    "orchestrator calls it: the retriever is the root cause (page, no runbook fits); not the model.",
    [one("", "chat-assistant", [e[1], e[2]], {"component": "retriever", "change": None}, [])],
    [put_parameter(e[0], MODEL, "09:58:00", 10),
     insight(e[1], "10:05", "ADkq3rG8sJ2mT7yWcP4xLbN9vEhZ1fQaAAAAAAAAAA43", "chat-assistant",
             [("10:04", "AWS/Lambda", "Duration", "chat-assistant-orchestrator"),
              ("10:01", "AWS/Lambda", "Duration", "chat-assistant-retriever")]),
     latency(e[2], "chat-assistant-api-latency", "10:07", [("10:06", 5100.0)])],
)

# --- slow burns ------------------------------------------------------------------------------------------
e = ids(61)
scenario(
    "slow-burn-quality-before-prompt-change",
    "slow burn",
    "Answer quality (thumbs-down ratio) has been above 20% since the 09:10 datapoint; the prompt was "
    "edited at 09:18 (perhaps to fix it); the 4-of-5 alarm fired at 09:31. The degradation predates "
    "the edit: rolling the prompt back would undo a possible fix. Root cause the api's quality, no runbook.",
    [one("", "chat-assistant", [e[1]], {"component": "api", "change": None}, [])],
    [
        parameter_store_change(e[0], PROMPT, "09:18:00"),
        quality(
            e[1], "09:31", [("09:05", 0.1), ("09:10", 0.25), ("09:15", 0.27), ("09:20", 0.3), ("09:25", 0.33)]
        ),
    ],
)
e = ids(62)
scenario(
    "slow-burn-latency-after-model-change",
    "slow burn",
    "The model id changed at 08:00; Bedrock latency on it crept up and breached from 08:45 (3 of 3 "
    "five-minute datapoints), the alarm at 09:01. Nothing else changed or fails: the new model is slower; "
    "roll it back.",
    [one("", "chat-assistant", [e[1]], {"component": "model", "change": e[0]}, ["ModelRollback"])],
    [
        put_parameter(e[0], MODEL, "08:00:00", 21),
        alarm(
            e[1],
            "chat-assistant-bedrock-latency",
            "09:01",
            namespace="AWS/Bedrock",
            metric="InvocationLatency",
            dimensions=SONNET,
            values=[("08:45", 9100.0), ("08:50", 9800.0), ("08:55", 10400.0)],
            threshold=8000.0,
            period=300,
            stat="p99",
            evaluated=True,
        ),
    ],
)

# --- cost runaways -----------------------------------------------------------------------------------------
e = ids(71)
scenario(
    "cost-runaway-input-tokens",
    "cost runaway",
    "The monthly budget's forecast overruns and input tokens on the model triple; nothing fails. A cost "
    "runaway, not a model fault: cap tokens, after a human approves.",
    [one("", "chat-assistant", [e[0], e[1]], {"component": "cost", "change": None}, [], ["TokenCap"])],
    [
        budget_forecast(e[0], "08:47", "chat-assistant-monthly", 1000.0, 1310.4),
        bedrock(
            e[1],
            "chat-assistant-bedrock-input-tokens",
            "08:56",
            "InputTokenCount",
            [("08:50", 9100000.0)],
            threshold=3000000.0,
            period=300,
        ),
    ],
)
e = ids(72)
scenario(
    "cost-runaway-after-model-change",
    "cost runaway",
    "A cost anomaly on Bedrock output tokens and output-token growth on the model, 80 minutes after a "
    "model switch; nothing fails. The spend is the incident (a human approves the token cap); the "
    "model change may explain longer answers, but nothing is broken to roll back on its own.",
    [one("", "chat-assistant", [e[1], e[2]], {"component": "cost", "change": None}, [], ["TokenCap"])],
    [
        put_parameter(e[0], MODEL, "07:30:00", 30),
        cost_anomaly(
            e[1],
            "08:51",
            "7d3e9b21-4c6a-4f58-8e17-b2a9c0d5f372",
            "USE1-Claude3.5Sonnet-output-tokens",
            316.45,
        ),
        bedrock(
            e[2],
            "chat-assistant-bedrock-output-tokens",
            "08:56",
            "OutputTokenCount",
            [("08:50", 7421880.0)],
            threshold=3000000.0,
            period=300,
        ),
    ],
)

# --- ambiguous ---------------------------------------------------------------------------------------------
e = ids(81)
scenario(
    "ambiguous-prompt-and-model-change",
    "ambiguous",
    "The prompt was edited at 10:00 and the model switched at 10:02; answer quality drops from 10:10. "
    "Either change can degrade answers and nothing else tells them apart: the bot must not pick one "
    "and roll it back; it asks, saying what would decide.",
    [one("", "chat-assistant", [e[2]], {"abstain": True}, [])],
    [
        parameter_store_change(e[0], PROMPT, "10:00:00"),
        put_parameter(e[1], MODEL, "10:02:00", 5),
        quality(e[2], "10:21", [("10:10", 0.31), ("10:15", 0.36)]),
    ],
)
e = ids(82)
scenario(
    "ambiguous-retriever-and-model-change",
    "ambiguous",
    "The retriever's config changed at 10:00 and the model id at 10:01; the api's latency breaches from "
    "10:05. Both can slow answers down, and no alarm on the retriever or the model says which: ask.",
    [one("", "chat-assistant", [e[2]], {"abstain": True}, [])],
    [
        parameter_store_change(e[0], RETRIEVER_CONFIG, "10:00:00"),
        put_parameter(e[1], MODEL, "10:01:00", 6),
        latency(e[2], "chat-assistant-api-latency", "10:07", [("10:05", 5200.0), ("10:06", 5900.0)]),
    ],
)


# --- shared / upstream services (shared/catalog.yaml) ----------------------------------------------------
e = ids(51)
scenario(
    "shared-kb-search-slow-after-model-change", "shared services",
    "kb-search's index gets slow at 10:02 (its own incident); chat-assistant's retriever calls kb-search, "
    "and chat-assistant's orchestrator and api latency follow at 10:03-10:04, 13 minutes after a model "
    "switch. The slowness comes from kb-search: chat-assistant's incident names kb-search's as its cause "
    "and rolls nothing back; kb-search's team owns the fix (no runbook fits an index: page).",
    [one("", "kb-search", [e[1]], {"component": "index", "change": None}, []),
     one("", "chat-assistant", [e[2], e[3]], {"component": "retriever", "change": None}, [])],
    [put_parameter(e[0], MODEL, "09:50:00", 11),
     latency(e[1], "kb-search-index-latency", "10:03", [("10:02", 3900.0)], namespace="AWS/ES",
             metric="SearchLatency", dimensions={"DomainName": "kb-search"}, threshold=1000.0),
     latency(e[2], "chat-assistant-orch-latency", "10:04", [("10:03", 9100.0)], namespace="AWS/Lambda",
             metric="Duration", dimensions={"FunctionName": "chat-assistant-orchestrator"}, threshold=6000.0),
     latency(e[3], "chat-assistant-api-latency", "10:05", [("10:04", 9900.0)])],
    catalog="shared/catalog.yaml",
)
e = ids(52)
scenario(
    "shared-kb-search-errors-two-dependents", "shared services",
    "kb-search's index fails at 10:10; chat-assistant (whose prompt was edited at 10:00) and doc-qa both "
    "answer 5XX from 10:11. Three incidents, one cause: kb-search. Rolling back chat-assistant's prompt "
    "would not help; each dependent names kb-search's incident and runs nothing.",
    [one("", "kb-search", [e[1]], {"component": "index", "change": None}, []),
     one("", "chat-assistant", [e[2]], {"component": "retriever", "change": None}, []),
     one("", "doc-qa", [e[3]], {"component": "api", "change": None}, [])],
    [parameter_store_change(e[0], PROMPT, "10:00:00"),
     alarm(e[1], "kb-search-index-errors", "10:11", namespace="AWS/ES", metric="5xx",
           dimensions={"DomainName": "kb-search"}, values=[("10:10", 240.0)], threshold=10.0),
     api_5xx(e[2], "10:12", [("10:11", 130.0)]),
     api_5xx(e[3], "10:12:30", [("10:11", 75.0)], name="doc-qa-api-5xx")],
    catalog="shared/catalog.yaml",
)


# --- two regions ----------------------------------------------------------------------------------------------
e = ids(91)
scenario(
    "two-regions-two-causes", "two regions",
    "chat-assistant runs in us-east-1 and eu-west-1. In us-east-1 Bedrock fails (server errors, AWS Health "
    "opens an issue there); in eu-west-1 a prompt edit at 10:00 makes the guardrail intervene from "
    "10:05. Two incidents, two causes: fall back in us-east-1, roll the prompt back in eu-west-1. The "
    "us-east-1 Health issue says nothing about eu-west-1.",
    [one("", "chat-assistant", [e[1], e[3]], {"component": "model", "change": None}, ["ModelFallback"]),
     one("", "chat-assistant", [e[2]], {"component": "prompt", "change": e[0]}, ["PromptRollback"])],
    [parameter_store_change(e[0], PROMPT, "10:00:00", region="eu-west-1"),
     bedrock(e[1], "chat-assistant-bedrock-server-errors", "10:06", "InvocationServerErrors", [("10:05", 380.0)]),
     alarm(e[2], "chat-assistant-guardrail-interventions", "10:06:30", namespace="AWS/Bedrock/Guardrails",
           metric="InvocationsIntervened", dimensions={"GuardrailId": "gr-chat"}, values=[("10:05", 140.0)],
           threshold=25.0, region="eu-west-1"),
     health(e[3], "10:08", "10:04")],
)
e = ids(92)
scenario(
    "two-regions-health-in-one", "two regions",
    "The api's 5XX alarm fires in both regions at 11:00; only us-east-1 also has Bedrock throttles and "
    "an open AWS Health issue for Bedrock. us-east-1's incident is the provider's (fall back); "
    "eu-west-1's is its own api's, with no runbook that fits: page. Paging once for both, or falling "
    "back in eu-west-1 on us-east-1's evidence, would be wrong.",
    [one("", "chat-assistant", [e[0], e[1], e[3]], {"component": "model", "change": None}, ["ModelFallback"]),
     one("", "chat-assistant", [e[2]], {"component": "api", "change": None}, [])],
    [bedrock(e[0], "chat-assistant-bedrock-throttles", "11:01", "InvocationThrottles", [("11:00", 520.0)]),
     api_5xx(e[1], "11:01:20", [("11:00", 90.0)]),
     alarm(e[2], "chat-assistant-api-5xx", "11:01:40", namespace="AWS/ApiGateway", metric="5XXError",
           dimensions={"ApiName": "chat-assistant"}, values=[("11:00", 60.0)], threshold=5.0, region="eu-west-1"),
     health(e[3], "11:03", "10:58")],
)


def main() -> None:
    for name, (label, events) in SCENARIOS.items():
        folder = HERE / name
        folder.mkdir(exist_ok=True)
        (folder / "expected.json").write_text(json.dumps(label, indent=2) + "\n")
        (folder / "events.jsonl").write_text(
            "".join(json.dumps(ev, separators=(",", ":")) + "\n" for ev in events)
        )
    print(f"{len(SCENARIOS)} scenarios written")


if __name__ == "__main__":
    main()
