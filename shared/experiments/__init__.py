"""A/B experiments: definitions and lifecycle (assignment and statistics: their own issue)."""
