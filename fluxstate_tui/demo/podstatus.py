"""Pod status as the kubelet reports it while a pod starts: Pending with init containers, then Running."""

from __future__ import annotations

import time

from .timefmt import rfc3339


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
        "qosClass": "BestEffort",
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
