"""Accounts: users, roles, teams and API tokens. The forum builds on this layer."""
