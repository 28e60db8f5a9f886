"""`kubectl rollouts …` (the `kubectl-rollouts` executable): argparse, then one command.

Failures print one line on stderr and exit non-zero; never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from rollouts import __version__, errors
from rollouts.cli import client as kc
from rollouts.cli import commands, completion

Command = Callable[[kc.Client, argparse.Namespace], int]
PROG = "kubectl rollouts"


GLOBALS = ("namespace", "context", "kubeconfig")


def _globals(shared: argparse.ArgumentParser, prefix: str = "") -> argparse.ArgumentParser:
    """kubectl's flags, before or after the subcommand (`prefix` keeps the two apart)."""
    shared.add_argument("-n", "--namespace", dest=f"{prefix}namespace", help="namespace")
    shared.add_argument("--context", dest=f"{prefix}context", help="kubeconfig context")
    shared.add_argument("--kubeconfig", dest=f"{prefix}kubeconfig", metavar="PATH")
    shared.add_argument("--no-color", dest=f"{prefix}no_color", action="store_true")
    return shared


def _add(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    command: Command,
    helptext: str,
    shared: argparse.ArgumentParser,
    **kw: object,
) -> argparse.ArgumentParser:
    found = sub.add_parser(name, help=helptext, description=helptext, parents=[shared], **kw)  # type: ignore[arg-type]
    found.set_defaults(command=command)
    return found


def _output(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", choices=("json", "yaml"), help="print data, not text")


def _get(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], shared: argparse.ArgumentParser
) -> None:
    get = sub.add_parser("get", help="show a Rollout as a tree").add_subparsers(
        dest="kind", required=True
    )
    ro = _add(get, "rollout", commands.get_rollout, "show a Rollout: header and tree", shared,
              aliases=["ro", "rollouts"])  # fmt: skip
    ro.add_argument("name")
    ro.add_argument("-w", "--watch", action="store_true", help="redraw as it changes")
    ro.add_argument("--timeout-seconds", type=float, default=0, help="stop watching after N s")
    _output(ro)
    listing = sub.add_parser("list", help="list Rollouts").add_subparsers(
        dest="kind", required=True
    )
    ls = _add(listing, "rollouts", commands.list_rollouts, "list Rollouts as a table", shared,
              aliases=["rollout", "ro"])  # fmt: skip
    ls.add_argument("-A", "--all-namespaces", action="store_true", help="every namespace")
    ls.add_argument("--name", help="only the Rollout of this name")
    ls.add_argument("-w", "--watch", action="store_true", help="a line each time a row changes")
    ls.add_argument("--timestamps", action="store_true", help="print the time of each line")
    _output(ls)


def _intents(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], shared: argparse.ArgumentParser
) -> None:
    p = _add(sub, "promote", commands.promote, "resume a paused Rollout or skip a step", shared)
    p.add_argument("name")
    p.add_argument("--full", action="store_true", help="skip all remaining steps and analysis")
    _add(sub, "abort", commands.abort, "abort the update, back to stable", shared).add_argument(
        "name"
    )
    retry = sub.add_parser("retry", help="retry an aborted Rollout").add_subparsers(
        dest="kind", required=True
    )
    _add(retry, "rollout", commands.retry, "retry an aborted Rollout", shared,
         aliases=["ro"]).add_argument("name")  # fmt: skip
    _add(sub, "pause", commands.pause, "pause a Rollout (spec.paused)", shared).add_argument("name")
    restart = _add(sub, "restart", commands.restart, "restart the pods (spec.restartAt)", shared)
    restart.add_argument("name")
    restart.add_argument("-i", "--in", dest="in_", default="0s", help="restart after a duration")
    setter = sub.add_parser("set", help="set a field").add_subparsers(dest="kind", required=True)
    image = _add(setter, "image", commands.set_image, "set a container image", shared)
    image.add_argument("name")
    image.add_argument("image", metavar="CONTAINER=IMAGE", help="`*=IMAGE` sets every container")
    undo = _add(sub, "undo", commands.undo, "roll back to an earlier revision", shared)
    undo.add_argument("name")
    undo.add_argument("--to-revision", type=int, default=0, help="revision (0: the previous)")
    st = _add(sub, "status", commands.status, "follow a Rollout until Healthy or Degraded", shared)
    st.add_argument("name")
    st.add_argument("-w", "--watch", action=argparse.BooleanOptionalAction, default=True)
    st.add_argument("-t", "--timeout", default="0", help="give up after (e.g. 60s; 0: never)")


def _offline(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    lint = sub.add_parser("lint", help="validate manifests offline")
    lint.add_argument("-f", "--filename", required=True, help="file to check (- for stdin)")
    lint.set_defaults(offline=commands.lint_file)
    version = sub.add_parser("version", help="print the version")
    version.add_argument("--short", action="store_true")
    version.set_defaults(offline=_version)
    comp = sub.add_parser("completion", help="print a shell completion script")
    comp.add_argument("shell", choices=("bash", "zsh"))
    comp.set_defaults(offline=lambda a: _print(completion.script(a.shell)))


def _print(text: str) -> int:
    sys.stdout.write(text)
    return 0


def _version(args: argparse.Namespace) -> int:
    import platform  # noqa: PLC0415  # only `version` needs it: kept off every command's start

    print(f"kubectl-rollouts: v{__version__}")
    if not args.short:
        print(f"  Python: {platform.python_version()}")
        print(f"  Platform: {sys.platform}/{platform.machine()}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog=PROG, description="Drive Argo-compatible Rollouts.")
    sub = top.add_subparsers(dest="verb", required=True, metavar="COMMAND")
    _globals(top, "top_")
    shared = _globals(argparse.ArgumentParser(add_help=False))
    _get(sub, shared)
    _intents(sub, shared)
    _offline(sub)
    return top


def _merge_globals(args: argparse.Namespace) -> argparse.Namespace:
    for name in (*GLOBALS, "no_color"):
        setattr(args, name, getattr(args, name, None) or getattr(args, f"top_{name}", None))
    return args


def _run(args: argparse.Namespace) -> int:
    offline = getattr(args, "offline", None)
    if offline is not None:
        return int(offline(args))
    target = kc.Target(args.kubeconfig, args.context, args.namespace)
    c = kc.Client(target, all_namespaces=getattr(args, "all_namespaces", False))
    try:
        return int(args.command(c, args))
    finally:
        c.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = _merge_globals(parser().parse_args(argv))
    try:
        return _run(args)
    except errors.RolloutsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
