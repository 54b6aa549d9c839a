"""A service's ``forecast`` settings: the scheduled projections of aiops/forecast/ (off by default).

```yaml
forecast:
  enabled: true
  model_ids: [anthropic.claude-3-5-sonnet-20240620-v1:0]   # whose tokens-per-minute quota to project
  quota_code: L-00000000        # Service Quotas code (service bedrock) of that quota, read each pass
  tpm_quota: 400000             # used when the quota cannot be read (no code, denied, throttled)
  # with several models, per model instead (each model has its own quota):
  # quota_codes: {<model id>: L-...}    tpm_quotas: {<model id>: 400000}
  horizon_minutes: 30           # warn when the quota is projected to run out within this
  window_minutes: 20            # the least-squares window (aiops/forecast/method.py)
  monthly_budget_usd: 500       # project the month's Bedrock spend against this
  price_per_1k_input_tokens: 0.003
  price_per_1k_output_tokens: 0.015
```
The method, its window and minimum data are in aiops/forecast/method.py and docs/llm-signals.md.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ForecastSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    enabled: bool = False
    model_ids: tuple[str, ...] = ()
    quota_code: str | None = Field(default=None, pattern=r"^L-[0-9A-F]{8}$")
    tpm_quota: float | None = Field(default=None, gt=0)
    quota_codes: dict[str, str] = {}
    tpm_quotas: dict[str, float] = {}
    horizon_minutes: int = Field(default=30, ge=5, le=240)
    window_minutes: int = Field(default=20, ge=15, le=360)
    monthly_budget_usd: float | None = Field(default=None, gt=0)
    price_per_1k_input_tokens: float | None = Field(default=None, ge=0)
    price_per_1k_output_tokens: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _complete(self) -> ForecastSettings:
        priced = self.price_per_1k_input_tokens is not None and self.price_per_1k_output_tokens is not None
        if self.monthly_budget_usd is not None and not priced:
            raise ValueError(
                "a cost forecast (monthly_budget_usd) needs price_per_1k_input_tokens and "
                "price_per_1k_output_tokens"
            )
        if len(self.model_ids) > 1 and (self.quota_code or self.tpm_quota):
            raise ValueError(
                "each model has its own quota: with several model_ids use quota_codes / tpm_quotas"
            )
        strangers = sorted((set(self.quota_codes) | set(self.tpm_quotas)) - set(self.model_ids))
        if strangers:
            raise ValueError(f"quota_codes / tpm_quotas name models not in model_ids: {', '.join(strangers)}")
        bad = sorted(c for c in self.quota_codes.values() if not re.fullmatch(r"L-[0-9A-F]{8}", c))
        if bad or any(v <= 0 for v in self.tpm_quotas.values()):
            raise ValueError("quota_codes are Service Quotas codes (L-XXXXXXXX) and tpm_quotas positive")
        if self.enabled and not self.model_ids and self.monthly_budget_usd is None:
            raise ValueError("an enabled forecast needs model_ids (quota) or monthly_budget_usd (cost)")
        return self

    def quota_code_of(self, model_id: str) -> str | None:
        return self.quota_codes.get(model_id) or self.quota_code

    def tpm_quota_of(self, model_id: str) -> float | None:
        return self.tpm_quotas.get(model_id) or self.tpm_quota
