"""Signals: every event the bot reads, normalized. Raw dicts stop here."""

from aiops.signals.envelopes import normalize, normalize_text, sqs_body
from aiops.signals.model import Signal

__all__ = ["Signal", "normalize", "normalize_text", "sqs_body"]
