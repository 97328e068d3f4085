"""Webhook subscriptions and their signed deliveries of change events."""
