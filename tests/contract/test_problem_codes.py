"""Every problem ``code`` the backend can raise is a member of ``ProblemCode``, and openapi.json
publishes exactly that enum, so the SPA can demand a translation of each code it may receive."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from backend.errors import ProblemCode

ROOT = Path(__file__).resolve().parents[2]

# Callables that take a problem code, and the position of that argument (or ``code=``).
CODE_ARGUMENT = {
    "Problem": 1,
    "problem_response": 1,
    "invalid": 0,
    "conflict": 0,
    "forbidden": 1,
    "too_many": 0,
    "_active_unit": 3,
}


def _sources() -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text(encoding="utf-8"))) for p in (ROOT / "backend").rglob("*.py")]


def _callee(node: ast.Call) -> str | None:
    f = node.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def _code_literals(sources: list[tuple[Path, ast.Module]]) -> dict[str, list[str]]:
    """String literals passed as the code of a problem in these sources, with their places."""
    found: dict[str, list[str]] = {}
    for path, tree in sources:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or (name := _callee(node)) not in CODE_ARGUMENT:
                continue
            index = CODE_ARGUMENT[name]
            arg = node.args[index] if len(node.args) > index else None
            arg = next((k.value for k in node.keywords if k.arg == "code"), arg)
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                place = f"{path}:{node.lineno}"
                found.setdefault(arg.value, []).append(place)
    return found


def _member_references() -> set[str]:
    return {
        node.attr
        for _path, tree in _sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "ProblemCode"
    }


def test_every_literal_code_is_a_problem_code() -> None:
    literals = _code_literals(_sources())
    unknown = {c: places for c, places in literals.items() if c not in set(ProblemCode)}
    assert not unknown, f"problem codes missing from ProblemCode: {unknown}"


def test_the_scan_finds_literal_codes() -> None:
    # The scan must see a literal code, or the test above could pass by finding nothing.
    sample = ast.parse(
        'raise invalid("a_code", "x")\n'
        'raise errors.forbidden("x", code="b_code")\n'
        'return Problem(409, "c_code", "x")\n'
        'raise ratelimit.too_many("d_code", "x", 1)\n'
        'raise invalid(code, "x")\n'
    )
    found = _code_literals([(Path("sample.py"), sample)])
    assert found == {
        "a_code": ["sample.py:1"],
        "b_code": ["sample.py:2"],
        "c_code": ["sample.py:3"],
        "d_code": ["sample.py:4"],
    }


def test_every_problem_code_is_raised_somewhere() -> None:
    # A code nothing raises would ask the SPA to translate a message no one ever sees.
    unused = set(ProblemCode) - _member_references() - set(_code_literals(_sources()))
    assert not unused, f"ProblemCode members no code raises: {sorted(unused)}"


def test_openapi_publishes_the_problem_codes() -> None:
    spec = json.loads((ROOT / "openapi.json").read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    assert schemas["ProblemBody"]["properties"]["code"] == {
        "$ref": "#/components/schemas/ProblemCode"
    }
    assert sorted(schemas["ProblemCode"]["enum"]) == sorted(ProblemCode)
