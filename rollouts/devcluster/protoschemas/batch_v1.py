"""Protobuf messages of k8s.io.api.batch.v1 (written by generate.py)."""

SCHEMA = """\
Job
  1 metadata meta_v1.ObjectMeta
  2 spec JobSpec
  3 status JobStatus
CronJob
  1 metadata meta_v1.ObjectMeta
  2 spec CronJobSpec
  3 status CronJobStatus
JobSpec
  1 parallelism int32 ptr
  2 completions int32 ptr
  3 activeDeadlineSeconds int64 ptr
  11 podFailurePolicy PodFailurePolicy ptr
  16 successPolicy SuccessPolicy ptr
  7 backoffLimit int32 ptr
  12 backoffLimitPerIndex int32 ptr
  13 maxFailedIndexes int32 ptr
  4 selector meta_v1.LabelSelector ptr
  5 manualSelector bool ptr
  6 template core_v1.PodTemplateSpec always
  8 ttlSecondsAfterFinished int32 ptr
  9 completionMode string ptr
  10 suspend bool ptr
  14 podReplacementPolicy string ptr
  15 managedBy string ptr
JobStatus
  1 conditions JobCondition[]
  2 startTime Time ptr
  3 completionTime Time ptr
  4 active int32
  5 succeeded int32
  6 failed int32
  11 terminating int32 ptr
  7 completedIndexes string
  10 failedIndexes string ptr
  8 uncountedTerminatedPods UncountedTerminatedPods ptr
  9 ready int32 ptr
CronJobSpec
  1 schedule string always
  8 timeZone string ptr
  2 startingDeadlineSeconds int64 ptr
  3 concurrencyPolicy string
  4 suspend bool ptr
  5 jobTemplate JobTemplateSpec always
  6 successfulJobsHistoryLimit int32 ptr
  7 failedJobsHistoryLimit int32 ptr
CronJobStatus
  1 active core_v1.ObjectReference[]
  4 lastScheduleTime Time ptr
  5 lastSuccessfulTime Time ptr
PodFailurePolicy
  1 rules PodFailurePolicyRule[] always
SuccessPolicy
  1 rules SuccessPolicyRule[] always
JobCondition
  1 type string always
  2 status string always
  3 lastProbeTime Time
  4 lastTransitionTime Time
  5 reason string
  6 message string
UncountedTerminatedPods
  1 succeeded string[]
  2 failed string[]
JobTemplateSpec
  1 metadata meta_v1.ObjectMeta
  2 spec JobSpec
PodFailurePolicyRule
  1 action string always
  2 onExitCodes PodFailurePolicyOnExitCodesRequirement ptr
  3 onPodConditions PodFailurePolicyOnPodConditionsPattern[]
SuccessPolicyRule
  1 succeededIndexes string ptr
  2 succeededCount int32 ptr
PodFailurePolicyOnExitCodesRequirement
  1 containerName string ptr
  2 operator string always
  3 values int32[] always
PodFailurePolicyOnPodConditionsPattern
  1 type string always
  2 status string always
"""
