"""Firestore data migrations and seeding: `python -m shared.migrations --help`."""
