"""Every kubectl verb a user types at the demo cluster, with the installed kubectl (1.32, whose typed
clients send protobuf), against `fluxstate-tui demo-server`."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from tests.conftest import FAST, DemoServer, needs_kubectl, start_demo_server, wait_for

pytestmark = needs_kubectl()


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> DemoServer:
    server = start_demo_server(tmp_path_factory.mktemp("verbs"), "--speed", FAST)
    yield server
    server.stop()


def broker(demo: DemoServer) -> str:
    def running():
        out = demo.kubectl("get", "pods", "-l", "hpa-selector=flux-sample,job-index=0", "-o", "json").stdout
        pods = [p for p in json.loads(out)["items"]
                if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")]
        return pods[0]["metadata"]["name"] if pods else None

    return wait_for(running, 30, 0.2, "a running broker pod")


def test_typed_creates_send_protobuf_and_succeed(demo):
    assert demo.kubectl("create", "namespace", "team-b").stdout.strip() == "namespace/team-b created"
    assert demo.kubectl("create", "configmap", "x", "--from-literal=a=b", "-n", "team-b").stdout.strip() \
        == "configmap/x created"
    assert demo.kubectl("create", "service", "clusterip", "s1", "--tcp=80:8080", "-n", "team-b").returncode == 0
    assert demo.kubectl("create", "job", "j1", "--image=busybox", "-n", "team-b", "--", "echo", "hi").returncode == 0
    cm = json.loads(demo.kubectl("get", "cm", "x", "-n", "team-b", "-o", "json").stdout)
    assert cm["data"] == {"a": "b"} and cm["metadata"]["namespace"] == "team-b"
    svc = yaml.safe_load(demo.kubectl("get", "svc", "s1", "-n", "team-b", "-o", "yaml").stdout)
    assert svc["spec"]["ports"] == [{"name": "80-8080", "port": 80, "protocol": "TCP", "targetPort": 8080}]
    assert svc["spec"]["selector"] == {"app": "s1"} and svc["metadata"]["labels"] == {"app": "s1"}
    job = json.loads(demo.kubectl("get", "job", "j1", "-n", "team-b", "-o", "json").stdout)
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["echo", "hi"] and container["image"] == "busybox"
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    # the request really was protobuf: kubectl says so at -v=8
    trace = demo.kubectl("create", "configmap", "y", "--from-literal=k=v", "-v=8").stderr
    assert "Content-Type: application/vnd.kubernetes.protobuf" in trace
    assert demo.kubectl("delete", "namespace", "team-b").returncode == 0


def test_auth(demo_factory):
    denied = demo_factory("--empty", "--deny", "delete:miniclusters")
    yes = denied.kubectl("auth", "can-i", "create", "miniclusters")
    assert (yes.returncode, yes.stdout.strip()) == (0, "yes")
    no = denied.kubectl("auth", "can-i", "delete", "miniclusters", check=False)
    assert no.returncode == 1 and no.stdout.startswith("no")
    rules = denied.kubectl("auth", "can-i", "--list").stdout
    mc = next(line for line in rules.splitlines() if line.startswith("miniclusters.flux-framework.org "))
    assert "delete " not in mc and "create" in mc
    who = denied.kubectl("auth", "whoami").stdout
    assert "system:serviceaccount:default:fluxstate-demo" in who


def test_get_in_every_output_format(demo):
    pod = broker(demo)
    assert yaml.safe_load(demo.kubectl("get", "pod", pod, "-o", "yaml").stdout)["metadata"]["name"] == pod
    assert json.loads(demo.kubectl("get", "pods", "-o", "json").stdout)["kind"] == "List"
    wide = demo.kubectl("get", "pods", "-o", "wide").stdout.splitlines()[0].split()
    assert wide[:5] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"] and "NODE" in wide
    assert f"pod/{pod}" in demo.kubectl("get", "pods", "-o", "name").stdout.split()
    assert demo.kubectl("get", "pod", pod, "-o", "jsonpath={.spec.nodeName}").stdout == "fluxstate-demo"
    mc = yaml.safe_load(demo.kubectl("get", "minicluster", "flux-sample", "-o", "yaml").stdout)
    assert mc["kind"] == "MiniCluster"
    # --sort-by asks the Table for whole objects (includeObject=Object)
    rows = demo.kubectl("get", "events", "--sort-by=.lastTimestamp", "--no-headers").stdout.splitlines()
    assert rows and all(len(row.split()) >= 5 for row in rows)


def test_label_annotate_patch_scale(demo):
    demo.kubectl("create", "configmap", "edit-me", "--from-literal=a=b")
    demo.kubectl("label", "configmap", "edit-me", "team=b")
    demo.kubectl("annotate", "configmap", "edit-me", "note=hi")
    demo.kubectl("patch", "configmap", "edit-me", "-p", '{"data":{"c":"d"}}')
    demo.kubectl("patch", "configmap", "edit-me", "--type=json", "-p", '[{"op":"add","path":"/data/e","value":"f"}]')
    cm = json.loads(demo.kubectl("get", "cm", "edit-me", "-o", "json").stdout)
    assert cm["metadata"]["labels"] == {"team": "b"} and cm["metadata"]["annotations"] == {"note": "hi"}
    assert cm["data"] == {"a": "b", "c": "d", "e": "f"}
    assert demo.kubectl("get", "cm", "-l", "team=b", "-o", "name").stdout.split() == ["configmap/edit-me"]
    out = demo.kubectl("scale", "minicluster", "flux-sample", "--replicas=1").stdout
    assert out.strip() == "minicluster.flux-framework.org/flux-sample scaled"
    assert demo.kubectl("get", "minicluster", "flux-sample", "-o", "jsonpath={.spec.size}").stdout == "1"
    demo.kubectl("scale", "minicluster", "flux-sample", "--replicas=2")
    demo.kubectl("delete", "configmap", "edit-me")


def test_exec_and_logs(demo):
    pod = broker(demo)
    assert demo.kubectl("exec", pod, "--", "echo", "hi").stdout == "hi\n"
    failed = demo.kubectl("exec", pod, "-c", "flux-sample", "--", "/bin/bash", "-c", "exit 3", check=False)
    assert failed.returncode == 3 and "command terminated with exit code 3" in failed.stderr
    assert "flux broker" in demo.kubectl("logs", pod, "-c", "flux-sample").stdout


def test_describe_and_get_events(demo):
    pod = broker(demo)

    def pod_events():
        text = demo.kubectl("describe", "pod", pod).stdout
        return text if "Started container flux-sample" in text else None

    text = wait_for(pod_events, 30, 0.2, "the pod's events in describe")
    events = text.split("\nEvents:\n", 1)[1]
    assert f"default-scheduler  Successfully assigned default/{pod} to fluxstate-demo" in events
    # kubectl 1.37 prefixes the container's field path to the message; 1.32 does not
    kubelet = [line for line in events.splitlines() if " kubelet " in line]
    for message in ('Container image "ghcr.io/converged-computing/', "Created container flux-view",
                    "Started container flux-view", "Created container flux-sample"):
        assert any(message in line for line in kubelet), message
    job = demo.kubectl("describe", "job", "flux-sample").stdout.split("\nEvents:\n", 1)[1]
    assert f"job-controller  Created pod: {pod}" in job
    # the Flux Operator records no events, so its MiniCluster has none either
    assert re.search(r"\nEvents:\s+<none>\n", demo.kubectl("describe", "minicluster", "flux-sample").stdout)
    table = demo.kubectl("get", "events").stdout.splitlines()
    assert table[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert any(f"pod/{pod}" in row and "Scheduled" in row for row in table)
    wide = demo.kubectl("get", "events", "-o", "wide").stdout.splitlines()[0]
    for column in ("SUBOBJECT", "SOURCE", "FIRST SEEN", "COUNT", "NAME"):
        assert column in wide
    names = demo.kubectl("get", "events", "--field-selector", f"involvedObject.name={pod},reason=Started",
                         "-o", "jsonpath={.items[*].message}").stdout
    assert names == "Started container flux-view Started container flux-sample"
    v1 = json.loads(demo.kubectl("get", "events.v1.events.k8s.io", "--field-selector",
                                 f"regarding.name={pod},reason=Scheduled", "-o", "json").stdout)["items"]
    assert [(e["reportingController"], e["action"], e["regarding"]["kind"]) for e in v1] == \
        [("default-scheduler", "Binding", "Pod")]
    assert "Scheduled" in demo.kubectl("events", "--for", f"pod/{pod}").stdout


def test_delete_reports_killing(demo):
    demo.kubectl("run", "victim", "--image=busybox:1.36")
    wait_for(lambda: "Started container victim" in demo.kubectl("describe", "pod", "victim").stdout, 30, 0.2,
             "victim started")
    described = demo.kubectl("describe", "pod", "victim").stdout
    assert 'Container image "busybox:1.36" already present on machine' in described
    demo.kubectl("delete", "pod", "victim", "--wait=false")

    def killing() -> str:
        # the kubelet records it when it stops the container, a moment after the API accepted the delete
        return demo.kubectl("get", "events", "--field-selector", "involvedObject.name=victim,reason=Killing",
                            "-o", "jsonpath={.items[*].message}").stdout

    wait_for(lambda: killing(), 30, 0.2, "the Killing event")
    assert killing() == "Stopping container victim"
