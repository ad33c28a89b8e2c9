"""Working with a running Prometheus: validate --prometheus, the reports, threshold tuning."""
