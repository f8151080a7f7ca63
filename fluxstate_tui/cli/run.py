"""Running a command's coroutine: every failure ends as one line and an exit code, never a traceback."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from ..kube.errors import KubeError
from ..workflows.events import NeedsRecreate, PauseTimeout, Refused, WorkflowError
from ..workflows.locking import Busy

Fail = Callable[..., None]


def print_error(message: str, **_extra: Any) -> None:
    print(f"fluxstate-tui: error: {message}", file=sys.stderr)


def run_command(main: Coroutine[Any, Any, Any], fail: Fail = print_error,
                interrupted: str | None = None) -> tuple[int, Any]:
    """(exit code, what `main` returned). `fail(message, **details)` reports a failure."""
    try:
        return 0, asyncio.run(main)
    except PauseTimeout as exc:
        fail(exc.message, running=exc.running)
    except NeedsRecreate as exc:
        fail(exc.message)
    except Busy as exc:  # another workflow holds the MiniCluster's lock: --json names the holder too
        fail(f"refused: {exc.message}", holder=exc.holder.to_json())
    except Refused as exc:
        fail(f"refused: {exc.message}")
    except WorkflowError as exc:
        fail(exc.message)
    except KubeError as exc:
        fail(exc.message)
        return exc.exit_code, None
    except KeyboardInterrupt:
        if interrupted:
            print(f"fluxstate-tui: {interrupted}", file=sys.stderr)
        return 130, None
    except Exception as exc:  # a bug must still end in one line
        if os.environ.get("FLUXSTATE_DEBUG"):
            raise
        fail(f"internal error: {type(exc).__name__}: {exc}")
    return 1, None
