"""The incident record and its life: the models (incident, member, action, escalation, timeline
entry, hypothesis), the assessment types the diagnosis fills in, how a signal folds into an incident
(open, flapping, mitigated, resolved), the console links of its members, and the ports through which the
record is stored and the clock is read. Imports :mod:`aiops.signals` only.
"""
