"""The subcommands: read, decide with intents/readmodel/views (pure), write through client.

Each returns the exit code and raises errors.RolloutsError for a one-line failure.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import sys
import time
from collections.abc import Mapping
from typing import Any

from rollouts import errors, model
from rollouts.cli import client as kc
from rollouts.cli import intents, lint, views, watches
from rollouts.cli import readmodel as rm

CLEAR = "\033[H\033[2J\033[0;0H"  # home, clear, home again: Argo's sequence
REDRAW_EVERY = 0.2
TICK = 1.0


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def use_color(args: argparse.Namespace) -> bool:
    return sys.stdout.isatty() and not args.no_color and os.environ.get("TERM") != "dumb"


Snapshot = tuple[Mapping[str, Any], list[Any], list[Any], list[Any]]


def _fetch(c: kc.Client, name: str) -> Snapshot:
    """The Rollout and its namespace's ReplicaSets, pods and AnalysisRuns, as read now."""
    body = c.get_rollout(name)
    replica_sets, pods, runs = c.list_owned()
    return body, replica_sets, pods, runs


def _view(snapshot: Snapshot) -> rm.RolloutView:
    """Built at each draw: ages and scale-down delays count on between reads."""
    return rm.build_view(*snapshot, _now())


def _dump(data: Any, output: str) -> str:
    if output == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    import yaml  # noqa: PLC0415  # only -o yaml needs it: kept off every command's start

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _render(view: rm.RolloutView, args: argparse.Namespace) -> str:
    if args.output:
        return _dump(dataclasses.asdict(view), args.output)
    return views.render_rollout(view, color=use_color(args))


def get_rollout(c: kc.Client, args: argparse.Namespace) -> int:
    snapshot = _fetch(c, args.name)
    if not args.watch:
        sys.stdout.write(_render(_view(snapshot), args))
        return 0
    return _watch_rollout(c, args, snapshot)


def _watch_rollout(c: kc.Client, args: argparse.Namespace, snapshot: Snapshot) -> int:
    """Redraw on watch events (at most every 200 ms); a 1 s tick redraws what was read, so
    ages and `delay:` count on without a read."""
    deadline = time.monotonic() + args.timeout_seconds if args.timeout_seconds else None
    events = watches.Events(c.watch_sources(args.name))
    clear = CLEAR if sys.stdout.isatty() else ""
    try:
        while deadline is None or time.monotonic() < deadline:
            sys.stdout.write(clear + _render(_view(snapshot), args) + ("" if clear else "\n"))
            sys.stdout.flush()
            wait = TICK if deadline is None else max(0.0, min(TICK, deadline - time.monotonic()))
            if events.next(wait) is not None:
                time.sleep(REDRAW_EVERY)  # let a burst of events land, then draw once
                list(events.drain())
                snapshot = _fetch(c, args.name)
    except KeyboardInterrupt:
        pass
    finally:
        events.close()
    return 0


def list_rollouts(c: kc.Client, args: argparse.Namespace) -> int:
    if args.watch and args.output:
        raise intents.IntentError("--watch prints a table: it does not go with -o")
    bodies = sorted(
        c.list_rollouts(args.name),
        key=lambda b: (b["metadata"].get("namespace", ""), b["metadata"]["name"]),
    )
    found = [rm.build_view(b, (), (), (), _now()) for b in bodies]
    if args.output:
        sys.stdout.write(_dump([dataclasses.asdict(v) for v in found], args.output))
        return 0
    if not found and not args.watch:
        print("No resources found.", file=sys.stderr)
        return 0
    table = views.list_table(found, all_namespaces=args.all_namespaces, timestamp=_timestamp(args))
    sys.stdout.write(views.render_table(table))
    sys.stdout.flush()
    return _watch_list(c, args, found, table) if args.watch else 0


def _timestamp(args: argparse.Namespace) -> str | None:
    return _now().strftime("%Y-%m-%dT%H:%M:%SZ") if args.timestamps else None


def _watch_list(
    c: kc.Client, args: argparse.Namespace, found: list[rm.RolloutView], table: list[Any]
) -> int:
    """A line each time a Rollout's row changes (Argo's `list rollouts --watch`)."""
    shown = {(v.namespace, v.name): views.list_row(v) for v in found}
    events = watches.Events([c.rollouts_source(args.name)])
    try:
        while True:
            event = events.next(None)
            view = rm.build_view((event or {}).get("object") or {}, (), (), (), _now())
            key, row = (view.namespace, view.name), views.list_row(view)
            if shown.get(key) != row:
                shown[key] = row
                line = views.render_list_line(
                    table, view, all_namespaces=args.all_namespaces, timestamp=_timestamp(args)
                )
                print(line, flush=True)
    except KeyboardInterrupt:
        return 0
    finally:
        events.close()


def _apply(c: kc.Client, name: str, patches: intents.Patches) -> None:
    """Status first, then spec, in Argo's order (no patch when there is nothing to change)."""
    if patches.status is not None:
        c.patch_status(name, patches.status)
    if patches.spec is not None:
        c.patch_spec(name, patches.spec)


def promote(c: kc.Client, args: argparse.Namespace) -> int:
    body = c.get_rollout(args.name)
    build = intents.build_promote_full if args.full else intents.build_promote
    _apply(c, args.name, build(body))
    print(f"rollout '{args.name}' {'fully promoted' if args.full else 'promoted'}")
    return 0


def abort(c: kc.Client, args: argparse.Namespace) -> int:
    c.get_rollout(args.name)
    _apply(c, args.name, intents.build_abort())
    print(f"rollout '{args.name}' aborted")
    return 0


def retry(c: kc.Client, args: argparse.Namespace) -> int:
    c.get_rollout(args.name)
    _apply(c, args.name, intents.build_retry())
    print(f"rollout '{args.name}' retried")
    return 0


def pause(c: kc.Client, args: argparse.Namespace) -> int:
    c.get_rollout(args.name)
    _apply(c, args.name, intents.build_pause())
    print(f"rollout '{args.name}' paused")
    return 0


def restart(c: kc.Client, args: argparse.Namespace) -> int:
    delay = model.parse_duration(args.in_)
    if delay is None or delay < 0:
        raise intents.IntentError(f"invalid duration for --in: {args.in_!r}")
    c.get_rollout(args.name)
    _apply(c, args.name, intents.build_restart(_now(), delay))
    print(f"rollout '{args.name}' restarts in {model.format_duration(delay)}")
    return 0


def set_image(c: kc.Client, args: argparse.Namespace) -> int:
    """An Update of the Rollout, or of the Deployment its workloadRef names; re-read on 409."""
    container, image = intents.parse_image_argument(args.image)
    for attempt in range(3):
        try:
            kind, name = _set_image_once(c, args.name, container, image)
            break
        except errors.Conflict:
            if attempt == 2:
                raise
    print(f'{kind} "{name}" image updated')
    return 0


def _set_image_once(c: kc.Client, name: str, container: str, image: str) -> tuple[str, str]:
    """What was updated, as Argo names it: `rollout`/`deployment` and the object's name."""
    body = c.get_rollout(name)
    ref = intents.find_workload_ref(body)
    if ref is None:
        c.replace(name, intents.build_set_image(body, container, image))
        return "rollout", name
    # as Argo's plugin: a Deployment of that name, whatever the kind
    deployment = c.get_workload("Deployment", ref.name)
    c.replace_workload(
        "Deployment", ref.name, intents.build_set_image(deployment, container, image)
    )
    return "deployment", ref.name


def _owned_replica_sets(c: kc.Client, body: Mapping[str, Any]) -> list[Any]:
    uid = body["metadata"].get("uid")
    return [
        rs
        for rs in c.list_replica_sets()
        if any(o.get("uid") == uid for o in rs["metadata"].get("ownerReferences") or ())
    ]


def undo(c: kc.Client, args: argparse.Namespace) -> int:
    body = c.get_rollout(args.name)
    owned = _owned_replica_sets(c, body)
    revision = intents.undo_revision(owned, args.to_revision)
    ref = intents.find_workload_ref(body)
    try:
        restored = _restore(c, body, ref, owned, args.to_revision)
    except errors.RolloutsError as exc:  # Argo's wording, whatever failed
        raise errors.RolloutsError(f"failed restoring revision {args.to_revision}: {exc}") from exc
    if not restored:
        print(f"skipped rollback (current template already matches revision {revision})")
        return 0
    print(f"rollout '{args.name}' undo")
    return 0


def _restore(
    c: kc.Client,
    body: Mapping[str, Any],
    ref: intents.WorkloadRef | None,
    owned: list[Any],
    to_revision: int,
) -> bool:
    """JSON-patch spec.template of the Rollout, or of the object its workloadRef names, with
    the revision's; False when it already is that template."""
    current = body if ref is None else c.get_workload(ref.kind, ref.name)
    operations = intents.build_undo(current, owned, to_revision)
    if operations is None:
        return False
    if ref is None:
        c.json_patch(body["metadata"]["name"], operations)
    else:
        c.json_patch_workload(ref.kind, ref.name, operations)
    return True


def _status_line(body: Mapping[str, Any]) -> tuple[str, str, str]:
    phase, message = rm.compute_client_phase(body)
    return phase, message, f"{phase} - {message}" if message else phase


def status(c: kc.Client, args: argparse.Namespace) -> int:
    """Print each status change until Healthy (0), Degraded (1) or the timeout (1)."""
    timeout = model.parse_duration(args.timeout)
    if timeout is None or timeout < 0:
        raise intents.IntentError(f"invalid duration for --timeout: {args.timeout!r}")
    if not args.watch:
        return _status_once(c.get_rollout(args.name))
    deadline = time.monotonic() + timeout if timeout else None
    events = watches.Events(c.watch_sources(args.name)[:1])
    try:
        return _follow_status(c, args, events, deadline)
    finally:
        events.close()


def _degraded(message: str) -> errors.RolloutsError:
    return errors.RolloutsError(f"The rollout is in a degraded state with message: {message}")


def _status_once(body: Mapping[str, Any]) -> int:
    """`--no-watch`: one line, Argo's: the bare phase when it is final, else `<phase> - <msg>`."""
    phase, message = rm.compute_client_phase(body)
    print(phase if phase in ("Healthy", "Degraded") else f"{phase} - {message}")
    if phase == "Degraded":
        raise _degraded(message)
    return 0


def _follow_status(
    c: kc.Client, args: argparse.Namespace, events: watches.Events, deadline: float | None
) -> int:
    body: Mapping[str, Any] | None = c.get_rollout(args.name)
    last = ""
    while True:
        if body is not None:
            phase, message, line = _status_line(body)
            if line != last:
                print(line, flush=True)
                last = line
            if phase == "Healthy":
                return 0
            if phase == "Degraded":
                raise _degraded(message)
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise errors.RolloutsError("Rollout status watch exceeded timeout")
        event = events.next(left)
        body = None if event is None else event.get("object")


def lint_file(args: argparse.Namespace) -> int:
    problems = lint.lint_path(args.filename)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0
