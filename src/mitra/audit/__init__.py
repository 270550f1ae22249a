"""The audit chain: append-only, SHA-256 hash-chained log of everything that matters."""
