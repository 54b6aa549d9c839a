"""A service's ``narrative`` settings: a short account of the incident written by a Bedrock model from
its structured record, grounded in code (aiops/present/narrative.py). Off by default.

```yaml
narrative:
  enabled: true
  model_id: anthropic.claude-3-5-haiku-20241022-v1:0   # the Converse model; IAM grants InvokeModel on it only
  max_calls_per_incident: 3       # at most this many Converse calls for one incident
  max_tokens_per_incident: 6000   # ... and this many tokens (input + output) for one incident
  max_calls_per_day: 50           # per service and UTC day
  max_tokens_per_day: 100000
  max_answer_tokens: 400          # the answer's own cap (Converse maxTokens)
```
The caps are DynamoDB counters with conditional updates: a call is made only once its reservation held.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class NarrativeSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    enabled: bool = False
    model_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9.:/_-]{2,255}$")
    max_calls_per_incident: int = Field(default=3, ge=1, le=20)
    max_tokens_per_incident: int = Field(default=6000, ge=500, le=200_000)
    max_calls_per_day: int = Field(default=50, ge=1, le=10_000)
    max_tokens_per_day: int = Field(default=100_000, ge=500, le=10_000_000)
    max_answer_tokens: int = Field(default=400, ge=50, le=2000)

    @model_validator(mode="after")
    def _complete(self) -> NarrativeSettings:
        if self.enabled and not self.model_id:
            raise ValueError("an enabled narrative needs model_id (the Bedrock model it asks)")
        if self.max_calls_per_incident > self.max_calls_per_day:
            raise ValueError("max_calls_per_incident exceeds max_calls_per_day")
        if self.max_tokens_per_incident > self.max_tokens_per_day:
            raise ValueError("max_tokens_per_incident exceeds max_tokens_per_day")
        return self
