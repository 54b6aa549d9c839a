"""Adapters: the only place (with the CLI and the handlers) that talks to AWS, Slack or the environment."""
