"""Exit 0 when the local PostgreSQL answers (used by `make test` to decide the second pass)."""

from __future__ import annotations

import os
import sys

import psycopg

ADMIN_DSN = os.environ.get("HUIYIN_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def reachable() -> bool:
    try:
        with psycopg.connect(ADMIN_DSN, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


if __name__ == "__main__":
    sys.exit(0 if reachable() else 1)
