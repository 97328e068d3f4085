"""The project's own package: every function's domain logic, importable without HTTP."""
