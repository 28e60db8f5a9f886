"""The Kubernetes HTTP API over the store, on aiohttp.

Handlers parse the request, call one store verb, and shape the answer: JSON, a Table for
`kubectl get`, or a stream of watch events. Every failure leaves as a `Status` with the code
and reason a real apiserver would give; nothing a client sends can crash the server.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import json
import logging
from typing import Any

import yaml
from aiohttp import web

from rollouts.devcluster import (
    apierrors,
    conversion,
    discovery,
    openapi,
    protobuf,
    routes,
    scale,
    selectors,
    store,
    tables,
    watches,
)

log = logging.getLogger(__name__)
JSON = dict[str, Any]
VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.0-devcluster",
    "gitCommit": "",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "python",
    "compiler": "cpython",
    "platform": "linux/amd64",
}
STORE_KEY: web.AppKey[store.Store] = web.AppKey("store", store.Store)


def respond(
    body: Any,
    *,
    status: int = 200,
    content_type: str = "application/json",
    warnings: list[str] | None = None,
) -> web.Response:
    headers = {"Content-Type": content_type}
    if warnings:
        headers["Warning"] = ", ".join(f'299 - "{w}"' for w in warnings)
    return web.Response(
        body=json.dumps(body, separators=(",", ":")).encode(), status=status, headers=headers
    )


def fail(error: apierrors.ApiError) -> web.Response:
    return respond(error.status(), status=error.code)


@web.middleware
async def errors_as_status(request: web.Request, handler: Any) -> web.StreamResponse:
    """Turn every failure into a Status response; log surprises, never crash."""
    try:
        response: web.StreamResponse = await handler(request)
    except apierrors.ApiError as exc:
        return fail(exc)
    except (selectors.SelectorError, tables.TableError) as exc:
        return fail(apierrors.bad_request(str(exc)))
    except (asyncio.CancelledError, web.HTTPException, ConnectionResetError):
        raise
    except Exception as exc:
        log.exception("request failed: %s %s", request.method, request.path)
        return fail(
            apierrors.ApiError(
                500,
                "InternalError",
                f"an error on the server has prevented the request from succeeding: {exc}",
            )
        )
    return response


def _store(request: web.Request) -> store.Store:
    return request.app[STORE_KEY]


# ------------------------------------------------------------------ discovery


async def version(request: web.Request) -> web.Response:
    return respond(VERSION)


async def health(request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def core_discovery(request: web.Request) -> web.Response:
    registry = _store(request).registry
    if (
        routes.representation(request.headers.get("Accept", ""))
        is routes.Representation.AGGREGATED_DISCOVERY
    ):
        return respond(
            discovery.aggregated(registry, legacy=True), content_type=discovery.AGGREGATED
        )
    return respond(discovery.api_versions(f"{request.host}"))


async def groups_discovery(request: web.Request) -> web.Response:
    registry = _store(request).registry
    if (
        routes.representation(request.headers.get("Accept", ""))
        is routes.Representation.AGGREGATED_DISCOVERY
    ):
        return respond(
            discovery.aggregated(registry, legacy=False), content_type=discovery.AGGREGATED
        )
    return respond(discovery.group_list(registry))


async def group_discovery(request: web.Request) -> web.Response:
    registry = _store(request).registry
    name = request.match_info["group"]
    types = registry.groups().get(name)
    if not types or not name:
        raise apierrors.page_not_found()
    return respond({"kind": "APIGroup", "apiVersion": "v1", **discovery.group(name, types)})


async def version_discovery(request: web.Request) -> web.Response:
    registry = _store(request).registry
    group = request.match_info.get("group", "")
    found = discovery.resource_list(registry, group, request.match_info["version"])
    if found is None:
        raise apierrors.page_not_found()
    return respond(found)


async def openapi_index(request: web.Request) -> web.Response:
    return respond(openapi.index(_store(request).registry))


async def openapi_document(request: web.Request) -> web.Response:
    doc = openapi.document(_store(request).registry, request.match_info["path"])
    if doc is None:
        raise apierrors.page_not_found()
    return respond(doc)


# ------------------------------------------------------------------ resources


async def read_body(request: web.Request) -> Any:
    raw = await request.read()
    content_type = request.headers.get("Content-Type", "application/json").split(";")[0]
    accepted = ["application/json", "application/yaml"]
    if content_type == protobuf.CONTENT_TYPE:
        # kubectl's typed clients send built-in kinds as protobuf; their schemas are described
        try:
            return protobuf.decode(raw)
        except protobuf.UnsupportedKindError as exc:
            standard = apierrors.unsupported_media_type(content_type, accepted).message
            raise apierrors.ApiError(
                415,
                "UnsupportedMediaType",
                f"{standard} (devcluster has no protobuf schema for {exc.api_version} "
                f"{exc.kind}; send it as JSON, e.g. with kubectl apply -f)",
            ) from exc
        except protobuf.ProtobufError as exc:
            raise apierrors.bad_request(
                f"the object provided is unrecognized: couldn't decode the body: {exc}"
            ) from exc
    if "protobuf" in content_type or "cbor" in content_type:
        raise apierrors.unsupported_media_type(content_type, accepted)
    try:
        if content_type in ("application/yaml", "application/apply-patch+yaml"):
            return yaml.safe_load(raw)
        return json.loads(raw or b"null")
    except (ValueError, yaml.YAMLError) as exc:
        raise apierrors.bad_request(
            f"the object provided is unrecognized: couldn't decode the body: {exc}"
        ) from exc


def _options(request: web.Request) -> store.WriteOptions:
    validation = request.query.get("fieldValidation", "Warn")
    if validation not in ("Strict", "Warn", "Ignore"):
        raise apierrors.bad_request(
            f'fieldValidation: Unsupported value: "{validation}": supported values: "Ignore", '
            '"Strict", "Warn"'
        )
    dry_run = request.query.getall("dryRun", [])
    if any(d != "All" for d in dry_run):
        raise apierrors.bad_request('dryRun: Unsupported value: supported values: "All"')
    return store.WriteOptions(dry_run=bool(dry_run), field_validation=validation)


def _out(target: routes.Target, obj: JSON) -> JSON:
    return conversion.from_storage(target.rtype, target.version, obj)


async def resource(request: web.Request) -> web.StreamResponse:
    target = routes.parse_target(_store(request).registry, request.path)
    handler = _HANDLERS.get((request.method, target.name is not None))
    if handler is None:
        raise apierrors.method_not_allowed()
    return await handler(request, target)


async def get_one(request: web.Request, target: routes.Target) -> web.StreamResponse:
    objects = _store(request)
    assert target.name is not None
    if target.subresource == "scale":
        return respond(
            scale.scale_of(target, objects.get(target.rtype, target.namespace, target.name))
        )
    obj = _out(target, objects.get(target.rtype, target.namespace, target.name))
    shape = routes.representation(request.headers.get("Accept", ""))
    if shape is routes.Representation.TABLE:
        return respond(_table(request, target, [obj], str(objects.resource_version)))
    return respond(obj)


def _table(
    request: web.Request,
    target: routes.Target,
    objects: list[JSON],
    rv: str,
    continue_token: str = "",
) -> JSON:
    columns = (
        None if target.rtype.builtin else list(target.rtype.printer_columns.get(target.version, ()))
    )
    return tables.build_table(
        objects,
        resource=target.rtype.plural,
        printer_columns=columns,
        now=datetime.datetime.now(datetime.UTC),
        include_object=request.query.get("includeObject", "Metadata"),
        resource_version=rv,
        continue_token=continue_token,
    )


def _selectors(
    request: web.Request, target: routes.Target
) -> tuple[selectors.LabelSelector | None, selectors.FieldSelector | None]:
    label = request.query.get("labelSelector")
    field = request.query.get("fieldSelector")
    supported = selectors.FIELD_SELECTORS.get(target.rtype.plural, frozenset())
    return (
        selectors.parse_label_selector(label) if label else None,
        selectors.parse_field_selector(field, supported=supported) if field else None,
    )


async def get_many(request: web.Request, target: routes.Target) -> web.StreamResponse:
    if request.query.get("watch") in ("true", "1"):
        return await watches.serve(request, target, _store(request), *_selectors(request, target))
    objects = _store(request)
    label, field = _selectors(request, target)
    found = objects.list(target.rtype, target.namespace, label_selector=label, field_selector=field)
    found, token, remaining = _page(request, found)
    rv = str(objects.resource_version)
    items = [_out(target, o) for o in found]
    if routes.representation(request.headers.get("Accept", "")) is routes.Representation.TABLE:
        return respond(_table(request, target, items, rv, token))
    if target.rtype.builtin:
        items = [{k: v for k, v in o.items() if k not in ("apiVersion", "kind")} for o in items]
    meta: JSON = {"resourceVersion": rv}
    if token:
        meta.update({"continue": token, "remainingItemCount": remaining})
    return respond(
        {
            "kind": f"{target.rtype.kind}List",
            "apiVersion": target.rtype.api_version(target.version),
            "metadata": meta,
            "items": items,
        }
    )


def _page(request: web.Request, found: list[JSON]) -> tuple[list[JSON], str, int]:
    """`limit` and `continue`, as kubectl's chunked lists use them."""
    token = request.query.get("continue")
    if token:
        try:
            start = json.loads(base64.urlsafe_b64decode(token))["start"]
        except (ValueError, KeyError) as exc:
            raise apierrors.bad_request(f"continue key is not valid: {exc}") from exc
        found = [o for o in found if _sort_key(o) > tuple(start)]
    limit = int(request.query.get("limit", "0") or 0)
    if limit <= 0 or len(found) <= limit:
        return found, "", 0
    page = found[:limit]
    next_token = base64.urlsafe_b64encode(
        json.dumps({"start": list(_sort_key(page[-1]))}).encode()
    ).decode()
    return page, next_token, len(found) - limit


def _sort_key(obj: JSON) -> tuple[str, str]:
    return (obj["metadata"].get("namespace") or "", obj["metadata"]["name"])


async def create(request: web.Request, target: routes.Target) -> web.StreamResponse:
    body = await read_body(request)
    options = _options(request)
    created = _store(request).create(
        target.rtype, _as_storage(target, body), namespace=target.namespace, options=options
    )
    return respond(_out(target, created), status=201, warnings=options.warnings)


def _as_storage(target: routes.Target, body: Any) -> JSON:
    if not isinstance(body, dict):
        raise apierrors.bad_request("the body of the request must be a JSON object")
    return conversion.to_storage(target.rtype, body) if target.rtype.stored_as is None else body


async def replace(request: web.Request, target: routes.Target) -> web.StreamResponse:
    body = await read_body(request)
    options = _options(request)
    objects = _store(request)
    assert target.name is not None
    if target.subresource == "scale":
        updated = scale.set_scale(target, objects, body, options)
    else:
        updated = objects.update(
            target.rtype,
            _as_storage(target, body),
            namespace=target.namespace,
            name=target.name,
            subresource=_sub(target),
            options=options,
        )
        updated = _out(target, updated)
    return respond(updated, warnings=options.warnings)


def _sub(target: routes.Target) -> str | None:
    return "status" if target.subresource in ("status", "finalize") else None


async def patch(request: web.Request, target: routes.Target) -> web.StreamResponse:
    content_type = request.headers.get("Content-Type", "").split(";")[0]
    accepted = [store.JSON_PATCH, store.MERGE_PATCH]
    accepted += [store.STRATEGIC_PATCH] if target.rtype.builtin else []
    if content_type not in accepted:
        raise apierrors.unsupported_media_type(content_type, accepted)
    body = await read_body(request)
    options = _options(request)
    objects = _store(request)
    assert target.name is not None
    if target.subresource == "scale":
        return respond(scale.patch_scale(target, objects, content_type, body, options))
    patched = objects.patch(
        target.rtype,
        namespace=target.namespace,
        name=target.name,
        patch_type=content_type,
        patch=body,
        subresource=_sub(target),
        options=options,
    )
    return respond(_out(target, patched), warnings=options.warnings)


async def delete_one(request: web.Request, target: routes.Target) -> web.StreamResponse:
    raw = await request.read()
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError as exc:
        raise apierrors.bad_request(f"couldn't decode the delete options: {exc}") from exc
    assert target.name is not None
    propagation = request.query.get("propagationPolicy") or body.get("propagationPolicy")
    if body.get("orphanDependents") is True:
        propagation = "Orphan"
    if propagation not in (None, "Orphan", "Background", "Foreground"):
        raise apierrors.bad_request(f'propagationPolicy: Unsupported value: "{propagation}"')
    grace = request.query.get("gracePeriodSeconds", body.get("gracePeriodSeconds"))
    options = _options(request)
    obj, gone = _store(request).delete(
        target.rtype,
        namespace=target.namespace,
        name=target.name,
        propagation=propagation,
        preconditions=body.get("preconditions"),
        options=options,
        grace_seconds=None if grace is None else int(grace),
    )
    if gone and target.rtype.builtin and target.rtype.plural not in ("pods", "namespaces"):
        return respond(
            {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Success",
                "details": {
                    "name": target.name,
                    "group": target.rtype.group,
                    "kind": target.rtype.plural,
                    "uid": obj["metadata"]["uid"],
                },
            },
            warnings=options.warnings,
        )
    return respond(_out(target, obj), warnings=options.warnings)


async def delete_many(request: web.Request, target: routes.Target) -> web.StreamResponse:
    objects = _store(request)
    label, field = _selectors(request, target)
    found = objects.list(target.rtype, target.namespace, label_selector=label, field_selector=field)
    for obj in list(found):
        objects.delete(
            target.rtype,
            namespace=obj["metadata"].get("namespace"),
            name=obj["metadata"]["name"],
            propagation=request.query.get("propagationPolicy"),
        )
    return respond(
        {
            "kind": f"{target.rtype.kind}List",
            "apiVersion": target.rtype.api_version(target.version),
            "metadata": {"resourceVersion": str(objects.resource_version)},
            "items": [_out(target, o) for o in found],
        }
    )


async def evict(request: web.Request, target: routes.Target) -> web.StreamResponse:
    """POST pods/<name>/eviction: a graceful delete (no PodDisruptionBudgets are simulated)."""
    if target.subresource != "eviction":
        raise apierrors.method_not_allowed()
    assert target.name is not None
    body = await read_body(request)
    options = ((body or {}).get("deleteOptions") or {}) if isinstance(body, dict) else {}
    grace = options.get("gracePeriodSeconds")
    _store(request).delete(
        target.rtype,
        namespace=target.namespace,
        name=target.name,
        preconditions=options.get("preconditions"),
        grace_seconds=None if grace is None else int(grace),
        options=_options(request),
    )
    return respond(
        {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201},
        status=201,
    )


_HANDLERS = {
    ("GET", True): get_one,
    ("GET", False): get_many,
    ("POST", False): create,
    ("PUT", True): replace,
    ("PATCH", True): patch,
    ("DELETE", True): delete_one,
    ("DELETE", False): delete_many,
    ("POST", True): evict,
}


def build_app(objects: store.Store) -> web.Application:
    """The aiohttp application serving `objects`."""
    app = web.Application(middlewares=[errors_as_status], client_max_size=16 * 1024 * 1024)
    app[STORE_KEY] = objects
    app.router.add_get("/version", version)
    for probe in ("/healthz", "/readyz", "/livez"):
        app.router.add_get(probe, health)
    app.router.add_get("/api", core_discovery)
    app.router.add_get("/apis", groups_discovery)
    app.router.add_get("/api/{version}", version_discovery)
    app.router.add_get("/apis/{group}", group_discovery)
    app.router.add_get("/apis/{group}/{version}", version_discovery)
    app.router.add_get("/openapi/v3", openapi_index)
    app.router.add_get("/openapi/v3/{path:.+}", openapi_document)
    app.router.add_route("*", "/api/{tail:.+}", resource)
    app.router.add_route("*", "/apis/{tail:.+}", resource)
    return app
