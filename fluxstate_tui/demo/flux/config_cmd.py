"""`flux config reload`: read the broker's TOML configuration directory again and apply its queues.

flux-core re-reads every `*.toml` in the `--config-path` directory and hands the result to its
modules; the job manager creates, keeps or removes queues to match `[queues]`. This simulator applies
only that part (queues and the default queue): the rest of the configuration is fixed at boot.
"""

from __future__ import annotations

import tomllib

from .queue import ConfigError

CONFIG_PATH = "/mnt/flux/config/etc/flux/config"  # the Flux Operator's `flux broker --config-path`


def _merge(into: dict, other: dict) -> None:
    for key, value in other.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


async def run(proc, inst, parsed) -> int:
    """`flux config reload` (grammar.py has read it; --follower-noop changes nothing on the leader)."""
    directory = proc.host.fs.host_path(CONFIG_PATH)
    config: dict = {}
    for path in sorted(directory.glob("*.toml")) if directory.is_dir() else []:
        try:
            _merge(config, tomllib.loads(path.read_text()))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            await proc.err(f"flux-config: ERROR: {CONFIG_PATH}/{path.name}: {exc}\n")
            return 1
    try:
        inst.configure_queues(config)
    except ConfigError as exc:
        await proc.err(f"flux-config: ERROR: {exc}\n")
        return 1
    return 0
