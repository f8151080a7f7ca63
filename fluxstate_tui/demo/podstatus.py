"""Pod status as the kubelet reports it while a pod starts: Pending with init containers, then Running;
and the API server's pod defaults (requests from limits, the QoS class)."""

from __future__ import annotations

import time

from .quantity import quantity_or_zero
from .timefmt import rfc3339


def _containers(pod: dict) -> list[dict]:
    spec = pod.get("spec") or {}
    return [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]


def qos_class(pod: dict) -> str:
    """Guaranteed when every container has CPU and memory limits equal to its requests, BestEffort when
    none has any request or limit, Burstable otherwise (init containers count)."""
    containers = _containers(pod)
    resources = [c.get("resources") or {} for c in containers]
    if not any((r.get("limits") or {}).keys() & {"cpu", "memory"} or (r.get("requests") or {}).keys()
               & {"cpu", "memory"} for r in resources):
        return "BestEffort"
    for r in resources:
        limits, requests = r.get("limits") or {}, r.get("requests") or {}
        for name in ("cpu", "memory"):
            if name not in limits:
                return "Burstable"
            if quantity_or_zero(requests.get(name, limits[name])) != quantity_or_zero(limits[name]):
                return "Burstable"
    return "Guaranteed"


def default_pod(pod: dict) -> None:
    """What the API server fills in on a pod: a container's missing requests are its limits."""
    for c in _containers(pod):
        limits = (c.get("resources") or {}).get("limits") or {}
        if limits:
            requests = c["resources"].setdefault("requests", {})
            for name, value in limits.items():
                requests.setdefault(name, value)
    pod.setdefault("status", {})["qosClass"] = qos_class(pod)


def pending_status(pod: dict, init_running: bool) -> dict:
    """A pod waiting for its init containers (init_running) or for its app containers to start."""
    now = rfc3339(time.time())
    inits = []
    for c in pod["spec"].get("initContainers") or []:
        state = ({"running": {"startedAt": now}} if init_running
                 else {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": now, "finishedAt": now}})
        inits.append({"name": c["name"], "image": c["image"], "imageID": "", "ready": not init_running,
                      "restartCount": 0, "started": init_running, "state": state})
    containers = [{
        "name": c["name"], "image": c["image"], "imageID": "", "ready": False, "restartCount": 0,
        "started": False, "state": {"waiting": {"reason": "PodInitializing" if inits else "ContainerCreating"}},
    } for c in pod["spec"]["containers"]]
    status = {
        "phase": "Pending",
        "qosClass": qos_class(pod),
        "hostIP": "192.168.49.2",
        "startTime": (pod.get("status") or {}).get("startTime") or now,
        "conditions": [
            {"type": "Initialized", "status": "False" if init_running else "True", "lastTransitionTime": now},
            {"type": "Ready", "status": "False", "lastTransitionTime": now},
            {"type": "ContainersReady", "status": "False", "lastTransitionTime": now},
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
        ],
        "containerStatuses": containers,
    }
    if inits:
        status["initContainerStatuses"] = inits
    return status

def running_status(pod: dict, pod_ip: str) -> dict:
    """A pod whose containers all run and are ready."""
    now = rfc3339(time.time())
    status = pending_status(pod, init_running=False)
    status["phase"] = "Running"
    status["podIP"] = pod_ip
    status["podIPs"] = [{"ip": status["podIP"]}]
    status["hostIPs"] = [{"ip": status["hostIP"]}]
    for cond in status["conditions"]:
        cond["status"] = "True"
    status["containerStatuses"] = [{
        "name": c["name"], "image": c["image"], "imageID": f"docker-pullable://{c['image']}",
        "containerID": f"docker://{pod['metadata']['uid'].replace('-', '')}", "ready": True,
        "restartCount": 0, "started": True, "state": {"running": {"startedAt": now}},
    } for c in pod["spec"]["containers"]]
    return status
