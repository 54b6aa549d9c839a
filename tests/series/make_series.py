"""How the recorded series were made (kept to regenerate them; the JSON files are the test data).

Per-minute ``EstimatedTPMQuotaUsage`` sums of one model against a 400k TPM quota, with seeded noise.
``throttle_alarm_at`` is when the pack's throttles alarm (3 of 5 one-minute datapoints over 5) fires:
the third minute at the quota (Bedrock admits no more, so usage stays at the quota while it throttles).
Run: python tests/series/make_series.py
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

QUOTA = 400_000
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
HERE = Path(__file__).resolve().parent


def _write(name: str, description: str, values: list[float]) -> None:
    capped = [min(QUOTA, max(0.0, v)) for v in values]
    at_quota = [i for i, v in enumerate(capped) if v >= QUOTA]
    throttle = None
    if len(at_quota) >= 3:
        throttle = START + timedelta(minutes=at_quota[2] + 1)  # the minute's datapoint is evaluated after it
    doc = {
        "description": description,
        "model_id": "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "quota": QUOTA,
        "start": START.isoformat().replace("+00:00", "Z"),
        "throttle_alarm_at": throttle.isoformat().replace("+00:00", "Z") if throttle else None,
        "usage_per_minute": [round(v) for v in capped],
    }
    (HERE / f"{name}.json").write_text(json.dumps(doc, indent=1) + "\n")


def main() -> None:
    rng = random.Random(29)

    def noise(sd: float) -> float:
        return rng.gauss(0, sd)

    ramp = [180_000 + noise(8_000) for _ in range(60)]
    ramp += [180_000 + 3_500 * k + noise(8_000) for k in range(1, 120)]
    _write("ramp_to_throttle", "flat at 45% for an hour, then +3.5k TPM a minute until throttled", ramp)

    fast = [150_000 + noise(6_000) for _ in range(60)]
    fast += [150_000 + 12_000 * k + noise(6_000) for k in range(1, 60)]
    _write("fast_ramp", "flat at 38% for an hour, then +12k TPM a minute (quota in about 21 min)", fast)

    _write(
        "flat_high",
        "flat at 75% of the quota, noisy (sd 15k), for 3 h",
        [300_000 + noise(15_000) for _ in range(180)],
    )
    _write("flat_low", "flat at 30% of the quota for 3 h", [120_000 + noise(10_000) for _ in range(180)])

    plateau = [200_000 + noise(8_000) for _ in range(45)]
    plateau += [200_000 + 1_900 * k + noise(8_000) for k in range(1, 90)]
    plateau += [370_000 + noise(8_000) for _ in range(60)]
    _write(
        "plateau_below_quota",
        "grows 1.9k TPM a minute, then levels off at 92% of the quota: no throttle",
        plateau,
    )

    spike = [200_000 + noise(8_000) for _ in range(90)]
    spike += [385_000 + noise(5_000) for _ in range(10)]
    spike += [200_000 + noise(8_000) for _ in range(80)]
    _write("burst", "flat at 50% with one 10-minute burst to 96%: no throttle", spike)


if __name__ == "__main__":
    main()
