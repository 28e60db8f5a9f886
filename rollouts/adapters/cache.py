"""ObjectCache: the objects of one kind, kept current by watch events (no LIST per reconcile).

Writes made by the controller are applied too, as soon as the API answers them, so the next
reconcile does not act on a state older than its own last write. A change older than the
cached one (by resourceVersion) is ignored.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

Body = Mapping[str, Any]


def _version(body: Body) -> int:
    text = str((body.get("metadata") or {}).get("resourceVersion") or "0")
    return int(text) if text.isdigit() else 0


class ObjectCache:
    """Thread-safe: watches feed it on the event loop, workers read it from threads."""

    def __init__(self) -> None:
        self._objects: dict[tuple[str, str], Body] = {}
        self._owned: dict[str, set[tuple[str, str]]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(body: Body) -> tuple[str, str]:
        meta = body.get("metadata") or {}
        return (str(meta.get("namespace") or ""), str(meta.get("name")))

    def apply(self, event_type: str | None, body: Body) -> None:
        """Take a watch event (ADDED/MODIFIED/DELETED, None for the initial listing)."""
        key = self._key(body)
        with self._lock:
            old = self._objects.get(key)
            if old is not None and _version(body) and _version(body) < _version(old):
                return
            self._unindex(key, old)
            if event_type == "DELETED":
                self._objects.pop(key, None)
                return
            self._objects[key] = body
            for ref in (body.get("metadata") or {}).get("ownerReferences") or ():
                self._owned.setdefault(str(ref.get("uid")), set()).add(key)

    def _unindex(self, key: tuple[str, str], old: Body | None) -> None:
        for ref in ((old or {}).get("metadata") or {}).get("ownerReferences") or ():
            self._owned.get(str(ref.get("uid")), set()).discard(key)

    def get(self, namespace: str, name: str) -> Body | None:
        with self._lock:
            return self._objects.get((namespace, name))

    def owned_by(self, uid: str) -> list[Body]:
        with self._lock:
            keys = sorted(self._owned.get(uid, ()))
            return [self._objects[k] for k in keys if k in self._objects]

    def all(self) -> list[Body]:
        with self._lock:
            return list(self._objects.values())

    def __len__(self) -> int:
        return len(self._objects)


class Caches:
    """One cache per kind the controller reads."""

    def __init__(self) -> None:
        self.rollouts = ObjectCache()
        self.replica_sets = ObjectCache()
        self.services = ObjectCache()
        self.ingresses = ObjectCache()
