"""Adapters to Google Cloud services. The only place that imports `google.cloud`."""
