"""Deadlines in motion: SLA policies, reminders, overdue and automatic urging, supervision."""
