"""The commands' work as functions: the build pipeline, diff and explain."""
