"""ObjectCache: the objects of one kind, kept current by watch events (no LIST per reconcile).

Writes made by the controller are applied too, as soon as the API answers them, so the next
reconcile does not act on a state older than its own last write. A change older than the
cached one (by resourceVersion) is ignored.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

Body = Mapping[str, Any]
Key = tuple[str, str]  # (namespace, name)


def _version(body: Body) -> int:
    text = str((body.get("metadata") or {}).get("resourceVersion") or "0")
    return int(text) if text.isdigit() else 0


class ObjectCache:
    """Thread-safe: watches feed it on the event loop, workers read it from threads.

    Indexed by owner uid, and, given `refers_to` (the names of same-namespace objects a body
    names), by the objects that name each (namespace, name): a lookup, not a scan of all.
    """

    def __init__(self, refers_to: Callable[[Body], Iterable[str]] | None = None) -> None:
        self._objects: dict[Key, Body] = {}
        self._owned: dict[str, set[Key]] = {}
        self._refers_to = refers_to
        self._referrers: dict[Key, set[Key]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(body: Body) -> Key:
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
            for name in self._refers_to(body) if self._refers_to else ():
                self._referrers.setdefault((key[0], name), set()).add(key)

    def _unindex(self, key: Key, old: Body | None) -> None:
        for ref in ((old or {}).get("metadata") or {}).get("ownerReferences") or ():
            self._owned.get(str(ref.get("uid")), set()).discard(key)
        if old is None or self._refers_to is None:
            return
        for name in self._refers_to(old):
            referrers = self._referrers.get((key[0], name))
            if referrers is not None:
                referrers.discard(key)
                if not referrers:
                    del self._referrers[(key[0], name)]

    def get(self, namespace: str, name: str) -> Body | None:
        with self._lock:
            return self._objects.get((namespace, name))

    def owned_by(self, uid: str) -> list[Body]:
        with self._lock:
            keys = sorted(self._owned.get(uid, ()))
            return [self._objects[k] for k in keys if k in self._objects]

    def referring_to(self, namespace: str, name: str) -> list[Body]:
        """The cached objects whose `refers_to` names `name` in `namespace`."""
        with self._lock:
            keys = sorted(self._referrers.get((namespace, name), ()))
            return [self._objects[k] for k in keys if k in self._objects]

    def all(self) -> list[Body]:
        with self._lock:
            return list(self._objects.values())

    def __len__(self) -> int:
        return len(self._objects)


class Caches:
    """One cache per kind the controller reads."""

    def __init__(self) -> None:
        self.rollouts = ObjectCache(refers_to=rollout_references)
        self.replica_sets = ObjectCache()
        self.services = ObjectCache()
        self.ingresses = ObjectCache()
        self.deployments = ObjectCache()  # the ones a workloadRef may name
        self.analysis_runs = ObjectCache()
        self.analysis_templates = ObjectCache()
        self.cluster_analysis_templates = ObjectCache()


def rollout_references(rollout: Body) -> set[str]:
    """The Services, Ingresses and Deployment a Rollout names (its own namespace)."""
    strategy = (rollout.get("spec") or {}).get("strategy") or {}
    canary = strategy.get("canary") or {}
    blue_green = strategy.get("blueGreen") or {}
    nginx = (canary.get("trafficRouting") or {}).get("nginx") or {}
    workload = (rollout.get("spec") or {}).get("workloadRef") or {}
    names = {
        workload.get("name"),
        canary.get("stableService"),
        canary.get("canaryService"),
        blue_green.get("activeService"),
        blue_green.get("previewService"),
        nginx.get("stableIngress"),
        *(nginx.get("stableIngresses") or ()),
    }
    return {str(n) for n in names if n}
