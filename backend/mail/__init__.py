"""Outgoing mail: the SMTP sender and the worker's handler for ``mail.send`` outbox rows."""
