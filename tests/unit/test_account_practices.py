"""The pure parts of aiops.account: scoring, level reached, the comment-keeping YAML writer."""

from __future__ import annotations

import yaml

from aiops.account.checks import alarm_check, metric_names
from aiops.account.facts import RegionFacts
from aiops.account.practices import Assessment, level_reached, scores
from aiops.account.yamlout import Flow, Note, render


def _a(level: int, status: str) -> Assessment:
    return Assessment("p", level, "t", status)  # type: ignore[arg-type]


def test_a_level_counts_only_when_the_ones_below_count() -> None:
    s = scores([_a(1, "present"), _a(1, "partial"), _a(2, "present"), _a(3, "present"), _a(3, "unknown")])
    assert s == {1: 0.75, 2: 1.0, 3: 0.5}
    assert level_reached(s) == 2
    assert level_reached({1: 0.5, 2: 1.0, 3: 1.0}) == 0


def test_metric_math_alarms_count_for_the_metrics_they_read() -> None:
    alarm = {
        "AlarmName": "x",
        "Metrics": [
            {
                "Id": "e",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/Bedrock",
                        "MetricName": "InvocationServerErrors",
                        "Dimensions": [{"Name": "ModelId", "Value": "m"}],
                    }
                },
            },
            {"Id": "r", "Expression": "e"},
        ],
    }
    assert metric_names(alarm) == [("AWS/Bedrock", "InvocationServerErrors", {"ModelId": "m"})]
    verdict = alarm_check(frozenset({"InvocationServerErrors"}), "error")(RegionFacts("r", alarms=[alarm]))
    assert verdict.status == "present" and verdict.evidence == ["m: x"]


def test_the_yaml_writer_keeps_comments_and_parses_back() -> None:
    text = render({"a": Note("b", "why"), "l": [Note(Flow({"k": "v*"}), "because")], "n": [{"x": 1}]}, "head")
    assert "# head" in text and "  # why" in text and "  # because" in text
    assert yaml.safe_load(text) == {"a": "b", "l": [{"k": "v*"}], "n": [{"x": 1}]}
