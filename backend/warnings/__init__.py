"""Concentration warnings (意见集中 → 约谈).

The committee sets rules (many tickets about one department, a low satisfaction rate, many
overdue tickets at once); the worker's sweep raises a warning once per rule, department and
window and tells the department head and the committee; the committee records the talk with the
department (约谈) or dismisses the warning with a reason. ``open`` → ``interviewed`` |
``dismissed``; a decided warning is never decided again.
"""
