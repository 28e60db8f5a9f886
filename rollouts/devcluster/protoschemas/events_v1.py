"""Protobuf messages of k8s.io.api.events.v1 (written by generate.py)."""

SCHEMA = """\
Event
  1 metadata meta_v1.ObjectMeta always
  2 eventTime MicroTime always
  3 series EventSeries ptr
  4 reportingController string
  5 reportingInstance string
  6 action string
  7 reason string
  8 regarding core_v1.ObjectReference
  9 related core_v1.ObjectReference ptr
  10 note string
  11 type string
  12 deprecatedSource core_v1.EventSource
  13 deprecatedFirstTimestamp Time
  14 deprecatedLastTimestamp Time
  15 deprecatedCount int32
EventSeries
  1 count int32 always
  2 lastObservedTime MicroTime always
"""
