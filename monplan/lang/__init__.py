"""The plan's small languages: thresholds, durations, names, PromQL helpers, Go template numbers."""
