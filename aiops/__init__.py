"""aiops: an event-driven AIOps incident bot for generative-AI applications on AWS.

Modules under ``aiops/`` (outside ``aiops/adapters/`` and ``aiops/cli.py``) are pure: no boto3,
no HTTP, no environment, no wall clock. They take data and return data; I/O goes through the
ports in :mod:`aiops.ports`.
"""

__version__ = "0.1.0"
