"""`lint -f FILE`: the controller's own model validation, offline, one line per problem."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from rollouts import errors, model
from rollouts.cli import references


def _check(document: Mapping[str, Any], documents: list[Mapping[str, Any]]) -> list[str]:
    """Problems as `<field>: <message>`; SpecError for the first the model finds."""
    kind = document.get("kind")
    if kind == "Rollout":
        workload = references.find_workload(document, documents)
        rollout = model.parse_rollout(document, workload=workload)
        checked = references.check_references(rollout, documents)
        return [f"{field}: {message}" for field, message in checked]
    if kind in ("AnalysisTemplate", "ClusterAnalysisTemplate"):
        template = model.parse_template(document)
        model.validate_metrics(template.spec.metrics, "spec.metrics", required=False)
    elif kind == "AnalysisRun":
        run = model.parse_analysis_run(document)
        model.validate_metrics(run.spec.metrics, "spec.metrics")
    return []


def _problems(document: Mapping[str, Any], documents: list[Mapping[str, Any]]) -> list[str]:
    try:
        return _check(document, documents)
    except errors.SpecError as exc:
        return [str(exc)]
    except (TypeError, ValueError, AttributeError) as exc:
        return [f"malformed: {exc}"]


def lint_documents(documents: list[Any], source: str) -> list[str]:
    """Problems as `<source>: <Kind> "<name>": <field>: <message>`.

    A Rollout is also checked against the Services and Ingresses of the same documents; one
    with a workloadRef takes its template from the Deployment they hold (none: not found).
    """
    objects = [d for d in documents if isinstance(d, Mapping)]
    problems = []
    for document in documents:
        if document is None:
            continue
        if not isinstance(document, Mapping):
            problems.append(f"{source}: a document is not an object")
            continue
        name = (document.get("metadata") or {}).get("name", "")
        prefix = f'{source}: {document.get("kind")} "{name}"'
        problems += [f"{prefix}: {problem}" for problem in _problems(document, objects)]
    return problems


def lint_path(path: str) -> list[str]:
    try:
        text = sys.stdin.read() if path == "-" else _read(path)
    except OSError as exc:
        raise errors.RolloutsError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise errors.RolloutsError(f"cannot read {path}: not UTF-8 text") from exc
    import yaml  # noqa: PLC0415  # only lint reads YAML: kept off every command's start

    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        return [f"{path}: invalid YAML: {str(exc).splitlines()[0]}"]
    return lint_documents(documents, path)


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()
