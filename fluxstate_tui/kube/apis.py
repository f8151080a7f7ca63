"""The official client's generated API classes, cut down to the endpoints this project calls.

A generated class of `kubernetes.aio.client` is hundreds of pydantic-validated methods and the
models they name: CoreV1Api (some 900 methods, about 40 models) takes about 0.6 s to import, as much
as the rest of a CLI command; cut to the ten endpoints used, 0.25 s, most of it the pod models a pod
listing needs anyway (start-up speed). `GeneratedApi` compiles, from that class's own
source file, a class holding only the endpoints it lists with their request serializers, each at
its own line of the file (a traceback shows the real source), so every request is made by the
official code, unchanged. Any other method is taken from the full class, built on first use; so is
every method when the source cannot be read or cut (an installed client without its .py files, a
generator with another layout).

An API may be cut twice: first to the endpoints a connection needs at once, which name no model (the
pods of the MiniCluster list are read as JSON: kube/resources.py), then, on the first call of any other
endpoint, to a `fallback` that lists them, whose models (the pod's alone are some 180 pydantic classes,
about 0.15 s) load only then: start-up speed.
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import logging
import re
import sys
import types
from functools import cached_property
from typing import Any

log = logging.getLogger(__name__)

PACKAGE = "kubernetes.aio.client.api"
DECORATOR = "\n    @validate_call"
# Every method after a class's first few is an `async def` at this indent, most of them decorated.
METHOD = "\n    async def "
MODEL_IMPORT = re.compile(r"from kubernetes\.aio\.client\.models\.\w+ import (\w+)$")
# The names the kept code uses as code, not inside a string: `_response_types_map` names the response's model
# in quotes (read only to deserialize it, which a `_without_preload_content` endpoint never does). Found in one
# pass: a search per model import took 45 ms of a connection (start-up speed).
NAMES_AS_CODE = re.compile(r"(?<![\w\"'])\w+(?![\w\"'])")
_CUTS = itertools.count(1)
VARIANT = re.compile(r"_(?:with_http_info|without_preload_content)$")


class SourceLayout(Exception):
    """The generated file is not laid out as this module expects."""


class GeneratedApi:
    """One generated API class (`module`.`name`), cut to `endpoints`; other methods from `fallback`'s
    cut (built on first use), else from the full class."""

    def __init__(self, module: str, name: str, endpoints: tuple[str, ...], *,
                 fallback: GeneratedApi | None = None) -> None:
        self.module = f"{PACKAGE}.{module}"
        self.name = name
        self.endpoints = endpoints
        self.fallback = fallback
        # the module the cut code runs in, one per cut (pydantic resolves a method's names in its module)
        self.cut_module = f"{__name__}.{name}_{next(_CUTS)}"

    def __call__(self, api_client: Any) -> Any:
        """The API on `api_client` (the REST or the websocket client)."""
        return self.cut_class(api_client)

    def prepare(self) -> None:
        """Build the cut class now, in the caller's thread, rather than on the first request."""
        self.cut_class  # noqa: B018  (a cached property)

    def find(self, attr: str) -> Any:
        """`attr` of the class, unbound: from the cut class, else the fallback's, else the full class."""
        cls = self.cut_class
        if hasattr(cls, attr):  # the class's own attributes: never its instances' __getattr__
            return getattr(cls, attr)
        return self.fallback.find(attr) if self.fallback is not None else getattr(self.full_class, attr)

    @cached_property
    def full_class(self) -> type:
        # The whole generated class, only for a method outside the endpoints: start-up speed.
        return getattr(importlib.import_module(self.module), self.name)

    @cached_property
    def cut_class(self) -> type:
        """The class with only the endpoints, built once (the full class if it cannot be cut)."""
        try:
            spec = importlib.util.find_spec(self.module)
            if spec is None or not spec.origin or not spec.origin.endswith(".py"):
                raise SourceLayout(f"no source for {self.module}")
            with open(spec.origin, encoding="utf-8") as f:
                text = f.read()
            # A module of its own in sys.modules: pydantic resolves a method's annotations in its module.
            module = types.ModuleType(self.cut_module)
            module.__file__ = spec.origin
            # dont_inherit: the generated code's own flags, not this module's `from __future__ import annotations`
            code = compile(cut(text, self.name, self.endpoints), spec.origin, "exec", dont_inherit=True)
            exec(code, module.__dict__)  # noqa: S102  (the client's own code)
            sys.modules[module.__name__] = module
            cut_down = getattr(module, self.name)
            missing = [name for name in self.endpoints if name not in vars(cut_down)]
            if missing:
                raise SourceLayout(f"not cut out: {', '.join(missing)}")
        except Exception as exc:  # noqa: BLE001  (whatever stops the cut, the full class does the same, slower)
            log.debug("using the full %s: %s", self.name, exc)
            return self.full_class
        api = self

        def elsewhere(instance: Any, attr: str) -> Any:
            """A method outside the endpoints: the fallback's or the full class's, bound to this instance."""
            if attr.startswith("__"):
                raise AttributeError(attr)
            if api.fallback is not None:
                return api.fallback.find(attr).__get__(instance)
            return getattr(api.full_class, attr).__get__(instance)

        return type(self.name, (cut_down,), {"__getattr__": elsewhere, "__module__": __name__})


def cut(text: str, name: str, endpoints: tuple[str, ...]) -> str:
    """The generated module with only `endpoints` (and what they use) left in its class `name`;
    every line that stays keeps its number, the others are left blank."""
    cls = text.find(f"\nclass {name}:")
    if cls < 0:
        raise SourceLayout(f"no class {name}")
    members = _members(text, cls + 1)
    first = min((start for start, _, decorated in members.values() if decorated), default=-1)
    if first < 0:
        raise SourceLayout("no validated method")
    spans = {(cls + 1, first)}  # the class line, its docstring, __init__, close, __aenter__, __aexit__
    for endpoint in endpoints:
        for wanted, decorated in ((endpoint, True), (f"_{VARIANT.sub('', endpoint)}_serialize", False)):
            if wanted not in members or members[wanted][2] != decorated:
                raise SourceLayout(f"no method {wanted} as expected")
            spans.add(members[wanted][:2])
    kept = "".join(text[a:b] for a, b in sorted(spans))
    used = set(NAMES_AS_CODE.findall(kept))
    header = []
    for line in text[:cls + 1].split("\n"):
        model = MODEL_IMPORT.match(line)
        # a model left out that the code needs fails the cut (NameError): the full class is used, never wrong
        header.append(line if model is None or model.group(1) in used else "")
    pieces = ["\n".join(header)]
    at = cls + 1
    for a, b in sorted(spans):
        pieces.append("\n" * text.count("\n", at, a))
        pieces.append(text[a:b])
        at = b
    return "".join(pieces)


def _members(text: str, start: int) -> dict[str, tuple[int, int, bool]]:
    """Every `async def` of the class after `start`: name -> (where it starts, its decorator included;
    where the next one starts; whether it is decorated). One pass over the file (6 MB for core/v1)."""
    found: list[tuple[str, int, bool]] = []
    at = text.find(METHOD, start)
    while at >= 0:
        name = text[at + len(METHOD):text.find("(", at)]
        line_before = text.rfind("\n", 0, at)
        decorated = text.startswith(DECORATOR, line_before)
        found.append((name, (line_before if decorated else at) + 1, decorated))
        at = text.find(METHOD, at + 1)
    ends = [begin for _, begin, _ in found[1:]] + [len(text)]
    return {name: (begin, end, decorated) for (name, begin, decorated), end in zip(found, ends, strict=True)}


# What kube/, workflows/ and the TUI call on `KubeClient.core` and `.ws_core`, and on `.custom`: first what
# the MiniCluster list and the jobs screen call (no model: built as the client connects), then the rest
# (with their models: built on the first call of one of them).
CORE_V1_MODELS = GeneratedApi("core_v1_api", "CoreV1Api", (
    "list_namespaced_pod", "delete_namespaced_pod", "list_namespace", "list_node",
    "list_namespaced_event", "read_namespaced_config_map", "read_namespaced_service",
    "read_namespaced_pod_log",
))
CORE_V1 = GeneratedApi("core_v1_api", "CoreV1Api", (
    "list_namespaced_pod_without_preload_content", "list_node_without_preload_content",
    "read_namespaced_pod_log_without_preload_content", "connect_get_namespaced_pod_exec_without_preload_content",
), fallback=CORE_V1_MODELS)
CUSTOM_OBJECTS = GeneratedApi("custom_objects_api", "CustomObjectsApi", (
    "list_cluster_custom_object", "list_namespaced_custom_object", "get_namespaced_custom_object",
    "create_namespaced_custom_object", "delete_namespaced_custom_object", "patch_namespaced_custom_object",
    "patch_namespaced_custom_object_scale",
))
