"""Reports from a live Prometheus: the plan's daily report (and weekly review), and the data
`monplan tune` reads. Modules: window (time ranges), rows (a row's series and statistics),
episodes (alert firings from ALERTS), build (the report's content), plots and render."""
