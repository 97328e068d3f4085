"""Guardrails: configuration model and bundled defaults (the engine arrives with its issue)."""
