"""Decorrelate ``[NOT] EXISTS`` subqueries that polars cannot plan, faithfully, through a row id.

Polars runs correlated subqueries whose correlation is a plain column comparison, but refuses
expressions, ranges or ``OR`` in the correlation (``b.d BETWEEN a.start AND a.end + INTERVAL ...``).
Those are rewritten as a join: each outer row gets a row id, the ids of outer rows with at least one
match are collected with one (non-equi) inner join, and the ``EXISTS`` becomes a left join on that
id list (``IS NOT NULL``; ``NOT EXISTS``: ``IS NULL``). Row ids come from ``ROW_NUMBER() OVER
(ORDER BY <every column>)``, so identical rows (which match identically) are the only ties. The
rewrite applies only to a top-level ``AND`` conjunct of a ``WHERE`` whose subquery is a plain SELECT
(no GROUP BY / HAVING / LIMIT / aggregates) correlated with exactly one outer table; everything else
is left to polars and refused by the dry run if it cannot plan it.

>>> import sqlglot
>>> t = sqlglot.parse_one("SELECT a.k FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.k = a.k + 1)")
>>> "LEFT JOIN __match1" in decorrelate_exists(t, {"a": ["k"], "b": ["k"]}).sql()
True
"""

from __future__ import annotations

from sqlglot import exp


def _conjuncts(node: exp.Expression) -> list[exp.Expression]:
    if isinstance(node, exp.And):
        return _conjuncts(node.this) + _conjuncts(node.expression)
    if isinstance(node, exp.Paren):
        return _conjuncts(node.this)
    return [node]


def _sources(select: exp.Select) -> dict[str, exp.Expression]:
    out: dict[str, exp.Expression] = {}
    from_ = select.args.get("from_")
    if from_ is not None:
        out[from_.this.alias_or_name] = from_.this
    for join in select.args.get("joins") or []:
        out[join.this.alias_or_name] = join.this
    return out


def _plain(sub: exp.Expression) -> bool:
    if not isinstance(sub, exp.Select):
        return False
    if any(sub.args.get(k) for k in ("group", "having", "limit", "offset", "qualify")):
        return False
    return not any(isinstance(e, exp.AggFunc) for s in sub.expressions for e in s.walk())


def _outer_aliases(sub: exp.Select) -> set[str]:
    inner = set(_sources(sub))
    # aliases defined by subqueries nested deeper also count as inner
    for nested in sub.find_all(exp.Select):
        inner |= set(_sources(nested))
    return {c.table for c in sub.find_all(exp.Column) if c.table and c.table not in inner}


def _top_with_index(node: exp.Expression, root: exp.Expression) -> int | None:
    """Index of the root WITH's CTE that contains ``node`` (None: node is in the main query)."""
    with_ = root.args.get("with_")
    if not with_:
        return None
    for i, cte in enumerate(with_.expressions):
        parent = node
        while parent is not None:
            if parent is cte:
                return i
            parent = parent.parent
    return None


def insert_ctes(tree: exp.Expression, new_ctes: list[tuple[int | None, exp.CTE]]) -> exp.Expression:
    """Add CTEs to the root WITH, each just before the CTE it serves (position None: after all)."""
    if not new_ctes:
        return tree
    with_ = tree.args.get("with_")
    existing = list(with_.expressions) if with_ else []
    result: list[exp.CTE] = []
    for i, cte in enumerate(existing):
        result.extend(c for pos, c in new_ctes if pos == i)
        result.append(cte)
    result.extend(c for pos, c in new_ctes if pos is None)
    tree.set("with_", exp.With(expressions=result))
    return tree


def _inner_joins_only(select: exp.Select) -> bool:
    for join in select.args.get("joins") or []:
        if join.side or (join.kind and join.kind.upper() not in ("INNER", "CROSS")):
            return False
    return True


def decorrelate_exists(tree: exp.Expression, columns: dict[str, list[str]]) -> exp.Expression:
    """Rewrite correlated [NOT] EXISTS conjuncts as row-id joins; ``columns``: table -> column names
    (the pack's tables, for the row-id ordering).

    With one correlated outer table the match set is computed from that table alone; with several
    (``bp`` and ``i`` joined in the outer query) it is computed over the outer query's own (inner)
    joins, so each joined outer row is identified by the tuple of its tables' row ids."""
    tree = tree.copy()
    counter = 0
    new_ctes: list[tuple[int | None, exp.CTE]] = []
    for select in list(tree.find_all(exp.Select)):
        where = select.args.get("where")
        if where is None:
            continue
        conjuncts = _conjuncts(where.this)
        changed = False
        for i, conj in enumerate(conjuncts):
            negated = isinstance(conj, exp.Not) and isinstance(conj.this, exp.Exists)
            exists = conj.this if negated else conj
            if not isinstance(exists, exp.Exists) or not _plain(exists.this):
                continue
            sub: exp.Select = exists.this
            outer = sorted(_outer_aliases(sub))
            sources = _sources(select)
            if not outer or any(a not in sources for a in outer):
                continue
            tables = {a: sources[a] for a in outer}
            if any(not isinstance(t, exp.Table) or t.name not in columns for t in tables.values()):
                continue
            if len(outer) > 1 and not _inner_joins_only(select):
                continue
            counter += 1
            rid, match_cte, match_alias = "__rid", f"__match{counter}", f"__m{counter}"
            position = _top_with_index(select, tree)
            numbered_names: dict[str, str] = {}
            for alias, table in tables.items():
                name = f"__outer{counter}_{alias}"
                numbered_names[alias] = name
                order = [exp.Ordered(this=exp.column(c), nulls_first=True) for c in columns[table.name]]
                numbered = exp.select(
                    exp.Star(), exp.alias_(exp.Window(this=exp.RowNumber(), order=exp.Order(expressions=order)), rid)
                ).from_(table.name)
                new_ctes.append((position, exp.CTE(this=numbered, alias=exp.TableAlias(this=exp.to_identifier(name)))))

            def numbered_table(alias: str, names: dict[str, str] = numbered_names) -> exp.Table:
                return exp.Table(
                    this=exp.to_identifier(names[alias]), alias=exp.TableAlias(this=exp.to_identifier(alias))
                )

            keys = [exp.alias_(exp.column(rid, a), f"{rid}_{a}") for a in outer]
            if len(outer) == 1:
                matched = exp.select(*keys).distinct().from_(numbered_table(outer[0]))
            else:  # the outer query's own joins pair the outer rows
                outer_from = select.args["from_"].this
                first = outer_from.alias_or_name
                matched = (
                    exp.select(*keys)
                    .distinct()
                    .from_(numbered_table(first) if first in numbered_names else outer_from.copy())
                )
                for join in select.args.get("joins") or []:
                    j = join.copy()
                    a = join.this.alias_or_name
                    if a in numbered_names:
                        j.set("this", numbered_table(a))
                    matched.append("joins", j)
            cond = sub.args["where"].this.copy() if sub.args.get("where") else exp.true()
            matched = matched.join(sub.args["from_"].this.copy(), on=cond, join_type="inner")
            for join in sub.args.get("joins") or []:
                matched.append("joins", join.copy())
            new_ctes.append((position, exp.CTE(this=matched, alias=exp.TableAlias(this=exp.to_identifier(match_cte)))))
            for alias, table in tables.items():
                table.set("this", exp.to_identifier(numbered_names[alias]))
                if not table.alias:
                    table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
            on = exp.and_(*[exp.column(rid, a).eq(exp.column(f"{rid}_{a}", match_alias)) for a in outer])
            select.join(
                exp.Table(this=exp.to_identifier(match_cte), alias=exp.TableAlias(this=exp.to_identifier(match_alias))),
                on=on,
                join_type="left",
                copy=False,
            )
            test = exp.Is(this=exp.column(f"{rid}_{outer[0]}", match_alias), expression=exp.Null())
            conjuncts[i] = test if negated else exp.Not(this=test)
            changed = True
        if changed:
            select.set("where", exp.Where(this=exp.and_(*conjuncts, copy=False)))
    return insert_ctes(tree, new_ctes)
