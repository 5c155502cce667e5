"""Read side of the knowledge base: view models for pages and the API (no writes)."""
