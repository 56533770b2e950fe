"""T-SQL comparison semantics (issue 13, class 8): a ``-- dialect: tsql`` rule compares strings as SQL
Server does with its default collation (``SQL_Latin1_General_CP1_CI_AS`` / ``Latin1_General_CI_AS``):
case-insensitively, and ``=`` / ``<>`` / ``<`` ... / ``LIKE`` / ``LEN`` ignore trailing blanks.

The typed tree is rewritten to compare *normalized values* — ``LOWER(RTRIM(x))`` — wherever SQL Server
compares strings, for every target (polars, DuckDB, Spark, ...), so the rule means the same everywhere:

* ``= <> < <= > >=``, ``IS [NOT] DISTINCT FROM``, ``BETWEEN``, ``IN (list)``, ``IN (subquery)`` (the
  subquery's column is normalized), ``NULLIF``, the simple ``CASE x WHEN v``: both sides normalized
  (joins and correlations included);
* ``LIKE``: ``LOWER(RTRIM(x)) LIKE LOWER(pattern)`` (SQL Server ignores trailing blanks of the matched
  value, not of the pattern);
* ``LEN(x)``: ``LENGTH(RTRIM(x))``; ``CHARINDEX(t, s)``: ``POSITION(LOWER(t) IN LOWER(s))``;
* ``GROUP BY s`` / ``SELECT DISTINCT ... s``: grouped on ``LOWER(RTRIM(s))``; the value shown is
  ``MIN(s)``, one of the group's spellings (SQL Server shows one of them too, which one is unspecified);
  ``COUNT(DISTINCT s)`` counts normalized values; ``PARTITION BY s`` / ``OVER (ORDER BY s)`` use them;
* ``MIN(s)`` / ``MAX(s)`` compared with something: ``MIN(LOWER(RTRIM(s)))``.

Refused (with a hint), because no normalization reproduces them: ``MIN`` / ``MAX`` of a string shown as
a result (which spelling SQL Server returns is unspecified), ``UNION`` / ``INTERSECT`` / ``EXCEPT`` of
strings, ``REPLACE`` with a search string containing letters (SQL Server's search is case-insensitive),
``DISTINCT`` together with aggregates or windows over strings.

Exactness: the normalization is exact for ASCII text. Non-ASCII letters compare by their Unicode lower
case (É = é, as in SQL Server); SQL Server's expansions (ß = ss, æ = ae) and its order of punctuation and
accented letters (``<``, ``BETWEEN``, ``MIN``) are not modelled (docs/rule-pack.md, "T-SQL strings").

>>> import sqlglot
>>> from sqlglot.optimizer.annotate_types import annotate_types
>>> from sqlglot.optimizer.qualify import qualify
>>> s = {"t": {"k": "BIGINT", "s": "VARCHAR"}}
>>> q = qualify(sqlglot.parse_one("SELECT k FROM t WHERE s = 'Ab '", read="tsql"), schema=s, identify=False)
>>> tsql_semantics(annotate_types(q, schema=s), [])[0].sql("duckdb")
"SELECT t.k AS k FROM t AS t WHERE LOWER(RTRIM(t.s, ' ')) = 'ab'"
"""

from __future__ import annotations

from sqlglot import exp

Problem = tuple[exp.Expression, str, str, str | None]

_TEXT = tuple(exp.DataType.TEXT_TYPES)
_COMPARE = (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE, exp.NullSafeEQ, exp.NullSafeNEQ)
_HINT = (
    "SQL Server compares strings case-insensitively and ignores trailing blanks; certlib compares "
    "LOWER(RTRIM(s)) for it. Write the normalization yourself where the construct needs it, e.g. "
    "MIN(LOWER(RTRIM(s))), or compare numbers/dates"
)


def _display_min(node: exp.Expression) -> exp.Expression:
    out = _typed(exp.Min(this=node))
    out.meta["tsql_display"] = True  # one spelling of a case-insensitive group: not refused below
    return out


def _both_text(a: exp.Expression | None, b: exp.Expression | None) -> bool:
    """A string comparison: one side a string, the other a string or of unknown type (a NULL)."""

    def loose(n):
        return (
            n is None
            or isinstance(n, exp.Null)
            or _is_text(n)
            or n.type is None
            or n.type.this in (exp.DType.UNKNOWN, exp.DType.NULL)
        )

    return (_is_text(a) and loose(b)) or (_is_text(b) and loose(a))


def _is_text(node: exp.Expression | None) -> bool:
    if node is None or isinstance(node, exp.Null):
        return False
    if isinstance(node, exp.Subquery | exp.Select):
        sel = node.this if isinstance(node, exp.Subquery) else node
        return isinstance(sel, exp.Select) and len(sel.selects) == 1 and _is_text(sel.selects[0].unalias())
    if isinstance(node, exp.Literal):
        return node.is_string
    return node.type is not None and node.type.this in _TEXT


def _typed(node: exp.Expression, type_: str = "VARCHAR") -> exp.Expression:
    node.type = exp.DataType.build(type_)
    return node


def _norm(node: exp.Expression) -> exp.Expression:
    """``LOWER(RTRIM(node))``; a scalar subquery gets its column normalized instead."""
    if isinstance(node, exp.Subquery) and isinstance(node.this, exp.Select):
        _norm_projection(node.this)
        return node
    if isinstance(node, exp.Paren):
        return _norm(node.this)
    if _normalized(node):
        return node
    if isinstance(node, exp.Literal) and node.is_string:  # folded at compile time
        return _typed(exp.Literal.string(node.this.rstrip(" ").lower()))
    return _typed(exp.Lower(this=_rtrim(node)))


def _rtrim(node: exp.Expression) -> exp.Expression:
    """Trailing blanks only (polars' bare RTRIM would also drop tabs and other white space)."""
    return _typed(exp.Trim(this=node, expression=exp.Literal.string(" "), position="TRAILING"))


def _normalized(node: exp.Expression) -> bool:
    return (
        isinstance(node, exp.Lower) and isinstance(node.this, exp.Trim) and node.this.text("position") == "TRAILING"
    ) or (isinstance(node, exp.Literal) and node.is_string and node.this == node.this.rstrip(" ").lower())


def _norm_projection(select: exp.Select) -> None:
    item = select.selects[0]
    inner = item.unalias()
    if isinstance(inner, exp.Min | exp.Max) and _is_text(inner.this):
        new: exp.Expression = _typed(type(inner)(this=_norm(inner.this.copy())))
    else:
        new = _norm(inner.copy())
    if isinstance(item, exp.Alias):
        item.set("this", new)
    else:
        item.replace(new)


def _in_aggregate(node: exp.Expression, stop: exp.Expression) -> bool:
    p = node.parent
    while p is not None and p is not stop:
        if isinstance(p, exp.AggFunc | exp.Window):
            return True
        p = p.parent
    return False


def _group_select(select: exp.Select, problems: list[Problem]) -> None:
    """GROUP BY s (s a string): group on LOWER(RTRIM(s)) and show MIN(s)."""
    group = select.args.get("group")
    if group is None:
        return
    keys = [g for g in group.expressions if _is_text(g)]
    if not keys:
        return
    for key in keys:
        for part in ("expressions", "having", "order", "qualify"):
            holder = select.args.get(part)
            if holder is None:
                continue
            holders = holder if isinstance(holder, list) else [holder]
            for h in holders:
                for node in list(h.walk()):
                    if node == key and node is not key and not _in_aggregate(node, select) and node.parent is not None:
                        node.replace(_display_min(node.copy()))
        key.replace(_norm(key.copy()))


def _distinct_select(select: exp.Select, problems: list[Problem]) -> None:
    """SELECT DISTINCT ... s ...: grouped on the normalized strings, MIN(s) shown."""
    if not select.args.get("distinct") or select.args["distinct"].args.get("on"):
        return
    items = [e.unalias() for e in select.selects]
    if not any(_is_text(i) and not isinstance(i, exp.Literal) for i in items):
        return
    if select.args.get("group") or any(i.find(exp.AggFunc, exp.Window) for i in items):
        problems.append(
            (
                select,
                "untranslatable",
                "SELECT DISTINCT over strings together with aggregates or "
                "windows cannot be translated to SQL Server's case-insensitive comparison",
                _HINT,
            )
        )
        return
    keys = []
    for item in select.selects:
        inner = item.unalias()
        if isinstance(inner, exp.Star):
            problems.append(
                (
                    select,
                    "untranslatable",
                    "SELECT DISTINCT * over strings cannot be translated to SQL Server's case-insensitive comparison",
                    "list the columns",
                )
            )
            return
        if isinstance(inner, exp.Literal | exp.Null | exp.Boolean) or (
            isinstance(inner, exp.Neg) and isinstance(inner.this, exp.Literal)
        ):
            continue  # a constant does not split groups (and GROUP BY 12 would be an ordinal)
        keys.append(inner.copy())
        if _is_text(inner):
            new = _display_min(inner.copy())
            if isinstance(item, exp.Alias):
                item.set("this", new)
            else:
                item.replace(exp.alias_(new, inner.alias_or_name or "_col", quoted=False))
    select.set("distinct", None)
    select.set("group", exp.Group(expressions=[_norm(k) if _is_text(k) else k for k in keys]))


def tsql_semantics(tree: exp.Expression, problems: list[Problem] | None = None) -> tuple[exp.Expression, list[Problem]]:
    """Rewrite a qualified, typed tree parsed from T-SQL so strings compare as SQL Server compares them."""
    problems = [] if problems is None else problems
    for setop in tree.find_all(exp.Union, exp.Intersect, exp.Except):
        left = setop.this
        sel = left if isinstance(left, exp.Select) else left.find(exp.Select)
        if sel is not None and any(_is_text(e.unalias()) for e in sel.selects):
            problems.append(
                (
                    setop,
                    "untranslatable",
                    f"{setop.key.upper()} of strings compares them as SQL Server "
                    "does (case-insensitively, trailing blanks ignored); certlib does not translate that",
                    "compare on keys that are numbers or dates, or use EXISTS / NOT EXISTS",
                )
            )
    for select in list(tree.find_all(exp.Select)):
        _distinct_select(select, problems)
        _group_select(select, problems)
    for node in list(tree.find_all(*_COMPARE)):
        if _both_text(node.this, node.expression):
            node.set("this", _norm(node.this))
            node.set("expression", _norm(node.expression))
    for node in list(tree.find_all(exp.Between)):
        if _both_text(node.this, node.args.get("low")) and _both_text(node.this, node.args.get("high")):
            for arg in ("this", "low", "high"):
                node.set(arg, _norm(node.args[arg]))
    for node in list(tree.find_all(exp.In)):
        query = node.args.get("query")
        if (node.expressions and all(_both_text(node.this, e) for e in node.expressions)) or (
            query is not None and _both_text(node.this, query)
        ):
            node.set("this", _norm(node.this))
            node.set("expressions", [_norm(e) for e in node.expressions])
            if query is not None:
                sel = query.this if isinstance(query, exp.Subquery) else query
                if isinstance(sel, exp.Select) and len(sel.selects) == 1:
                    _norm_projection(sel)
    for node in list(tree.find_all(exp.Nullif)):
        if _is_text(node.this):
            cond = exp.EQ(this=_norm(node.this.copy()), expression=_norm(node.expression.copy()))
            node.replace(_typed(exp.Case(ifs=[exp.If(this=cond, true=exp.Null())], default=node.this.copy())))
    for node in list(tree.find_all(exp.Case)):
        subject = node.args.get("this")
        if subject is not None and _is_text(subject):
            for branch in node.args.get("ifs") or []:
                branch.set("this", exp.EQ(this=_norm(subject.copy()), expression=_norm(branch.this)))
            node.set("this", None)
    for node in list(tree.find_all(exp.Like)):
        node.set("this", _norm(node.this))
        pattern = node.expression
        node.set(
            "expression",
            exp.Literal.string(pattern.this.lower())
            if isinstance(pattern, exp.Literal) and pattern.is_string
            else _typed(exp.Lower(this=pattern)),
        )
    for node in list(tree.find_all(exp.Length)):
        node.set("this", _rtrim(node.this))
    for node in list(tree.find_all(exp.StrPosition)):
        node.set("this", _typed(exp.Lower(this=node.this)))
        node.set("substr", _typed(exp.Lower(this=node.args["substr"])))
    for node in list(tree.find_all(exp.Count)):
        arg = node.this
        if isinstance(arg, exp.Distinct):
            arg.set("expressions", [_norm(e) if _is_text(e) else e for e in arg.expressions])
    for window in list(tree.find_all(exp.Window)):
        window.set("partition_by", [_norm(p) if _is_text(p) else p for p in window.args.get("partition_by") or []])
        order = window.args.get("order")
        for ordered in order.expressions if order is not None else []:
            if _is_text(ordered.this):
                ordered.set("this", _norm(ordered.this))
    for node in list(tree.find_all(exp.Min, exp.Max)):
        if _is_text(node.this) and not _normalized(node.this) and not node.meta.get("tsql_display"):
            problems.append(
                (
                    node,
                    "untranslatable",
                    f"{node.key.upper()} of a string in T-SQL picks by SQL Server's "
                    "case-insensitive collation; which spelling it returns is unspecified",
                    _HINT,
                )
            )
    for node in list(tree.find_all(exp.Replace)):
        search = node.expression
        if True:
            if not (isinstance(search, exp.Literal) and not any(c.isalpha() for c in search.this)):
                problems.append(
                    (
                        node,
                        "untranslatable",
                        "REPLACE in T-SQL searches case-insensitively (the default "
                        "collation); certlib translates it only for a search string without letters",
                        "REPLACE(s, '-', '') and the like are fine; for letters compare LOWER(s) instead",
                    )
                )
    return tree, problems


__all__ = ["tsql_semantics"]
