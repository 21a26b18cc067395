"""Outgoing mail: the SMTP sender and the ``mail`` consumer of ``mail.send`` events."""
