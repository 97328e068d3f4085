"""Guardrails: per-type configuration, bundled defaults, the detectors (PII, toxic content,
prompt injection), the engine that runs them on a surface, and the scan/eval CLI."""
