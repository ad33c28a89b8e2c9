"""Serialisation: deterministic YAML and JSON, Markdown, iCalendar, Kubernetes objects."""
