"""Project-wide tests that belong to no single app (translations)."""
