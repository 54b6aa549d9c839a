"""The method: ordinary least squares of value on time over a window, with an error band.

- Fit ``y = a + b t`` to the window's points (t in minutes, or hours for cost).
- The residual standard error ``s = sqrt(sum(r^2) / (n - 2))`` and the slope's standard error
  ``se_b = s / sqrt(sum((t - mean t)^2))``.
- Growth counts only when it is significant: ``b > 2 se_b`` (about 95 %); a flat, noisy series never
  projects a crossing however close to the threshold its noise wanders.
- The crossing time of ``threshold`` from now is ``(threshold - y_now) / b`` with ``y_now = a + b t_now``
  (the fitted level, less noisy than the last point); its band is the crossing of the lines
  ``y_now + 2 s`` (early) and ``y_now - 2 s`` (late).
- Minimum data: ``MIN_POINTS`` points spanning at least half the window; with less, no projection.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

MIN_POINTS = 15
"""Fewer points than this (15 one-minute sums: three quarters of the default 20-minute window) give no
projection; the window defaults to 20 minutes because a longer fit lags a ramp that begins inside it
(measured on tests/series/: a 60-minute window warned 3 minutes before a fast ramp throttled, 20 minutes
gave 13)."""
SIGMAS = 2.0
"""The band and the significance test: two standard errors (about 95 % for normal residuals)."""


@dataclass(frozen=True)
class Fit:
    intercept: float
    slope: float
    """Growth per time unit."""
    residual_se: float
    slope_se: float
    points: int
    mean_t: float
    sxx: float

    def at(self, t: float) -> float:
        return self.intercept + self.slope * t

    def level_se(self, t: float) -> float:
        """Standard error of the fitted level at ``t``."""
        return self.residual_se * math.sqrt(1 / self.points + (t - self.mean_t) ** 2 / self.sxx)

    @property
    def growing(self) -> bool:
        """Significant growth: the slope exceeds SIGMAS of its standard error."""
        return self.slope > 0 and self.slope > SIGMAS * self.slope_se


@dataclass(frozen=True)
class Crossing:
    minutes: float
    early: float
    late: float


def fit(points: Sequence[tuple[float, float]], *, span: float = 0.0) -> Fit | None:
    """Least squares over ``points`` (time, value); None below the minimum data (MIN_POINTS points
    covering at least half of ``span``) or when every point has the same time."""
    n = len(points)
    if n < MIN_POINTS:
        return None
    ts = [t for t, _ in points]
    if span and max(ts) - min(ts) < span / 2:
        return None
    mt = sum(ts) / n
    my = sum(y for _, y in points) / n
    sxx = sum((t - mt) ** 2 for t in ts)
    if sxx == 0:
        return None
    b = sum((t - mt) * (y - my) for t, y in points) / sxx
    a = my - b * mt
    sse = sum((y - (a + b * t)) ** 2 for t, y in points)
    s = math.sqrt(sse / (n - 2))
    return Fit(a, b, s, s / math.sqrt(sxx), n, mt, sxx)


def crossing(f: Fit, threshold: float, now: float) -> Crossing | None:
    """When the fitted line reaches ``threshold`` after ``now`` (time units of the fit), with its band;
    None without significant growth. Already at or over it: 0."""
    if not f.growing:
        return None
    level = f.at(now)
    band = SIGMAS * f.residual_se

    def until(y: float) -> float:
        return max(0.0, (threshold - y) / f.slope)

    return Crossing(until(level), until(level + band), until(level - band))
