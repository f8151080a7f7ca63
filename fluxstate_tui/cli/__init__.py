"""The command line: `fluxstate-tui <command> ...` (the parser in main, one module per kind of command).

main: the parser and the entry point; read: ls, jobs, status; workflow: pause, resume, dump, recreate,
scale, archive; run: how a command runs and reports errors; validate: argument types."""

from .main import main

__all__ = ["main"]
