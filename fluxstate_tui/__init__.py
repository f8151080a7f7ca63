"""fluxstate-tui: a terminal UI for Flux Framework MiniClusters."""
__version__ = "0.1.0"
