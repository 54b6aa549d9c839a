"""AWS Budgets notifications: SNS text, read field by field ("Budget Name: ...")."""

from __future__ import annotations

import re
from datetime import datetime

from aiops.errors import InvalidEventError
from aiops.signals.model import BudgetInfo, Signal
from aiops.text import MAX_NAME, MAX_TITLE, cap

SOURCE = "aws.budgets"
_FIELD = re.compile(
    r"^(Budget Name|Budget Type|Budgeted Amount|Alert Type|Alert Threshold|ACTUAL Amount|"
    r"FORECASTED Amount):[ \t]*(.*?)[ \t]*$",
    re.MULTILINE,
)
_AMOUNT = re.compile(r"(-?[0-9][0-9,]*(?:\.[0-9]+)?)")


def matches(message: str, subject: str) -> bool:
    return message.lstrip().startswith("AWS Budget Notification") or subject.startswith("AWS Budgets:")


def from_sns_text(
    message: str, subject: str, message_id: str, time: datetime, account: str, region: str
) -> Signal:
    fields: dict[str, str] = {}
    for m in _FIELD.finditer(message[: 64 * 1024]):
        fields.setdefault(m.group(1), m.group(2))
    name = fields.get("Budget Name", "").strip()
    if not name:
        raise InvalidEventError("is missing", source=SOURCE, field="Message.Budget Name")
    alert_type = fields.get("Alert Type", "").strip().upper()
    if alert_type not in ("ACTUAL", "FORECASTED"):
        raise InvalidEventError("must be ACTUAL or FORECASTED", source=SOURCE, field="Message.Alert Type")
    limit_text = fields.get("Budgeted Amount", "")
    info = BudgetInfo(
        budget_name=cap(name, MAX_NAME),
        budget_type=cap(fields.get("Budget Type", ""), 32),
        threshold_type=alert_type,
        threshold=_amount(fields.get("Alert Threshold", ""), "Alert Threshold"),
        limit=_amount(limit_text, "Budgeted Amount"),
        actual=_amount(fields.get("ACTUAL Amount", ""), "ACTUAL Amount"),
        forecast=_amount(fields.get("FORECASTED Amount", ""), "FORECASTED Amount"),
        unit="USD" if "$" in limit_text or not limit_text else cap(limit_text.split()[-1], 16),
    )
    amount = info.actual if alert_type == "ACTUAL" else info.forecast
    title = f"Budget {info.budget_name}: {alert_type.lower()} {_money(amount)} of {_money(info.limit)}"
    acct = re.search(r"^AWS Account (\d{12})\s*$", message[:4096], re.MULTILINE)
    return Signal(
        id=message_id,
        source=SOURCE,
        time=time,
        kind="budget",
        status="firing",
        resource=info.budget_name,
        title=cap(title, MAX_TITLE),
        account=acct.group(1) if acct else account,
        region=region,
        detail_type="Budget Notification",
        budget=info,
    )


def _amount(text: str, field: str) -> float | None:
    if not text:
        return None
    m = _AMOUNT.search(text)
    if m is None:
        raise InvalidEventError(
            f"is not an amount: {cap(text, 40)!r}", source=SOURCE, field=f"Message.{field}"
        )
    return float(m.group(1).replace(",", ""))


def _money(value: float | None) -> str:
    return "?" if value is None else f"${value:,.2f}"
