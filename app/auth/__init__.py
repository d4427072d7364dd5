"""Accounts, roles and their scopes; authentication; the audit log of personal-data access."""
