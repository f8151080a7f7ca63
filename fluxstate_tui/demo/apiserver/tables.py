"""Server-side `Table` rendering (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`),
with the columns kubectl 1.32 shows for each kind and kubectl's human-readable ages."""

from __future__ import annotations

from collections.abc import Callable

from ..timefmt import parse_rfc3339


def human_duration(seconds: float) -> str:
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    secs = int(seconds)
    if secs < 60 * 2:
        return f"{secs}s"
    minutes = secs // 60
    if minutes < 10:
        s = secs % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = secs // 3600
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def age(obj: dict, now: float) -> str:
    ts = parse_rfc3339((obj.get("metadata") or {}).get("creationTimestamp"))
    if ts is None:
        return "<unknown>"
    return human_duration(now - ts)


def lease_row(lease: dict, now: float) -> list:
    """printLease: Name, Holder (empty when nobody holds it), Age."""
    return [lease["metadata"]["name"], (lease.get("spec") or {}).get("holderIdentity") or "", age(lease, now)]


def _col(name: str, type_: str = "string", fmt: str = "", desc: str = "", priority: int = 0) -> dict:
    return {"name": name, "type": type_, "format": fmt, "description": desc, "priority": priority}


NAME = _col("Name", "string", "name",
            "Name must be unique within a namespace. Is required when creating resources, although some resources "
            "may allow a client to request the generation of an appropriate name automatically. Name is primarily "
            "intended for creation idempotence and configuration definition. Cannot be updated. More info: "
            "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names")
AGE = _col("Age", "string", "",
           "CreationTimestamp is a timestamp representing the server time when this object was created. It is not "
           "guaranteed to be set in happens-before order across separate operations. Clients may not set this "
           "value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for "
           "lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata")


def _none(value: str | None) -> str:
    return value if value else "<none>"


# -- pods -------------------------------------------------------------------------------------

def pod_status(pod: dict) -> str:
    """kubernetes/pkg/printers/internalversion printPod's STATUS column (simplified)."""
    status = pod.get("status") or {}
    spec = pod.get("spec") or {}
    reason = status.get("reason") or status.get("phase") or "Unknown"
    init_specs = spec.get("initContainers") or []
    initializing = False
    for i, cs in enumerate(status.get("initContainerStatuses") or []):
        state = cs.get("state") or {}
        term, wait = state.get("terminated"), state.get("waiting")
        if term and term.get("exitCode", 0) == 0:
            continue
        if term:
            if term.get("reason"):
                reason = "Init:" + term["reason"]
            elif term.get("signal"):
                reason = f"Init:Signal:{term['signal']}"
            else:
                reason = f"Init:ExitCode:{term.get('exitCode')}"
        elif wait and wait.get("reason") and wait["reason"] != "PodInitializing":
            reason = "Init:" + wait["reason"]
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break
    if not initializing:
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            state = cs.get("state") or {}
            wait, term = state.get("waiting"), state.get("terminated")
            if wait and wait.get("reason"):
                reason = wait["reason"]
            elif term and term.get("reason"):
                reason = term["reason"]
            elif term:
                reason = f"Signal:{term['signal']}" if term.get("signal") else f"ExitCode:{term.get('exitCode')}"
            elif state.get("running") and cs.get("ready"):
                has_running = True
        if reason == "Completed" and has_running:
            conds = status.get("conditions") or []
            ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in conds)
            reason = "Running" if ready else "NotReady"
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == "NodeLost" else "Terminating"
    return reason


def _pod_row(pod: dict, now: float) -> list:
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    statuses = status.get("containerStatuses") or []
    total = len(spec.get("containers") or [])
    ready = sum(1 for cs in statuses if cs.get("ready"))
    restarts = sum(int(cs.get("restartCount") or 0) for cs in statuses)
    gates = spec.get("readinessGates") or []
    return [
        pod["metadata"]["name"], f"{ready}/{total}", pod_status(pod), str(restarts), age(pod, now),
        _none(status.get("podIP")), _none(spec.get("nodeName")), _none(status.get("nominatedNodeName")),
        "<none>" if not gates else f"0/{len(gates)}",
    ]


POD_COLUMNS = [
    NAME, _col("Ready", desc="The aggregate readiness state of this pod for accepting traffic."),
    _col("Status", desc="The aggregate status of the containers in this pod."),
    _col("Restarts", desc="The number of times the containers in this pod have been restarted and when the last "
                          "container in this pod has restarted."),
    AGE, _col("IP", desc="IP address allocated to the pod. Routable at least within the cluster. Empty if not yet "
                         "allocated.", priority=1),
    _col("Node", desc="NodeName is a request to schedule this pod onto a specific node.", priority=1),
    _col("Nominated Node", desc="nominatedNodeName is set only when this pod preempts other pods on the node.",
         priority=1),
    _col("Readiness Gates", desc="If specified, all readiness gates will be evaluated for pod readiness.", priority=1),
]


# -- jobs -------------------------------------------------------------------------------------

def _has_condition(obj: dict, type_: str) -> bool:
    return any(c.get("type") == type_ and c.get("status") == "True"
               for c in (obj.get("status") or {}).get("conditions") or [])


def _job_row(job: dict, now: float) -> list:
    spec = job.get("spec") or {}
    status = job.get("status") or {}
    succeeded = int(status.get("succeeded") or 0)
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{spec['completions']}"
    else:
        par = int(spec.get("parallelism") or 0)
        completions = f"{succeeded}/1 of {par}" if par > 1 else f"{succeeded}/1"
    start = parse_rfc3339(status.get("startTime"))
    end = parse_rfc3339(status.get("completionTime"))
    duration = "" if start is None else human_duration((end if end is not None else now) - start)
    if _has_condition(job, "Complete"):
        state = "Complete"
    elif _has_condition(job, "Failed"):
        state = "Failed"
    elif (job.get("metadata") or {}).get("deletionTimestamp"):
        state = "Terminating"
    elif _has_condition(job, "SuccessCriteriaMet"):
        state = "SuccessCriteriaMet"
    elif _has_condition(job, "Suspended"):
        state = "Suspended"
    elif _has_condition(job, "FailureTarget"):
        state = "FailureTarget"
    else:
        state = "Running"
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
    selector = (spec.get("selector") or {}).get("matchLabels") or {}
    return [
        job["metadata"]["name"], state, completions, duration, age(job, now),
        ",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers),
        ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or "<none>",
    ]


JOB_COLUMNS = [
    NAME, _col("Status", desc="Status of the job."),
    _col("Completions", desc="The desired number of successfully finished pods the job should be run with."),
    _col("Duration", desc="Time required to complete the job."), AGE,
    _col("Containers", desc="Names of each container in the template.", priority=1),
    _col("Images", desc="Images referenced by each container in the template.", priority=1),
    _col("Selector", desc="A label query over pods that should match the pod count.", priority=1),
]


# -- volumes ----------------------------------------------------------------------------------

_MODES = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}


def _modes(modes: list) -> str:
    return ",".join(_MODES.get(m, m) for m in modes or [])


def _storage_class(obj: dict) -> str:
    spec = obj.get("spec") or {}
    ann = (obj.get("metadata") or {}).get("annotations") or {}
    return spec.get("storageClassName") or ann.get("volume.beta.kubernetes.io/storage-class") or ""


def _pv_row(pv: dict, now: float) -> list:
    spec = pv.get("spec") or {}
    status = pv.get("status") or {}
    ref = spec.get("claimRef") or {}
    claim = f"{ref.get('namespace', '')}/{ref.get('name', '')}" if ref.get("name") else ""
    return [
        pv["metadata"]["name"], (spec.get("capacity") or {}).get("storage", ""), _modes(spec.get("accessModes")),
        spec.get("persistentVolumeReclaimPolicy", "Retain"), status.get("phase", ""), claim, _storage_class(pv),
        _none(spec.get("volumeAttributesClassName")), status.get("reason", ""), age(pv, now),
        spec.get("volumeMode", "Filesystem"),
    ]


PV_COLUMNS = [
    NAME, _col("Capacity"), _col("Access Modes"), _col("Reclaim Policy"), _col("Status"), _col("Claim"),
    _col("StorageClass"), _col("VolumeAttributesClass"), _col("Reason"), AGE, _col("VolumeMode", priority=1),
]


def _pvc_row(pvc: dict, now: float) -> list:
    spec = pvc.get("spec") or {}
    status = pvc.get("status") or {}
    phase = status.get("phase", "")
    bound = phase == "Bound"
    if (pvc.get("metadata") or {}).get("deletionTimestamp"):
        phase = "Terminating"
    return [
        pvc["metadata"]["name"], phase, spec.get("volumeName", ""),
        (status.get("capacity") or {}).get("storage", "") if bound else "",
        _modes(status.get("accessModes")) if bound else "", _storage_class(pvc),
        _none(status.get("currentVolumeAttributesClassName") or spec.get("volumeAttributesClassName")), age(pvc, now),
        spec.get("volumeMode", "Filesystem"),
    ]


PVC_COLUMNS = [
    NAME, _col("Status"), _col("Volume"), _col("Capacity"), _col("Access Modes"), _col("StorageClass"),
    _col("VolumeAttributesClass"), AGE, _col("VolumeMode", priority=1),
]


# -- the rest ---------------------------------------------------------------------------------

def _ns_row(ns: dict, now: float) -> list:
    return [ns["metadata"]["name"], (ns.get("status") or {}).get("phase", ""), age(ns, now)]


def _cm_row(cm: dict, now: float) -> list:
    return [cm["metadata"]["name"], len(cm.get("data") or {}) + len(cm.get("binaryData") or {}), age(cm, now)]


def _svc_row(svc: dict, now: float) -> list:
    spec = svc.get("spec") or {}
    type_ = spec.get("type", "ClusterIP")
    external = ",".join(spec.get("externalIPs") or [])
    if type_ == "ExternalName":
        external = spec.get("externalName", "")
    ports = []
    for p in spec.get("ports") or []:
        text = f"{p.get('port')}/{p.get('protocol', 'TCP')}"
        if p.get("nodePort"):
            text = f"{p.get('port')}:{p['nodePort']}/{p.get('protocol', 'TCP')}"
        ports.append(text)
    selector = spec.get("selector") or {}
    return [
        svc["metadata"]["name"], type_, spec.get("clusterIP") or "<none>", external or "<none>",
        ",".join(ports) or "<none>", age(svc, now),
        ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or "<none>",
    ]


# -- events -----------------------------------------------------------------------------------

def _since(stamp: str | None, now: float) -> str:
    """translateTimestampSince: `<unknown>` for an unset time."""
    ts = parse_rfc3339(stamp)
    return "<unknown>" if ts is None else human_duration(now - ts)


def _event_row(ev: dict, now: float) -> list:
    """printEvent: an event made through events.k8s.io has eventTime and a series instead of the
    deprecated first/last timestamps and count."""
    first = _since(ev.get("firstTimestamp"), now) if ev.get("firstTimestamp") else _since(ev.get("eventTime"), now)
    last = _since(ev.get("lastTimestamp"), now) if ev.get("lastTimestamp") else first
    count = int(ev.get("count") or 0)
    series = ev.get("series")
    if series:
        last = _since(series.get("lastObservedTime"), now)
        count = int(series.get("count") or 0)
    elif count == 0:
        count = 1
    involved = ev.get("involvedObject") or {}
    kind = (involved.get("kind") or "").lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    source = ev.get("source") or {}
    component = source.get("component") or ev.get("reportingComponent") or ""
    host = source.get("host") or ev.get("reportingInstance") or ""
    return [last, ev.get("type", ""), ev.get("reason", ""), target, involved.get("fieldPath", ""),
            f"{component}, {host}" if host else component, (ev.get("message") or "").strip(), first, count,
            ev["metadata"]["name"]]


EVENT_COLUMNS = [
    _col("Last Seen", desc="The time at which the most recent occurrence of this event was recorded."),
    _col("Type", desc="Type of this event (Normal, Warning), new types could be added in the future"),
    _col("Reason", desc="This should be a short, machine understandable string that gives the reason for the "
                        "transition into the object's current status."),
    _col("Object", desc="The object that this event is about."),
    _col("Subobject", desc="If referring to a piece of an object instead of an entire object, this string should "
                           "contain a valid JSON/Go field access statement, such as "
                           "desiredState.manifest.containers[2].", priority=1),
    _col("Source", desc="The component reporting this event. Should be a short machine understandable string.",
         priority=1),
    _col("Message", desc="A human-readable description of the status of this operation."),
    _col("First Seen", desc="The time at which the event was first recorded. (Time of server receipt is in "
                            "TypeMeta.)", priority=1),
    _col("Count", desc="The number of times this event has occurred.", priority=1),
    {**NAME, "priority": 1},
]


TABLES: dict[str, tuple[list[dict], Callable[[dict, float], list]]] = {
    "pods": (POD_COLUMNS, _pod_row),
    "jobs": (JOB_COLUMNS, _job_row),
    "persistentvolumes": (PV_COLUMNS, _pv_row),
    "persistentvolumeclaims": (PVC_COLUMNS, _pvc_row),
    "namespaces": ([NAME, _col("Status", desc="The status of the namespace"), AGE], _ns_row),
    "configmaps": ([NAME, _col("Data", "integer"), AGE], _cm_row),
    "services": ([NAME, _col("Type"), _col("Cluster-IP"), _col("External-IP"), _col("Port(s)"), AGE,
                  _col("Selector", priority=1)], _svc_row),
    "events": (EVENT_COLUMNS, _event_row),
    "leases": ([NAME, _col("Holder", desc="holderIdentity contains the identity of the holder of a current lease."),
                AGE], lease_row),
}

# A CRD without additionalPrinterColumns: the apiextensions table convertor's Name + Age(date).
GENERIC_COLUMNS = [NAME, _col("Created At", "date", "", AGE["description"])]
GENERIC_COLUMNS[1]["name"] = "Age"


def _partial(obj: dict) -> dict:
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj.get("metadata") or {}}


def table(plural: str, objects: list[dict], now: float, resource_version: str | None = None,
          columns: bool = True, include: str | None = None) -> dict:
    """`include` is TableOptions.includeObject: Metadata (the default), Object (kubectl --sort-by needs the
    whole object) or None."""
    cols, row_fn = TABLES.get(plural, (GENERIC_COLUMNS, lambda o, n: [o["metadata"]["name"], age(o, n)]))
    out: dict = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {}}
    if resource_version is not None:
        out["metadata"]["resourceVersion"] = resource_version
    out["columnDefinitions"] = cols if columns else None
    shown = {"Object": lambda o: o, "None": lambda o: None}.get(include or "Metadata", _partial)
    out["rows"] = [{"cells": row_fn(o, now), "object": shown(o)} for o in objects]
    return out
