"""Evaluation (issue 10): the facts behind the department rates."""
