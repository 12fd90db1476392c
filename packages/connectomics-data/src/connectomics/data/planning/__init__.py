"""Planning a config from the data: the dataset fingerprint and the planner."""
