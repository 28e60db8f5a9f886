"""Protobuf messages of k8s.io.api.policy.v1 (written by generate.py)."""

SCHEMA = """\
Eviction
  1 metadata meta_v1.ObjectMeta
  2 deleteOptions meta_v1.DeleteOptions ptr
"""
