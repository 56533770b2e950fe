"""Parse a rule file's leading ``-- key: value`` comment header into a :class:`Rule`.

The header is the leading run of ``-- key: value`` lines (free ``--`` comment lines before the first
key are a prologue and skipped). A line of ``--`` followed by two or more spaces continues the previous
key. ``group`` may repeat. The header ends at the first line that is neither a known key nor a
continuation: a later ``-- Note: ...`` or any comment is part of the SQL, just a comment. Only a
near-miss of a known key (``-- titel: ...``) is refused, with a did-you-mean.

>>> r = parse_rule_text("-- id: X-1\\n-- title: T\\n-- severity: info\\n-- group: G\\n"
...                     "-- description: d\\n-- resolution: r\\nSELECT 1 AS k FROM t", None)
>>> r.id, r.groups, r.sql_line
('X-1', ('G',), 7)
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from certlib.rules.model import SEVERITIES, Diagnostic, Rule

REQUIRED = ("id", "title", "severity", "group", "description", "resolution")
OPTIONAL = ("external_id", "status", "max_results", "dialect", "tables", "dataset", "keys", "error_message")
_KEY_LINE = re.compile(r"^--\s?([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.*)$")
_CONTINUATION = re.compile(r"^--\s{2,}(\S.*)$")


def _diag(path: Path | None, line: int, message: str, code: str = "metadata", hint: str | None = None) -> Diagnostic:
    return Diagnostic(None, str(path) if path else None, line, 1, "error", code, message, hint)


def _near_key(key: str) -> str | None:
    """A known metadata key that ``key`` is a typo of (``titel`` -> ``title``), if any."""
    close = difflib.get_close_matches(key, REQUIRED + OPTIONAL, n=1, cutoff=0.8)
    return close[0] if close else None


def parse_header(text: str, path: Path | None) -> tuple[dict[str, list[str]], dict[str, int], int, list[Diagnostic]]:
    """Return (values per key, first line per key, 1-based line where the SQL starts, diagnostics)."""
    values: dict[str, list[str]] = {}
    lines_of: dict[str, int] = {}
    problems: list[Diagnostic] = []
    last: str | None = None
    lines = text.splitlines()
    sql_start = len(lines) + 1
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            if not values:
                continue  # blank lines before the header
            sql_start = number
            break
        if not line.startswith("--"):
            sql_start = number
            break
        cont = _CONTINUATION.match(raw.lstrip().rstrip())
        if cont and last is not None:
            values[last][-1] = f"{values[last][-1]} {cont.group(1).strip()}".strip()
            continue
        m = _KEY_LINE.match(line)
        key = m.group(1).lower() if m else None
        if key is not None and key not in REQUIRED and key not in OPTIONAL:
            near = _near_key(key)
            if near is not None:
                problems.append(_diag(path, number, f"unknown metadata key {key!r}", hint=f"did you mean {near!r}?"))
                last = None
                continue
            key = None  # "-- Note: ..." is a comment, not metadata
        if key is None:
            if not values:
                last = None
                continue  # a free comment before the first key (prologue)
            sql_start = number  # the header ends; the rest (comments included) is the SQL
            break
        value = m.group(2).strip()  # type: ignore[union-attr]
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
    lines = text.splitlines()
    ended = lines[sql_start - 1].strip() if sql_start <= len(lines) else ""
    ended_hint = (
        f"the header ends at line {sql_start} ({ended[:40]!r} is not a metadata key); put every key before it"
        if ended.startswith("--")
        else None
    )
    for key in REQUIRED:
        if not values.get(key) or not any(v.strip() for v in values[key]):
            problems.append(_diag(path, 1, f"missing required metadata '-- {key}: ...'", hint=ended_hint))
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
    sql = "\n".join(text.splitlines()[sql_start - 1 :]).strip()
    if not sql and not problems:
        problems.append(_diag(path, sql_start, "the rule has no SQL after its header", code="syntax"))
    if problems:
        raise RuleError(f"{path or '<rule>'}: " + "; ".join(d.message for d in problems), problems)

    def one(key: str) -> str | None:
        return values[key][0] if values.get(key) else None

    def listed(key: str) -> tuple[str, ...]:
        return tuple(p.strip() for v in values.get(key, []) for p in v.split(",") if p.strip())

    # leading blank lines between header and SQL do not count: find the first non-blank SQL line
    body_lines = text.splitlines()[sql_start - 1 :]
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
        error_message=one("error_message"),
    )
