"""Supervision orders (督办单): raised on a ticket, acknowledged by the department head with a
rectification plan, closed by the committee once the ticket is answered."""
