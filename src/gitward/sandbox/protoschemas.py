"""The protobuf field numbers of the built-in kinds kubectl's typed clients send, as a data table.

Field numbers are the Kubernetes API's wire contract (``k8s.io/api`` ``generated.proto``); they
never change once assigned. Only the messages ``kubectl create ...`` and friends send are here.
Each message is a line per field: ``number jsonName type``, where the type is ``s`` (string),
``by`` (bytes, base64 in JSON), ``b`` (bool), ``i`` (any integer), ``T`` (meta/v1 Time), ``Q``
(Quantity), ``IOS`` (IntOrString), ``F`` (FieldsV1), ``m:X`` (map of string to X), ``-``
(ignored: status, which a create never sets) or a message name; ``[]`` after the type marks a
repeated field, ``!`` a pointer field whose zero value is kept (``replicas: 0``). This module
must not decode anything.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MESSAGES", "ProtoField"]


@dataclass(frozen=True, slots=True)
class ProtoField:
    name: str
    kind: str
    repeated: bool = False
    keep_zero: bool = False


_OBJECT = "1 metadata ObjectMeta"

_SOURCE: dict[str, str] = {
    # meta/v1
    "ObjectMeta": """
        1 name s; 2 generateName s; 3 namespace s; 4 selfLink s; 5 uid s; 6 resourceVersion s
        7 generation i; 8 creationTimestamp T; 9 deletionTimestamp T
        10 deletionGracePeriodSeconds i!; 11 labels m:s; 12 annotations m:s
        13 ownerReferences OwnerReference[]; 14 finalizers s[]; 17 managedFields ManagedField[]""",
    "OwnerReference": """
        1 kind s; 3 name s; 4 uid s; 5 apiVersion s; 6 controller b!; 7 blockOwnerDeletion b!""",
    "ManagedField": """
        1 manager s; 2 operation s; 3 apiVersion s; 4 time T; 6 fieldsType s; 7 fieldsV1 F
        8 subresource s""",
    "FieldsV1": "1 Raw by",
    "Quantity": "1 string s",
    "LabelSelector": "1 matchLabels m:s; 2 matchExpressions LabelSelectorRequirement[]",
    "LabelSelectorRequirement": "1 key s; 2 operator s; 3 values s[]",
    # core/v1 objects
    "Namespace": f"{_OBJECT}; 2 spec NamespaceSpec; 3 status -",
    "NamespaceSpec": "1 finalizers s[]",
    "ConfigMap": f"{_OBJECT}; 2 data m:s; 3 binaryData m:by; 4 immutable b!",
    "Secret": f"{_OBJECT}; 2 data m:by; 3 type s; 4 stringData m:s; 5 immutable b!",
    "ServiceAccount": f"""{_OBJECT}; 2 secrets ObjectReference[]
        3 imagePullSecrets LocalObjectReference[]; 4 automountServiceAccountToken b!""",
    "ObjectReference": """
        1 kind s; 2 namespace s; 3 name s; 4 uid s; 5 apiVersion s; 6 resourceVersion s
        7 fieldPath s""",
    "LocalObjectReference": "1 name s",
    "ResourceQuota": f"{_OBJECT}; 2 spec ResourceQuotaSpec; 3 status -",
    "ResourceQuotaSpec": "1 hard m:Q; 2 scopes s[]",
    "Service": f"{_OBJECT}; 2 spec ServiceSpec; 3 status -",
    "ServiceSpec": """
        1 ports ServicePort[]; 2 selector m:s; 3 clusterIP s; 4 type s; 5 externalIPs s[]
        7 sessionAffinity s; 8 loadBalancerIP s; 9 loadBalancerSourceRanges s[]
        10 externalName s; 11 externalTrafficPolicy s; 12 healthCheckNodePort i
        13 publishNotReadyAddresses b; 17 ipFamilyPolicy s; 18 clusterIPs s[]; 19 ipFamilies s[]
        20 allocateLoadBalancerNodePorts b!; 21 loadBalancerClass s; 22 internalTrafficPolicy s
        23 trafficDistribution s""",
    "ServicePort": """
        1 name s; 2 protocol s; 3 port i; 4 targetPort IOS; 5 nodePort i; 6 appProtocol s""",
    # pods
    "PodTemplateSpec": "1 metadata ObjectMeta; 2 spec PodSpec",
    "PodSpec": """
        1 volumes Volume[]; 2 containers Container[]; 3 restartPolicy s
        4 terminationGracePeriodSeconds i!; 5 activeDeadlineSeconds i!; 6 dnsPolicy s
        7 nodeSelector m:s; 8 serviceAccountName s; 9 serviceAccount s; 10 nodeName s
        11 hostNetwork b; 12 hostPID b; 13 hostIPC b; 14 securityContext PodSecurityContext
        15 imagePullSecrets LocalObjectReference[]; 16 hostname s; 17 subdomain s
        19 schedulerName s; 20 initContainers Container[]; 21 automountServiceAccountToken b!
        22 tolerations Toleration[]; 24 priorityClassName s; 25 priority i!
        27 shareProcessNamespace b!; 29 runtimeClassName s; 30 enableServiceLinks b!
        31 preemptionPolicy s; 35 setHostnameAsFQDN b!; 37 hostUsers b!""",
    "PodSecurityContext": """
        2 runAsUser i!; 3 runAsNonRoot b!; 4 supplementalGroups i[]; 5 fsGroup i!
        6 runAsGroup i!""",
    "Toleration": "1 key s; 2 operator s; 3 value s; 4 effect s; 5 tolerationSeconds i!",
    "Volume": "1 name s; 2 volumeSource VolumeSource",
    "VolumeSource": """
        1 hostPath HostPathVolumeSource!; 2 emptyDir EmptyDirVolumeSource!
        6 secret SecretVolumeSource!; 10 persistentVolumeClaim PVCVolumeSource!
        19 configMap ConfigMapVolumeSource!""",
    "HostPathVolumeSource": "1 path s; 2 type s!",
    "EmptyDirVolumeSource": "1 medium s; 2 sizeLimit Q",
    "SecretVolumeSource": "1 secretName s; 2 items KeyToPath[]; 3 defaultMode i!; 4 optional b!",
    "ConfigMapVolumeSource": """
        1 localObjectReference LocalObjectReference; 2 items KeyToPath[]; 3 defaultMode i!
        4 optional b!""",
    "PVCVolumeSource": "1 claimName s; 2 readOnly b",
    "KeyToPath": "1 key s; 2 path s; 3 mode i!",
    "Container": """
        1 name s; 2 image s; 3 command s[]; 4 args s[]; 5 workingDir s; 6 ports ContainerPort[]
        7 env EnvVar[]; 8 resources ResourceRequirements; 9 volumeMounts VolumeMount[]
        10 livenessProbe Probe; 11 readinessProbe Probe; 13 terminationMessagePath s
        14 imagePullPolicy s; 15 securityContext SecurityContext; 16 stdin b; 17 stdinOnce b
        18 tty b; 19 envFrom EnvFromSource[]; 20 terminationMessagePolicy s; 22 startupProbe Probe
        24 restartPolicy s!""",
    "ContainerPort": "1 name s; 2 hostPort i; 3 containerPort i; 4 protocol s; 5 hostIP s",
    "EnvVar": "1 name s; 2 value s; 3 valueFrom EnvVarSource",
    "EnvVarSource": """
        1 fieldRef ObjectFieldSelector; 3 configMapKeyRef ConfigMapKeySelector
        4 secretKeyRef SecretKeySelector""",
    "ObjectFieldSelector": "1 apiVersion s; 2 fieldPath s",
    "ConfigMapKeySelector": "1 localObjectReference LocalObjectReference; 2 key s; 3 optional b!",
    "SecretKeySelector": "1 localObjectReference LocalObjectReference; 2 key s; 3 optional b!",
    "EnvFromSource": "1 prefix s; 2 configMapRef ConfigMapEnvSource; 3 secretRef SecretEnvSource",
    "ConfigMapEnvSource": "1 localObjectReference LocalObjectReference; 2 optional b!",
    "SecretEnvSource": "1 localObjectReference LocalObjectReference; 2 optional b!",
    "ResourceRequirements": "1 limits m:Q; 2 requests m:Q",
    "VolumeMount": "1 name s; 2 readOnly b; 3 mountPath s; 4 subPath s",
    "Probe": """
        1 handler ProbeHandler; 2 initialDelaySeconds i; 3 timeoutSeconds i; 4 periodSeconds i
        5 successThreshold i; 6 failureThreshold i""",
    "ProbeHandler": "1 exec ExecAction; 2 httpGet HTTPGetAction; 3 tcpSocket TCPSocketAction",
    "ExecAction": "1 command s[]",
    "HTTPGetAction": "1 path s; 2 port IOS; 3 host s; 4 scheme s",
    "TCPSocketAction": "1 port IOS; 2 host s",
    "SecurityContext": """
        4 runAsUser i!; 5 runAsNonRoot b!; 6 readOnlyRootFilesystem b!
        7 allowPrivilegeEscalation b!; 8 runAsGroup i!""",
    # apps/v1
    "Deployment": f"{_OBJECT}; 2 spec DeploymentSpec; 3 status -",
    "DeploymentSpec": """
        1 replicas i!; 2 selector LabelSelector; 3 template PodTemplateSpec
        4 strategy DeploymentStrategy; 5 minReadySeconds i; 6 revisionHistoryLimit i!
        7 paused b; 9 progressDeadlineSeconds i!""",
    "DeploymentStrategy": "1 type s; 2 rollingUpdate RollingUpdateDeployment",
    "RollingUpdateDeployment": "1 maxUnavailable IOS; 2 maxSurge IOS",
    # batch/v1
    "Job": f"{_OBJECT}; 2 spec JobSpec; 3 status -",
    "JobSpec": """
        1 parallelism i!; 2 completions i!; 3 activeDeadlineSeconds i!; 4 selector LabelSelector
        5 manualSelector b!; 6 template PodTemplateSpec; 7 backoffLimit i!
        8 ttlSecondsAfterFinished i!; 9 completionMode s!; 10 suspend b!""",
    "CronJob": f"{_OBJECT}; 2 spec CronJobSpec; 3 status -",
    "CronJobSpec": """
        1 schedule s; 2 startingDeadlineSeconds i!; 3 concurrencyPolicy s; 4 suspend b!
        5 jobTemplate JobTemplateSpec; 6 successfulJobsHistoryLimit i!
        7 failedJobsHistoryLimit i!; 8 timeZone s!""",
    "JobTemplateSpec": "1 metadata ObjectMeta; 2 spec JobSpec",
    # networking.k8s.io/v1
    "Ingress": f"{_OBJECT}; 2 spec IngressSpec; 3 status -",
    "IngressSpec": """
        1 defaultBackend IngressBackend; 2 tls IngressTLS[]; 3 rules IngressRule[]
        4 ingressClassName s!""",
    "IngressBackend": "4 service IngressServiceBackend",
    "IngressServiceBackend": "1 name s; 2 port ServiceBackendPort",
    "ServiceBackendPort": "1 name s; 2 number i",
    "IngressTLS": "1 hosts s[]; 2 secretName s",
    "IngressRule": "1 host s; 2 ingressRuleValue IngressRuleValue",
    "IngressRuleValue": "1 http HTTPIngressRuleValue",
    "HTTPIngressRuleValue": "1 paths HTTPIngressPath[]",
    "HTTPIngressPath": "1 path s; 2 backend IngressBackend; 3 pathType s!",
    # autoscaling/v2
    "HorizontalPodAutoscaler": f"{_OBJECT}; 2 spec HorizontalPodAutoscalerSpec; 3 status -",
    "HorizontalPodAutoscalerSpec": """
        1 scaleTargetRef CrossVersionObjectReference; 2 minReplicas i!; 3 maxReplicas i
        4 metrics MetricSpec[]""",
    "CrossVersionObjectReference": "1 kind s; 2 name s; 3 apiVersion s",
    "MetricSpec": "1 type s; 4 resource ResourceMetricSource",
    "ResourceMetricSource": "1 name s; 2 target MetricTarget",
    "MetricTarget": "1 type s; 2 value Q; 3 averageValue Q; 4 averageUtilization i!",
    # rbac.authorization.k8s.io/v1
    "Role": f"{_OBJECT}; 2 rules PolicyRule[]",
    "ClusterRole": f"{_OBJECT}; 2 rules PolicyRule[]",
    "PolicyRule": """
        1 verbs s[]; 2 apiGroups s[]; 3 resources s[]; 4 resourceNames s[]
        5 nonResourceURLs s[]""",
    "RoleBinding": f"{_OBJECT}; 2 subjects Subject[]; 3 roleRef RoleRef",
    "ClusterRoleBinding": f"{_OBJECT}; 2 subjects Subject[]; 3 roleRef RoleRef",
    "Subject": "1 kind s; 2 apiGroup s; 3 name s; 4 namespace s",
    "RoleRef": "1 apiGroup s; 2 kind s; 3 name s",
}

# Embedded Go structs (``LocalObjectReference`` inside a selector, the probe's handler, an
# Ingress rule's value, a volume's source) are flattened into their parent in JSON.
INLINED = frozenset({"localObjectReference", "handler", "ingressRuleValue", "volumeSource"})


def _parse_field(entry: str) -> tuple[int, ProtoField]:
    number, name, kind = entry.split()
    keep_zero = kind.endswith("!")
    kind = kind.rstrip("!")
    repeated = kind.endswith("[]")
    return int(number), ProtoField(name, kind.removesuffix("[]"), repeated, keep_zero)


def _parse(source: str) -> dict[int, ProtoField]:
    entries = [e.strip() for line in source.splitlines() for e in line.split(";")]
    return dict(_parse_field(e) for e in entries if e)


MESSAGES: dict[str, dict[int, ProtoField]] = {name: _parse(s) for name, s in _SOURCE.items()}
