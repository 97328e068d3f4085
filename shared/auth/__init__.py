"""Authentication (Google ID tokens, API keys) and role-based authorization."""
