"""The background worker: periodic sweeps and outbox delivery (see registry, outbox, runner)."""
