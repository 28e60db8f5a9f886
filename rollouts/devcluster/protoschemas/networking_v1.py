"""Protobuf messages of k8s.io.api.networking.v1 (written by generate.py)."""

SCHEMA = """\
Ingress
  1 metadata meta_v1.ObjectMeta
  2 spec IngressSpec
  3 status IngressStatus
IngressClass
  1 metadata meta_v1.ObjectMeta
  2 spec IngressClassSpec
IngressSpec
  4 ingressClassName string ptr
  1 defaultBackend IngressBackend ptr
  2 tls IngressTLS[]
  3 rules IngressRule[]
IngressStatus
  1 loadBalancer IngressLoadBalancerStatus
IngressClassSpec
  1 controller string
  2 parameters IngressClassParametersReference ptr
IngressBackend
  4 service IngressServiceBackend ptr
  3 resource core_v1.TypedLocalObjectReference ptr
IngressTLS
  1 hosts string[]
  2 secretName string
IngressRule
  1 host string
  2 ingressRuleValue IngressRuleValue inline
IngressLoadBalancerStatus
  1 ingress IngressLoadBalancerIngress[]
IngressClassParametersReference
  1 apiGroup string ptr
  2 kind string always
  3 name string always
  4 scope string ptr always
  5 namespace string ptr
IngressServiceBackend
  1 name string always
  2 port ServiceBackendPort
IngressRuleValue
  1 http HTTPIngressRuleValue ptr
IngressLoadBalancerIngress
  1 ip string
  2 hostname string
  4 ports IngressPortStatus[]
ServiceBackendPort
  1 name string
  2 number int32
HTTPIngressRuleValue
  1 paths HTTPIngressPath[] always
IngressPortStatus
  1 port int32 always
  2 protocol string always
  3 error string ptr
HTTPIngressPath
  1 path string
  3 pathType string ptr always
  2 backend IngressBackend always
"""
