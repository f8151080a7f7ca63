"""Simulated Flux instance (flux-core 0.88.0 behaviour and output) for the demo cluster."""

from .execution import Executor
from .instance import FluxInstance
from .main import run_flux
from .submit import JobRequest, SubmitError

__all__ = ["FluxInstance", "run_flux", "Executor", "JobRequest", "SubmitError"]
