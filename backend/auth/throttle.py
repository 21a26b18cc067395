"""Sign-in throttling: which counters a failed sign-in feeds, and when they hold one back.

- the (username, address) pair: ``login_max_failures_per_pair`` failures and that pair is
  refused for the rest of the window; the same username from any other address is not;
- the address, across usernames (password spraying): refused likewise past its limit;
- the username, across addresses: a much higher limit, past which it *backs off*: each further
  failure holds the username back for a wait that doubles (``login_backoff_seconds`` up to
  ``login_backoff_max_seconds``), never for the whole window, so an attacker elsewhere can slow a
  user down but not lock them out.

Successful sign-ins are never counted: a whole campus behind one NAT address may sign in at once.
Usernames are stored hashed in the keys: a username field often holds a mistyped password.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from backend.config import Settings
from backend.core import ratelimit
from backend.models import RateBucket


@dataclass(frozen=True)
class Rule:
    key: str
    limit: int
    backs_off: bool


@dataclass(frozen=True)
class Rules:
    pair: Rule
    address: Rule
    user: Rule

    @property
    def all(self) -> tuple[Rule, Rule, Rule]:
        return self.pair, self.address, self.user

    @property
    def keys(self) -> list[str]:
        return [r.key for r in self.all]


def rules_for(settings: Settings, username: str, address: str) -> Rules:
    who = hashlib.sha256(username.lower().encode()).hexdigest()[:32]
    where = address[:100]  # keys are at most 200 characters
    return Rules(
        pair=Rule(f"login:pair:{who}:{where}", settings.login_max_failures_per_pair, False),
        address=Rule(f"login:ip:{where}", settings.login_max_failures_per_ip, False),
        user=Rule(f"login:user:{who}", settings.login_max_failures_per_user, True),
    )


def _window(settings: Settings) -> timedelta:
    return timedelta(seconds=settings.login_window_seconds)


def wait_for(
    rules: Rules, buckets: Mapping[str, RateBucket], settings: Settings, now: datetime
) -> int:
    """Seconds before these counters let a sign-in through (0: now)."""
    window = _window(settings)
    longest = 0
    for rule in rules.all:
        b = buckets.get(rule.key)
        if b is None:
            continue
        if rule.backs_off:
            if b.blocked_until is not None and b.blocked_until > now:
                wait = math.ceil((b.blocked_until - now).total_seconds())
                longest = max(longest, wait)
        elif b.window_start >= now - window and b.count >= rule.limit:
            longest = max(longest, ratelimit.seconds_left(b.window_start, window, now))
    return longest


def count_failure(
    rules: Rules, buckets: Mapping[str, RateBucket], settings: Settings, now: datetime
) -> None:
    """Count one failure on every (locked, existing) bucket of ``rules``."""
    window = _window(settings)
    for rule in rules.all:
        b = buckets[rule.key]
        if b.window_start < now - window:
            b.count, b.window_start, b.blocked_until = 1, now, None
        else:
            b.count += 1
        beyond = b.count - rule.limit
        if rule.backs_off and beyond > 0:
            wait = min(
                settings.login_backoff_max_seconds,
                settings.login_backoff_seconds * 2 ** min(beyond - 1, 30),
            )
            b.blocked_until = now + timedelta(seconds=wait)
