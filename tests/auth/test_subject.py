"""The acting subject: users keep their rights through the scopes their role implies; a service
client's subject is held to its scopes and acts for the unit it is bound to."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from backend.auth.subject import ADMIN_SCOPES, USER_SCOPES, Scope, Subject, service_subject
from backend.core.clock import FrozenClock
from backend.errors import Problem
from backend.models import Ticket
from backend.tickets import context, permissions
from backend.tickets.context import Ctx
from backend.tickets.transitions import Action, Rel
from tests.factories import World

READ = frozenset({Scope.tickets_read})


def _visible(db: Session, s: Subject) -> list[int]:
    q = sa.select(col(Ticket.id)).where(permissions.visible_clause(s)).order_by(col(Ticket.id))
    return list(db.execute(q, permissions.scope_params(s)).scalars())


def _relations(db: Session, s: Subject) -> dict[int, frozenset[Rel]]:
    tickets = db.execute(sa.select(Ticket).order_by(col(Ticket.id))).scalars()
    return {t.id: permissions.relations(db, s, t) for t in tickets if t.id is not None}


def _tickets(w: World) -> None:
    w.submit("college_staff")
    w.submit("college_staff2", anonymity="full")
    w.submit("college_head", anonymity="full")  # no submitter: the head stands as the college
    w.submit("college_other_staff")
    w.ticket_in("dispatched")


def test_users_hold_what_their_role_implies(world: World) -> None:
    assert world.subject("committee_admin").scopes == ADMIN_SCOPES
    assert world.subject("committee_admin").is_committee_admin
    for role in ("committee_staff", "dept_lead_head", "college_head", "college_staff"):
        s = world.subject(role)
        assert s.scopes == USER_SCOPES, role
        assert not s.is_committee_admin, role
        assert s.person() == world[role].id


def test_a_college_service_with_tickets_read_sees_what_the_college_head_sees(
    world: World, db: Session
) -> None:
    w = world
    _tickets(w)
    service = service_subject("oa", READ, w.college)
    head = w.subject("college_head")
    assert _visible(db, service) == _visible(db, head)
    assert _relations(db, service) == _relations(db, head)
    assert _visible(db, service)  # the college has tickets to see
    assert _visible(db, service) != _visible(db, service_subject("oa", READ, w.college_other))


def test_a_department_service_sees_what_the_department_sees(world: World, db: Session) -> None:
    _tickets(world)
    service = service_subject("sync", READ, world.dept_lead)
    assert _visible(db, service) == _visible(db, world.subject("dept_lead_staff"))
    assert _visible(db, service)


def test_without_the_scope_a_service_is_refused(
    world: World, db: Session, clock: FrozenClock
) -> None:
    w = world
    _tickets(w)
    t = w.ticket_in("revisited")
    bare = service_subject("oa", frozenset({Scope.sync_read}), w.college)
    assert _visible(db, bare) == []
    assert set(_relations(db, bare).values()) == {frozenset()}
    ctx = Ctx(session=db, settings=w.settings, now=clock.now(), subject=bare)
    with pytest.raises(Problem) as seen:
        context.get_ticket(ctx, t["id"])
    assert seen.value.status == 404  # out of scope: not found, never a leak

    # Reading is not acting: a read-only service may not score what the head may.
    reader = Ctx(
        session=db,
        settings=w.settings,
        now=clock.now(),
        subject=service_subject("oa", READ, w.college),
    )
    assert context.get_ticket(reader, t["id"])["id"] == t["id"]
    with pytest.raises(Problem) as seen:
        context.begin_action(reader, t["id"], Action.score, None)
    assert (seen.value.status, seen.value.code) == (403, "scope_required")


def test_a_service_is_no_person(world: World) -> None:
    service = service_subject("oa", ADMIN_SCOPES, world.committee)
    assert not service.is_committee_admin  # administration is for people
    with pytest.raises(Problem) as seen:
        service.person()
    assert (seen.value.status, seen.value.code) == (403, "person_required")
