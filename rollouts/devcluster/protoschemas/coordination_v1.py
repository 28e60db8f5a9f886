"""Protobuf messages of k8s.io.api.coordination.v1 (written by generate.py)."""

SCHEMA = """\
Lease
  1 metadata meta_v1.ObjectMeta
  2 spec LeaseSpec
LeaseSpec
  1 holderIdentity string ptr
  2 leaseDurationSeconds int32 ptr
  3 acquireTime MicroTime ptr
  4 renewTime MicroTime ptr
  5 leaseTransitions int32 ptr
  6 strategy string ptr
  7 preferredHolder string ptr
"""
