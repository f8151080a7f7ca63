"""The resource registry: every kind the demo API server serves, and what it knows about each.

Discovery, OpenAPI, routing, the store and the table printers are all driven by this table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


@dataclass(frozen=True)
class Resource:
    plural: str
    singular: str
    kind: str
    group: str  # "" for the core group
    version: str
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    # subresource name -> (group, version, kind, verbs)
    subresources: dict = field(default_factory=dict)
    custom: bool = False  # a CRD (CustomResource): Status-bodied deletes, no strategic merge patch
    generation: bool = False  # metadata.generation is kept and bumped on spec changes
    stored_as: str = ""  # served from another resource's storage in another shape (events.k8s.io events)

    @property
    def key(self) -> str:
        """The registry key: the plural, or `plural.group` for a view that shares its plural."""
        return self.group_resource if self.stored_as else self.plural

    @property
    def storage(self) -> str:
        return self.stored_as or self.plural

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_version(self) -> str:
        return self.api_version

    @property
    def list_kind(self) -> str:
        return self.kind + "List"

    @property
    def group_resource(self) -> str:
        """`pods`, `jobs.batch`, `miniclusters.flux-framework.org` as in error messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources

    @property
    def prefix(self) -> str:
        """The URL prefix of the group-version: `/api/v1` or `/apis/<group>/<version>`."""
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"

    def collection_path(self, namespace: str | None = None) -> str:
        if self.namespaced and namespace:
            return f"{self.prefix}/namespaces/{namespace}/{self.plural}"
        return f"{self.prefix}/{self.plural}"


def _status(group: str, version: str, kind: str) -> tuple:
    return (group, version, kind, ["get", "patch", "update"])


RESOURCES: dict[str, Resource] = {}


def register(res: Resource) -> Resource:
    RESOURCES[res.key] = res
    return res


register(Resource(
    "pods", "pod", "Pod", "", "v1", short_names=("po",), categories=("all",),
    subresources={
        "status": _status("", "v1", "Pod"),
        "log": ("", "v1", "Pod", ["get"]),
        "exec": ("", "v1", "PodExecOptions", ["create", "get"]),
    },
))
register(Resource(
    "namespaces", "namespace", "Namespace", "", "v1", namespaced=False, short_names=("ns",),
    subresources={"status": _status("", "v1", "Namespace")},
))
register(Resource(
    "nodes", "node", "Node", "", "v1", namespaced=False, short_names=("no",),
    subresources={"status": _status("", "v1", "Node")},
))
register(Resource(
    "services", "service", "Service", "", "v1", short_names=("svc",), categories=("all",),
    subresources={"status": _status("", "v1", "Service")},
))
register(Resource("configmaps", "configmap", "ConfigMap", "", "v1", short_names=("cm",)))
register(Resource(
    "persistentvolumes", "persistentvolume", "PersistentVolume", "", "v1", namespaced=False,
    short_names=("pv",), subresources={"status": _status("", "v1", "PersistentVolume")},
))
register(Resource(
    "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", "", "v1",
    short_names=("pvc",), subresources={"status": _status("", "v1", "PersistentVolumeClaim")},
))
register(Resource(
    "jobs", "job", "Job", "batch", "v1", categories=("all",), generation=True,
    subresources={"status": _status("batch", "v1", "Job")},
))
register(Resource(
    "miniclusters", "minicluster", "MiniCluster", "flux-framework.org", "v1alpha2", custom=True,
    generation=True,
    subresources={
        "status": _status("flux-framework.org", "v1alpha2", "MiniCluster"),
        "scale": ("autoscaling", "v1", "Scale", ["get", "patch", "update"]),
    },
))

register(Resource("events", "event", "Event", "", "v1", short_names=("ev",)))
register(Resource("events", "event", "Event", "events.k8s.io", "v1", short_names=("ev",), stored_as="events"))

# What fluxstate-tui locks a MiniCluster with (one workflow at a time, across machines).
register(Resource("leases", "lease", "Lease", "coordination.k8s.io", "v1"))

# The MiniCluster scale subresource paths (flux-operator CRD).
SCALE_PATHS = {"miniclusters": {"spec": ("spec", "size"), "status": ("status", "size"),
                                "selector": ("status", "selector")}}


def resource(plural: str) -> Resource:
    try:
        return RESOURCES[plural]
    except KeyError:
        raise KeyError(f"unknown resource {plural!r}") from None


def group_versions() -> list[tuple[str, str]]:
    """(group, version) pairs in serving order, core first."""
    seen: list[tuple[str, str]] = []
    for res in RESOURCES.values():
        gv = (res.group, res.version)
        if gv not in seen:
            seen.append(gv)
    return seen


def resources_in(group: str, version: str) -> list[Resource]:
    return [r for r in RESOURCES.values() if r.group == group and r.version == version]


def find(group: str, version: str, plural: str) -> Resource | None:
    for res in RESOURCES.values():
        if res.plural == plural and res.group == group and res.version == version:
            return res
    return None


def by_kind(kind: str) -> Resource | None:
    for res in RESOURCES.values():
        if res.kind == kind:
            return res
    return None
