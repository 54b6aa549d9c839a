"""Healing the app: the playbooks (when which runbook runs, with which guards), the runbook
documents and their parameters, the decision for an incident, starting and settling runs exactly once,
their verification and undo, and the approvals asked for in Slack. Imports :mod:`aiops.escalation` (an
action's outcome may page), :mod:`aiops.incident.model` and :mod:`aiops.catalog.model`.
"""
