"""A/B experiments: definitions and lifecycle, GrowthBook-compatible assignment in the
resolve path, and the statistics of their results."""
