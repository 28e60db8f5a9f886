"""Pure data: the resources rollouts reads and writes, as frozen values, with parsing.

Import the package whole (`from rollouts import model`, then `model.Rollout`).
"""

from rollouts.model.conditions import Condition, ConditionType, set_condition
from rollouts.model.durations import format_duration, parse_duration
from rollouts.model.parsing import parse_rollout, parse_spec, parse_status, parse_step
from rollouts.model.refs import API_VERSION, ObjectRef
from rollouts.model.rollout import (
    AnalysisStep,
    BlueGreenStrategy,
    CanaryStrategy,
    NginxRouting,
    Pause,
    PauseCondition,
    Rollout,
    RolloutSpec,
    RolloutStatus,
    SetCanaryScale,
    SetWeight,
    Step,
    Strategy,
    TrafficRouting,
)

__all__ = [
    "API_VERSION",
    "AnalysisStep",
    "BlueGreenStrategy",
    "CanaryStrategy",
    "Condition",
    "ConditionType",
    "NginxRouting",
    "ObjectRef",
    "Pause",
    "PauseCondition",
    "Rollout",
    "RolloutSpec",
    "RolloutStatus",
    "SetCanaryScale",
    "SetWeight",
    "Step",
    "Strategy",
    "TrafficRouting",
    "format_duration",
    "parse_duration",
    "parse_rollout",
    "parse_spec",
    "parse_status",
    "parse_step",
    "set_condition",
]
