"""The guard: a small controller (kopf) that dumps a protected MiniCluster's queue before any deletion
lets it go. The steps are the engine's (workflows/guard_dump.py); this package only wires them to kopf."""
