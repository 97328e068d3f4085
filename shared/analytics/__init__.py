"""Analytics: hourly rollups of executions and their aggregation for reading."""
