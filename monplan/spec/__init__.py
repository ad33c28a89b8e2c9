"""The plan format: pydantic models mirroring plan.yaml, and the loader that keeps line numbers."""
