"""The base of the incident's frozen models, with a shallow copy that costs half of pydantic's own.

A storm copies an incident and a member on every event (:meth:`~pydantic.BaseModel.model_copy` with
``update``: the fold, the save's version); pydantic's copy goes through :func:`copy.copy` three times
and looks for private attributes these models never have. The result is the same: the fields (the
update not validated, as pydantic's own copy does not), the set of fields set, no extra, no private.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from pydantic import BaseModel, ConfigDict

_set = object.__setattr__


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        if deep:
            return super().model_copy(update=update, deep=True)
        cls = type(self)
        copied = cls.__new__(cls)
        fields = self.__dict__.copy()
        if update:
            fields.update(update)
        _set(copied, "__dict__", fields)
        _set(copied, "__pydantic_extra__", None)  # extra="forbid": never any
        fields_set = self.__pydantic_fields_set__
        if update and not update.keys() <= fields_set:
            fields_set = fields_set | update.keys()
        # shared between copies when the update sets nothing new: a frozen model never adds to it (its
        # assignments are refused), and pydantic's own copies copy it
        _set(copied, "__pydantic_fields_set__", fields_set)
        _set(copied, "__pydantic_private__", None)  # no private attributes
        return copied
