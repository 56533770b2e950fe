"""Rule packs: loading, checking and compiling validation rules (sqlglot), and their fixture cases."""

from certlib.rules.compiler import check_pack, compile_rule, compile_sql, lineage, transpile
from certlib.rules.model import CompiledRule, Diagnostic, Group, Pack, Rule, TableSchema
from certlib.rules.pack import DEFAULT_PACK, load_pack

__all__ = [
    "DEFAULT_PACK",
    "CompiledRule",
    "Diagnostic",
    "Group",
    "Pack",
    "Rule",
    "TableSchema",
    "check_pack",
    "compile_rule",
    "compile_sql",
    "lineage",
    "load_pack",
    "transpile",
]
