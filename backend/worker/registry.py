"""What the worker runs: named sweeps, and the consumers of outbox events.

Domain packages register here at import time, in a ``backend.<package>.sweeps`` or
``backend.<package>.handlers`` module; :func:`load_plugins` imports every such module that
exists, once per process.

- A **sweep** is ``fn(session, now) -> int``: called every sweep interval inside a transaction
  the worker commits; it returns how many things it acted on (for the log). It must be safe to
  run twice and from several workers at once (exactly-once is the sweep's own business).
- A **consumer** has a stable name (``notifications``, ``mail``; later ``webhooks``,
  ``oa_todos``), the topic prefixes it wants and ``fn(session, message, delivery) -> None``.
  Enqueueing an event writes one delivery row per consumer that wants its topic, and each
  delivery is claimed, retried and failed on its own. The consumer's database writes share the
  transaction that marks its delivery sent: raising rolls them back and schedules a retry. The
  session connects on first use, so a consumer that only talks to the network (mail) holds no
  transaction (and, on SQLite, no write lock) while it waits. A worker claims only deliveries
  of consumers enabled under its settings (mail needs an SMTP host); others are left alone.

Which consumers an event gets is decided when it is enqueued, in whatever process enqueues it
(the API, a worker's sweep, a script). So the routing must not depend on what that process
happened to import: :func:`consumers_for` loads every plugin first (once; the app factory and
the worker load them up front, to pay the imports at start-up). Registering is a plain
assignment run by a plugin's import, and loading runs at call time, never during an import, so
every process ends up with the same consumers whatever it imported first.

Sweeps and consumers read the worker's settings with :func:`current_settings`.
"""

from __future__ import annotations

import importlib.util
import pkgutil
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.orm import Session

from backend.config import Settings, get_settings

if TYPE_CHECKING:
    from backend.models import OutboxMessage

_T = TypeVar("_T")


@dataclass
class Delivery:
    """What a consumer gets besides the message: the worker's settings, its "now", and
    resources kept across the messages of one batch (closed when the batch ends)."""

    settings: Settings
    now: datetime
    worker_id: str
    _resources: dict[str, Any] = field(default_factory=dict)
    _stack: ExitStack = field(default_factory=ExitStack)

    def resource(self, name: str, make: Callable[[], _T]) -> _T:
        """The batch's ``name`` resource, made on first use; context managers are closed."""
        if name not in self._resources:
            made = make()
            if hasattr(made, "__exit__"):
                self._stack.enter_context(made)  # type: ignore[arg-type]
            self._resources[name] = made
        return self._resources[name]

    def close(self) -> None:
        self._resources.clear()
        self._stack.close()


SweepFn = Callable[[Session, datetime], int]
HandlerFn = Callable[[Session, "OutboxMessage", Delivery], None]
EnabledFn = Callable[[Settings], bool]


@dataclass(frozen=True)
class Sweep:
    name: str
    fn: SweepFn


@dataclass(frozen=True)
class Consumer:
    name: str
    prefixes: tuple[str, ...]
    fn: HandlerFn
    enabled: EnabledFn | None = None

    def wants(self, topic: str) -> bool:
        return topic.startswith(self.prefixes)

    def enabled_under(self, settings: Settings) -> bool:
        return self.enabled is None or self.enabled(settings)


CONSUMER_NAME_MAX = 64  # outbox_deliveries.consumer

_sweeps: dict[str, Sweep] = {}
_consumers: dict[str, Consumer] = {}
_current_settings: ContextVar[Settings | None] = ContextVar("huiyin_worker_settings", default=None)

# Module names (inside each backend package) whose import registers sweeps and consumers.
PLUGIN_MODULE_NAMES: tuple[str, ...] = ("handlers", "sweeps")
_plugins_lock = threading.RLock()
_plugins_loaded = False


def register_sweep(name: str, fn: SweepFn) -> SweepFn:
    """Register (or replace, by name) a periodic sweep; returns ``fn`` so it can decorate."""
    _sweeps[name] = Sweep(name, fn)
    return fn


def register_consumer(
    name: str,
    topic_prefixes: str | Iterable[str],
    fn: HandlerFn,
    *,
    enabled: EnabledFn | None = None,
) -> HandlerFn:
    """Register (or replace, by name) the consumer ``name`` of events whose topic starts with
    one of ``topic_prefixes``. ``enabled(settings)`` false means workers with those settings
    leave its deliveries alone. The name is stored with every delivery: keep it stable."""
    prefixes = (topic_prefixes,) if isinstance(topic_prefixes, str) else tuple(topic_prefixes)
    if not name or len(name) > CONSUMER_NAME_MAX:
        raise ValueError(f"a consumer name has 1 to {CONSUMER_NAME_MAX} characters: {name!r}")
    if not prefixes or not all(prefixes):
        raise ValueError(f"consumer {name!r} needs non-empty topic prefixes")
    _consumers[name] = Consumer(name, prefixes, fn, enabled)
    return fn


def sweeps() -> list[Sweep]:
    return [_sweeps[name] for name in sorted(_sweeps)]


def consumers_for(topic: str) -> list[str]:
    """The names of the consumers that get an event with this topic (sorted)."""
    load_plugins()
    return sorted(name for name, c in _consumers.items() if c.wants(topic))


def consumer(name: str) -> Consumer | None:
    return _consumers.get(name)


def enabled_consumers(settings: Settings) -> list[str]:
    """The consumers whose deliveries a worker with ``settings`` claims."""
    return sorted(name for name, c in _consumers.items() if c.enabled_under(settings))


def current_settings() -> Settings:
    """The settings of the worker running this sweep or consumer (else the environment's)."""
    return _current_settings.get() or get_settings()


@contextmanager
def using_settings(settings: Settings) -> Iterator[None]:
    token = _current_settings.set(settings)
    try:
        yield
    finally:
        _current_settings.reset(token)


def load_plugins() -> None:
    """Import every registering module of the backend's packages (the first call does)."""
    global _plugins_loaded
    if _plugins_loaded:
        return
    # Reentrant, so a plugin whose import routed an event would not deadlock on it.
    with _plugins_lock:
        if _plugins_loaded:
            return
        import backend

        for pkg in pkgutil.iter_modules(backend.__path__):
            if not pkg.ispkg:
                continue
            for name in PLUGIN_MODULE_NAMES:
                module = f"backend.{pkg.name}.{name}"
                if importlib.util.find_spec(module) is not None:
                    importlib.import_module(module)
        _plugins_loaded = True
