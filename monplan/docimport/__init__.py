"""`monplan import`: a Markdown monitoring plan read into plan.yaml."""
