"""The protobuf field tables of the built-in kinds a client may send as `application/vnd.kubernetes.protobuf`.

Taken from k8s.io/api and k8s.io/apimachinery v0.32.5 (`generated.proto`, and `types.go` for which
fields are pointers and which are inlined), for every message reachable from the kinds kubectl's
typed clients POST: Namespace, ConfigMap, Service, Job (and so Pod specs), the SelfSubject*Reviews
and DeleteOptions. One entry per message: `jsonName=fieldNumber:type`, where the type is `s`
string, `b` bytes, `i` integer, `t` bool, `d` double or a message name; `*` repeated, `{k:v}` a
map, `^` inlined into the parent (Go `json:",inline"`), `!` a pointer (an explicit zero is kept).
"""

SCHEMA: dict[str, str] = {
    "AWSElasticBlockStoreVolumeSource": "volumeID=1:s fsType=2:s partition=3:i readOnly=4:t",
    "Affinity": "nodeAffinity=1:NodeAffinity! podAffinity=2:PodAffinity! podAntiAffinity=3:PodAntiAffinity!",
    "AppArmorProfile": "type=1:s localhostProfile=2:s!",
    "AzureDiskVolumeSource": "diskName=1:s diskURI=2:s cachingMode=3:s! fsType=4:s! readOnly=5:t! kind=6:s!",
    "AzureFileVolumeSource": "secretName=1:s shareName=2:s readOnly=3:t",
    "CSIVolumeSource": "driver=1:s readOnly=2:t! fsType=3:s! volumeAttributes=4:{s:s} "
        "nodePublishSecretRef=5:LocalObjectReference!",
    "Capabilities": "add=1:*s drop=2:*s",
    "CephFSVolumeSource": "monitors=1:*s path=2:s user=3:s secretFile=4:s secretRef=5:LocalObjectReference! "
        "readOnly=6:t",
    "CinderVolumeSource": "volumeID=1:s fsType=2:s readOnly=3:t secretRef=4:LocalObjectReference!",
    "ClientIPConfig": "timeoutSeconds=1:i!",
    "ClusterTrustBundleProjection": "name=1:s! signerName=2:s! labelSelector=3:LabelSelector! path=4:s "
        "optional=5:t!",
    "Condition": "type=1:s status=2:s observedGeneration=3:i lastTransitionTime=4:Time reason=5:s message=6:s",
    "ConfigMap": "metadata=1:ObjectMeta data=2:{s:s} binaryData=3:{s:b} immutable=4:t!",
    "ConfigMapEnvSource": "localObjectReference=1:^LocalObjectReference optional=2:t!",
    "ConfigMapKeySelector": "localObjectReference=1:^LocalObjectReference key=2:s optional=3:t!",
    "ConfigMapProjection": "localObjectReference=1:^LocalObjectReference items=2:*KeyToPath optional=4:t!",
    "ConfigMapVolumeSource": "localObjectReference=1:^LocalObjectReference items=2:*KeyToPath defaultMode=3:i! "
        "optional=4:t!",
    "Container": "name=1:s image=2:s command=3:*s args=4:*s workingDir=5:s ports=6:*ContainerPort env=7:*EnvVar "
        "resources=8:ResourceRequirements volumeMounts=9:*VolumeMount livenessProbe=10:Probe! "
        "readinessProbe=11:Probe! lifecycle=12:Lifecycle! terminationMessagePath=13:s imagePullPolicy=14:s "
        "securityContext=15:SecurityContext! stdin=16:t stdinOnce=17:t tty=18:t envFrom=19:*EnvFromSource "
        "terminationMessagePolicy=20:s volumeDevices=21:*VolumeDevice startupProbe=22:Probe! "
        "resizePolicy=23:*ContainerResizePolicy restartPolicy=24:s!",
    "ContainerPort": "name=1:s hostPort=2:i containerPort=3:i protocol=4:s hostIP=5:s",
    "ContainerResizePolicy": "resourceName=1:s restartPolicy=2:s",
    "DeleteOptions": "gracePeriodSeconds=1:i! preconditions=2:Preconditions! orphanDependents=3:t! "
        "propagationPolicy=4:s! dryRun=5:*s ignoreStoreReadErrorWithClusterBreakingPotential=6:t!",
    "DownwardAPIProjection": "items=1:*DownwardAPIVolumeFile",
    "DownwardAPIVolumeFile": "path=1:s fieldRef=2:ObjectFieldSelector! resourceFieldRef=3:ResourceFieldSelector! "
        "mode=4:i!",
    "DownwardAPIVolumeSource": "items=1:*DownwardAPIVolumeFile defaultMode=2:i!",
    "EmptyDirVolumeSource": "medium=1:s sizeLimit=2:Quantity!",
    "EnvFromSource": "prefix=1:s configMapRef=2:ConfigMapEnvSource! secretRef=3:SecretEnvSource!",
    "EnvVar": "name=1:s value=2:s valueFrom=3:EnvVarSource!",
    "EnvVarSource": "fieldRef=1:ObjectFieldSelector! resourceFieldRef=2:ResourceFieldSelector! "
        "configMapKeyRef=3:ConfigMapKeySelector! secretKeyRef=4:SecretKeySelector!",
    "EphemeralContainer": "ephemeralContainerCommon=1:EphemeralContainerCommon targetContainerName=2:s",
    "EphemeralContainerCommon": "name=1:s image=2:s command=3:*s args=4:*s workingDir=5:s ports=6:*ContainerPort "
        "env=7:*EnvVar resources=8:ResourceRequirements volumeMounts=9:*VolumeMount livenessProbe=10:Probe! "
        "readinessProbe=11:Probe! lifecycle=12:Lifecycle! terminationMessagePath=13:s imagePullPolicy=14:s "
        "securityContext=15:SecurityContext! stdin=16:t stdinOnce=17:t tty=18:t envFrom=19:*EnvFromSource "
        "terminationMessagePolicy=20:s volumeDevices=21:*VolumeDevice startupProbe=22:Probe! "
        "resizePolicy=23:*ContainerResizePolicy restartPolicy=24:s!",
    "EphemeralVolumeSource": "volumeClaimTemplate=1:PersistentVolumeClaimTemplate!",
    "ExecAction": "command=1:*s",
    "FCVolumeSource": "targetWWNs=1:*s lun=2:i! fsType=3:s readOnly=4:t wwids=5:*s",
    "FieldSelectorAttributes": "rawSelector=1:s requirements=2:*FieldSelectorRequirement",
    "FieldSelectorRequirement": "key=1:s operator=2:s values=3:*s",
    "FlexVolumeSource": "driver=1:s fsType=2:s secretRef=3:LocalObjectReference! readOnly=4:t options=5:{s:s}",
    "FlockerVolumeSource": "datasetName=1:s datasetUUID=2:s",
    "GCEPersistentDiskVolumeSource": "pdName=1:s fsType=2:s partition=3:i readOnly=4:t",
    "GRPCAction": "port=1:i service=2:s!",
    "GitRepoVolumeSource": "repository=1:s revision=2:s directory=3:s",
    "GlusterfsVolumeSource": "endpoints=1:s path=2:s readOnly=3:t",
    "HTTPGetAction": "path=1:s port=2:IntOrString host=3:s scheme=4:s httpHeaders=5:*HTTPHeader",
    "HTTPHeader": "name=1:s value=2:s",
    "HostAlias": "ip=1:s hostnames=2:*s",
    "HostPathVolumeSource": "path=1:s type=2:s!",
    "ISCSIVolumeSource": "targetPortal=1:s iqn=2:s lun=3:i iscsiInterface=4:s fsType=5:s readOnly=6:t portals=7:*s "
        "chapAuthDiscovery=8:t secretRef=10:LocalObjectReference! chapAuthSession=11:t initiatorName=12:s!",
    "ImageVolumeSource": "reference=1:s pullPolicy=2:s",
    "Job": "metadata=1:ObjectMeta spec=2:JobSpec status=3:JobStatus",
    "JobCondition": "type=1:s status=2:s lastProbeTime=3:Time lastTransitionTime=4:Time reason=5:s message=6:s",
    "JobSpec": "parallelism=1:i! completions=2:i! activeDeadlineSeconds=3:i! selector=4:LabelSelector! "
        "manualSelector=5:t! template=6:PodTemplateSpec backoffLimit=7:i! ttlSecondsAfterFinished=8:i! "
        "completionMode=9:s! suspend=10:t! podFailurePolicy=11:PodFailurePolicy! backoffLimitPerIndex=12:i! "
        "maxFailedIndexes=13:i! podReplacementPolicy=14:s! managedBy=15:s! successPolicy=16:SuccessPolicy!",
    "JobStatus": "conditions=1:*JobCondition startTime=2:Time! completionTime=3:Time! active=4:i succeeded=5:i "
        "failed=6:i completedIndexes=7:s uncountedTerminatedPods=8:UncountedTerminatedPods! ready=9:i! "
        "failedIndexes=10:s! terminating=11:i!",
    "KeyToPath": "key=1:s path=2:s mode=3:i!",
    "LabelSelector": "matchLabels=1:{s:s} matchExpressions=2:*LabelSelectorRequirement",
    "LabelSelectorAttributes": "rawSelector=1:s requirements=2:*LabelSelectorRequirement",
    "LabelSelectorRequirement": "key=1:s operator=2:s values=3:*s",
    "Lifecycle": "postStart=1:LifecycleHandler! preStop=2:LifecycleHandler!",
    "LifecycleHandler": "exec=1:ExecAction! httpGet=2:HTTPGetAction! tcpSocket=3:TCPSocketAction! "
        "sleep=4:SleepAction!",
    "LoadBalancerIngress": "ip=1:s hostname=2:s ipMode=3:s! ports=4:*PortStatus",
    "LoadBalancerStatus": "ingress=1:*LoadBalancerIngress",
    "LocalObjectReference": "name=1:s",
    "ManagedFieldsEntry": "manager=1:s operation=2:s apiVersion=3:s time=4:Time! fieldsType=6:s "
        "fieldsV1=7:FieldsV1! subresource=8:s",
    "NFSVolumeSource": "server=1:s path=2:s readOnly=3:t",
    "Namespace": "metadata=1:ObjectMeta spec=2:NamespaceSpec status=3:NamespaceStatus",
    "NamespaceCondition": "type=1:s status=2:s lastTransitionTime=4:Time reason=5:s message=6:s",
    "NamespaceSpec": "finalizers=1:*s",
    "NamespaceStatus": "phase=1:s conditions=2:*NamespaceCondition",
    "NodeAffinity": "requiredDuringSchedulingIgnoredDuringExecution=1:NodeSelector! "
        "preferredDuringSchedulingIgnoredDuringExecution=2:*PreferredSchedulingTerm",
    "NodeSelector": "nodeSelectorTerms=1:*NodeSelectorTerm",
    "NodeSelectorRequirement": "key=1:s operator=2:s values=3:*s",
    "NodeSelectorTerm": "matchExpressions=1:*NodeSelectorRequirement matchFields=2:*NodeSelectorRequirement",
    "NonResourceAttributes": "path=1:s verb=2:s",
    "NonResourceRule": "verbs=1:*s nonResourceURLs=2:*s",
    "ObjectFieldSelector": "apiVersion=1:s fieldPath=2:s",
    "ObjectMeta": "name=1:s generateName=2:s namespace=3:s selfLink=4:s uid=5:s resourceVersion=6:s generation=7:i "
        "creationTimestamp=8:Time deletionTimestamp=9:Time! deletionGracePeriodSeconds=10:i! labels=11:{s:s} "
        "annotations=12:{s:s} ownerReferences=13:*OwnerReference finalizers=14:*s "
        "managedFields=17:*ManagedFieldsEntry",
    "OwnerReference": "kind=1:s name=3:s uid=4:s apiVersion=5:s controller=6:t! blockOwnerDeletion=7:t!",
    "PersistentVolumeClaimSpec": "accessModes=1:*s resources=2:VolumeResourceRequirements volumeName=3:s "
        "selector=4:LabelSelector! storageClassName=5:s! volumeMode=6:s! dataSource=7:TypedLocalObjectReference! "
        "dataSourceRef=8:TypedObjectReference! volumeAttributesClassName=9:s!",
    "PersistentVolumeClaimTemplate": "metadata=1:ObjectMeta spec=2:PersistentVolumeClaimSpec",
    "PersistentVolumeClaimVolumeSource": "claimName=1:s readOnly=2:t",
    "PhotonPersistentDiskVolumeSource": "pdID=1:s fsType=2:s",
    "PodAffinity": "requiredDuringSchedulingIgnoredDuringExecution=1:*PodAffinityTerm "
        "preferredDuringSchedulingIgnoredDuringExecution=2:*WeightedPodAffinityTerm",
    "PodAffinityTerm": "labelSelector=1:LabelSelector! namespaces=2:*s topologyKey=3:s "
        "namespaceSelector=4:LabelSelector! matchLabelKeys=5:*s mismatchLabelKeys=6:*s",
    "PodAntiAffinity": "requiredDuringSchedulingIgnoredDuringExecution=1:*PodAffinityTerm "
        "preferredDuringSchedulingIgnoredDuringExecution=2:*WeightedPodAffinityTerm",
    "PodDNSConfig": "nameservers=1:*s searches=2:*s options=3:*PodDNSConfigOption",
    "PodDNSConfigOption": "name=1:s value=2:s!",
    "PodFailurePolicy": "rules=1:*PodFailurePolicyRule",
    "PodFailurePolicyOnExitCodesRequirement": "containerName=1:s! operator=2:s values=3:*i",
    "PodFailurePolicyOnPodConditionsPattern": "type=1:s status=2:s",
    "PodFailurePolicyRule": "action=1:s onExitCodes=2:PodFailurePolicyOnExitCodesRequirement! "
        "onPodConditions=3:*PodFailurePolicyOnPodConditionsPattern",
    "PodOS": "name=1:s",
    "PodReadinessGate": "conditionType=1:s",
    "PodResourceClaim": "name=1:s resourceClaimName=3:s! resourceClaimTemplateName=4:s!",
    "PodSchedulingGate": "name=1:s",
    "PodSecurityContext": "seLinuxOptions=1:SELinuxOptions! runAsUser=2:i! runAsNonRoot=3:t! "
        "supplementalGroups=4:*i fsGroup=5:i! runAsGroup=6:i! sysctls=7:*Sysctl "
        "windowsOptions=8:WindowsSecurityContextOptions! fsGroupChangePolicy=9:s! seccompProfile=10:SeccompProfile! "
        "appArmorProfile=11:AppArmorProfile! supplementalGroupsPolicy=12:s! seLinuxChangePolicy=13:s!",
    "PodSpec": "volumes=1:*Volume containers=2:*Container restartPolicy=3:s terminationGracePeriodSeconds=4:i! "
        "activeDeadlineSeconds=5:i! dnsPolicy=6:s nodeSelector=7:{s:s} serviceAccountName=8:s serviceAccount=9:s "
        "nodeName=10:s hostNetwork=11:t hostPID=12:t hostIPC=13:t securityContext=14:PodSecurityContext! "
        "imagePullSecrets=15:*LocalObjectReference hostname=16:s subdomain=17:s affinity=18:Affinity! "
        "schedulerName=19:s initContainers=20:*Container automountServiceAccountToken=21:t! "
        "tolerations=22:*Toleration hostAliases=23:*HostAlias priorityClassName=24:s priority=25:i! "
        "dnsConfig=26:PodDNSConfig! shareProcessNamespace=27:t! readinessGates=28:*PodReadinessGate "
        "runtimeClassName=29:s! enableServiceLinks=30:t! preemptionPolicy=31:s! overhead=32:{s:Quantity} "
        "topologySpreadConstraints=33:*TopologySpreadConstraint ephemeralContainers=34:*EphemeralContainer "
        "setHostnameAsFQDN=35:t! os=36:PodOS! hostUsers=37:t! schedulingGates=38:*PodSchedulingGate "
        "resourceClaims=39:*PodResourceClaim resources=40:ResourceRequirements!",
    "PodTemplateSpec": "metadata=1:ObjectMeta spec=2:PodSpec",
    "PortStatus": "port=1:i protocol=2:s error=3:s!",
    "PortworxVolumeSource": "volumeID=1:s fsType=2:s readOnly=3:t",
    "Preconditions": "uid=1:s! resourceVersion=2:s!",
    "PreferredSchedulingTerm": "weight=1:i preference=2:NodeSelectorTerm",
    "Probe": "handler=1:^ProbeHandler initialDelaySeconds=2:i timeoutSeconds=3:i periodSeconds=4:i "
        "successThreshold=5:i failureThreshold=6:i terminationGracePeriodSeconds=7:i!",
    "ProbeHandler": "exec=1:ExecAction! httpGet=2:HTTPGetAction! tcpSocket=3:TCPSocketAction! grpc=4:GRPCAction!",
    "ProjectedVolumeSource": "sources=1:*VolumeProjection defaultMode=2:i!",
    "QuobyteVolumeSource": "registry=1:s volume=2:s readOnly=3:t user=4:s group=5:s tenant=6:s",
    "RBDVolumeSource": "monitors=1:*s image=2:s fsType=3:s pool=4:s user=5:s keyring=6:s "
        "secretRef=7:LocalObjectReference! readOnly=8:t",
    "ResourceAttributes": "namespace=1:s verb=2:s group=3:s version=4:s resource=5:s subresource=6:s name=7:s "
        "fieldSelector=8:FieldSelectorAttributes! labelSelector=9:LabelSelectorAttributes!",
    "ResourceClaim": "name=1:s request=2:s",
    "ResourceFieldSelector": "containerName=1:s resource=2:s divisor=3:Quantity",
    "ResourceRequirements": "limits=1:{s:Quantity} requests=2:{s:Quantity} claims=3:*ResourceClaim",
    "ResourceRule": "verbs=1:*s apiGroups=2:*s resources=3:*s resourceNames=4:*s",
    "SELinuxOptions": "user=1:s role=2:s type=3:s level=4:s",
    "ScaleIOVolumeSource": "gateway=1:s system=2:s secretRef=3:LocalObjectReference! sslEnabled=4:t "
        "protectionDomain=5:s storagePool=6:s storageMode=7:s volumeName=8:s fsType=9:s readOnly=10:t",
    "SeccompProfile": "type=1:s localhostProfile=2:s!",
    "SecretEnvSource": "localObjectReference=1:^LocalObjectReference optional=2:t!",
    "SecretKeySelector": "localObjectReference=1:^LocalObjectReference key=2:s optional=3:t!",
    "SecretProjection": "localObjectReference=1:^LocalObjectReference items=2:*KeyToPath optional=4:t!",
    "SecretVolumeSource": "secretName=1:s items=2:*KeyToPath defaultMode=3:i! optional=4:t!",
    "SecurityContext": "capabilities=1:Capabilities! privileged=2:t! seLinuxOptions=3:SELinuxOptions! "
        "runAsUser=4:i! runAsNonRoot=5:t! readOnlyRootFilesystem=6:t! allowPrivilegeEscalation=7:t! runAsGroup=8:i! "
        "procMount=9:s! windowsOptions=10:WindowsSecurityContextOptions! seccompProfile=11:SeccompProfile! "
        "appArmorProfile=12:AppArmorProfile!",
    "SelfSubjectAccessReview": "metadata=1:ObjectMeta spec=2:SelfSubjectAccessReviewSpec "
        "status=3:SubjectAccessReviewStatus",
    "SelfSubjectAccessReviewSpec": "resourceAttributes=1:ResourceAttributes! "
        "nonResourceAttributes=2:NonResourceAttributes!",
    "SelfSubjectReview": "metadata=1:ObjectMeta status=2:SelfSubjectReviewStatus",
    "SelfSubjectReviewStatus": "userInfo=1:UserInfo",
    "SelfSubjectRulesReview": "metadata=1:ObjectMeta spec=2:SelfSubjectRulesReviewSpec "
        "status=3:SubjectRulesReviewStatus",
    "SelfSubjectRulesReviewSpec": "namespace=1:s",
    "Service": "metadata=1:ObjectMeta spec=2:ServiceSpec status=3:ServiceStatus",
    "ServiceAccountTokenProjection": "audience=1:s expirationSeconds=2:i! path=3:s",
    "ServicePort": "name=1:s protocol=2:s port=3:i targetPort=4:IntOrString nodePort=5:i appProtocol=6:s!",
    "ServiceSpec": "ports=1:*ServicePort selector=2:{s:s} clusterIP=3:s type=4:s externalIPs=5:*s "
        "sessionAffinity=7:s loadBalancerIP=8:s loadBalancerSourceRanges=9:*s externalName=10:s "
        "externalTrafficPolicy=11:s healthCheckNodePort=12:i publishNotReadyAddresses=13:t "
        "sessionAffinityConfig=14:SessionAffinityConfig! ipFamilyPolicy=17:s! clusterIPs=18:*s ipFamilies=19:*s "
        "allocateLoadBalancerNodePorts=20:t! loadBalancerClass=21:s! internalTrafficPolicy=22:s! "
        "trafficDistribution=23:s!",
    "ServiceStatus": "loadBalancer=1:LoadBalancerStatus conditions=2:*Condition",
    "SessionAffinityConfig": "clientIP=1:ClientIPConfig!",
    "SleepAction": "seconds=1:i",
    "StorageOSVolumeSource": "volumeName=1:s volumeNamespace=2:s fsType=3:s readOnly=4:t "
        "secretRef=5:LocalObjectReference!",
    "SubjectAccessReviewStatus": "allowed=1:t reason=2:s evaluationError=3:s denied=4:t",
    "SubjectRulesReviewStatus": "resourceRules=1:*ResourceRule nonResourceRules=2:*NonResourceRule incomplete=3:t "
        "evaluationError=4:s",
    "SuccessPolicy": "rules=1:*SuccessPolicyRule",
    "SuccessPolicyRule": "succeededIndexes=1:s! succeededCount=2:i!",
    "Sysctl": "name=1:s value=2:s",
    "TCPSocketAction": "port=1:IntOrString host=2:s",
    "Toleration": "key=1:s operator=2:s value=3:s effect=4:s tolerationSeconds=5:i!",
    "TopologySpreadConstraint": "maxSkew=1:i topologyKey=2:s whenUnsatisfiable=3:s labelSelector=4:LabelSelector! "
        "minDomains=5:i! nodeAffinityPolicy=6:s! nodeTaintsPolicy=7:s! matchLabelKeys=8:*s",
    "TypedLocalObjectReference": "apiGroup=1:s! kind=2:s name=3:s",
    "TypedObjectReference": "apiGroup=1:s! kind=2:s name=3:s namespace=4:s!",
    "UncountedTerminatedPods": "succeeded=1:*s failed=2:*s",
    "UserInfo": "username=1:s uid=2:s groups=3:*s extra=4:{s:ExtraValue}",
    "Volume": "name=1:s volumeSource=2:^VolumeSource",
    "VolumeDevice": "name=1:s devicePath=2:s",
    "VolumeMount": "name=1:s readOnly=2:t mountPath=3:s subPath=4:s mountPropagation=5:s! subPathExpr=6:s "
        "recursiveReadOnly=7:s!",
    "VolumeProjection": "secret=1:SecretProjection! downwardAPI=2:DownwardAPIProjection! "
        "configMap=3:ConfigMapProjection! serviceAccountToken=4:ServiceAccountTokenProjection! "
        "clusterTrustBundle=5:ClusterTrustBundleProjection!",
    "VolumeResourceRequirements": "limits=1:{s:Quantity} requests=2:{s:Quantity}",
    "VolumeSource": "hostPath=1:HostPathVolumeSource! emptyDir=2:EmptyDirVolumeSource! "
        "gcePersistentDisk=3:GCEPersistentDiskVolumeSource! "
        "awsElasticBlockStore=4:AWSElasticBlockStoreVolumeSource! gitRepo=5:GitRepoVolumeSource! "
        "secret=6:SecretVolumeSource! nfs=7:NFSVolumeSource! iscsi=8:ISCSIVolumeSource! "
        "glusterfs=9:GlusterfsVolumeSource! persistentVolumeClaim=10:PersistentVolumeClaimVolumeSource! "
        "rbd=11:RBDVolumeSource! flexVolume=12:FlexVolumeSource! cinder=13:CinderVolumeSource! "
        "cephfs=14:CephFSVolumeSource! flocker=15:FlockerVolumeSource! downwardAPI=16:DownwardAPIVolumeSource! "
        "fc=17:FCVolumeSource! azureFile=18:AzureFileVolumeSource! configMap=19:ConfigMapVolumeSource! "
        "vsphereVolume=20:VsphereVirtualDiskVolumeSource! quobyte=21:QuobyteVolumeSource! "
        "azureDisk=22:AzureDiskVolumeSource! photonPersistentDisk=23:PhotonPersistentDiskVolumeSource! "
        "portworxVolume=24:PortworxVolumeSource! scaleIO=25:ScaleIOVolumeSource! "
        "projected=26:ProjectedVolumeSource! storageos=27:StorageOSVolumeSource! csi=28:CSIVolumeSource! "
        "ephemeral=29:EphemeralVolumeSource! image=30:ImageVolumeSource!",
    "VsphereVirtualDiskVolumeSource": "volumePath=1:s fsType=2:s storagePolicyName=3:s storagePolicyID=4:s",
    "WeightedPodAffinityTerm": "weight=1:i podAffinityTerm=2:PodAffinityTerm",
    "WindowsSecurityContextOptions": "gmsaCredentialSpecName=1:s! gmsaCredentialSpec=2:s! runAsUserName=3:s! "
        "hostProcess=4:t!",
}

# (apiVersion, kind) of the envelope -> the message of its body.
KINDS: dict[tuple[str, str], str] = {
    ("v1", "Namespace"): "Namespace",
    ("v1", "ConfigMap"): "ConfigMap",
    ("v1", "Service"): "Service",
    ("batch/v1", "Job"): "Job",
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview"): "SelfSubjectAccessReview",
    ("authorization.k8s.io/v1", "SelfSubjectRulesReview"): "SelfSubjectRulesReview",
    ("authentication.k8s.io/v1", "SelfSubjectReview"): "SelfSubjectReview",
    ("v1", "DeleteOptions"): "DeleteOptions",
    ("meta.k8s.io/v1", "DeleteOptions"): "DeleteOptions",
}
