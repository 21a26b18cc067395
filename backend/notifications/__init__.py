"""In-app notifications: the fan-out of outbox events, the inbox API, mail preferences."""
