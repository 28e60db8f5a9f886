"""Field errors as the Kubernetes API reports them in a 422 `Invalid` Status.

A real apiserver words these messages in a fixed way (`Required value`, `Invalid value: …`),
and clients such as kubectl print them verbatim, so we keep the same wording.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from typing import Any


class ErrorType(enum.StrEnum):
    """The `reason` of a Status cause, as in k8s.io/apimachinery/pkg/util/validation/field."""

    REQUIRED = "FieldValueRequired"
    INVALID = "FieldValueInvalid"
    NOT_SUPPORTED = "FieldValueNotSupported"
    DUPLICATE = "FieldValueDuplicate"
    FORBIDDEN = "FieldValueForbidden"
    TOO_LONG = "FieldValueTooLong"
    TYPE_INVALID = "FieldValueTypeInvalid"


@dataclasses.dataclass(frozen=True)
class FieldError:
    """One problem at one field path, such as `spec.replicas` or `metadata.name`."""

    type: ErrorType
    field: str
    detail: str = ""
    value: Any = None
    has_value: bool = False

    @property
    def message(self) -> str:
        """The message without the field path, as in a Status cause."""
        head = _HEADS[self.type]
        if self.type is ErrorType.NOT_SUPPORTED and self.has_value:
            return f"{head}: {_show(self.value)}" + (f": {self.detail}" if self.detail else "")
        if self.has_value:
            return f"{head}: {_show(self.value)}" + (f": {self.detail}" if self.detail else "")
        return f"{head}: {self.detail}" if self.detail else head

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


_HEADS = {
    ErrorType.REQUIRED: "Required value",
    ErrorType.INVALID: "Invalid value",
    ErrorType.NOT_SUPPORTED: "Unsupported value",
    ErrorType.DUPLICATE: "Duplicate value",
    ErrorType.FORBIDDEN: "Forbidden",
    ErrorType.TOO_LONG: "Too long",
    ErrorType.TYPE_INVALID: "Invalid value",
}


class GoLiteral(str):
    """A value already written as Go prints it (`map[string]string{...}`): shown bare."""

    __slots__ = ()


def _show(value: Any) -> str:
    """Render a value as Go's %#v would for the JSON types: strings quoted, others bare."""
    if isinstance(value, GoLiteral):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return f'"{type(value).__name__}"'


def required(field: str, detail: str = "") -> FieldError:
    return FieldError(ErrorType.REQUIRED, field, detail)


def invalid(field: str, value: Any, detail: str) -> FieldError:
    return FieldError(ErrorType.INVALID, field, detail, value, has_value=True)


def not_supported(field: str, value: Any, supported: list[Any]) -> FieldError:
    detail = "supported values: " + ", ".join(_show(v) for v in supported)
    return FieldError(ErrorType.NOT_SUPPORTED, field, detail, value, has_value=True)


def forbidden(field: str, detail: str) -> FieldError:
    return FieldError(ErrorType.FORBIDDEN, field, detail)


def too_long(field: str, limit: int) -> FieldError:
    return FieldError(ErrorType.TOO_LONG, field, f"may not be more than {limit} bytes")


def type_invalid(field: str, value: Any, detail: str) -> FieldError:
    return FieldError(ErrorType.TYPE_INVALID, field, detail, value, has_value=True)
