"""The demo cluster's kubelet: runs pods as simulated containers.

A pod gets a real directory tree as its filesystem (PodFS), with hostPath and PVC volumes mounted
from the data directory so every pod that mounts a volume sees the same files. Pods of a
MiniCluster go through the Flux Operator's start-up: the `flux-view` init container stages the
Flux view, then the app container runs the operator's wait script, which starts the lead broker on
index 0 (restoring `spec.archive.path` if that file exists) and follower brokers elsewhere.
"""

from __future__ import annotations

import asyncio
import logging
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Protocol

from . import manifests as mf
from .apiserver import ApiError, PodLogs, Store
from .controllers import Seen, deleting, key, uid
from .flux import FluxInstance, run_flux
from .flux.content import clear_statedir
from .fluxpod import Broker, broker_command, stage_view, target_uri
from .podstatus import pending_status, qos_class, running_status
from .proc import Host, PodFS, Proc, SimClock, Stdin
from .quantity import cpu_cores
from .recorder import PodEvents
from .shell import run_program
from .timefmt import rfc3339

log = logging.getLogger(__name__)

# Simulated seconds from a pod's creation.
INIT_DONE = 1.0      # the flux-view init container has staged the view
APP_RUNNING = 2.0    # the app container is Running
BROKER_UP = 1.5      # after the app container starts, the lead broker answers
WORKER_JOIN = 1.0    # after the lead broker is up, a follower broker joins
STOP_GRACE = 2.0     # SIGTERM to gone
TASK_LAUNCH = (0.01, 0.05)  # range of a job shell's start-up time


@dataclass
class PodRuntime:
    namespace: str
    name: str
    uid: str
    container: str
    fs: PodFS
    env: dict[str, str]
    hostname: str
    minicluster: str | None
    index: int | None
    stage: str = "new"
    started_at: float = 0.0
    stop_at: float | None = None
    joined: bool = False
    host: Host | None = None
    mounts: dict[str, Path] = field(default_factory=dict)


class NodeEnv(Protocol):
    """What the kubelet needs of the cluster it runs in (DemoCluster provides it)."""

    store: Store
    clock: SimClock          # the node's: every delay of a pod's life
    pod_clock: SimClock      # what processes in pods read (frozen in the deterministic demo)
    seed: int | None         # the Flux instances' random choices
    seen: Seen
    logs: PodLogs
    data_dir: Path
    cores_per_node: int

    def host_dir(self, host_path: str) -> Path:
        """The data-dir directory standing for a node path."""
        ...

    def pod_ip(self, pod: dict) -> str: ...

    def spawn(self, coro) -> asyncio.Task:
        """Run background work tied to the cluster's life."""
        ...


class Kubelet:
    def __init__(self, cluster: NodeEnv) -> None:
        self.cluster = cluster
        self.store = cluster.store
        self.clock = cluster.clock
        self.seen: Seen = cluster.seen
        self.pods: dict[str, PodRuntime] = {}
        self.brokers: dict[tuple[str, str], Broker] = {}
        self.events = PodEvents(self.store, mf.NODE_NAME)

    # ---- reconcile -------------------------------------------------------------------------

    def reconcile(self) -> None:
        live = set()
        for pod in self.store.list("pods"):
            live.add(uid(pod))
            try:
                self._step(pod)
            except ApiError as exc:
                log.debug("pod %s: %s", key(pod), exc.message)
        for pod_uid in [u for u in self.pods if u not in live]:
            self._teardown(self.pods.pop(pod_uid))
        for broker in self.brokers.values():
            broker.sync_statedir()

    def _step(self, pod: dict) -> None:
        rt = self.pods.get(uid(pod))
        if rt is None:
            rt = self._runtime(pod)
            self.pods[rt.uid] = rt
        if deleting(pod):
            self._terminate(pod, rt)
            return
        age = self.seen.age(pod)
        if rt.stage == "new":
            if not self._mount_volumes(pod, rt):
                return
            self.events.scheduled(pod)
            rt.stage = "init" if pod["spec"].get("initContainers") else "initdone"
            self._set_status(pod, pending_status(pod, init_running=rt.stage == "init"))
            if rt.stage == "init":
                self.events.started(pod, init=True)
        if rt.stage == "init" and age >= INIT_DONE:
            self._run_init(pod, rt)
            rt.stage = "initdone"
            self._set_status(pod, pending_status(pod, init_running=False))
        if rt.stage == "initdone" and age >= APP_RUNNING:
            rt.stage = "running"
            rt.started_at = self.clock.now()
            self._set_status(pod, running_status(pod, self.cluster.pod_ip(pod)))
            self.events.started(pod, init=False)
            self._start_app(pod, rt)
        if rt.stage == "running" and rt.minicluster and rt.index and not rt.joined:
            broker = self.brokers.get((rt.namespace, rt.minicluster))
            joins_at = max(broker.up_at, rt.started_at) + WORKER_JOIN if broker else 0.0
            if broker and broker.ready and (self.seen.settling or self.clock.now() >= joins_at):
                rt.joined = True
                if rt.index < len(broker.hostnames):
                    broker.instance.set_rank_online(rt.index, True)
                    self._log(rt, f"broker.info[{rt.index}]: joined instance\n")

    # ---- pod objects -----------------------------------------------------------------------

    def _runtime(self, pod: dict) -> PodRuntime:
        ns, name = key(pod)
        labels = pod["metadata"].get("labels") or {}
        container = pod["spec"]["containers"][0]
        index = labels.get("batch.kubernetes.io/job-completion-index")
        hostname = pod["spec"].get("hostname") or name
        env = {"PATH": mf.BASE_PATH, "HOSTNAME": hostname, "HOME": "/root"}
        for e in container.get("env") or []:
            if "value" in e:
                env[e["name"]] = str(e["value"])
        root = self.cluster.data_dir / "pods" / ns / name
        return PodRuntime(
            namespace=ns,
            name=name,
            uid=uid(pod),
            container=container["name"],
            fs=PodFS(root),
            env=env,
            hostname=hostname,
            minicluster=labels.get("hpa-selector"),
            index=int(index) if index is not None and index.isdigit() else None,
        )

    def _mount_volumes(self, pod: dict, rt: PodRuntime) -> bool:
        """Resolve hostPath and PVC volumes to data-dir directories; False while a claim is unbound."""
        ns = rt.namespace
        sources: dict[str, Path] = {}
        for vol in pod["spec"].get("volumes") or []:
            if "hostPath" in vol:
                sources[vol["name"]] = self.cluster.host_dir(vol["hostPath"]["path"])
            elif "persistentVolumeClaim" in vol:
                claim = vol["persistentVolumeClaim"]["claimName"]
                target = self._claim_dir(ns, claim)
                if target is None:
                    message = f'0/1 nodes are available: persistentvolumeclaim "{claim}" not found or not bound.'
                    conditions = (pod.get("status") or {}).get("conditions") or []
                    if not any(c.get("reason") == "Unschedulable" for c in conditions):
                        self.events.unschedulable(pod, message)  # once: the scheduler's retries add no news
                    self._set_status(pod, {
                        "phase": "Pending",
                        "qosClass": qos_class(pod),
                        "conditions": [{
                            "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                            "message": message, "lastTransitionTime": rfc3339(time.time()),
                        }],
                    })
                    return False
                sources[vol["name"]] = target
        for d in ("tmp", "root", "etc", "opt", "var/tmp"):
            rt.fs.host_path("/" + d).mkdir(parents=True, exist_ok=True)
        rt.fs.host_path("/etc/hostname").write_text(rt.hostname + "\n")
        container = pod["spec"]["containers"][0]
        for m in container.get("volumeMounts") or []:
            if m["name"] in sources:
                rt.mounts[m["mountPath"]] = sources[m["name"]]
                rt.fs.mount(m["mountPath"], sources[m["name"]])
        return True

    def _claim_dir(self, ns: str, claim: str) -> Path | None:
        pvc = self.store.get("persistentvolumeclaims", ns, claim)
        if pvc is None or (pvc.get("status") or {}).get("phase") != "Bound":
            return None
        pv = self.store.get("persistentvolumes", None, pvc["spec"].get("volumeName", ""))
        if pv is None:
            return None
        if pv["spec"].get("hostPath"):
            return self.cluster.host_dir(pv["spec"]["hostPath"]["path"])
        return self.cluster.data_dir / "volumes" / pv["metadata"]["name"]

    def _set_status(self, pod: dict, status: dict) -> None:
        ns, name = key(pod)

        def apply(o: dict) -> None:
            o["status"] = status

        self.store.update("pods", ns, name, apply)

    # ---- containers ------------------------------------------------------------------------

    def _host(self, rt: PodRuntime) -> Host:
        if rt.host is None:
            async def flux(proc: Proc) -> int:
                return await run_flux(proc, self.instance_for(rt, target_uri(proc)))

            rt.host = Host(hostname=rt.hostname, fs=rt.fs, clock=self.cluster.pod_clock, run=run_program, flux=flux)
        return rt.host

    def _run_init(self, pod: dict, rt: PodRuntime) -> None:
        stage_view(rt.fs, pod, lambda name: self.store.get("configmaps", rt.namespace, name), rt.minicluster)
        if rt.minicluster is not None:
            self.cluster.logs.append(rt.namespace, rt.name, mf.INIT_CONTAINER, f"Flux view staged at {mf.VIEW_ROOT}\n")
            self.cluster.logs.close(rt.namespace, rt.name, mf.INIT_CONTAINER)

    def _start_app(self, pod: dict, rt: PodRuntime) -> None:
        if rt.minicluster is None or rt.index is None:
            return
        mc = self.store.get("miniclusters", rt.namespace, rt.minicluster)
        fs = rt.fs
        fs.host_path(f"{mf.VIEW_BASE}/flux-view.sh").write_text(mf.flux_view_sh(mc) if mc else "")
        cmd = broker_command(fs)
        options = cmd.options
        self._log(rt, "Flux username: root\n")
        if rt.index != 0:
            self._log(rt, f"🌀 flux start -o --config {mf.CONFIG_ROOT}/etc/flux/config {options}\n")
            return
        restore: Path | None = None
        if cmd.archive and fs.host_path(cmd.archive).exists():
            restore = fs.host_path(cmd.archive)
            if cmd.announces_archive:
                self._log(rt, f"🧊️ Found existing archive at {cmd.archive} loading into state directory\nBefore:\n")
            options += f" -Scontent.restore={cmd.archive}"
        self._log(rt, "🧠 Running in interactive mode\n")
        self._log(rt, f"🌀 flux broker --config-path {mf.CONFIG_ROOT}/etc/flux/config {options}\n")
        cores = cpu_cores(pod["spec"]["containers"][0], self.cluster.cores_per_node)
        self._start_broker(rt, cmd.hostnames, cores, restore, cmd.archive)

    def _start_broker(self, rt: PodRuntime, hostnames: list[str], cores: int, restore: Path | None,
                      archive: str | None) -> None:
        old = self.brokers.pop((rt.namespace, rt.minicluster), None)
        if old is not None and old.instance is not None:
            old.instance.close()
        broker = Broker(instance=None, hostnames=hostnames, up_at=self.clock.now() + BROKER_UP, cores=cores,
                        statedir=rt.fs.host_path(mf.STATE_DIR))
        # The simulator never restarts from content.sqlite: a broker begins on an empty statedir, as a
        # new pod's emptyDir gives it, or (with an archive) on one rc1 truncates before restoring.
        clear_statedir(broker.statedir)
        self.brokers[(rt.namespace, rt.minicluster)] = broker
        build = partial(FluxInstance, hostnames=broker.hostnames, cores_per_node=broker.cores,
                        clock=self.cluster.pod_clock, seed=self.cluster.seed, uri=mf.FLUX_SOCKET,
                        executor=self._executor(rt.namespace, rt.minicluster), restore=restore, restore_as=archive,
                        log=lambda line: self._log(rt, line if line.endswith("\n") else line + "\n"))
        if self.seen.settling:  # as if it had been running a while (DemoCluster.settle): rc1 is long done
            self._rc1_done(rt, broker, _attempt(build))
        else:
            self.cluster.spawn(self._boot_broker(rt, broker, build, in_thread=restore is not None))

    async def _boot_broker(self, rt: PodRuntime, broker: Broker, build: Callable[[], FluxInstance], *,
                           in_thread: bool) -> None:
        """rc1: the broker loads its modules for BROKER_UP, then restores the archive (seconds for a big
        one, so in a thread) and starts the job-manager, whose restored queue is scheduled at once:
        rank 0 is online as soon as its rc1 is done (flux-core allocates 0.25 s after flux-restart)."""
        await self.clock.sleep(BROKER_UP)
        if self._current(rt, broker):
            self._rc1_done(rt, broker, await asyncio.to_thread(_attempt, build) if in_thread else _attempt(build))

    def _current(self, rt: PodRuntime, broker: Broker) -> bool:
        return self.brokers.get((rt.namespace, rt.minicluster)) is broker and rt.stop_at is None

    def _rc1_done(self, rt: PodRuntime, broker: Broker, instance: FluxInstance | Exception) -> None:
        if isinstance(instance, Exception):  # a broken archive: the real broker's rc1 fails and it exits
            log.error("broker start failed", exc_info=instance)
            self._log(rt, f"flux-restore: ERROR: {instance}\nbroker.crit[0]: rc1.0: restore failed\n")
            if self.brokers.get((rt.namespace, rt.minicluster)) is broker:
                del self.brokers[(rt.namespace, rt.minicluster)]
            return
        if not self._current(rt, broker):
            instance.close()  # the pod went away while the broker was starting
            return
        broker.instance = instance
        broker.up_at = self.clock.now()
        instance.start()
        instance.set_rank_online(0, True)
        broker.ready = True
        rt.fs.host_path(f"{mf.CONFIG_ROOT}/run/flux/local").write_text("")
        broker.sync_statedir()

    def _executor(self, ns: str, minicluster: str):
        async def run_task(rank: int, argv: list[str], env: dict[str, str], stdout, stderr) -> int:
            rt = self.pod_of_rank(ns, minicluster, rank)
            if rt is None:
                raise RuntimeError(f"rank {rank} has no running pod")
            # Starting a job shell costs real Flux a few tens of milliseconds; no job runs in 0 s.
            await self.clock.sleep(random.uniform(*TASK_LAUNCH))
            proc = Proc(argv=list(argv), env={**rt.env, **env}, host=self._host(rt), stdout=stdout,
                        stderr=stderr, stdin=Stdin(), cwd=env.get("PWD", "/"))
            return await run_program(proc)

        return run_task

    def pod_of_rank(self, ns: str, minicluster: str, rank: int) -> PodRuntime | None:
        for rt in self.pods.values():
            if (rt.namespace, rt.minicluster, rt.index) == (ns, minicluster, rank) and rt.stage == "running" \
                    and rt.stop_at is None:
                return rt
        return None

    def instance_for(self, rt: PodRuntime, uri: str | None) -> FluxInstance | None:
        """The Flux instance a `flux` command in this pod reaches through FLUX_URI, if it is up."""
        if uri != mf.FLUX_SOCKET or rt.minicluster is None or rt.stop_at is not None:
            return None
        broker = self.brokers.get((rt.namespace, rt.minicluster))
        if broker is None or not broker.ready:
            return None
        if rt.index != 0 and not rt.joined:
            return None
        return broker.instance

    def _log(self, rt: PodRuntime, text: str, container: str | None = None) -> None:
        if text:
            self.cluster.logs.append(rt.namespace, rt.name, container or rt.container, text)

    # ---- termination -----------------------------------------------------------------------

    def _terminate(self, pod: dict, rt: PodRuntime) -> None:
        now = self.clock.now()
        if rt.stop_at is None:
            rt.stop_at = now + STOP_GRACE
            if rt.stage in ("init", "running"):
                self.events.killing(pod, init=rt.stage == "init")
            self._stop_flux(rt)
            return
        if now >= rt.stop_at:
            ns, name = key(pod)
            self.store.remove("pods", ns, name)

    def _stop_flux(self, rt: PodRuntime) -> None:
        if rt.minicluster is None or rt.index is None:
            return
        broker = self.brokers.get((rt.namespace, rt.minicluster))
        if rt.index == 0 and broker is not None:
            self._log(rt, "broker.info[0]: shutdown: run->cleanup (received SIGTERM)\n")
            if broker.instance is not None:
                broker.instance.close()
                broker.instance.content.close()
                broker.sync_statedir()
            del self.brokers[(rt.namespace, rt.minicluster)]
        elif broker is not None and broker.instance is not None and rt.joined:
            broker.instance.set_rank_online(rt.index, False)

    def _teardown(self, rt: PodRuntime) -> None:
        if rt.stop_at is None:
            self._stop_flux(rt)
        self.cluster.logs.drop(rt.namespace, rt.name)
        self.seen.forget(rt.uid)
        shutil.rmtree(rt.fs.root, ignore_errors=True)

    def close(self) -> None:
        for broker in self.brokers.values():
            if broker.instance is not None:
                broker.instance.close()
        self.brokers.clear()

    def runtime(self, pod_uid: str) -> PodRuntime | None:
        return self.pods.get(pod_uid)

    def host(self, rt: PodRuntime) -> Host:
        return self._host(rt)


def _attempt(build: Callable[[], FluxInstance]) -> FluxInstance | Exception:
    """build(), or what stopped it (a broken archive)."""
    try:
        return build()
    except Exception as exc:  # noqa: BLE001  (rc1 fails whatever the cause; _rc1_done logs it)
        return exc
