"""The State tutorial with kubectl only, against `fluxstate-tui demo-server --empty`."""

from __future__ import annotations

import json
import tarfile

from tests.conftest import REPO, needs_kubectl, wait_for

pytestmark = needs_kubectl()
EXAMPLES = REPO / "examples" / "state"


def broker_name(demo) -> str:
    def find():
        out = demo.kubectl("get", "pods", "-l", "hpa-selector=flux-sample,job-index=0", "-o", "json").stdout
        for p in json.loads(out)["items"]:
            if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp"):
                return p["metadata"]["name"]
        return None

    return wait_for(find, 30, 0.3, "a running broker pod")


def flux(demo, pod: str, args: str, check: bool = True):
    return demo.kubectl("exec", pod, "--", "/bin/bash", "-c",
                        f". /mnt/flux/flux-view.sh && flux proxy $fluxsocket flux {args}", check=check)


def wait_flux(demo) -> str:
    def ready():
        pod = broker_name(demo)
        return pod if flux(demo, pod, "uptime", check=False).returncode == 0 else None

    return wait_for(ready, 30, 0.3, "Flux to answer")


def test_state_tutorial_with_kubectl(empty_demo):
    demo = empty_demo
    out = demo.kubectl("apply", "-f", str(EXAMPLES / "volumes.yaml")).stdout
    assert 'persistentvolume/data created' in out and 'persistentvolumeclaim/data created' in out
    out = demo.kubectl("apply", "-f", str(EXAMPLES / "minicluster.yaml")).stdout
    assert "minicluster.flux-framework.org/flux-sample created" in out
    table = demo.kubectl("get", "miniclusters").stdout
    assert table.split()[:2] == ["NAME", "AGE"] and "flux-sample" in table

    pod = wait_flux(demo)
    pods = demo.kubectl("get", "pods").stdout
    assert "Running" in pods and pods.count("flux-sample-") == 2

    ids = [flux(demo, pod, f"submit {cmd}").stdout.strip() for cmd in ("hostname", "sleep 1", "false")]
    assert all(i.startswith(("ƒ", "f")) for i in ids)
    wait_for(lambda: "CD" in flux(demo, pod, f"jobs -a {ids[1]}").stdout, 30, 0.3, "sleep to finish")
    listing = flux(demo, pod, "jobs -a").stdout
    assert listing.splitlines()[0].split() == ["JOBID", "USER", "NAME", "ST", "NTASKS", "NNODES", "TIME", "INFO"]

    assert flux(demo, pod, "queue stop").stdout == "Scheduling is stopped\n"
    # Behind the stopped queue; it needs 3 nodes, so only the bigger cluster can run it.
    pending = flux(demo, pod, "submit -N3 hostname").stdout.strip()
    idle = flux(demo, pod, "queue idle --timeout=30s")
    assert idle.stdout == "1 jobs\n"
    flux(demo, pod, "dump /state/archive.tar.gz")
    ls = demo.kubectl("exec", pod, "--", "ls", "-l", "/state").stdout
    assert "archive.tar.gz" in ls
    archive = demo.data_dir / "data" / "archive.tar.gz"
    with tarfile.open(archive) as tar:
        assert any(n.startswith("job/") for n in tar.getnames())

    # exit codes travel through kubectl
    failed = demo.kubectl("exec", pod, "--", "/bin/bash", "-c", "exit 4", check=False)
    assert failed.returncode == 4

    out = demo.kubectl("delete", "-f", str(EXAMPLES / "minicluster.yaml"), timeout=120).stdout
    assert 'minicluster.flux-framework.org "flux-sample" deleted' in out
    wait_for(lambda: "flux-sample" not in demo.kubectl("get", "pods").stdout + demo.kubectl("get", "jobs").stdout,
             30, 0.3, "teardown")

    bigger = (EXAMPLES / "minicluster.yaml").read_text().replace("size: 2", "size: 3")
    demo.kubectl("apply", "-f", "-", input=bigger)
    pod = wait_flux(demo)
    logs = demo.kubectl("logs", pod).stdout
    assert "Found existing archive at /state/archive.tar.gz" in logs
    listing = flux(demo, pod, "jobs -a").stdout
    for jid in ids:
        assert jid in listing
    wait_for(lambda: "CD" in flux(demo, pod, f"jobs -a {pending}").stdout.splitlines()[-1], 60, 0.5,
             "the pending job to run on the bigger cluster")

    # live resize within the maximum, through the scale subresource
    demo.kubectl("scale", "minicluster/flux-sample", "--replicas=2")
    wait_for(lambda: demo.kubectl("get", "pods", "-l", "hpa-selector=flux-sample", "-o",
                                  "name").stdout.count("pod/") == 2,
             30, 0.3, "scale down")
