"""Protobuf messages of k8s.io.api.core.v1 (written by generate.py)."""

SCHEMA = """\
Namespace
  1 metadata meta_v1.ObjectMeta
  2 spec NamespaceSpec
  3 status NamespaceStatus
Pod
  1 metadata meta_v1.ObjectMeta
  2 spec PodSpec
  3 status PodStatus
Service
  1 metadata meta_v1.ObjectMeta
  2 spec ServiceSpec
  3 status ServiceStatus
Endpoints
  1 metadata meta_v1.ObjectMeta
  2 subsets EndpointSubset[]
ConfigMap
  1 metadata meta_v1.ObjectMeta
  4 immutable bool ptr
  2 data string{}
  3 binaryData bytes{}
Secret
  1 metadata meta_v1.ObjectMeta
  5 immutable bool ptr
  2 data bytes{}
  4 stringData string{}
  3 type string
ServiceAccount
  1 metadata meta_v1.ObjectMeta
  2 secrets ObjectReference[]
  3 imagePullSecrets LocalObjectReference[]
  4 automountServiceAccountToken bool ptr
Event
  1 metadata meta_v1.ObjectMeta always
  2 involvedObject ObjectReference always
  3 reason string
  4 message string
  5 source EventSource
  6 firstTimestamp Time
  7 lastTimestamp Time
  8 count int32
  9 type string
  10 eventTime MicroTime
  11 series EventSeries ptr
  12 action string
  13 related ObjectReference ptr
  14 reportingComponent string always
  15 reportingInstance string always
NamespaceSpec
  1 finalizers string[]
NamespaceStatus
  1 phase string
  2 conditions NamespaceCondition[]
PodSpec
  1 volumes Volume[]
  20 initContainers Container[]
  2 containers Container[] always
  34 ephemeralContainers EphemeralContainer[]
  3 restartPolicy string
  4 terminationGracePeriodSeconds int64 ptr
  5 activeDeadlineSeconds int64 ptr
  6 dnsPolicy string
  7 nodeSelector string{}
  8 serviceAccountName string
  9 serviceAccount string
  21 automountServiceAccountToken bool ptr
  10 nodeName string
  11 hostNetwork bool
  12 hostPID bool
  13 hostIPC bool
  27 shareProcessNamespace bool ptr
  14 securityContext PodSecurityContext ptr
  15 imagePullSecrets LocalObjectReference[]
  16 hostname string
  17 subdomain string
  18 affinity Affinity ptr
  19 schedulerName string
  22 tolerations Toleration[]
  23 hostAliases HostAlias[]
  24 priorityClassName string
  25 priority int32 ptr
  26 dnsConfig PodDNSConfig ptr
  28 readinessGates PodReadinessGate[]
  29 runtimeClassName string ptr
  30 enableServiceLinks bool ptr
  31 preemptionPolicy string ptr
  32 overhead Quantity{}
  33 topologySpreadConstraints TopologySpreadConstraint[]
  35 setHostnameAsFQDN bool ptr
  36 os PodOS ptr
  37 hostUsers bool ptr
  38 schedulingGates PodSchedulingGate[]
  39 resourceClaims PodResourceClaim[]
  40 resources ResourceRequirements ptr
  41 hostnameOverride string ptr
  43 schedulingGroup PodSchedulingGroup ptr
PodStatus
  17 observedGeneration int64
  1 phase string
  2 conditions PodCondition[]
  3 message string
  4 reason string
  11 nominatedNodeName string
  5 hostIP string
  16 hostIPs HostIP[]
  6 podIP string
  12 podIPs PodIP[]
  7 startTime Time ptr
  10 initContainerStatuses ContainerStatus[]
  8 containerStatuses ContainerStatus[]
  9 qosClass string
  13 ephemeralContainerStatuses ContainerStatus[]
  14 resize string
  15 resourceClaimStatuses PodResourceClaimStatus[]
  18 extendedResourceClaimStatus PodExtendedResourceClaimStatus ptr
  19 allocatedResources Quantity{}
  20 resources ResourceRequirements ptr
  21 nodeAllocatableResourceClaimStatuses NodeAllocatableResourceClaimStatus[]
ServiceSpec
  1 ports ServicePort[]
  2 selector string{}
  3 clusterIP string
  18 clusterIPs string[]
  4 type string
  5 externalIPs string[]
  7 sessionAffinity string
  8 loadBalancerIP string
  9 loadBalancerSourceRanges string[]
  10 externalName string
  11 externalTrafficPolicy string
  12 healthCheckNodePort int32
  13 publishNotReadyAddresses bool
  14 sessionAffinityConfig SessionAffinityConfig ptr
  19 ipFamilies string[]
  17 ipFamilyPolicy string ptr
  20 allocateLoadBalancerNodePorts bool ptr
  21 loadBalancerClass string ptr
  22 internalTrafficPolicy string ptr
  23 trafficDistribution string ptr
ServiceStatus
  1 loadBalancer LoadBalancerStatus
  2 conditions meta_v1.Condition[]
EndpointSubset
  1 addresses EndpointAddress[]
  2 notReadyAddresses EndpointAddress[]
  3 ports EndpointPort[]
ObjectReference
  1 kind string
  2 namespace string
  3 name string
  4 uid string
  5 apiVersion string
  6 resourceVersion string
  7 fieldPath string
LocalObjectReference
  1 name string
EventSource
  1 component string
  2 host string
EventSeries
  1 count int32
  2 lastObservedTime MicroTime
NamespaceCondition
  1 type string always
  2 status string always
  4 lastTransitionTime Time
  5 reason string
  6 message string
Volume
  1 name string always
  2 volumeSource VolumeSource inline
Container
  1 name string always
  2 image string
  3 command string[]
  4 args string[]
  5 workingDir string
  6 ports ContainerPort[]
  19 envFrom EnvFromSource[]
  7 env EnvVar[]
  8 resources ResourceRequirements
  23 resizePolicy ContainerResizePolicy[]
  24 restartPolicy string ptr
  25 restartPolicyRules ContainerRestartRule[]
  9 volumeMounts VolumeMount[]
  21 volumeDevices VolumeDevice[]
  10 livenessProbe Probe ptr
  11 readinessProbe Probe ptr
  22 startupProbe Probe ptr
  12 lifecycle Lifecycle ptr
  13 terminationMessagePath string
  20 terminationMessagePolicy string
  14 imagePullPolicy string
  15 securityContext SecurityContext ptr
  16 stdin bool
  17 stdinOnce bool
  18 tty bool
EphemeralContainer
  1 ephemeralContainerCommon EphemeralContainerCommon inline
  2 targetContainerName string
PodSecurityContext
  1 seLinuxOptions SELinuxOptions ptr
  8 windowsOptions WindowsSecurityContextOptions ptr
  2 runAsUser int64 ptr
  6 runAsGroup int64 ptr
  3 runAsNonRoot bool ptr
  4 supplementalGroups int64[]
  12 supplementalGroupsPolicy string ptr
  5 fsGroup int64 ptr
  7 sysctls Sysctl[]
  9 fsGroupChangePolicy string ptr
  10 seccompProfile SeccompProfile ptr
  11 appArmorProfile AppArmorProfile ptr
  13 seLinuxChangePolicy string ptr
Affinity
  1 nodeAffinity NodeAffinity ptr
  2 podAffinity PodAffinity ptr
  3 podAntiAffinity PodAntiAffinity ptr
Toleration
  1 key string
  2 operator string
  3 value string
  4 effect string
  5 tolerationSeconds int64 ptr
HostAlias
  1 ip string always
  2 hostnames string[]
PodDNSConfig
  1 nameservers string[]
  2 searches string[]
  3 options PodDNSConfigOption[]
PodReadinessGate
  1 conditionType string always
TopologySpreadConstraint
  1 maxSkew int32 always
  2 topologyKey string always
  3 whenUnsatisfiable string always
  4 labelSelector meta_v1.LabelSelector ptr
  5 minDomains int32 ptr
  6 nodeAffinityPolicy string ptr
  7 nodeTaintsPolicy string ptr
  8 matchLabelKeys string[]
PodOS
  1 name string always
PodSchedulingGate
  1 name string always
PodResourceClaim
  1 name string always
  3 resourceClaimName string ptr
  4 resourceClaimTemplateName string ptr
ResourceRequirements
  1 limits Quantity{}
  2 requests Quantity{}
  3 claims ResourceClaim[]
PodSchedulingGroup
  1 podGroupName string ptr
PodCondition
  1 type string always
  7 observedGeneration int64
  2 status string always
  3 lastProbeTime Time
  4 lastTransitionTime Time
  5 reason string
  6 message string
HostIP
  1 ip string always
PodIP
  1 ip string always
ContainerStatus
  1 name string always
  2 state ContainerState
  3 lastState ContainerState
  4 ready bool always
  5 restartCount int32 always
  6 image string always
  7 imageID string always
  8 containerID string
  9 started bool ptr
  10 allocatedResources Quantity{}
  11 resources ResourceRequirements ptr
  12 volumeMounts VolumeMountStatus[]
  13 user ContainerUser ptr
  14 allocatedResourcesStatus ResourceStatus[]
  15 stopSignal string ptr
PodResourceClaimStatus
  1 name string always
  2 resourceClaimName string ptr
PodExtendedResourceClaimStatus
  1 requestMappings ContainerExtendedResourceRequest[] always
  2 resourceClaimName string always
NodeAllocatableResourceClaimStatus
  1 resourceClaimName string always
  2 containers string[]
  3 resources Quantity{} always
ServicePort
  1 name string
  2 protocol string
  6 appProtocol string ptr
  3 port int32 always
  4 targetPort IntOrString
  5 nodePort int32
SessionAffinityConfig
  1 clientIP ClientIPConfig ptr
LoadBalancerStatus
  1 ingress LoadBalancerIngress[]
EndpointAddress
  1 ip string always
  3 hostname string
  4 nodeName string ptr
  2 targetRef ObjectReference ptr
EndpointPort
  1 name string
  2 port int32 always
  3 protocol string
  4 appProtocol string ptr
PodTemplateSpec
  1 metadata meta_v1.ObjectMeta
  2 spec PodSpec
VolumeSource
  1 hostPath HostPathVolumeSource ptr
  2 emptyDir EmptyDirVolumeSource ptr
  3 gcePersistentDisk GCEPersistentDiskVolumeSource ptr
  4 awsElasticBlockStore AWSElasticBlockStoreVolumeSource ptr
  5 gitRepo GitRepoVolumeSource ptr
  6 secret SecretVolumeSource ptr
  7 nfs NFSVolumeSource ptr
  8 iscsi ISCSIVolumeSource ptr
  9 glusterfs GlusterfsVolumeSource ptr
  10 persistentVolumeClaim PersistentVolumeClaimVolumeSource ptr
  11 rbd RBDVolumeSource ptr
  12 flexVolume FlexVolumeSource ptr
  13 cinder CinderVolumeSource ptr
  14 cephfs CephFSVolumeSource ptr
  15 flocker FlockerVolumeSource ptr
  16 downwardAPI DownwardAPIVolumeSource ptr
  17 fc FCVolumeSource ptr
  18 azureFile AzureFileVolumeSource ptr
  19 configMap ConfigMapVolumeSource ptr
  20 vsphereVolume VsphereVirtualDiskVolumeSource ptr
  21 quobyte QuobyteVolumeSource ptr
  22 azureDisk AzureDiskVolumeSource ptr
  23 photonPersistentDisk PhotonPersistentDiskVolumeSource ptr
  26 projected ProjectedVolumeSource ptr
  24 portworxVolume PortworxVolumeSource ptr
  25 scaleIO ScaleIOVolumeSource ptr
  27 storageos StorageOSVolumeSource ptr
  28 csi CSIVolumeSource ptr
  29 ephemeral EphemeralVolumeSource ptr
  30 image ImageVolumeSource ptr
ContainerPort
  1 name string
  2 hostPort int32
  3 containerPort int32 always
  4 protocol string
  5 hostIP string
EnvFromSource
  1 prefix string
  2 configMapRef ConfigMapEnvSource ptr
  3 secretRef SecretEnvSource ptr
EnvVar
  1 name string always
  2 value string
  3 valueFrom EnvVarSource ptr
ContainerResizePolicy
  1 resourceName string always
  2 restartPolicy string always
ContainerRestartRule
  1 action string
  2 exitCodes ContainerRestartRuleOnExitCodes ptr
VolumeMount
  1 name string always
  2 readOnly bool
  7 recursiveReadOnly string ptr
  3 mountPath string always
  4 subPath string
  5 mountPropagation string ptr
  6 subPathExpr string
VolumeDevice
  1 name string always
  2 devicePath string always
Probe
  1 handler ProbeHandler inline
  2 initialDelaySeconds int32
  3 timeoutSeconds int32
  4 periodSeconds int32
  5 successThreshold int32
  6 failureThreshold int32
  7 terminationGracePeriodSeconds int64 ptr
Lifecycle
  1 postStart LifecycleHandler ptr
  2 preStop LifecycleHandler ptr
  3 stopSignal string ptr
SecurityContext
  1 capabilities Capabilities ptr
  2 privileged bool ptr
  3 seLinuxOptions SELinuxOptions ptr
  10 windowsOptions WindowsSecurityContextOptions ptr
  4 runAsUser int64 ptr
  8 runAsGroup int64 ptr
  5 runAsNonRoot bool ptr
  6 readOnlyRootFilesystem bool ptr
  7 allowPrivilegeEscalation bool ptr
  9 procMount string ptr
  11 seccompProfile SeccompProfile ptr
  12 appArmorProfile AppArmorProfile ptr
EphemeralContainerCommon
  1 name string always
  2 image string
  3 command string[]
  4 args string[]
  5 workingDir string
  6 ports ContainerPort[]
  19 envFrom EnvFromSource[]
  7 env EnvVar[]
  8 resources ResourceRequirements
  23 resizePolicy ContainerResizePolicy[]
  24 restartPolicy string ptr
  25 restartPolicyRules ContainerRestartRule[]
  9 volumeMounts VolumeMount[]
  21 volumeDevices VolumeDevice[]
  10 livenessProbe Probe ptr
  11 readinessProbe Probe ptr
  22 startupProbe Probe ptr
  12 lifecycle Lifecycle ptr
  13 terminationMessagePath string
  20 terminationMessagePolicy string
  14 imagePullPolicy string
  15 securityContext SecurityContext ptr
  16 stdin bool
  17 stdinOnce bool
  18 tty bool
SELinuxOptions
  1 user string
  2 role string
  3 type string
  4 level string
WindowsSecurityContextOptions
  1 gmsaCredentialSpecName string ptr
  2 gmsaCredentialSpec string ptr
  3 runAsUserName string ptr
  4 hostProcess bool ptr
Sysctl
  1 name string always
  2 value string always
SeccompProfile
  1 type string always
  2 localhostProfile string ptr
AppArmorProfile
  1 type string always
  2 localhostProfile string ptr
NodeAffinity
  1 requiredDuringSchedulingIgnoredDuringExecution NodeSelector ptr
  2 preferredDuringSchedulingIgnoredDuringExecution PreferredSchedulingTerm[]
PodAffinity
  1 requiredDuringSchedulingIgnoredDuringExecution PodAffinityTerm[]
  2 preferredDuringSchedulingIgnoredDuringExecution WeightedPodAffinityTerm[]
PodAntiAffinity
  1 requiredDuringSchedulingIgnoredDuringExecution PodAffinityTerm[]
  2 preferredDuringSchedulingIgnoredDuringExecution WeightedPodAffinityTerm[]
PodDNSConfigOption
  1 name string
  2 value string ptr
ResourceClaim
  1 name string always
  2 request string
ContainerState
  1 waiting ContainerStateWaiting ptr
  2 running ContainerStateRunning ptr
  3 terminated ContainerStateTerminated ptr
VolumeMountStatus
  1 name string always
  2 mountPath string always
  3 readOnly bool
  4 recursiveReadOnly string ptr
  5 volumeStatus VolumeStatus ptr
ContainerUser
  1 linux LinuxContainerUser ptr
ResourceStatus
  1 name string always
  2 resources ResourceHealth[]
ContainerExtendedResourceRequest
  1 containerName string always
  2 resourceName string always
  3 requestName string always
ClientIPConfig
  1 timeoutSeconds int32 ptr
LoadBalancerIngress
  1 ip string
  2 hostname string
  3 ipMode string ptr
  4 ports PortStatus[]
TypedLocalObjectReference
  1 apiGroup string ptr always
  2 kind string always
  3 name string always
HostPathVolumeSource
  1 path string always
  2 type string ptr
EmptyDirVolumeSource
  1 medium string
  2 sizeLimit Quantity ptr
GCEPersistentDiskVolumeSource
  1 pdName string always
  2 fsType string
  3 partition int32
  4 readOnly bool
AWSElasticBlockStoreVolumeSource
  1 volumeID string always
  2 fsType string
  3 partition int32
  4 readOnly bool
GitRepoVolumeSource
  1 repository string always
  2 revision string
  3 directory string
SecretVolumeSource
  1 secretName string
  2 items KeyToPath[]
  3 defaultMode int32 ptr
  4 optional bool ptr
NFSVolumeSource
  1 server string always
  2 path string always
  3 readOnly bool
ISCSIVolumeSource
  1 targetPortal string always
  2 iqn string always
  3 lun int32 always
  4 iscsiInterface string
  5 fsType string
  6 readOnly bool
  7 portals string[]
  8 chapAuthDiscovery bool
  11 chapAuthSession bool
  10 secretRef LocalObjectReference ptr
  12 initiatorName string ptr
GlusterfsVolumeSource
  1 endpoints string always
  2 path string always
  3 readOnly bool
PersistentVolumeClaimVolumeSource
  1 claimName string always
  2 readOnly bool
RBDVolumeSource
  1 monitors string[] always
  2 image string always
  3 fsType string
  4 pool string
  5 user string
  6 keyring string
  7 secretRef LocalObjectReference ptr
  8 readOnly bool
FlexVolumeSource
  1 driver string always
  2 fsType string
  3 secretRef LocalObjectReference ptr
  4 readOnly bool
  5 options string{}
CinderVolumeSource
  1 volumeID string always
  2 fsType string
  3 readOnly bool
  4 secretRef LocalObjectReference ptr
CephFSVolumeSource
  1 monitors string[] always
  2 path string
  3 user string
  4 secretFile string
  5 secretRef LocalObjectReference ptr
  6 readOnly bool
FlockerVolumeSource
  1 datasetName string
  2 datasetUUID string
DownwardAPIVolumeSource
  1 items DownwardAPIVolumeFile[]
  2 defaultMode int32 ptr
FCVolumeSource
  1 targetWWNs string[]
  2 lun int32 ptr
  3 fsType string
  4 readOnly bool
  5 wwids string[]
AzureFileVolumeSource
  1 secretName string always
  2 shareName string always
  3 readOnly bool
ConfigMapVolumeSource
  1 localObjectReference LocalObjectReference inline
  2 items KeyToPath[]
  3 defaultMode int32 ptr
  4 optional bool ptr
VsphereVirtualDiskVolumeSource
  1 volumePath string always
  2 fsType string
  3 storagePolicyName string
  4 storagePolicyID string
QuobyteVolumeSource
  1 registry string always
  2 volume string always
  3 readOnly bool
  4 user string
  5 group string
  6 tenant string
AzureDiskVolumeSource
  1 diskName string always
  2 diskURI string always
  3 cachingMode string ptr
  4 fsType string ptr
  5 readOnly bool ptr
  6 kind string ptr
PhotonPersistentDiskVolumeSource
  1 pdID string always
  2 fsType string
ProjectedVolumeSource
  1 sources VolumeProjection[] always
  2 defaultMode int32 ptr
PortworxVolumeSource
  1 volumeID string always
  2 fsType string
  3 readOnly bool
ScaleIOVolumeSource
  1 gateway string always
  2 system string always
  3 secretRef LocalObjectReference ptr always
  4 sslEnabled bool
  5 protectionDomain string
  6 storagePool string
  7 storageMode string
  8 volumeName string
  9 fsType string
  10 readOnly bool
StorageOSVolumeSource
  1 volumeName string
  2 volumeNamespace string
  3 fsType string
  4 readOnly bool
  5 secretRef LocalObjectReference ptr
CSIVolumeSource
  1 driver string always
  2 readOnly bool ptr
  3 fsType string ptr
  4 volumeAttributes string{}
  5 nodePublishSecretRef LocalObjectReference ptr
EphemeralVolumeSource
  1 volumeClaimTemplate PersistentVolumeClaimTemplate ptr
ImageVolumeSource
  1 reference string
  2 pullPolicy string
ConfigMapEnvSource
  1 localObjectReference LocalObjectReference inline
  2 optional bool ptr
SecretEnvSource
  1 localObjectReference LocalObjectReference inline
  2 optional bool ptr
EnvVarSource
  1 fieldRef ObjectFieldSelector ptr
  2 resourceFieldRef ResourceFieldSelector ptr
  3 configMapKeyRef ConfigMapKeySelector ptr
  4 secretKeyRef SecretKeySelector ptr
  5 fileKeyRef FileKeySelector ptr
ContainerRestartRuleOnExitCodes
  1 operator string
  2 values int32[]
ProbeHandler
  1 exec ExecAction ptr
  2 httpGet HTTPGetAction ptr
  3 tcpSocket TCPSocketAction ptr
  4 grpc GRPCAction ptr
LifecycleHandler
  1 exec ExecAction ptr
  2 httpGet HTTPGetAction ptr
  3 tcpSocket TCPSocketAction ptr
  4 sleep SleepAction ptr
Capabilities
  1 add string[]
  2 drop string[]
NodeSelector
  1 nodeSelectorTerms NodeSelectorTerm[] always
PreferredSchedulingTerm
  1 weight int32 always
  2 preference NodeSelectorTerm always
PodAffinityTerm
  1 labelSelector meta_v1.LabelSelector ptr
  2 namespaces string[]
  3 topologyKey string always
  4 namespaceSelector meta_v1.LabelSelector ptr
  5 matchLabelKeys string[]
  6 mismatchLabelKeys string[]
WeightedPodAffinityTerm
  1 weight int32 always
  2 podAffinityTerm PodAffinityTerm always
ContainerStateWaiting
  1 reason string
  2 message string
ContainerStateRunning
  1 startedAt Time
ContainerStateTerminated
  1 exitCode int32 always
  2 signal int32
  3 reason string
  4 message string
  5 startedAt Time
  6 finishedAt Time
  7 containerID string
VolumeStatus
  1 image ImageVolumeStatus ptr
LinuxContainerUser
  1 uid int64 always
  2 gid int64 always
  3 supplementalGroups int64[]
ResourceHealth
  1 resourceID string always
  2 health string
  6 message string ptr
PortStatus
  1 port int32 always
  2 protocol string always
  3 error string ptr
KeyToPath
  1 key string always
  2 path string always
  3 mode int32 ptr
DownwardAPIVolumeFile
  1 path string always
  2 fieldRef ObjectFieldSelector ptr
  3 resourceFieldRef ResourceFieldSelector ptr
  4 mode int32 ptr
VolumeProjection
  1 secret SecretProjection ptr
  2 downwardAPI DownwardAPIProjection ptr
  3 configMap ConfigMapProjection ptr
  4 serviceAccountToken ServiceAccountTokenProjection ptr
  5 clusterTrustBundle ClusterTrustBundleProjection ptr
  6 podCertificate PodCertificateProjection ptr
PersistentVolumeClaimTemplate
  1 metadata meta_v1.ObjectMeta
  2 spec PersistentVolumeClaimSpec always
ObjectFieldSelector
  1 apiVersion string
  2 fieldPath string always
ResourceFieldSelector
  1 containerName string
  2 resource string always
  3 divisor Quantity
ConfigMapKeySelector
  1 localObjectReference LocalObjectReference inline
  2 key string always
  3 optional bool ptr
SecretKeySelector
  1 localObjectReference LocalObjectReference inline
  2 key string always
  3 optional bool ptr
FileKeySelector
  1 volumeName string always
  2 path string always
  3 key string always
  4 optional bool ptr
ExecAction
  1 command string[]
HTTPGetAction
  1 path string
  2 port IntOrString always
  3 host string
  4 scheme string
  5 httpHeaders HTTPHeader[]
TCPSocketAction
  1 port IntOrString always
  2 host string
GRPCAction
  1 port int32 always
  2 service string ptr always
SleepAction
  1 seconds int64 always
NodeSelectorTerm
  1 matchExpressions NodeSelectorRequirement[]
  2 matchFields NodeSelectorRequirement[]
ImageVolumeStatus
  1 imageRef string
SecretProjection
  1 localObjectReference LocalObjectReference inline
  2 items KeyToPath[]
  4 optional bool ptr
DownwardAPIProjection
  1 items DownwardAPIVolumeFile[]
ConfigMapProjection
  1 localObjectReference LocalObjectReference inline
  2 items KeyToPath[]
  4 optional bool ptr
ServiceAccountTokenProjection
  1 audience string
  2 expirationSeconds int64 ptr
  3 path string always
ClusterTrustBundleProjection
  1 name string ptr
  2 signerName string ptr
  3 labelSelector meta_v1.LabelSelector ptr
  5 optional bool ptr
  4 path string always
PodCertificateProjection
  1 signerName string
  2 keyType string
  3 maxExpirationSeconds int32 ptr
  4 credentialBundlePath string
  5 keyPath string
  6 certificateChainPath string
  7 userAnnotations string{}
PersistentVolumeClaimSpec
  1 accessModes string[]
  4 selector meta_v1.LabelSelector ptr
  2 resources VolumeResourceRequirements
  3 volumeName string
  5 storageClassName string ptr
  6 volumeMode string ptr
  7 dataSource TypedLocalObjectReference ptr
  8 dataSourceRef TypedObjectReference ptr
  9 volumeAttributesClassName string ptr
HTTPHeader
  1 name string always
  2 value string always
NodeSelectorRequirement
  1 key string always
  2 operator string always
  3 values string[]
VolumeResourceRequirements
  1 limits Quantity{}
  2 requests Quantity{}
TypedObjectReference
  1 apiGroup string ptr always
  2 kind string always
  3 name string always
  4 namespace string ptr
"""
