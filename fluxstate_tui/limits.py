"""Bounds every layer agrees on (the CLI's validators, the engine's refusals, the TUI's dialogs)."""

# A MiniCluster size above this is refused unless the user raises it on purpose (`--max-size`): a
# typo must not delete a MiniCluster and create one of millions of pods.
MAX_SIZE = 1024
# More jobs than any Flux instance holds: a larger count is a typo.
MAX_JOBS = 10_000_000
