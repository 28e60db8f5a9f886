"""Protobuf messages of k8s.io.api.apps.v1 (written by generate.py)."""

SCHEMA = """\
Deployment
  1 metadata meta_v1.ObjectMeta
  2 spec DeploymentSpec
  3 status DeploymentStatus
ReplicaSet
  1 metadata meta_v1.ObjectMeta
  2 spec ReplicaSetSpec
  3 status ReplicaSetStatus
DeploymentSpec
  1 replicas int32 ptr
  2 selector meta_v1.LabelSelector ptr always
  3 template core_v1.PodTemplateSpec always
  4 strategy DeploymentStrategy
  5 minReadySeconds int32
  6 revisionHistoryLimit int32 ptr
  7 paused bool
  9 progressDeadlineSeconds int32 ptr
DeploymentStatus
  1 observedGeneration int64
  2 replicas int32
  3 updatedReplicas int32
  7 readyReplicas int32
  4 availableReplicas int32
  5 unavailableReplicas int32
  9 terminatingReplicas int32 ptr
  6 conditions DeploymentCondition[]
  8 collisionCount int32 ptr
ReplicaSetSpec
  1 replicas int32 ptr
  4 minReadySeconds int32
  2 selector meta_v1.LabelSelector ptr always
  3 template core_v1.PodTemplateSpec
ReplicaSetStatus
  1 replicas int32 always
  2 fullyLabeledReplicas int32
  4 readyReplicas int32
  5 availableReplicas int32
  7 terminatingReplicas int32 ptr
  3 observedGeneration int64
  6 conditions ReplicaSetCondition[]
DeploymentStrategy
  1 type string
  2 rollingUpdate RollingUpdateDeployment ptr
DeploymentCondition
  1 type string always
  2 status string always
  6 lastUpdateTime Time
  7 lastTransitionTime Time
  4 reason string
  5 message string
ReplicaSetCondition
  1 type string always
  2 status string always
  3 lastTransitionTime Time
  4 reason string
  5 message string
RollingUpdateDeployment
  1 maxUnavailable IntOrString ptr
  2 maxSurge IntOrString ptr
"""
