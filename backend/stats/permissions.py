"""Who sees department rates: the committee every department, a department its own row (ranked
among all); colleges none, with 403 like the exclusions list (rates are between the committee and
the departments). Weights: read by whoever reads rates, changed by a committee admin."""

from __future__ import annotations

from backend.auth.subject import Scope, Subject
from backend.errors import Problem, ProblemCode, forbidden


def require_reading(p: Subject) -> None:
    p.require(Scope.tickets_read)
    if not (p.is_committee or p.is_department):
        raise forbidden("Department rates are for the committee and the departments.")


def visible_department(p: Subject) -> int | None:
    """The one department the caller may see, or None for all (the committee)."""
    return None if p.is_committee else p.unit_id


def require_weights_admin(p: Subject) -> None:
    if not p.is_committee_admin:
        raise Problem(403, ProblemCode.admin_required, "Only committee administrators may do this.")
