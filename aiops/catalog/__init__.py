"""The service catalog: what the user declares about each service (tier, channel, business figures,
LLM parameters, components and how signals match them, SLOs) and the escalation policy it configures.
Loaded and validated here; read by every other core package. Imports only :mod:`aiops.signals` (the
signal model its selectors match) and the package-wide :mod:`aiops.errors` and :mod:`aiops.text`.
"""
