"""Parse a rule file's leading ``-- key: value`` comment header into a :class:`Rule`.

The header ends at the first line that is not a ``--`` comment. A line of ``--`` followed by two or
more spaces continues the previous key. ``group`` may repeat.

>>> r = parse_rule_text("-- id: X-1\\n-- title: T\\n-- severity: info\\n-- group: G\\n"
...                     "-- description: d\\n-- resolution: r\\nSELECT 1 AS k FROM t", None)
>>> r.id, r.groups, r.sql_line
('X-1', ('G',), 7)
"""

from __future__ import annotations

import re
from pathlib import Path

from certlib.rules.model import SEVERITIES, Diagnostic, Rule

REQUIRED = ("id", "title", "severity", "group", "description", "resolution")
OPTIONAL = ("external_id", "status", "max_results", "dialect", "tables", "dataset", "keys")
_KEY_LINE = re.compile(r"^--\s?([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.*)$")
_CONTINUATION = re.compile(r"^--\s{2,}(\S.*)$")


def _diag(path: Path | None, line: int, message: str, code: str = "metadata", hint: str | None = None) -> Diagnostic:
    return Diagnostic(None, str(path) if path else None, line, 1, "error", code, message, hint)


def parse_header(text: str, path: Path | None) -> tuple[dict[str, list[str]], dict[str, int], int, list[Diagnostic]]:
    """Return (values per key, first line per key, 1-based line where the SQL starts, diagnostics)."""
    values: dict[str, list[str]] = {}
    lines_of: dict[str, int] = {}
    problems: list[Diagnostic] = []
    last: str | None = None
    lines = text.splitlines()
    sql_start = len(lines) + 1
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip()
        if not line.strip():
            if last is None and not values:
                continue  # blank lines before the header
            sql_start = number
            break
        if not line.lstrip().startswith("--"):
            sql_start = number
            break
        line = line.lstrip()
        cont = _CONTINUATION.match(line)
        if cont and last is not None:
            values[last][-1] = f"{values[last][-1]} {cont.group(1).strip()}".strip()
            continue
        m = _KEY_LINE.match(line)
        if not m:
            last = None  # a free comment line; not metadata
            continue
        key, value = m.group(1).lower(), m.group(2).strip()
        if key not in REQUIRED and key not in OPTIONAL:
            problems.append(_diag(path, number, f"unknown metadata key {key!r}",
                                  hint="known keys: " + ", ".join(REQUIRED + OPTIONAL)))
            last = None
            continue
        if key in values and key != "group":
            problems.append(_diag(path, number, f"metadata key {key!r} given twice"))
        values.setdefault(key, []).append(value)
        lines_of.setdefault(key, number)
        last = key
    return values, lines_of, sql_start, problems


def parse_rule_text(text: str, path: Path | None) -> Rule:
    """Parse one rule file's text; raises RuleError with file/line diagnostics when the header is bad."""
    from certlib.errors import RuleError

    values, lines_of, sql_start, problems = parse_header(text, path)
    for key in REQUIRED:
        if not values.get(key) or not any(v.strip() for v in values[key]):
            problems.append(_diag(path, 1, f"missing required metadata '-- {key}: ...'"))
    severity = (values.get("severity") or [""])[0].lower()
    if values.get("severity") and severity not in SEVERITIES:
        problems.append(_diag(path, lines_of["severity"], f"severity {severity!r} is not one of fatal, warning, info"))
    status = (values.get("status") or ["active"])[0].lower()
    if status not in ("active", "inactive"):
        problems.append(_diag(path, lines_of["status"], f"status {status!r} is not active or inactive"))
    max_results: int | None = None
    if values.get("max_results"):
        try:
            max_results = int(values["max_results"][0])
            if max_results < 0:
                raise ValueError
        except ValueError:
            problems.append(_diag(path, lines_of["max_results"], "max_results must be a non-negative integer"))
    sql = "\n".join(text.splitlines()[sql_start - 1:]).strip()
    if not sql and not problems:
        problems.append(_diag(path, sql_start, "the rule has no SQL after its header", code="syntax"))
    if problems:
        raise RuleError(f"{path or '<rule>'}: " + "; ".join(d.message for d in problems), problems)

    def one(key: str) -> str | None:
        return values[key][0] if values.get(key) else None

    def listed(key: str) -> tuple[str, ...]:
        return tuple(p.strip() for v in values.get(key, []) for p in v.split(",") if p.strip())

    # leading blank lines between header and SQL do not count: find the first non-blank SQL line
    body_lines = text.splitlines()[sql_start - 1:]
    offset = next((i for i, ln in enumerate(body_lines) if ln.strip()), 0)
    return Rule(
        id=one("id") or "",
        title=one("title") or "",
        severity=severity,  # type: ignore[arg-type]
        groups=tuple(v.strip() for v in values["group"]),
        description=one("description") or "",
        resolution=one("resolution") or "",
        sql=sql,
        path=path,
        sql_line=sql_start + offset,
        external_id=one("external_id"),
        status=status,  # type: ignore[arg-type]
        max_results=max_results,
        dialect=one("dialect"),
        tables=listed("tables"),
        dataset=one("dataset"),
        keys=listed("keys"),
    )
