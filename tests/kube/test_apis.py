"""The generated API classes cut to the endpoints the project calls (kube/apis.py): the same code as the
official client's, the rest served by a fallback cut (with the models the first cut leaves out) or the full
class, and a cut that cannot be made falls back whole."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import subprocess
import sys

import pytest

from fluxstate_tui.kube.apis import (
    CORE_V1,
    CORE_V1_MODELS,
    CUSTOM_OBJECTS,
    MODEL_IMPORT,
    GeneratedApi,
    SourceLayout,
    cut,
)
from fluxstate_tui.kube.client import KubeClient, Target
from tests.conftest import REPO


def generated(api: GeneratedApi) -> tuple[type, str]:
    """The full generated class and its source text."""
    spec = importlib.util.find_spec(api.module)
    assert spec is not None and spec.origin
    with open(spec.origin, encoding="utf-8") as f:
        return getattr(importlib.import_module(api.module), api.name), f.read()


@pytest.mark.parametrize("api", [CORE_V1, CORE_V1_MODELS, CUSTOM_OBJECTS], ids=lambda a: a.cut_module)
def test_every_endpoint_is_the_generated_code_at_its_own_line(api):
    full, _ = generated(api)
    cut_down = api.cut_class
    assert cut_down is not full
    for name in api.endpoints:
        mine, theirs = getattr(cut_down, name), getattr(full, name)
        mine, theirs = getattr(mine, "raw_function", mine), getattr(theirs, "raw_function", theirs)
        assert mine.__code__.co_code == theirs.__code__.co_code, name
        assert mine.__code__.co_consts == theirs.__code__.co_consts, name
        assert (mine.__code__.co_filename, mine.__code__.co_firstlineno) == \
            (theirs.__code__.co_filename, theirs.__code__.co_firstlineno), name
        # evaluated as the generated module evaluates them (FieldInfo compares by identity: by repr)
        assert not any(isinstance(a, str) for a in mine.__annotations__.values()), name
        assert repr(mine.__annotations__) == repr(theirs.__annotations__), name


def test_the_cut_keeps_each_kept_line_where_it_was():
    _, text = generated(CORE_V1)
    source = cut(text, CORE_V1.name, ("list_namespaced_pod",))
    lines, original = source.split("\n"), text.split("\n")
    kept = [i for i, line in enumerate(lines) if line]
    assert all(lines[i] == original[i] for i in kept)
    assert any("async def list_namespaced_pod(" in lines[i] for i in kept)
    assert any("async def _list_namespaced_pod_serialize(" in lines[i] for i in kept)
    assert not any("async def list_namespaced_pod_with_http_info(" in lines[i] for i in kept)
    assert len(kept) < len(original) / 20


def test_the_first_cut_imports_no_model_and_its_fallback_only_what_it_names():
    _, text = generated(CORE_V1)
    models = [m.group(1) for line in cut(text, CORE_V1.name, CORE_V1.endpoints).split("\n")
              if (m := MODEL_IMPORT.match(line))]
    assert models == []  # V1PodList is named only in quotes (its response type, read only to deserialize)
    models = {m.group(1) for line in cut(text, CORE_V1.name, CORE_V1_MODELS.endpoints).split("\n")
              if (m := MODEL_IMPORT.match(line))}
    assert {"V1PodList", "V1Pod", "V1DeleteOptions", "V1NodeList"} <= models and "V1PodTemplateList" not in models


def test_an_endpoint_that_is_not_there_is_refused():
    _, text = generated(CORE_V1)
    with pytest.raises(SourceLayout):
        cut(text, CORE_V1.name, ("list_namespaced_unicorns",))
    with pytest.raises(SourceLayout):
        cut(text, "NoSuchApi", ("list_namespaced_pod",))


def test_a_cut_that_cannot_be_made_falls_back_to_the_full_class():
    api = GeneratedApi("core_v1_api", "CoreV1Api", ("list_namespaced_unicorns",))
    full, _ = generated(api)
    assert api.cut_class is full


def test_methods_outside_the_endpoints_come_from_the_fallback_or_the_full_class_on_the_same_client(seeded_demo):
    async def main():
        async with await KubeClient.connect(Target(kubeconfig=str(seeded_demo.kubeconfig))) as kube:
            assert "list_persistent_volume" not in CORE_V1.endpoints + CORE_V1_MODELS.endpoints
            volumes = await kube.core.list_persistent_volume()
            assert "list_namespaced_pod" in CORE_V1_MODELS.endpoints and "list_namespaced_pod" not in CORE_V1.endpoints
            pods = await kube.core.list_namespaced_pod("default", label_selector="hpa-selector=flux-sample")
            assert kube.core.list_persistent_volume.__self__ is kube.core
            assert kube.core.list_namespaced_pod.__func__ is CORE_V1_MODELS.cut_class.list_namespaced_pod
            return [v.metadata.name for v in volumes.items], len(pods.items)

    assert asyncio.run(main()) == (["data"], 2)


def test_the_kube_modules_load_no_client_until_one_connects():
    """The TUI imports these before its first frame: the client (about 0.7 s) waits for a connection."""
    code = ("import sys; import fluxstate_tui.kube.access, fluxstate_tui.kube.broker, fluxstate_tui.kube.lease, "
            "fluxstate_tui.kube.logs, fluxstate_tui.kube.describe, fluxstate_tui.kube.events; "
            "print(sorted(m for m in ('kubernetes', 'aiohttp', 'pydantic') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert result.stdout.strip() == "[]"
