"""Pruning what the database no longer needs (delivered outbox rows, old idempotency keys …)."""
