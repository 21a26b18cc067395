"""Registers the fact projector with the event writer (imported by ``load_plugins``)."""

from __future__ import annotations

from backend.evaluation.facts import project
from backend.events.record import register_projector

register_projector("assignment_facts", project)
