"""Default service levels from DOMAIN.md, in working days."""

from __future__ import annotations

from backend.models.enums import Urgency

DISPATCH_DAYS = 0.5
ACCEPT_DAYS = 1.0
REPLY_DAYS: dict[str, float] = {Urgency.normal: 5, Urgency.urgent: 1, Urgency.complex: 15}
MAX_EXTENSIONS = 3
MAX_EXTENSION_DAYS = 3
REVISIT_DAYS = 2.0
SCORE_DAYS = 5.0
# Remind the department this many working days before its acceptance and reply deadlines.
REMINDER_LEAD_DAYS = 1.0
