"""Supervision orders (督办单): raised on a ticket, acknowledged by the department head with a
rectification plan, closed by the committee once the ticket is answered.

An order belongs to the department that held the ticket when it was raised; each order ends:

- ``open`` → ``acknowledged`` (the department head's plan) → ``closed`` (the committee, once the
  ticket is replied, revisited or closed). An order still open on an answered or closed ticket
  ends the same way: its head can still acknowledge it, then the committee closes it.
- ``open``/``acknowledged`` → ``void`` when the department lets go of the ticket: a return,
  reject, withdraw or merge (``backend.tickets.endings``). A department that takes the ticket
  later gets automatic and manual orders of its own: "one live order" is per ticket *and*
  department.
- A reopen sends the ticket back to the same lead department, so its orders stay live and keep
  pressing it; the committee closes them once the department answers again.
"""
