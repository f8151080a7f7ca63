"""The tiny shell of the demo cluster's simulated pods.

`run_program(proc)` runs an argv the way `kubectl exec POD -- ARGV` would: `bash -c SCRIPT`,
`bash FILE`, `bash` reading stdin (a script as it arrives, or a prompt when stdin is a terminal),
coreutils-like programs, and `flux` (only when a `flux` file is on $PATH in the pod fs). Unknown
programs raise proc.CommandNotFound.
It never runs anything on the real host: only its own builtins and programs.
"""

from .launcher import run_program
from .programs import PROGRAMS

__all__ = ["run_program", "PROGRAMS"]
