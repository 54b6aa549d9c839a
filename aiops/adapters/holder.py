"""The app of a Lambda container, built on its first invocation (never at import).

A handler module imports only this (and Powertools' Logger): the pipeline, the adapters and their
dependencies are imported when the first invocation builds the app, so a cold import costs what the
handler itself needs (bench/coldstart.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiops.adapters.config import Config
    from aiops.adapters.sources import OperatorConfig
    from aiops.adapters.wiring import App


class AppHolder:
    """The app of a Lambda container: built on its first invocation (never at import), then reused, and
    rebuilt (same clients) when the operator's catalog or playbooks change."""

    def __init__(self) -> None:
        self._app: App | None = None
        self._handed: App | None = None
        self._config: Config | None = None
        self._operator: OperatorConfig | None = None
        self._version: tuple[str, str] | None = None

    def get(self) -> App:
        if self._handed is not None:
            return self._handed
        if self._config is None or self._operator is None:
            import os

            from aiops.adapters.config import Config
            from aiops.adapters.sources import OperatorConfig

            self._config = Config.from_env(os.environ)
            self._operator = OperatorConfig(
                self._config.catalog_location,
                self._config.playbooks_location,
                max_age=self._config.refresh_seconds,
            )
        operated = self._operator.current()
        if self._app is None or operated.version != self._version:
            from aiops.adapters.clock import SystemClock
            from aiops.adapters.wiring import build_app, refuse_stand_ins

            self._app = refuse_stand_ins(
                build_app(
                    self._config,
                    clock=SystemClock(),
                    catalog=operated.catalog,
                    playbooks=operated.playbooks,
                    reuse=self._app,
                )
            )
            self._version = operated.version
        return self._app

    def use(self, prebuilt: App | None) -> None:
        """Hand it an app built elsewhere (demo, replay, tests), or None to build anew. Inside Lambda an
        app with local stand-ins is refused here too."""
        import os

        if prebuilt is not None and os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
            from aiops.adapters.wiring import refuse_stand_ins

            refuse_stand_ins(prebuilt)
        self._handed = prebuilt
