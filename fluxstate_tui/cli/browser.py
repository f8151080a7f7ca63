"""The web server of `fluxstate-tui serve`: textual-serve's, with the checks a server that drives a cluster needs.

A browser will open a websocket to 127.0.0.1 for any page it shows, and textual-serve accepts every one:
without checks, a page on any web site the presenter visits could type into the TUI. So:
- the websocket must come from a page of this server (its Origin is the Host it asks), and
- on loopback, the Host must be a loopback name: a DNS-rebound name (evil.example resolving to 127.0.0.1)
  is refused even though the browser calls it same-origin.
The page's own URLs (scripts, the websocket) are built from the Host the browser used, so
http://localhost:N and http://127.0.0.1:N both work.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def loopback_hosts(port: int, bound: str) -> frozenset[str]:
    """Every Host header a browser sends for this server on loopback, by the usual names or by the address it
    listens on (say 127.0.0.2); browsers leave the port out only for 80."""
    names = {*LOOPBACK_NAMES, bound.lower()}
    hosts = {f"{name}:{port}" for name in names}
    return frozenset(hosts | names if port == 80 else hosts)


def refusal(request: web.Request, hosts: frozenset[str] | None) -> str | None:
    """Why this request is refused, or None."""
    host = request.host.lower()
    if hosts is not None and host not in hosts:
        return f"this server answers only to {', '.join(sorted(hosts))}, not {host}"
    if request.path == "/ws":
        origin = request.headers.get("Origin", "")
        if urlsplit(origin).netloc.lower() != host:
            return f"the terminal connects only from this server's own page, not from {origin or 'no page'}"
    return None


class TuiServer(Server):
    def __init__(self, command: str, *, port: int, hosts: frozenset[str] | None) -> None:
        """`hosts`: the Host headers to answer (None: any, for --allow-remote)."""
        super().__init__(command, port=port, title="fluxstate-tui")
        self.hosts = hosts

    def initialize_logging(self) -> None:
        # textual-serve logs each request at INFO; the terminal that serves a projector keeps only problems
        # (a TUI that failed to start, with its stderr, is logged as an error).
        super().initialize_logging()
        logging.getLogger().setLevel(logging.WARNING)

    async def on_startup(self, app: web.Application) -> None:
        """textual-serve prints a logo and its command line here; serve.py prints the URL instead."""

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        reason = refusal(request, self.hosts)
        if reason is not None:
            logging.getLogger("textual-serve").warning("refused %s %s: %s", request.method, request.path_qs, reason)
            raise web.HTTPForbidden(text=reason + "\n")
        return await handler(request)

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        """The page, with the same context as textual-serve's, its URLs on the Host the browser used."""
        base = f"http://{request.host}"
        try:
            font_size = int(request.query.get("fontsize", "16"))
        except ValueError:
            font_size = 16
        return {
            "font_size": max(6, min(font_size, 96)),
            "app_websocket_url": f"ws://{request.host}/ws",
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": self.title},
        }

    def serve_on(self, sock: socket.socket) -> None:
        """Serve on a socket bound by the caller (port 0 has its number by then) until SIGINT or SIGTERM."""
        self.initialize_logging()

        async def make_app() -> web.Application:
            # textual-serve's routes (/, /ws, /static, /download), with the guard in front of all of them
            app = await self._make_app()
            app.middlewares.append(self._guard)
            return app

        # Open tabs are websockets that never finish by themselves: wait a little for them at shutdown, then
        # cancel them (each tab's TUI is told to quit as its handler ends).
        web.run_app(make_app(), sock=sock, print=None, access_log=None, shutdown_timeout=2)
