"""MiniClusters and their pods.

MiniClusters are flux-framework.org/v1alpha2 `miniclusters` (namespaced). Their pods come from one
Indexed Job named like the MiniCluster and carry `hpa-selector=<name>`; the broker is completion
index 0.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypedDict, cast

from .client import KubeClient
from .errors import BrokerNotReady, KubeError


class GroupVersionPlural(TypedDict):
    group: str
    version: str
    plural: str


GVP: GroupVersionPlural = {"group": "flux-framework.org", "version": "v1alpha2", "plural": "miniclusters"}
INDEX_KEY = "batch.kubernetes.io/job-completion-index"


@dataclass
class Volume:
    name: str
    path: str                  # mount path in the container
    source: str                # "hostPath /data", "claim data", "emptyDir", ...


@dataclass
class MiniCluster:
    name: str
    namespace: str
    size: int
    max_size: int              # spec: max(size, maxSize)
    interactive: bool
    archive_path: str | None
    volumes: list[Volume]
    container: str             # the Flux container, named like the MiniCluster
    image: str
    status_size: int
    maximum_size: int | None  # status: fixed at creation; live resize stops here
    selector: str
    conditions: list[dict]
    created: str
    uid: str
    deleting: bool
    raw: dict = field(repr=False, default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return self.namespace, self.name

    @property
    def scale_limit(self) -> int:
        return self.maximum_size or self.max_size

    def volume_of(self, path: str) -> Volume | None:
        """The volume a path of the pod lives on (the longest mount path that contains it), compared
        after POSIX normalisation, so `/state/../tmp/x` is not on the volume at /state."""
        if not path.startswith("/"):
            return None
        norm = posixpath.normpath(path)
        best, best_len = None, -1
        for v in self.volumes:
            mount = posixpath.normpath(v.path) if v.path.startswith("/") else None
            if mount is None or mount == "/":
                continue
            if (norm == mount or norm.startswith(mount + "/")) and len(mount) > best_len:
                best, best_len = v, len(mount)
        return best

    def archive_volume(self) -> Volume | None:
        """The volume that holds spec.archive.path, if any."""
        return self.volume_of(self.archive_path) if self.archive_path else None

    @classmethod
    def from_obj(cls, obj: dict) -> MiniCluster:
        meta = obj.get("metadata") or {}
        spec = obj.get("spec") or {}
        status = obj.get("status") or {}
        containers = spec.get("containers") or [{}]
        flux_c = next((c for c in containers if c.get("runFlux")), containers[0])
        volumes = []
        for vname, v in (flux_c.get("volumes") or {}).items():
            if v.get("hostPath"):
                source = f"hostPath {v['hostPath']}"
            elif v.get("emptyDir"):
                source = "emptyDir"
            elif v.get("configMapName"):
                source = f"configMap {v['configMapName']}"
            elif v.get("secretName"):
                source = f"secret {v['secretName']}"
            else:
                source = f"claim {v.get('claimName', vname)}"
            volumes.append(Volume(vname, v.get("path", ""), source))
        size = int(spec.get("size", 1) or 1)
        return cls(
            name=meta.get("name", ""),
            namespace=meta.get("namespace", ""),
            size=size,
            max_size=max(size, int(spec.get("maxSize") or 0)),
            interactive=bool(spec.get("interactive", False)),
            archive_path=(spec.get("archive") or {}).get("path") or None,
            volumes=volumes,
            container=meta.get("name", ""),
            image=str(flux_c.get("image", "")),
            status_size=int(status.get("size") or 0),
            maximum_size=int(status["maximumSize"]) if status.get("maximumSize") else None,
            selector=status.get("selector") or f"hpa-selector={meta.get('name', '')}",
            conditions=list(status.get("conditions") or []),
            created=str(meta.get("creationTimestamp", "")),
            uid=str(meta.get("uid", "")),
            deleting=bool(meta.get("deletionTimestamp")),
            raw=obj,
        )


@dataclass
class Pod:
    name: str
    namespace: str
    index: int | None
    phase: str
    ready: bool
    deleting: bool
    created: datetime | None
    containers: list[str]

    @property
    def running(self) -> bool:
        return self.phase == "Running" and not self.deleting

    @classmethod
    def from_obj(cls, obj: dict) -> Pod:
        """From the pod as the API's JSON has it (read without the client's models: KubeClient.read)."""
        meta = obj.get("metadata") or {}
        status = obj.get("status") or {}
        index = (meta.get("annotations") or {}).get(INDEX_KEY) or (meta.get("labels") or {}).get(INDEX_KEY)
        ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
        created = meta.get("creationTimestamp")
        return cls(
            name=meta.get("name", ""),
            namespace=meta.get("namespace", ""),
            index=int(index) if index is not None and str(index).isdigit() else None,
            phase=status.get("phase") or "Unknown",
            ready=ready,
            deleting=meta.get("deletionTimestamp") is not None,
            # RFC 3339 in UTC ("…Z"), as the client's models parse it: an aware datetime
            created=datetime.fromisoformat(created) if created else None,
            containers=[c.get("name", "") for c in (obj.get("spec") or {}).get("containers") or []],
        )


async def list_miniclusters(kube: KubeClient, namespace: str | None) -> list[MiniCluster]:
    """MiniClusters in one namespace, or in all of them when namespace is None."""
    if namespace is None:
        doc = await kube.call(kube.custom.list_cluster_custom_object(**GVP), verb="list", resource="miniclusters")
    else:
        doc = await kube.call(kube.custom.list_namespaced_custom_object(namespace=namespace, **GVP),
                              verb="list", resource="miniclusters", namespace=namespace)
    items = [MiniCluster.from_obj(o) for o in cast(dict, doc).get("items", [])]
    return sorted(items, key=lambda m: (m.namespace, m.name))


async def get_minicluster(kube: KubeClient, name: str, namespace: str) -> MiniCluster:
    obj = await kube.call(kube.custom.get_namespaced_custom_object(namespace=namespace, name=name, **GVP),
                          verb="get", resource="miniclusters", namespace=namespace, name=name)
    return MiniCluster.from_obj(cast(dict, obj))


async def minicluster_pods(kube: KubeClient, mc: MiniCluster) -> list[Pod]:
    """Pods by the MiniCluster's selector (`hpa-selector=<name>`), never by name prefix."""
    pods = await kube.read(kube.core.list_namespaced_pod_without_preload_content(mc.namespace,
                                                                                label_selector=mc.selector),
                           verb="list", resource="pods", namespace=mc.namespace)
    return sorted((Pod.from_obj(p) for p in pods.get("items") or []),
                  key=lambda p: (p.index if p.index is not None else 1 << 30, p.name))


def pick_broker(pods: list[Pod]) -> Pod | None:
    """Completion index 0, Running and not terminating; the newest if a restart left two."""
    candidates = [p for p in pods if p.index == 0 and p.running]
    if not candidates:
        return None
    return max(candidates, key=lambda p: (p.created or datetime.min).timestamp() if p.created else 0)


async def find_broker(kube: KubeClient, mc: MiniCluster) -> Pod:
    pods = await minicluster_pods(kube, mc)
    broker = pick_broker(pods)
    if broker is None:
        if not pods:
            raise BrokerNotReady(f"MiniCluster {mc.name} has no pods yet")
        states = ", ".join(f"{p.name} {('Terminating' if p.deleting else p.phase)}" for p in pods[:4])
        raise BrokerNotReady(f"MiniCluster {mc.name} has no running broker pod (index 0) yet: {states}")
    return broker


async def pod_capacity(kube: KubeClient) -> int | None:
    """How many pods the cluster's Ready, schedulable nodes can host (their allocatable pods), or None
    when the nodes cannot be read (a namespaced user may not list them: then nothing is known)."""
    try:
        nodes = await kube.read(kube.core.list_node_without_preload_content(), verb="list", resource="nodes")
    except (KubeError, ValueError):  # ValueError: an answer that is not JSON
        return None
    total = 0
    for node in nodes.get("items") or []:
        status, spec = node.get("status") or {}, node.get("spec") or {}
        ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
        if not ready or spec.get("unschedulable"):
            continue
        pods = (status.get("allocatable") or {}).get("pods", "0")
        total += int(pods) if str(pods).isdigit() else 0
    return total


async def pod_log(kube: KubeClient, namespace: str, pod: str, container: str, tail: int = 200,
                  limit_bytes: int = 1 << 20) -> str:
    return await kube.call(
        kube.core.read_namespaced_pod_log(pod, namespace, container=container, tail_lines=tail,
                                          limit_bytes=limit_bytes),
        verb="get", resource="pods/log", namespace=namespace, name=pod)
