"""核减 (exclusions): a ticket left out of one department's rates.

- A department **head** asks (``pending``) to exclude a ticket the department leads or led
  (it was returned since): malicious, a duplicate, outside its remit, or another reason, with
  the reason in words. Staff read their department's exclusions but do not ask: leaving a
  ticket out of the unit's assessment is the head's call, as acknowledging a supervision order
  is.
- The committee approves or rejects a pending request, once (``approved`` / ``rejected``), or
  excludes a ticket itself (``direct``: created ``approved``).
- At most one ``pending`` or ``approved`` exclusion per ticket and department (a database
  index holds it); after a rejection the department may ask again.
- The committee sees every exclusion, a department its own, a college none.

An approved exclusion takes the ticket out of every rate of that department (and of none other);
the statistics read :func:`backend.exclusions.service.approved_exclusions`.
"""
