"""Field paths on a Rollout's manifest, as Argo reads them for `valueFrom.fieldRef` args.

A path under `metadata` is read as the Kubernetes downward API reads it (`metadata.name`,
`metadata.labels['app']`, `metadata.annotations`); any other path walks the manifest's JSON
(`spec.template.spec.containers[0].image`) and must end at a primitive, printed as Go prints
the value its JSON decoder gave (`3`, `true`, `0.5`, `1e+06`).
"""

from __future__ import annotations

import decimal
import json
import re
from collections.abc import Mapping
from typing import Any

JSON = Mapping[str, Any]
_PATH_SEPARATORS = re.compile(r"[.\[\]]+")


class FieldPathError(ValueError):
    """A path that does not lead to a value; the message is Argo's."""


def field_value(rollout: JSON, path: str) -> str:
    """The value of a fieldRef on the Rollout's manifest (downward API under `metadata`)."""
    if path.startswith("metadata"):
        return _downward(_mapping(rollout.get("metadata")), path)
    node: Any = rollout
    for section in filter(None, _PATH_SEPARATORS.split(path)):
        node = _step_into(node, section, path)
    if node is None:
        raise FieldPathError(f"invalid path {path} in rollout")
    if isinstance(node, Mapping | list | tuple):
        raise FieldPathError(f"path {path} in rollout must terminate in a primitive value")
    return _go_print(node)


def _step_into(node: Any, section: str, path: str) -> Any:
    if isinstance(node, list | tuple):
        if not section.isdigit():
            raise FieldPathError(f"invalid index '{section}'")
        if int(section) >= len(node):
            raise FieldPathError(f"index {int(section)} out of range")
        return node[int(section)]
    if isinstance(node, Mapping):
        return node.get(section)
    raise FieldPathError(f"invalid path {path} in rollout")


def _downward(meta: JSON, path: str) -> str:
    maps = {"metadata.labels": "labels", "metadata.annotations": "annotations"}
    if path.endswith("']") and "['" in path:
        prefix, key = path[:-2].split("['", 1)
        if prefix not in maps:
            raise FieldPathError(f'fieldPath "{path}" does not support subscript')
        return str(_mapping(meta.get(maps[prefix])).get(key, ""))
    if path in maps:
        entries = _mapping(meta.get(maps[path]))
        return "\n".join(
            f"{k}={json.dumps(str(entries[k]), ensure_ascii=False)}" for k in sorted(entries)
        )
    scalars = {"metadata.name": "name", "metadata.namespace": "namespace", "metadata.uid": "uid"}
    if path not in scalars:
        raise FieldPathError(f"unsupported fieldPath: {path}")
    return str(meta.get(scalars[path]) or "")


def _go_print(value: Any) -> str:
    """A JSON scalar printed as Go's %v prints what encoding/json decoded."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, int | float):
        return str(value)
    digits = decimal.Decimal(repr(float(value))).normalize()
    exponent = digits.adjusted()
    if -4 <= exponent < 6:
        return format(digits, "f")
    mantissa = format(digits.scaleb(-exponent), "f")
    return f"{mantissa}e{exponent:+03d}"


def _mapping(value: Any) -> JSON:
    return value if isinstance(value, Mapping) else {}
