"""Forecasts (issue 29): projections of the tokens-per-minute quota and the month's Bedrock spend.

Owns the method (:mod:`aiops.forecast.method`: least squares over a window, with its minimum data and
error band), the two projections (:mod:`aiops.forecast.project`) and the event a projection becomes
(:mod:`aiops.forecast.events`, read back by :mod:`aiops.signals.forecast`). Pure: series and settings
in, projections and events out; the forecast Lambda (handlers/forecast.py) reads CloudWatch and Service
Quotas and puts the events. May import :mod:`aiops.catalog`, :mod:`aiops.signals`, errors and text.
"""
