"""The controller's command-line options (kept apart so `rollouts --help` stays light)."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--kubeconfig",
        metavar="PATH",
        help="kubeconfig to use (default: $KUBECONFIG, then in-cluster)",
    )
    parser.add_argument(
        "--namespace", metavar="NS", help="watch one namespace only (default: all namespaces)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=4,
        metavar="N",
        help="Rollouts reconciled at once (default 4)",
    )
    parser.add_argument("--log-format", choices=("json", "console"), default="console")
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=8090,
        metavar="P",
        help="serve Prometheus metrics on this port (0: off; default 8090)",
    )
    parser.add_argument(
        "--health-port",
        type=int,
        default=8080,
        metavar="P",
        help="serve /healthz and /readyz on this port (0: off; default 8080)",
    )
    parser.add_argument(
        "--analysis-workers",
        type=int,
        default=30,  # Argo's --analysis-threads default; a measurement mostly waits on I/O
        metavar="N",
        help="AnalysisRuns measured at once (default 30)",
    )
    parser.add_argument(
        "--instance-id",
        default="",
        metavar="ID",
        help="handle only Rollouts labelled argo-rollouts.argoproj.io/controller-instance-id=ID "
        "(default: only Rollouts without that label), as Argo Rollouts' flag",
    )
    parser.add_argument(
        "--leader-elect",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="act only while holding the leader Lease (default: on)",
    )
    parser.add_argument(
        "--leader-election-lease-duration",
        type=float,
        default=15.0,
        metavar="SECONDS",
        help="how long a leader's Lease lasts without renewal (default 15)",
    )
    parser.add_argument(
        "--lease-namespace",
        default=None,
        metavar="NS",
        help="namespace of the leader-election Lease (default: $POD_NAMESPACE, then the "
        "namespace of the pod's ServiceAccount, then argo-rollouts, as Argo Rollouts)",
    )
