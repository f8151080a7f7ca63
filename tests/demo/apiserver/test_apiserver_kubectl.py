"""The installed kubectl (the Google Cloud SDK dispatcher, 1.32) against the demo API server."""

from __future__ import annotations

import threading
import time

MC_YAML = """\
apiVersion: flux-framework.org/v1alpha2
kind: MiniCluster
metadata:
  name: mc-apply
spec:
  size: {size}
  containers:
    - image: ghcr.io/flux-framework/flux-restful-api:latest
"""

PV_YAML = """\
apiVersion: v1
kind: PersistentVolume
metadata:
  name: flux-state
  labels: {{tier: {tier}}}
spec:
  capacity:
    storage: 1Gi
  accessModes: [ReadWriteMany]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: manual
  hostPath:
    path: /tmp/flux-state
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: flux-state
spec:
  accessModes: [ReadWriteMany]
  storageClassName: manual
  resources:
    requests:
      storage: 1Gi
"""


def _seed_pods(server, make_pod):
    for i in range(2):
        server.store.create("pods", "default", make_pod(f"flux-sample-{i}-abcde", labels={
            "job-name": "flux-sample", "job-index": str(i)}))
    server.store.create("pods", "default", make_pod("lonely-0-zzzzz", phase="Pending", waiting="ContainerCreating"))


def test_get(server, kubectl, make_pod):
    _seed_pods(server, make_pod)
    server.store.create("miniclusters", "default", {"metadata": {"name": "flux-sample"}, "spec": {"size": 2}})
    out = kubectl("get", "miniclusters", check=True).stdout
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "AGE"] and lines[1].split()[0] == "flux-sample"
    assert lines[1].split()[1].endswith("s")
    out = kubectl("get", "pods", "-o", "wide", check=True).stdout
    header = out.splitlines()[0].split()
    assert header[:5] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"] and "IP" in header and "NODE" in header
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert rows["flux-sample-0-abcde"][1:3] == ["1/1", "Running"]
    assert rows["lonely-0-zzzzz"][1:3] == ["0/1", "ContainerCreating"]
    out = kubectl("get", "pods", "-l", "job-name=flux-sample", "-o", "name", check=True).stdout
    assert out.split() == ["pod/flux-sample-0-abcde", "pod/flux-sample-1-abcde"]
    out = kubectl("get", "pods", "-l", "!job-index", check=True).stdout
    assert "lonely-0-zzzzz" in out and "flux-sample" not in out
    out = kubectl("get", "miniclusters", "-A", check=True).stdout
    assert out.splitlines()[0].split() == ["NAMESPACE", "NAME", "AGE"]
    out = kubectl("get", "minicluster", "flux-sample", "-o", "jsonpath={.spec.size}", check=True).stdout
    assert out == "2"
    proc = kubectl("get", "minicluster", "nope")
    assert proc.returncode == 1
    assert 'Error from server (NotFound): miniclusters.flux-framework.org "nope" not found' in proc.stderr
    out = kubectl("get", "ns", check=True).stdout
    assert "default" in out and "Active" in out


def test_apply_scale_delete(server, kubectl, tmp_path):
    f = tmp_path / "mc.yaml"
    f.write_text(MC_YAML.format(size=2))
    proc = kubectl("apply", "-f", str(f), check=True)
    assert "minicluster.flux-framework.org/mc-apply created" in proc.stdout
    f.write_text(MC_YAML.format(size=3))
    proc = kubectl("apply", "-f", str(f), check=True)
    assert "minicluster.flux-framework.org/mc-apply configured" in proc.stdout
    obj = server.store.get("miniclusters", "default", "mc-apply")
    assert obj["spec"]["size"] == 3 and obj["metadata"]["generation"] == 2
    assert "kubectl.kubernetes.io/last-applied-configuration" in obj["metadata"]["annotations"]
    proc = kubectl("create", "-f", str(f))
    assert proc.returncode == 1 and "(AlreadyExists)" in proc.stderr and '"mc-apply" already exists' in proc.stderr

    proc = kubectl("scale", "minicluster/mc-apply", "--replicas=5", check=True)
    assert "scaled" in proc.stdout
    assert server.store.get("miniclusters", "default", "mc-apply")["spec"]["size"] == 5

    # server-side apply: 201 on create
    f2 = tmp_path / "mc2.yaml"
    f2.write_text(MC_YAML.format(size=1).replace("mc-apply", "mc-ssa"))
    proc = kubectl("apply", "--server-side", "-f", str(f2), check=True)
    assert "serverside-applied" in proc.stdout
    assert server.store.get("miniclusters", "default", "mc-ssa")["spec"]["size"] == 1

    # delete waits on the watch while a finalizer holds the object; a fake controller removes it
    server.store.update("miniclusters", "default", "mc-apply",
                        lambda o: o["metadata"].update(finalizers=["flux-framework.org/cleanup"]))
    server.store.add_listener(lambda t, p, o: t == "MODIFIED" and o["metadata"].get("deletionTimestamp") and
                              server.later(0.5, server.store.update, p, "default", o["metadata"]["name"],
                                           lambda x: x["metadata"].update(finalizers=[])))
    t0 = time.monotonic()
    proc = kubectl("delete", "minicluster", "mc-apply", check=True)
    assert 'minicluster.flux-framework.org "mc-apply" deleted' in proc.stdout
    assert time.monotonic() - t0 >= 0.5
    assert server.store.get("miniclusters", "default", "mc-apply") is None
    proc = kubectl("delete", "-f", str(f2), check=True)
    assert "deleted" in proc.stdout


def test_apply_pv_pvc(server, kubectl, tmp_path):
    f = tmp_path / "pv.yaml"
    f.write_text(PV_YAML.format(tier="a"))
    proc = kubectl("apply", "-f", str(f), check=True)
    assert "persistentvolume/flux-state created" in proc.stdout
    assert "persistentvolumeclaim/flux-state created" in proc.stdout
    f.write_text(PV_YAML.format(tier="b"))
    proc = kubectl("apply", "-f", str(f), check=True)
    assert "persistentvolume/flux-state configured" in proc.stdout
    pv = server.store.get("persistentvolumes", None, "flux-state")
    assert pv["metadata"]["labels"] == {"tier": "b"}
    assert not any(k.startswith("$") for k in pv["metadata"])
    out = kubectl("get", "pv", check=True).stdout
    assert out.splitlines()[0].split()[:4] == ["NAME", "CAPACITY", "ACCESS", "MODES"]
    assert "RWX" in out and "1Gi" in out
    out = kubectl("get", "pvc", check=True).stdout
    assert out.splitlines()[1].split()[:2] == ["flux-state", "Pending"]


def test_exec(server, kubectl, make_pod):
    _seed_pods(server, make_pod)
    proc = kubectl("exec", "flux-sample-0-abcde", "--", "echo", "hi", "there")
    assert proc.returncode == 0 and proc.stdout == "hi there\n"
    proc = kubectl("exec", "flux-sample-0-abcde", "--", "exit", "3")
    assert proc.returncode == 3 and "command terminated with exit code 3" in proc.stderr
    proc = kubectl("exec", "flux-sample-0-abcde", "--", "both")
    assert proc.stdout == "to-out\n" and "to-err" in proc.stderr
    proc = kubectl("exec", "-i", "flux-sample-0-abcde", "--", "cat", input="piped stdin\n")
    assert proc.returncode == 0 and proc.stdout == "piped stdin\n"
    # longer than kubectl's 5 s ping interval: the server must keep answering pings while it runs
    proc = kubectl("exec", "flux-sample-0-abcde", "--", "sleep", "6")
    assert proc.returncode == 0 and proc.stdout == "slept\n"
    proc = kubectl("exec", "lonely-0-zzzzz", "--", "echo")
    assert proc.returncode != 0 and 'container not found ("flux-sample")' in proc.stderr
    proc = kubectl("exec", "flux-sample-0-abcde", "--", "crash")
    assert proc.returncode != 0 and "simulated failure" in proc.stderr


def test_logs(server, kubectl, make_pod):
    _seed_pods(server, make_pod)
    for i in range(4):
        server.logs.append("default", "flux-sample-0-abcde", "flux-sample", f"line {i}\n")
    proc = kubectl("logs", "flux-sample-0-abcde", "--tail=2", check=True)
    assert proc.stdout == "line 2\nline 3\n"

    def feeder():
        time.sleep(0.5)
        server.logs.append("default", "flux-sample-0-abcde", "flux-sample", "line 4\n")
        time.sleep(0.2)
        server.logs.close("default", "flux-sample-0-abcde", "flux-sample")

    threading.Thread(target=feeder).start()
    proc = kubectl("logs", "-f", "flux-sample-0-abcde", "--tail=1", timeout=15, check=True)
    assert proc.stdout == "line 3\nline 4\n"
    proc = kubectl("logs", "lonely-0-zzzzz")
    assert proc.returncode == 1 and "is waiting to start: ContainerCreating" in proc.stderr
