"""The `rollouts` command: `rollouts devcluster …` (and the controller, as it lands)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import pathlib
import sys
from collections.abc import Sequence

from rollouts import __version__


def _devcluster(args: argparse.Namespace) -> int:
    from rollouts.devcluster import cluster, simulation

    if args.pod_ready_delay < 0:
        print("rollouts devcluster: --pod-ready-delay must not be negative", file=sys.stderr)
        return 2
    options = cluster.Options(
        port=args.port,
        kubeconfig=pathlib.Path(args.kubeconfig) if args.kubeconfig else None,
        crds=pathlib.Path(args.crds) if args.crds else cluster.DEFAULT_CRDS,
        settings=simulation.Settings(
            pod_ready_delay=args.pod_ready_delay, broken_image_pattern=args.broken_image_pattern
        ),
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(cluster.serve_forever(options))
    return 0


def _controller(args: argparse.Namespace) -> int:
    from rollouts.controller import main as controller

    return controller.run(args)


def _demo(args: argparse.Namespace) -> int:
    from rollouts import demo

    return demo.main(serve=args.serve)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="rollouts", description=__doc__)
    top.add_argument("--version", action="version", version=f"rollouts {__version__}")
    sub = top.add_subparsers(dest="command", required=True)
    dev = sub.add_parser(
        "devcluster",
        help="serve a simulated Kubernetes API on 127.0.0.1 (for trying things and tests)",
        description="Serve a simulated Kubernetes API on 127.0.0.1. It is a simulator for "
        "trying things and for tests; production runs on a real cluster.",
    )
    dev.add_argument("--port", type=int, default=0, help="port to listen on (0: pick a free one)")
    dev.add_argument("--kubeconfig", metavar="PATH", help="write a kubeconfig for it here")
    dev.add_argument(
        "--pod-ready-delay",
        type=float,
        default=0.2,
        metavar="SECONDS",
        help="how long a pod takes to become Ready (default 0.2)",
    )
    dev.add_argument(
        "--broken-image-pattern",
        metavar="GLOB",
        help="pods with an image matching this never become Ready",
    )
    dev.add_argument(
        "--crds",
        metavar="DIR",
        help="CRDs (*.yaml) to install at start (default: the argoproj.io CRDs shipped with "
        "rollouts, as in crds/)",
    )
    dev.set_defaults(run=_devcluster)
    ctl = sub.add_parser(
        "controller",
        help="run the rollouts controller",
        description="Watch Rollouts and reconcile them (kopf-based).",
    )
    from rollouts.controller import options

    options.add_arguments(ctl)
    ctl.set_defaults(run=_controller)
    show = sub.add_parser("demo", help="run the demo on devcluster (no real cluster needed)")
    show.add_argument(
        "--serve", action="store_true", help="keep devcluster serving afterwards, for kubectl"
    )
    show.set_defaults(run=_demo)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.run(args))
