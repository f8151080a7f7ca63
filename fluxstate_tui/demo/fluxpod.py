"""What the Flux Operator's containers leave in a MiniCluster pod, and the broker its wait script starts.

The `flux-view` init container stages the view and the broker config; the app container runs
`wait-0.sh`, whose broker options and archive test say how the broker starts. A running broker's
statedir shows what its content store holds (flux/content.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..flux.hostlist import hostlist_decode
from . import manifests as mf
from .flux import FluxInstance
from .flux.content import write_statedir
from .proc import PodFS, Proc

log = logging.getLogger(__name__)


@dataclass
class Broker:
    """A Flux instance run by a MiniCluster's lead broker pod."""

    instance: FluxInstance | None  # None while the broker is starting (rc1, restoring an archive)
    hostnames: list[str]
    up_at: float                   # node clock: when it answers (an estimate until it does)
    cores: int                     # per rank, as hwloc finds them in the broker's container
    statedir: Path                 # the host directory behind its -Sstatedir
    ready: bool = False
    synced: int = -1               # the content store version the statedir's files show

    def sync_statedir(self) -> None:
        """Bring the statedir's files to the size of what the content store holds now."""
        inst = self.instance
        if inst is None or inst.content.version == self.synced:
            return
        try:
            write_statedir(self.statedir, inst.content, inst.clock.now())
        except OSError as exc:  # the pod's directory went away with it
            log.debug("statedir %s: %s", self.statedir, exc)
        self.synced = inst.content.version


@dataclass
class BrokerCommand:
    """How the wait script starts Flux in this pod."""

    hostnames: list[str]
    options: str
    archive: str | None       # spec.archive.path, if the script restores one when it exists
    announces_archive: bool   # the script prints "Found existing archive" (logging.quiet is off)


def stage_view(fs: PodFS, pod: dict, configmap: Callable[[str], dict | None], minicluster: str | None) -> None:
    """What the image and the flux-view init container leave in the pod's filesystem."""
    fs.host_path("/home/flux-operator").mkdir(parents=True, exist_ok=True)
    fs.host_path("/etc/os-release").write_text(
        'NAME="Rocky Linux"\nVERSION="9.6 (Blue Onyx)"\nID="rocky"\nVERSION_ID="9.6"\n'
        'PRETTY_NAME="Rocky Linux 9.6 (Blue Onyx)"\n')
    for vol in pod["spec"].get("volumes") or []:
        if "configMap" not in vol:
            continue
        cm = configmap(vol["configMap"]["name"]) or {}
        mount = next((m["mountPath"] for m in pod["spec"]["containers"][0].get("volumeMounts") or []
                      if m["name"] == vol["name"]), None)
        if mount is None:
            continue
        for k, text in (cm.get("data") or {}).items():
            filename = {"flux-view": "flux-init.sh"}.get(k, f"{k}.sh" if k.startswith(("wait-", "start-")) else k)
            path = fs.host_path(f"{mount.rstrip('/')}/{filename}")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if minicluster is None:
        return
    cm = configmap(f"{minicluster}-entrypoint") or {"data": {}}
    view_bin = fs.host_path(f"{mf.VIEW_ROOT}/bin")
    view_bin.mkdir(parents=True, exist_ok=True)
    (view_bin / "flux").write_text(f"#!/bin/sh\n# flux-core {mf.FLUX_VERSION} (fluxstate-tui demo)\n")
    for d in ("etc/flux/system", "etc/flux/config", "var/lib/flux", "run/flux"):
        fs.host_path(f"{mf.CONFIG_ROOT}/{d}").mkdir(parents=True, exist_ok=True)
    toml = cm["data"].get("broker.toml", "")
    fs.host_path(f"{mf.CONFIG_ROOT}/etc/flux/config/broker.toml").write_text(toml)
    fs.host_path(f"{mf.CONFIG_ROOT}/etc/flux/system/hostlist").write_text(",".join(hostnames_from_toml(toml)) + "\n")
    fs.host_path(f"{mf.VIEW_BASE}/flux-operator-done.txt").write_text("")


def broker_command(fs: PodFS) -> BrokerCommand:
    """Read the staged wait script and broker config."""
    wait = fs.host_path("/flux_operator/wait-0.sh")
    script = wait.read_text() if wait.exists() else ""
    toml = fs.host_path(f"{mf.CONFIG_ROOT}/etc/flux/config/broker.toml").read_text()
    return BrokerCommand(hostnames=hostnames_from_toml(toml),
                         options=_grab(r'brokerOptions="([^"$]*)"', script) or "",
                         archive=_grab(r'if \[\[ -e "([^"]+)" \]\]', script),
                         announces_archive="Found existing archive" in script)


def target_uri(proc: Proc) -> str | None:
    """The instance a flux command connects to: `flux proxy URI ...` names it, else FLUX_URI."""
    args = proc.argv[1:]
    if args[:1] == ["proxy"]:
        for arg in args[1:]:
            if not arg.startswith("-"):
                return arg
    return proc.env.get("FLUX_URI")


def _grab(pattern: str, text: str) -> str | None:
    m = re.search(pattern, text)
    return m.group(1) if m else None


def hostnames_from_toml(toml: str) -> list[str]:
    """The hosts of broker.toml's `hosts = [{ host="name-[0-3]" }]` entry."""
    spec = _grab(r'host="([^"]+)"', toml)
    return hostlist_decode(spec) if spec else []
