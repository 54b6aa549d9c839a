"""aiops: an event-driven AIOps incident bot for generative-AI applications on AWS.

The core is pure (no boto3, no HTTP, no environment, no wall clock) and named by its domain, from the
ground up: :mod:`aiops.signals` (events normalized into signals), :mod:`aiops.catalog` (what the user
declares), :mod:`aiops.incident` (the record and its life), :mod:`aiops.diagnosis` (root cause, impact,
severity), :mod:`aiops.escalation` (paging), :mod:`aiops.remediation` (playbooks, runbooks, approvals),
:mod:`aiops.present` (Slack, terminal, JSON) and :mod:`aiops.pipeline`, which composes them. Each
package's ports are its own ``ports`` module; the edges (:mod:`aiops.adapters`, :mod:`aiops.local`,
:mod:`aiops.account`, ``aiops/cli.py``) implement them. ``errors`` and ``text`` serve every package.
"""

__version__ = "0.1.0"
