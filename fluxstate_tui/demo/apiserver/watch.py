"""Watches on the store: the event history, HTTP watchers on their loops, and in-process listeners."""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from .errors import ApiError
from .resources import resource
from .selectors import make_filter

log = logging.getLogger(__name__)

Listener = Callable[[str, str, dict], None]

HISTORY = 4096  # watch events kept for resuming watches from a resourceVersion


@dataclass
class Event:
    rv: int
    type: str
    plural: str
    obj: dict
    old: dict | None = None  # the previous state, for MODIFIED (selector transitions)


class Watcher:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue = asyncio.Queue()

    def push(self, item: Any) -> None:
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, item)
        except RuntimeError:  # loop closed
            pass


class WatchMixin:
    """Store events out to listeners and watchers; part of Store (uses its _lock, list and resource_version)."""

    def _emit(self, type_: str, plural: str, obj: dict, old: dict | None = None,
              propagation: str | None = None) -> None:
        ev = Event(int(obj["metadata"]["resourceVersion"]), type_, plural, copy.deepcopy(obj),
                   copy.deepcopy(old) if old is not None else None)
        if len(self._history) == self._history.maxlen:
            self._compacted = self._history[0].rv
        self._history.append(ev)
        for w in list(self._watchers):
            w.push(ev)
        for fn in list(self._listeners):
            handed = copy.deepcopy(obj)
            if propagation:
                handed["_propagation"] = propagation
            try:
                fn(type_, plural, handed)
            except Exception:  # a broken controller must not break the API
                log.exception("store listener %r failed on %s %s", fn, type_, plural)

    def add_listener(self, fn: Listener) -> None:
        self._listeners.append(fn)

    def remove_listener(self, fn: Listener) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def check_watch(self, plural: str, label_selector: str | None = None, field_selector: str | None = None,
                    resource_version: str | None = None) -> None:
        """Raises the ApiError a watch with these parameters would fail with: 400 for bad selectors or
        versions. A too-old version is not raised: the watch answers it with an ERROR 410 event."""
        make_filter(plural, label_selector, field_selector)
        if resource_version in (None, "", "0"):
            return
        try:
            int(resource_version)
        except ValueError:
            raise ApiError.bad_request(f'invalid resource version: "{resource_version}"') from None

    async def watch(self, plural: str, namespace: str | None = None, label_selector: str | None = None,
                    field_selector: str | None = None, resource_version: str | None = None,
                    timeout: float | None = None, stop: asyncio.Event | None = None,
                    initial_events: bool = False) -> AsyncIterator[dict]:
        """Yields watch events `{"type": ..., "object": ...}` (dicts ready to serialise).

        resourceVersion unset/"0": synthetic ADDED events for the current objects first. Otherwise
        only events after that version; ApiError 410 if those are no longer kept.
        initial_events (a watch-list, `sendInitialEvents=true`): the current objects whatever the
        version, then the BOOKMARK annotated `k8s.io/initial-events-end` that client-go waits for."""
        res = resource(plural)
        match = make_filter(plural, label_selector, field_selector)

        def in_scope(obj: dict) -> bool:
            if res.namespaced and namespace and obj["metadata"].get("namespace") != namespace:
                return False
            return match(obj)

        watcher = Watcher(asyncio.get_running_loop())
        with self._lock:
            if initial_events or resource_version in (None, "", "0"):
                initial = [{"type": "ADDED", "object": o}
                           for o in self.list(plural, namespace, label_selector, field_selector)]
                backlog: list[Event] = []
                last = self.resource_version
            else:
                try:
                    start = int(resource_version)
                except ValueError:
                    raise ApiError.bad_request(f'invalid resource version: "{resource_version}"') from None
                if start < self._compacted:
                    raise ApiError.expired(f"too old resource version: {start} ({self._compacted + 1})")
                initial = []
                backlog = [e for e in self._history if e.rv > start]
                last = start
            self._watchers.append(watcher)
        deadline = None if timeout is None else asyncio.get_running_loop().time() + timeout
        try:
            for ev in initial:
                yield ev
            if initial_events:
                yield {"type": "BOOKMARK", "object": {
                    "kind": res.kind, "apiVersion": res.api_version,
                    "metadata": {"resourceVersion": str(last), "annotations": {"k8s.io/initial-events-end": "true"}}}}
            pending = list(backlog)
            stopper = asyncio.ensure_future(stop.wait()) if stop is not None else None
            try:
                while True:
                    if pending:
                        ev = pending.pop(0)
                    else:
                        remaining = None if deadline is None else deadline - asyncio.get_running_loop().time()
                        if remaining is not None and remaining <= 0:
                            return
                        getter = asyncio.ensure_future(watcher.queue.get())
                        waits = {getter} | ({stopper} if stopper else set())
                        done, _ = await asyncio.wait(waits, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
                        if getter not in done:
                            getter.cancel()
                            return
                        ev = getter.result()
                    if ev.plural != plural or ev.rv <= last:
                        continue
                    last = ev.rv
                    out = self._translate(ev, in_scope)
                    if out is not None:
                        yield out
            finally:
                if stopper is not None:
                    stopper.cancel()
        finally:
            with self._lock:
                if watcher in self._watchers:
                    self._watchers.remove(watcher)

    @staticmethod
    def _translate(ev: Event, in_scope: Callable[[dict], bool]) -> dict | None:
        now_in = in_scope(ev.obj)
        if ev.type == "MODIFIED" and ev.old is not None:
            was_in = in_scope(ev.old)
            if now_in and not was_in:
                return {"type": "ADDED", "object": copy.deepcopy(ev.obj)}
            if was_in and not now_in:
                return {"type": "DELETED", "object": copy.deepcopy(ev.obj)}
        if not now_in:
            return None
        return {"type": ev.type, "object": copy.deepcopy(ev.obj)}
