"""Grafana: the dashboards monplan builds from the plan, and the helpers they need.

`macros` and `boards` are light (the spec and the README generator use them); `panels`,
`build` and `normalise` import grafanalib and are only imported by the dashboards
generator, never on the `monplan --help` path.
"""
