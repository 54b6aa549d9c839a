"""``aiops maturity``: read an account and judge it against the three-level observability model.

:func:`assess_account` is the entry point (also for ``aiops demo``): a boto3 Session or a client
factory, the regions, and it returns a :class:`MaturityReport`; :func:`aiops.account.render_text`
renders one for people, :meth:`MaturityReport.to_json` for machines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from aiops.account.facts import gather
from aiops.account.practices import LEVELS, Assessment, assess, level_reached, scores
from aiops.account.reader import ClientFactory, session_factory


@dataclass
class MaturityReport:
    account: str | None
    regions: list[str]
    level: int
    scores: dict[int, float]
    practices: list[Assessment]
    calls: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "regions": self.regions,
            "level": self.level,
            "levels": [
                {
                    "level": level,
                    "name": name,
                    "score": self.scores[level],
                    "practices": [asdict(a) for a in self.practices if a.level == level],
                }
                for level, name in LEVELS.items()
            ],
            "calls": self.calls,
        }


def assess_account(
    session: Any = None,
    regions: Sequence[str] = ("us-east-1",),
    *,
    factory: ClientFactory | None = None,
    stack_name: str = "aiops",
    parameter_prefix: str = "/llm/",
) -> MaturityReport:
    """Judge the account that ``session`` (a boto3 Session; default: the environment's credentials)
    or ``factory`` ((service, region) -> client) reads, in each of ``regions``. Only reads."""
    if not regions:
        raise ValueError("at least one region")
    make = factory or session_factory(session)
    facts = gather(make, list(regions), stack_name=stack_name, parameter_prefix=parameter_prefix)
    practices = assess(facts, stack_name=stack_name, parameter_prefix=parameter_prefix)
    level_scores = scores(practices)
    return MaturityReport(
        account=facts.account,
        regions=list(regions),
        level=level_reached(level_scores),
        scores=level_scores,
        practices=practices,
        calls=dict(sorted(facts.calls.items())),
    )
