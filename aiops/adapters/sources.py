"""The operator's catalog and playbooks, kept in SSM Parameter Store or S3 and re-read when they change.

A stack names where they are (``CatalogLocation``, ``PlaybooksLocation``); nothing of the repository's demo
is ever used in Lambda. A location is an SSM parameter name (``/aiops/prod/catalog``, a String parameter;
Advanced tier for up to 8 KB) or an S3 object (``s3://bucket/catalog.yaml``, any size).

Each container checks for a new version at most once per ``max_age``: SSM by the parameter's ``Version``,
S3 by its ETag (``IfNoneMatch``: an unchanged object is not downloaded). A document that cannot be read or
does not validate keeps the last good one in a running container (logged), and stops a cold start
(``SourceError``): running on a guess would route every signal wrongly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiops.errors import AiopsError

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client
    from mypy_boto3_ssm.client import SSMClient

    from aiops.catalog.model import Catalog
    from aiops.remediation.playbooks import Playbook

log = logging.getLogger(__name__)


class SourceError(AiopsError):
    """A configured catalog or playbooks document cannot be read or does not validate."""


@dataclass(frozen=True)
class Document:
    location: str
    version: str
    text: str


class DocumentSource:
    """One YAML document at ``location``; :meth:`read` returns the newest version, checked at most once
    per ``max_age`` seconds."""

    def __init__(
        self,
        location: str,
        *,
        max_age: float = 60.0,
        ssm: SSMClient | None = None,
        s3: S3Client | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not (location.startswith("/") or location.startswith("s3://")):
            raise SourceError(f"{location!r}: expected an SSM parameter name (/...) or s3://bucket/key")
        self.location = location
        self.max_age = max_age
        self._ssm = ssm
        self._s3 = s3
        self._monotonic = monotonic
        self._doc: Document | None = None
        self._checked = 0.0

    def read(self) -> Document:
        now = self._monotonic()
        if self._doc is not None and now - self._checked < self.max_age:
            return self._doc
        try:
            self._doc = self._fetch(self._doc)
        except SourceError:
            raise
        except Exception as exc:
            if self._doc is None:
                raise SourceError(f"{self.location}: cannot be read: {type(exc).__name__}: {exc}") from None
            log.error("source.unreadable", extra={"location": self.location, "error": type(exc).__name__})
        self._checked = now
        return self._doc

    def _fetch(self, known: Document | None) -> Document:
        if self.location.startswith("s3://"):
            return self._fetch_s3(known)
        if self._ssm is None:
            import boto3

            self._ssm = boto3.client("ssm")
        param = self._ssm.get_parameter(Name=self.location)["Parameter"]
        version = str(param.get("Version", ""))
        if known is not None and known.version == version:
            return known
        return Document(self.location, version, str(param.get("Value", "")))

    def _fetch_s3(self, known: Document | None) -> Document:
        from botocore.exceptions import ClientError

        if self._s3 is None:
            import boto3

            self._s3 = boto3.client("s3")
        bucket, _, key = self.location.removeprefix("s3://").partition("/")
        kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if known is not None:
            kwargs["IfNoneMatch"] = known.version
        try:
            obj = self._s3.get_object(**kwargs)
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if known is not None and (status == 304 or exc.response.get("Error", {}).get("Code") == "304"):
                return known  # not modified
            raise
        return Document(self.location, str(obj["ETag"]), obj["Body"].read().decode("utf-8"))


Parse = Callable[[str, str], Any]


class ParsedSource:
    """A :class:`DocumentSource` parsed by ``parse(text, origin)``. A new version that does not parse
    keeps the last good value (logged once per bad version); on a cold start it is a ``SourceError``."""

    def __init__(self, source: DocumentSource, parse: Parse) -> None:
        self.source = source
        self.parse = parse
        self._good: tuple[str, Any] | None = None
        self._bad: str | None = None

    def read(self) -> tuple[str, Any]:
        doc = self.source.read()
        if self._good is not None and doc.version in (self._good[0], self._bad):
            return self._good
        try:
            value = self.parse(doc.text, doc.location)
        except Exception as exc:
            if self._good is None:
                raise SourceError(f"{doc.location} (version {doc.version}): {exc}") from None
            self._bad = doc.version
            log.error(
                "source.invalid",
                extra={"location": doc.location, "version": doc.version, "error": str(exc)[:1000]},
            )
            return self._good
        self._good = (doc.version, value)
        return self._good


def parse_catalog(text: str, origin: str) -> Catalog:
    import yaml

    from aiops.catalog.model import load_catalog

    return load_catalog(yaml.safe_load(text), origin=origin)


def parse_playbook_list(text: str, origin: str) -> list[Playbook]:
    import yaml

    from aiops.remediation.playbooks import parse_playbooks

    return parse_playbooks(yaml.safe_load(text), origin=origin)


@dataclass(frozen=True)
class Operated:
    """What the operator configured, as of ``version``: the catalog (empty when none is configured) and
    the playbooks (None: the shipped ones)."""

    version: tuple[str, str]
    catalog: Catalog
    playbooks: list[Playbook] | None


class OperatorConfig:
    """The stack's catalog and playbooks (``AIOPS_CATALOG_LOCATION``, ``AIOPS_PLAYBOOKS_LOCATION``).

    No catalog configured: an empty one, and a warning on every cold start. Every signal then opens an
    ``unowned`` incident, shown in Slack; no runbook can run, since playbooks act on a service's catalog
    entry. That is the safe first-deploy state, and it keeps the queue flowing: refusing to start would
    drain every signal to the dead-letter queue until a catalog exists.
    """

    def __init__(
        self,
        catalog_location: str | None,
        playbooks_location: str | None,
        *,
        max_age: float = 60.0,
        ssm: SSMClient | None = None,
        s3: S3Client | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        def source(location: str | None, parse: Parse) -> ParsedSource | None:
            if not location:
                return None
            return ParsedSource(
                DocumentSource(location, max_age=max_age, ssm=ssm, s3=s3, monotonic=monotonic), parse
            )

        self.catalog = source(catalog_location, parse_catalog)
        self.playbooks = source(playbooks_location, parse_playbook_list)
        if self.catalog is None:
            log.warning(
                "catalog.unconfigured",
                extra={
                    "hint": "no catalog configured (stack parameter CatalogLocation): every signal is "
                    "'unowned' and no runbook runs; see README, 'The first deploy'"
                },
            )

    def current(self) -> Operated:
        from aiops.catalog.model import Catalog

        catalog_version, catalog = self.catalog.read() if self.catalog else ("", Catalog())
        playbooks_version, playbooks = self.playbooks.read() if self.playbooks else ("", None)
        return Operated((catalog_version, playbooks_version), catalog, playbooks)
