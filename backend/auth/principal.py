"""Who is calling: the authenticated user with their unit, as every service sees them."""

from __future__ import annotations

from dataclasses import dataclass

from backend.models.enums import Role, UnitKind


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    role: str
    is_admin: bool
    unit_id: int
    unit_kind: str
    unit_name: str
    unit_code: str
    session_id: str

    @property
    def is_committee(self) -> bool:
        return self.unit_kind == UnitKind.committee

    @property
    def is_committee_admin(self) -> bool:
        return self.is_committee and self.is_admin

    @property
    def is_department(self) -> bool:
        return self.unit_kind == UnitKind.department

    @property
    def is_college(self) -> bool:
        return self.unit_kind == UnitKind.college

    @property
    def is_head(self) -> bool:
        return self.role == Role.head
