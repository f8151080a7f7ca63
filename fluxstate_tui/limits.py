"""Bounds every layer agrees on (the CLI's validators, the engine's refusals, the TUI's dialogs)."""

# A MiniCluster size above this is refused unless the user raises it on purpose (`--max-size`): a
# typo must not delete a MiniCluster and create one of millions of pods.
MAX_SIZE = 1024
# More jobs than any Flux instance holds: a larger count is a typo.
MAX_JOBS = 10_000_000
# Copies in one submit: a demo's stream, not a load test; cores beyond any node a MiniCluster has.
MAX_COUNT = 1000
MAX_CORES = 4096
# Seconds the guard waits for running jobs before it cancels them.
IDLE_TIMEOUT = 600.0
