"""Plan-shape rewrites for the polars target: the same rows, a plan polars runs fast (issue 15).

Chosen by the shape of the query, never by rule id; applied last, to the rewritten tree that is
printed for polars (:func:`certlib.rules.rewrites.rewrite_for_polars` calls :func:`plan_rewrites`).
Other targets get the rule as written.

**Ranking windows over singleton partitions.** ``ROW_NUMBER() / RANK() / DENSE_RANK() OVER
(PARTITION BY k ORDER BY o)`` is planned by polars as ``int_range(len()).over(k, order_by=o)``:
per-group work that is slow when most partitions have one row (duplicate detection over a daily
table: 28 M one-row groups, 6-7x DuckDB). A partition of one row needs no window: every ranking
function is 1 there, ``COUNT(*)`` is 1, ``COUNT(x)`` is 0 or 1, ``MIN(x)`` / ``MAX(x)`` are ``x``.
So a SELECT whose window functions all share one PARTITION BY becomes::

    SELECT <projections>  FROM (base) AS b WHERE b.__certlib_n > 1     -- windows as written
    UNION ALL
    SELECT <projections'> FROM (base) AS b WHERE b.__certlib_n = 1     -- windows -> their 1-row value

    base = SELECT <the columns it reads>, COUNT(*) OVER (PARTITION BY k) AS __certlib_n
           FROM <its FROM / JOINs> WHERE <its WHERE>

``COUNT(*) OVER (PARTITION BY k)`` is a grouped count, cheap in polars (faster than DuckDB's), and
NULL keys form one partition in both, exactly as in the window. Within a partition the rows and their
order are unchanged, so ties in ORDER BY get the same numbers as before (RANK / DENSE_RANK are exact;
ROW_NUMBER among tied rows is as arbitrary as in SQL, and polars' stable order is kept).

The one-row branch is dropped when the query that reads the SELECT (as a derived table or a CTE
read once) has a ``WHERE`` conjunct that is false for it: ``rn > 1``, ``rn >= 2``, ``rn <> 1``,
``rn = 2``, ``copies > 1`` ... (a plain comparison of a ranking or ``COUNT(*)`` window column with an
integer literal; a NULL-extended row of an outer join fails it too). That is the duplicate-report shape
(``WHERE rn > 1``): only partitions with copies are numbered.

Not rewritten (left as written): windows with different partitions in one SELECT, no PARTITION BY,
LAG / LEAD / SUM / other window functions, an aggregate window with an explicit frame (a frame may
exclude the current row), GROUP BY / DISTINCT / HAVING / ORDER BY / LIMIT in the SELECT, subqueries
in its projections, unqualified or outer (correlated) columns.

**EXISTS by keys.** ``[NOT] EXISTS (SELECT ... FROM t WHERE <inner expr> = <outer expr> AND ... AND
<inner-only conditions>)`` whose equalities are not all plain columns (T-SQL's case-insensitive string
comparison, ``COALESCE(x, '?') = ...``, ``a.id + 0 = ...``) is planned by polars as a correlated
subquery it refuses, and was decorrelated through row ids (a window over the whole outer table). It
becomes ``LEFT JOIN (SELECT DISTINCT <inner exprs> AS keys, 1 AS __certlib_hit FROM t WHERE
<inner-only>) ON keys = <outer exprs>`` with ``__certlib_hit IS [NOT] NULL``: a hash semi / anti join.
A NULL key matches nothing, as the correlated comparison; DISTINCT keeps outer rows single.

**Measured, not rewritten.** ``COUNT(*) OVER (PARTITION BY k) > 1`` alone (``len().over(k)``) is
already level with DuckDB (bench/README.md), so no grouped-count join is added; ``IN (subquery)`` and
plain-column ``EXISTS`` are semi / anti joins in polars already; ranges and ``OR`` in a correlation are
decorrelated by :mod:`certlib.rules.decorrelate` when polars cannot plan them.

>>> import sqlglot
>>> t = sqlglot.parse_one("SELECT d.k FROM (SELECT t.k AS k, ROW_NUMBER() OVER (PARTITION BY t.k "
...                       "ORDER BY t.v) AS rn FROM t AS t) AS d WHERE d.rn > 1")
>>> sql = plan_rewrites(t).sql()
>>> "__certlib_n > 1" in sql and "UNION ALL" not in sql
True
"""

from __future__ import annotations

from sqlglot import exp

N = "__certlib_n"
BASE = "__certlib_b"

_RANKING = (exp.RowNumber, exp.Rank, exp.DenseRank)
_AGGREGATE = (exp.Count, exp.Min, exp.Max)
_COMPARE = {
    exp.GT: lambda a, b: a > b,
    exp.GTE: lambda a, b: a >= b,
    exp.LT: lambda a, b: a < b,
    exp.LTE: lambda a, b: a <= b,
    exp.EQ: lambda a, b: a == b,
    exp.NEQ: lambda a, b: a != b,
}
_FLIP = {exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE, exp.EQ: exp.EQ, exp.NEQ: exp.NEQ}


def _bigint(node: exp.Expression) -> exp.Expression:
    return exp.Cast(this=node, to=exp.DataType.build("BIGINT"))


def _conjuncts(node: exp.Expression | None) -> list[exp.Expression]:
    if node is None:
        return []
    if isinstance(node, exp.And):
        return _conjuncts(node.this) + _conjuncts(node.expression)
    if isinstance(node, exp.Paren):
        return _conjuncts(node.this)
    return [node]


def _own(select: exp.Select, node: exp.Expression):
    """Nodes under ``node`` that belong to ``select`` itself (not to a nested subquery)."""
    for n in node.walk():
        if n is not node and isinstance(n, exp.Query | exp.Subquery):
            continue
        if isinstance(n, exp.Expression) and n.find_ancestor(exp.Select) is select:
            yield n


def _sources(select: exp.Select) -> set[str]:
    out = set()
    from_ = select.args.get("from_")
    if from_ is not None:
        out.add(from_.this.alias_or_name)
    for join in select.args.get("joins") or []:
        out.add(join.this.alias_or_name)
    return out


def _windows(select: exp.Select) -> list[exp.Window] | None:
    """The SELECT's window functions if they all qualify for the rewrite, else None."""
    windows: list[exp.Window] = []
    for projection in select.expressions:
        for node in projection.walk():
            if isinstance(node, exp.Subquery | exp.Query | exp.Exists):
                return None
            if isinstance(node, exp.Window):
                windows.append(node)
            elif isinstance(node, exp.AggFunc) and not isinstance(node.parent, exp.Window):
                return None  # an aggregate query
    if not windows or not any(isinstance(w.this, _RANKING) for w in windows):
        return None
    partition = [p.sql() for p in windows[0].args.get("partition_by") or []]
    if not partition:
        return None
    for w in windows:
        if sorted(p.sql() for p in w.args.get("partition_by") or []) != sorted(partition):
            return None
        if w.args.get("first") is not None:  # KEEP (DENSE_RANK FIRST ...)
            return None
        fn = w.this
        if isinstance(fn, _RANKING):
            if fn.expressions if hasattr(fn, "expressions") else False:
                return None
            continue
        if not isinstance(fn, _AGGREGATE) or w.args.get("spec") is not None:
            return None
        if isinstance(fn, exp.Min | exp.Max) and isinstance(fn.this, exp.Distinct):
            return None
        if any(isinstance(a, exp.Window) for a in fn.find_all(exp.Window) if a is not w):
            return None
    return windows


def _singleton_value(window: exp.Window, columns: dict[tuple[str, str], str]) -> exp.Expression:
    fn = window.this
    if isinstance(fn, _RANKING):
        return _bigint(exp.Literal.number(1))
    if isinstance(fn, exp.Count):
        arg = fn.this
        if arg is None or isinstance(arg, exp.Star):
            return _bigint(exp.Literal.number(1))
        if isinstance(arg, exp.Distinct):
            arg = arg.expressions[0] if len(arg.expressions) == 1 else None
            if arg is None:
                raise _Skip
        value = _replace_columns(arg.copy(), columns)
        return _bigint(
            exp.Case(
                ifs=[exp.If(this=exp.Is(this=value, expression=exp.Null()), true=exp.Literal.number(0))],
                default=exp.Literal.number(1),
            )
        )
    return _replace_columns(fn.this.copy(), columns)  # MIN(x) / MAX(x) of one row


class _Skip(Exception):
    pass


def _replace_columns(node: exp.Expression, columns: dict[tuple[str, str], str]) -> exp.Expression:
    def visit(n: exp.Expression) -> exp.Expression:
        if isinstance(n, exp.Column) and (n.table, n.name) in columns:
            return exp.column(columns[(n.table, n.name)], table=BASE)
        return n

    return node.transform(visit, copy=False)


def _one_row_value_fails(select: exp.Select, windows: list[exp.Window]) -> bool:
    """True when the query reading ``select`` filters out every row of a one-row partition."""
    values: dict[str, int] = {}
    for projection in select.expressions:
        if isinstance(projection, exp.Alias) and isinstance(projection.this, exp.Window):
            fn = projection.this.this
            if isinstance(fn, _RANKING) or (isinstance(fn, exp.Count) and isinstance(fn.this, exp.Star | None)):
                values[projection.alias] = 1
    if not values:
        return False
    for consumer, alias in _consumers(select):
        where = consumer.args.get("where")
        for conj in _conjuncts(where.this if where is not None else None):
            if _false_for(conj, alias, values):
                return True
    return False


def _consumers(select: exp.Select) -> list[tuple[exp.Select, str]]:
    parent = select.parent
    if isinstance(parent, exp.Subquery) and isinstance(parent.parent, exp.From | exp.Join):
        outer = parent.parent.parent
        if isinstance(outer, exp.Select):
            return [(outer, parent.alias_or_name)]
    if isinstance(parent, exp.CTE):
        name = parent.alias_or_name
        root = parent.find_ancestor(exp.Query)
        if root is None:
            return []
        refs = [t for t in root.find_all(exp.Table) if t.name == name and not t.args.get("db")]
        if (
            len(refs) == 1
            and isinstance(refs[0].parent, exp.From | exp.Join)
            and isinstance(refs[0].parent.parent, exp.Select)
        ):
            return [(refs[0].parent.parent, refs[0].alias_or_name)]
    return []


def _false_for(conj: exp.Expression, alias: str, values: dict[str, int]) -> bool:
    if type(conj) not in _COMPARE:
        return False
    left, right, op = conj.this, conj.expression, type(conj)
    if isinstance(left, exp.Literal):
        left, right, op = right, left, _FLIP[op]
    if not (isinstance(left, exp.Column) and left.table == alias and left.name in values):
        return False
    if not (isinstance(right, exp.Literal) and right.is_int):
        return False
    return not _COMPARE[op](values[left.name], int(right.this))


def _rewrite_select(select: exp.Select) -> exp.Expression | None:
    if any(
        select.args.get(k)
        for k in ("group", "having", "distinct", "qualify", "order", "limit", "offset", "with_", "windows")
    ):
        return None
    windows = _windows(select)
    if windows is None or select.args.get("from_") is None:
        return None
    sources = _sources(select)
    columns: dict[tuple[str, str], str] = {}
    for projection in select.expressions:
        for col in projection.find_all(exp.Column):
            if not col.table or col.table not in sources or isinstance(col.this, exp.Star):
                return None
            columns.setdefault((col.table, col.name), f"__certlib_c{len(columns)}")
    if any(not isinstance(p, exp.Alias) and not isinstance(p, exp.Column) for p in select.expressions):
        return None  # every output needs a name that both branches share
    try:
        one_row = [_singleton_value(w, dict(columns)) for w in windows]
    except _Skip:
        return None

    base = exp.Select(
        expressions=[exp.alias_(exp.column(name, table=table), alias) for (table, name), alias in columns.items()]
    )
    base = base.select(
        exp.alias_(
            exp.Window(
                this=exp.Count(this=exp.Star()), partition_by=[p.copy() for p in windows[0].args["partition_by"]]
            ),
            N,
        ),
        copy=False,
    )
    base.set("from_", select.args["from_"].copy())
    if select.args.get("joins"):
        base.set("joins", [j.copy() for j in select.args["joins"]])
    if select.args.get("where") is not None:
        base.set("where", select.args["where"].copy())

    def branch(keep_windows: bool) -> exp.Select:
        projections = []
        for projection in select.expressions:
            out = projection.copy()
            if isinstance(out, exp.Column):
                out = exp.alias_(out, out.name)
            if not keep_windows:
                originals = list(projection.find_all(exp.Window))
                for window, copy in zip(originals, list(out.find_all(exp.Window)), strict=True):
                    value = one_row[next(i for i, w in enumerate(windows) if w is window)]
                    if copy is out.this and isinstance(out, exp.Alias):
                        out.set("this", value.copy())
                    else:
                        copy.replace(value.copy())
            else:
                for window in list(out.find_all(exp.Window)):
                    if isinstance(window.this, _RANKING + (exp.Count,)):
                        if window is out.this and isinstance(out, exp.Alias):
                            out.set("this", _bigint(window.copy()))
                        else:
                            window.replace(_bigint(window.copy()))
            projections.append(
                _replace_columns(out, columns) if keep_windows else _replace_columns_outside(out, columns)
            )
        cond = exp.GT if keep_windows else exp.EQ
        return (
            exp.Select(expressions=projections)
            .from_(exp.Subquery(this=base.copy(), alias=exp.TableAlias(this=exp.to_identifier(BASE))), copy=False)
            .where(cond(this=exp.column(N, table=BASE), expression=exp.Literal.number(1)), copy=False)
        )

    many = branch(True)
    if _one_row_value_fails(select, windows):
        return many
    return exp.union(many, branch(False), distinct=False)


def _replace_columns_outside(node: exp.Expression, columns: dict[tuple[str, str], str]) -> exp.Expression:
    # the one-row values were built with columns already replaced; replace the rest of the projection
    def visit(n: exp.Expression) -> exp.Expression:
        if isinstance(n, exp.Column) and n.table != BASE and (n.table, n.name) in columns:
            return exp.column(columns[(n.table, n.name)], table=BASE)
        return n

    return node.transform(visit, copy=False)


def _columns_of(node: exp.Expression) -> list[exp.Column]:
    return [c for c in node.find_all(exp.Column) if not isinstance(c.this, exp.Star)]


def _keyed_correlation(
    sub: exp.Select,
) -> tuple[list[tuple[exp.Expression, exp.Expression]], list[exp.Expression]] | None:
    """(outer, inner) expression pairs of a subquery correlated only by equalities, and its inner-only
    conjuncts; None for any other shape."""
    if not isinstance(sub, exp.Select) or any(
        sub.args.get(k) for k in ("group", "having", "limit", "offset", "qualify", "with_", "windows", "order")
    ):
        return None
    if any(isinstance(n, exp.AggFunc | exp.Window) for e in sub.expressions for n in e.walk()):
        return None
    if any(n is not sub and isinstance(n, exp.Query | exp.Subquery) for n in sub.walk()):
        return None
    inner = _sources(sub)
    if sub.args.get("from_") is None or not all(
        isinstance(t, exp.Table) for t in [sub.args["from_"].this] + [j.this for j in sub.args.get("joins") or []]
    ):
        return None
    for join in sub.args.get("joins") or []:
        if any(c.table not in inner for c in _columns_of(join)):
            return None  # correlated inside a join condition
    pairs: list[tuple[exp.Expression, exp.Expression]] = []
    local: list[exp.Expression] = []
    where = sub.args.get("where")
    for conj in _conjuncts(where.this if where is not None else None):
        cols = _columns_of(conj)
        if any(not c.table for c in cols):
            return None
        if all(c.table in inner for c in cols):
            local.append(conj)
            continue
        if not isinstance(conj, exp.EQ):
            return None
        sides = []
        for a, b in ((conj.this, conj.expression), (conj.expression, conj.this)):
            a_cols, b_cols = _columns_of(a), _columns_of(b)
            if (
                a_cols
                and b_cols
                and all(c.table not in inner for c in a_cols)
                and all(c.table in inner for c in b_cols)
            ):
                sides.append((a, b))
        if len(sides) != 1:
            return None
        pairs.append(sides[0])
    return (pairs, local) if pairs else None


def _exists_as_keyed_join(tree: exp.Expression) -> exp.Expression:
    """``[NOT] EXISTS (SELECT ... WHERE inner_expr = outer_expr AND ...)`` whose correlation polars cannot
    plan (an expression on either side, e.g. T-SQL's case-insensitive comparison of two strings) becomes a
    LEFT JOIN to the distinct inner keys — a hash semi/anti join — instead of the row-id decorrelation
    (a window over the whole outer table). NULL keys match nothing, as in the correlated comparison."""
    counter = 0
    for select in list(tree.find_all(exp.Select)):
        where = select.args.get("where")
        if where is None:
            continue
        conjuncts = _conjuncts(where.this)
        changed = False
        for i, conj in enumerate(conjuncts):
            negated = isinstance(conj, exp.Not) and isinstance(conj.this, exp.Exists)
            exists = conj.this if negated else conj
            if not isinstance(exists, exp.Exists):
                continue
            found = _keyed_correlation(exists.this)
            if found is None:
                continue
            pairs, local = found
            outer_aliases = {c.table for o, _ in pairs for c in _columns_of(o)}
            if not outer_aliases <= _sources(select):
                continue  # correlated with a query further out
            if all(isinstance(o, exp.Column) and isinstance(n, exp.Column) for o, n in pairs):
                continue  # plain column equalities: polars plans these as a semi / anti join already
            counter += 1
            alias = f"__certlib_ex{counter}"
            sub = exists.this
            keys = [exp.alias_(inner.copy(), f"__certlib_k{j}") for j, (_, inner) in enumerate(pairs)]
            matched = (
                exp.select(*keys, exp.alias_(exp.Literal.number(1), "__certlib_hit"))
                .distinct()
                .from_(sub.args["from_"].this.copy())
            )
            for join in sub.args.get("joins") or []:
                matched.append("joins", join.copy())
            if local:
                matched = matched.where(exp.and_(*[c.copy() for c in local]), copy=False)
            on = exp.and_(
                *[exp.column(f"__certlib_k{j}", alias).eq(outer.copy()) for j, (outer, _) in enumerate(pairs)]
            )
            select.join(
                exp.Subquery(this=matched, alias=exp.TableAlias(this=exp.to_identifier(alias))),
                on=on,
                join_type="left",
                copy=False,
            )
            test = exp.Is(this=exp.column("__certlib_hit", alias), expression=exp.Null())
            conjuncts[i] = test if negated else exp.Not(this=test)
            changed = True
        if changed:
            select.set("where", exp.Where(this=exp.and_(*conjuncts, copy=False)))
    return tree


def plan_rewrites(tree: exp.Expression) -> exp.Expression:
    """``tree`` with every SELECT of a rewritable shape rewritten (in place; returned for chaining)."""
    tree = _exists_as_keyed_join(tree)
    candidates = [s for s in tree.find_all(exp.Select)]
    for select in reversed(candidates):  # innermost first: an outer rewrite copies rewritten inner parts
        if not isinstance(select.parent, exp.Subquery | exp.CTE) and select is not tree:
            continue
        new = _rewrite_select(select)
        if new is None:
            continue
        if select is tree:
            tree = new
        else:
            select.replace(new)
    return tree


__all__ = ["plan_rewrites"]
