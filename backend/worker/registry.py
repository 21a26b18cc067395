"""What the worker runs: named sweeps and outbox topic handlers.

Domain packages register here at import time. Before its first round the worker calls
:func:`load_plugins`, which imports every ``backend.<package>.sweeps`` and
``backend.<package>.handlers`` module that exists, so putting the registering calls in a module
with one of those names is all a package needs to do.

- A **sweep** is ``fn(session, now) -> int``: called every sweep interval inside a transaction
  the worker commits; it returns how many things it acted on (for the log). It must be safe to
  run twice and from several workers at once (exactly-once is the sweep's own business).
- A **handler** is ``fn(session, message, delivery) -> None`` for outbox rows whose topic
  starts with ``topic_prefix`` (the longest matching prefix wins). Its database writes share
  the transaction that marks the message sent: raising rolls them back and schedules a retry.
  The session connects on first use, so a handler that only talks to the network (mail) holds
  no transaction (and, on SQLite, no write lock) while it waits. A worker claims only topics
  whose handler is enabled under its settings (mail needs an SMTP host).

Sweeps and handlers read the worker's settings with :func:`current_settings`.
"""

from __future__ import annotations

import importlib.util
import pkgutil
from collections.abc import Callable, Iterator
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
    """What a handler gets besides the message: the worker's settings, its "now", and
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
class Handler:
    prefix: str
    fn: HandlerFn
    enabled: EnabledFn | None = None


_sweeps: dict[str, Sweep] = {}
_handlers: dict[str, Handler] = {}
_current_settings: ContextVar[Settings | None] = ContextVar("huiyin_worker_settings", default=None)

# Module names (inside each backend package) whose import registers sweeps and handlers.
PLUGIN_MODULE_NAMES: tuple[str, ...] = ("handlers", "sweeps")


def register_sweep(name: str, fn: SweepFn) -> SweepFn:
    """Register (or replace, by name) a periodic sweep; returns ``fn`` so it can decorate."""
    _sweeps[name] = Sweep(name, fn)
    return fn


def register_handler(
    topic_prefix: str, fn: HandlerFn, *, enabled: EnabledFn | None = None
) -> HandlerFn:
    """Register (or replace) the handler of outbox topics starting with ``topic_prefix``;
    ``enabled(settings)`` false means workers with those settings leave such rows alone."""
    _handlers[topic_prefix] = Handler(topic_prefix, fn, enabled)
    return fn


def sweeps() -> list[Sweep]:
    return [_sweeps[name] for name in sorted(_sweeps)]


def handler_for(topic: str) -> Handler | None:
    best: str | None = None
    for prefix in _handlers:
        if topic.startswith(prefix) and (best is None or len(prefix) > len(best)):
            best = prefix
    return _handlers[best] if best is not None else None


def handled_prefixes(settings: Settings) -> list[str]:
    """The topic prefixes a worker with ``settings`` claims."""
    return sorted(p for p, h in _handlers.items() if h.enabled is None or h.enabled(settings))


def current_settings() -> Settings:
    """The settings of the worker running this sweep or handler (else the environment's)."""
    return _current_settings.get() or get_settings()


@contextmanager
def using_settings(settings: Settings) -> Iterator[None]:
    token = _current_settings.set(settings)
    try:
        yield
    finally:
        _current_settings.reset(token)


def load_plugins() -> None:
    import backend

    for pkg in pkgutil.iter_modules(backend.__path__):
        if not pkg.ispkg:
            continue
        for name in PLUGIN_MODULE_NAMES:
            module = f"backend.{pkg.name}.{name}"
            if importlib.util.find_spec(module) is not None:
                importlib.import_module(module)
