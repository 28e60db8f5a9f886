"""References to objects, and the API coordinates of our resources."""

from __future__ import annotations

import dataclasses

GROUP = "argoproj.io"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"


@dataclasses.dataclass(frozen=True)
class ObjectRef:
    namespace: str
    name: str
    uid: str = ""
    kind: str = "Rollout"
    api_version: str = API_VERSION
