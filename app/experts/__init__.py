"""Expertise graph and question routing: who should answer this, and why (DESIGN.md)."""
