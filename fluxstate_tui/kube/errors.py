"""Typed failures of the cluster layer, each with a message a person can act on."""

from __future__ import annotations

from ..flux.parse import first_error_line


class KubeError(Exception):
    """Something at the cluster failed. `str(err)` is one line meant for people."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(KubeError):
    """No usable kubeconfig, an unknown context, a bad namespace argument."""


class Unreachable(KubeError):
    """The API server does not answer."""


class Forbidden(KubeError):
    def __init__(self, verb: str, resource: str, namespace: str | None = None, detail: str = "") -> None:
        where = f" in namespace {namespace!r}" if namespace else ""
        super().__init__(f"forbidden: cannot {verb} {resource}{where}" + (f" ({detail})" if detail else ""))
        self.verb = verb
        self.resource = resource
        self.namespace = namespace


class NotFound(KubeError):
    def __init__(self, kind: str, name: str, namespace: str | None = None) -> None:
        where = f" in namespace {namespace!r}" if namespace else ""
        super().__init__(f"{kind} {name!r} not found{where}")
        self.kind = kind
        self.name = name
        self.namespace = namespace


class BrokerNotReady(KubeError):
    """The MiniCluster has no running broker pod yet, or Flux does not answer in it."""


class ExecTimeout(KubeError):
    def __init__(self, pod: str, seconds: float, what: str = "command") -> None:
        super().__init__(f"{what} in pod {pod} did not finish within {seconds:g}s")
        self.pod = pod
        self.seconds = seconds


class FluxCommandFailed(KubeError):
    def __init__(self, command: str, returncode: int, stderr: str) -> None:
        detail = first_error_line(stderr) or f"exit code {returncode}"
        super().__init__(f"{command} failed: {detail}")
        self.command = command
        self.returncode = returncode
        self.stderr = stderr


class ApiFailure(KubeError):
    """Any other error answer from the API server."""

