"""Signals: every event the bot reads, normalized. Raw dicts stop here."""

from aiops.signals.envelopes import normalize, normalize_text, prepare_sqs_body, sqs_body
from aiops.signals.model import Deferred, Signal

__all__ = ["Deferred", "Signal", "normalize", "normalize_text", "prepare_sqs_body", "sqs_body"]
