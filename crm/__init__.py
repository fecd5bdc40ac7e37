"""The domain: every business rule, permission check, transaction and audit record."""

__version__ = "0.1.0"
