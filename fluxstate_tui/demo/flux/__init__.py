"""Simulated Flux instance (flux-core 0.88.0 behaviour and output) for the demo cluster."""

from .instance import Executor, FluxInstance, JobRequest, SubmitError
from .main import run_flux

__all__ = ["FluxInstance", "run_flux", "Executor", "JobRequest", "SubmitError"]
