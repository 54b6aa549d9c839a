"""Amazon Bedrock's Converse API as the narrative's model (issue 27): the real boto3 ``bedrock-runtime``
client, built lazily (a cold start that never narrates never builds it), ``endpoint_url`` settable.

The incident's record goes in one user content block, labelled as data; the system prompt says so. The
answer is returned untrusted: aiops/present/narrative.py grounds it before anyone sees it. Every failure
- throttled, denied, a model that is not there, a response of the wrong shape - is a NarratorError
whose reason the bot logs when it abstains.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from aiops.errors import NarratorError
from aiops.present.ports import NarratorAnswer


def _retries() -> Any:
    """One attempt: a throttled narrative is dropped (the caps count it), never retried into a storm.
    (botocore's config and parsers are imported when a narrative is asked for: a tenth of a second of
    every cold start and replay that never narrates.)"""
    from botocore.config import Config

    return Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=3, read_timeout=20)


class BedrockNarrator:
    def __init__(
        self,
        client: Any = None,  # a boto3 bedrock-runtime client (no stubs pinned)
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
    ) -> None:
        self._client = client
        self.endpoint_url = endpoint_url
        self.region = region

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client(
                "bedrock-runtime", endpoint_url=self.endpoint_url, region_name=self.region, config=_retries()
            )
        return self._client

    def converse(self, model_id: str, system: str, user_text: str, max_tokens: int) -> NarratorAnswer:
        from botocore.parsers import ResponseParserError

        try:
            resp = self.client.converse(
                modelId=model_id,
                system=[{"text": system}],
                messages=[{"role": "user", "content": [{"text": user_text}]}],
                inferenceConfig={"maxTokens": max_tokens, "temperature": 0.0},
            )
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code") or "ClientError")
            reason = "throttled" if code in ("ThrottlingException", "ServiceQuotaExceededException") else code
            raise NarratorError(reason, str(error.get("Message", ""))) from None
        except ResponseParserError as exc:  # a response not of the Converse shape
            raise NarratorError("malformed", str(exc)) from None
        except BotoCoreError as exc:  # no answer (a connection, a timeout)
            raise NarratorError("unavailable", type(exc).__name__) from None
        return _answer(resp)


def _answer(resp: Any) -> NarratorAnswer:
    """The text of the assistant's message; its shape checked, its content left to the grounding."""
    try:
        content = resp["output"]["message"]["content"]
        texts = [block["text"] for block in content if isinstance(block, dict) and "text" in block]
        usage = resp.get("usage") or {}
        tokens_in, tokens_out = int(usage.get("inputTokens", 0)), int(usage.get("outputTokens", 0))
    except (KeyError, TypeError, ValueError):
        raise NarratorError("malformed", "no output.message.content in the Converse response") from None
    if not texts or not all(isinstance(t, str) for t in texts):
        raise NarratorError("malformed", "the answer has no text block")
    if resp.get("stopReason") not in (None, "end_turn", "stop_sequence"):
        raise NarratorError("malformed", f"stopReason {str(resp.get('stopReason'))[:40]}")
    return NarratorAnswer(text="".join(texts), input_tokens=tokens_in, output_tokens=tokens_out)
