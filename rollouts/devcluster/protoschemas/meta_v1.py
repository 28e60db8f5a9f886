"""Protobuf messages of k8s.io.apimachinery.pkg.apis.meta.v1 (written by generate.py)."""

SCHEMA = """\
ObjectMeta
  1 name string
  2 generateName string
  3 namespace string
  4 selfLink string
  5 uid string
  6 resourceVersion string
  7 generation int64
  8 creationTimestamp Time
  9 deletionTimestamp Time ptr
  10 deletionGracePeriodSeconds int64 ptr
  11 labels string{}
  12 annotations string{}
  13 ownerReferences OwnerReference[]
  14 finalizers string[]
DeleteOptions
  1 gracePeriodSeconds int64 ptr
  2 preconditions Preconditions ptr
  3 orphanDependents bool ptr
  4 propagationPolicy string ptr
  5 dryRun string[]
  6 ignoreStoreReadErrorWithClusterBreakingPotential bool ptr
OwnerReference
  5 apiVersion string always
  1 kind string always
  3 name string always
  4 uid string always
  6 controller bool ptr
  7 blockOwnerDeletion bool ptr
Condition
  1 type string always
  2 status string always
  3 observedGeneration int64
  4 lastTransitionTime Time always
  5 reason string always
  6 message string always
LabelSelector
  1 matchLabels string{}
  2 matchExpressions LabelSelectorRequirement[]
Preconditions
  1 uid string ptr
  2 resourceVersion string ptr
LabelSelectorRequirement
  1 key string always
  2 operator string always
  3 values string[]
"""
