"""The demo cluster's Kubernetes API server: an aiohttp app on loopback that speaks the real
Kubernetes wire protocol (REST, watch, Table, discovery, OpenAPI v3, pod logs, exec over WebSocket,
content negotiation with protobuf request bodies, core/v1 and events.k8s.io/v1 events),
so the official `kubernetes` Python client and kubectl work against it unchanged."""

from .app import make_app, serve
from .errors import ApiError
from .exec_ws import ExecFn
from .logs import PodLogs
from .rbac import Policy
from .store import Store

__all__ = ["ApiError", "ExecFn", "PodLogs", "Policy", "Store", "make_app", "serve"]
