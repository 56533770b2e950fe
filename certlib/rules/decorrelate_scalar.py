"""Decorrelate scalar aggregate subqueries that polars cannot plan, faithfully, through a row id.

Polars runs ``(SELECT COUNT(*) FROM b WHERE b.k = a.k)`` but refuses a correlation on a range or an
expression (``b.d BETWEEN a.start AND COALESCE(a.end, ...)``). Such a subquery is rewritten as a
grouped join: each outer row gets a row id (``ROW_NUMBER() OVER (ORDER BY <every column>)``; only
identical rows tie, and they aggregate identically), the aggregate is computed per row id over an
inner join, and the subquery becomes a LEFT JOIN on that id. An outer row without matches gets what
SQL gives over zero rows: ``0`` for ``COUNT`` (the "count bug" is handled by ``COALESCE``), NULL for
``SUM`` / ``MIN`` / ``MAX`` / ``AVG``.

Applies only to a subquery in the WHERE or SELECT list of a query without GROUP BY, whose body is one
bare aggregate (``COUNT``, ``SUM``, ``MIN``, ``MAX``, ``AVG``) over one table (no joins, GROUP BY,
HAVING, LIMIT), correlated with exactly one outer table. Everything else is left as is, and refused by
the compiler's dry run if polars cannot plan it.

>>> import sqlglot
>>> t = sqlglot.parse_one("SELECT a.k FROM a WHERE (SELECT COUNT(*) FROM b WHERE b.k > a.k) = 0")
>>> out = decorrelate_scalar(t, {"a": ["k"], "b": ["k"]}).sql()
>>> "LEFT JOIN __agg1 AS __a1" in out and "COALESCE(__a1.__v, 0) = 0" in out
True
"""

from __future__ import annotations

from sqlglot import exp

from certlib.rules.decorrelate import _outer_aliases, _sources, _top_with_index, insert_ctes

_AGGS = (exp.Count, exp.Sum, exp.Min, exp.Max, exp.Avg)


def _candidate(sub: exp.Subquery, select: exp.Select) -> exp.Expression | None:
    """The bare aggregate of a decorrelatable scalar subquery of ``select``, or None."""
    inner = sub.this
    if not isinstance(inner, exp.Select) or isinstance(sub.parent, exp.In | exp.Any | exp.All | exp.From | exp.Join):
        return None
    if any(inner.args.get(k) for k in ("group", "having", "limit", "offset", "qualify", "distinct", "joins", "with_")):
        return None
    if len(inner.expressions) != 1:
        return None
    agg = inner.expressions[0].unalias()
    if not isinstance(agg, _AGGS):
        return None
    # the subquery must sit in this select's WHERE or SELECT list, not in a JOIN ... ON or a nested query
    holder = sub.parent
    while holder is not None and holder is not select:
        if isinstance(holder, exp.Join | exp.Select | exp.Group | exp.Having | exp.Order):
            return None
        holder = holder.parent
    return agg if holder is select else None


def decorrelate_scalar(tree: exp.Expression, columns: dict[str, list[str]]) -> exp.Expression:
    """Rewrite correlated scalar aggregate subqueries as row-id grouped LEFT JOINs; ``columns``:
    table -> column names (the pack's tables, for the row-id ordering)."""
    tree = tree.copy()
    counter = 0
    new_ctes: list[tuple[int | None, exp.CTE]] = []
    for select in list(tree.find_all(exp.Select)):
        if select.args.get("group"):
            continue
        for sub in list(select.find_all(exp.Subquery)):
            agg = _candidate(sub, select)
            if agg is None:
                continue
            inner: exp.Select = sub.this
            outer = sorted(_outer_aliases(inner))
            sources = _sources(select)
            if len(outer) != 1 or outer[0] not in sources:
                continue
            alias = outer[0]
            table = sources[alias]
            if not isinstance(table, exp.Table) or table.name not in columns:
                continue
            counter += 1
            rid, numbered_name = "__rid", f"__souter{counter}_{alias}"
            agg_cte, agg_alias = f"__agg{counter}", f"__a{counter}"
            position = _top_with_index(select, tree)
            order = [exp.Ordered(this=exp.column(c), nulls_first=True) for c in columns[table.name]]
            numbered = exp.select(
                exp.Star(), exp.alias_(exp.Window(this=exp.RowNumber(), order=exp.Order(expressions=order)), rid)
            ).from_(table.name)
            new_ctes.append(
                (position, exp.CTE(this=numbered, alias=exp.TableAlias(this=exp.to_identifier(numbered_name))))
            )
            cond = inner.args["where"].this.copy() if inner.args.get("where") else exp.true()
            grouped = (
                exp.select(exp.alias_(exp.column(rid, alias), rid), exp.alias_(agg.copy(), "__v"))
                .from_(
                    exp.Table(
                        this=exp.to_identifier(numbered_name), alias=exp.TableAlias(this=exp.to_identifier(alias))
                    )
                )
                .join(inner.args["from_"].this.copy(), on=cond, join_type="inner")
                .group_by(exp.column(rid, alias))
            )
            new_ctes.append((position, exp.CTE(this=grouped, alias=exp.TableAlias(this=exp.to_identifier(agg_cte)))))
            table.set("this", exp.to_identifier(numbered_name))
            if not table.alias:
                table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
            select.join(
                exp.Table(this=exp.to_identifier(agg_cte), alias=exp.TableAlias(this=exp.to_identifier(agg_alias))),
                on=exp.column(rid, alias).eq(exp.column(rid, agg_alias)),
                join_type="left",
                copy=False,
            )
            value: exp.Expression = exp.column("__v", agg_alias)
            if isinstance(agg, exp.Count):
                value = exp.Coalesce(this=value, expressions=[exp.Literal.number(0)])
            sub.replace(value)
    return insert_ctes(tree, new_ctes)
