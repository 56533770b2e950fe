"""The apps, charts and notebooks speak the domain's vocabulary: no status or job-kind words spelled
as string literals in their code (docstrings and doctests may quote them); they use
:mod:`certlib.domain.statuses` (``UnitStatus``, ``UserStatus``, ``EventStatus``, ``StepStatus``,
``JobStatus``, ``JobKind``), so a renamed status cannot leave a screen comparing against a dead word."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from certlib.domain.statuses import EventStatus, JobKind, JobStatus, StepStatus, UnitStatus, UserStatus

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted([*(ROOT / "certlib" / "apps").glob("*.py"), *(ROOT / "notebooks").glob("*.py")])
# "Open"/"Closed" are also plain English words of labels; the multi-word and upper-case words are not
WORDS = {str(s) for enum in (UnitStatus, UserStatus, StepStatus, JobStatus, JobKind) for s in enum} | {
    str(EventStatus.CLOSED),
    str(EventStatus.PUBLISHED),
    str(EventStatus.UNPUBLISHED_CHANGES),
}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def literals(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    docs = _docstrings(tree)
    return [
        f"{path.relative_to(root).as_posix()}:{n.lineno}: {n.value!r}"
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs and n.value in WORDS
    ]


def test_the_check_sees_a_literal_in_code_not_in_a_docstring(tmp_path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text('"""Docs may say "In Progress"."""\nx = col == "Certification Approved by State"\n')
    assert literals(bad, tmp_path) == ["bad.py:2: 'Certification Approved by State'"]


@pytest.mark.parametrize("path", FILES, ids=[f.relative_to(ROOT).as_posix() for f in FILES])
def test_no_status_literals(path: Path) -> None:
    assert literals(path) == []
