"""Checks across the plan and of its output, each reporting located Diagnostics."""
