"""Protobuf messages of k8s.io.api.rbac.v1 (written by generate.py)."""

SCHEMA = """\
Role
  1 metadata meta_v1.ObjectMeta
  2 rules PolicyRule[] always
RoleBinding
  1 metadata meta_v1.ObjectMeta
  2 subjects Subject[]
  3 roleRef RoleRef always
ClusterRole
  1 metadata meta_v1.ObjectMeta
  2 rules PolicyRule[] always
  3 aggregationRule AggregationRule ptr
ClusterRoleBinding
  1 metadata meta_v1.ObjectMeta
  2 subjects Subject[]
  3 roleRef RoleRef always
PolicyRule
  1 verbs string[] always
  2 apiGroups string[]
  3 resources string[]
  4 resourceNames string[]
  5 nonResourceURLs string[]
Subject
  1 kind string always
  2 apiGroup string
  3 name string always
  4 namespace string
RoleRef
  1 apiGroup string always
  2 kind string always
  3 name string always
AggregationRule
  1 clusterRoleSelectors meta_v1.LabelSelector[]
"""
