"""monplan: compile a written monitoring plan into working monitoring."""

__version__ = "0.1.0"
