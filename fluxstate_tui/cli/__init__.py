"""The command line: `fluxstate-tui <command> ...` (the parser in main, one module per kind of command).

main: the parser and the entry point; read: ls, jobs, status; workflow: pause, resume, dump, recreate,
scale, archive; run: how a command runs and reports errors; validate: argument types.
*_args (act_args, workflow_args, submit_args, guard_args, move_args): each command's parser, light; main
imports a command's module only to run that command, so --help never loads the workflows: start-up speed."""

from .main import main

__all__ = ["main"]
