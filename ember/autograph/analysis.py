"""Static facts AutoGraph needs about a function's AST: which names a statement binds or
reads, and which are live (read later before being rebound) after each `if` and at the
head of each loop. Only names matter here (no attributes or subscripts); nested functions
and lambdas count as reading every free name they use, a safe over-approximation.

Example:
    >>> import ast
    >>> from ember.autograph.analysis import writes, reads
    >>> tree = ast.parse("y = x + 1\\nz += y")
    >>> sorted(writes(tree.body)), sorted(reads(tree.body))
    (['y', 'z'], ['x', 'y', 'z'])
"""

from __future__ import annotations

import ast
from typing import Iterable

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef,
           ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
GENERATED = "ag__"


def _walk_scope(node: ast.AST) -> Iterable[ast.AST]:
    """The nodes of `node` without descending into nested scopes (the scope nodes
    themselves are yielded)."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        if n is not node and isinstance(n, _SCOPES):
            continue
        todo.extend(ast.iter_child_nodes(n))


def writes(nodes: ast.AST | list) -> set:
    """Names bound by the statements (assignments, loop targets, imports, defs, del)."""
    out: set = set()
    for top in (nodes if isinstance(nodes, list) else [nodes]):
        for n in _walk_scope(top):
            if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
                out.add(n.id)
            elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if n is not top or isinstance(top, ast.stmt):
                    out.add(n.name)
            elif isinstance(n, (ast.Import, ast.ImportFrom)):
                for a in n.names:
                    out.add((a.asname or a.name).split(".")[0])
            elif isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name):
                out.add(n.target.id)
    out.discard(GENERATED)
    return out


def _params(args: ast.arguments) -> set:
    every = args.posonlyargs + args.args + args.kwonlyargs
    every += [a for a in (args.vararg, args.kwarg) if a is not None]
    return {a.arg for a in every}


def reads(nodes: ast.AST | list) -> set:
    """Names read by the expressions/statements (free names of nested scopes included)."""
    out: set = set()
    for top in (nodes if isinstance(nodes, list) else [nodes]):
        for n in ast.walk(top):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
                out.add(n.id)
            elif isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
                out.add(n.target.id)
    out.discard(GENERATED)
    return out


def _scope_reads(node: ast.AST) -> set:
    """What a nested def/lambda/class reads from outside: its reads minus its own names."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        own = _params(node.args) | writes(node.body)
        outer = reads(node.decorator_list + node.args.defaults +
                      [d for d in node.args.kw_defaults if d is not None])
        return outer | (reads(node.body) - own)
    return reads(node)


class _Jumps:
    def __init__(self, brk: set, cont: set):
        self.brk, self.cont = brk, cont


def live_in(stmts: list, out: set, jumps: _Jumps | None = None) -> set:
    """Names live before `stmts` given those live after; annotates each If with `_ag_out`
    (live after it) and each loop with `_ag_live` (live at its head)."""
    live = set(out)
    for s in reversed(stmts):
        live = _stmt(s, live, jumps)
    return live


def _stmt(s: ast.stmt, out: set, jumps: _Jumps | None) -> set:
    if isinstance(s, ast.If):
        s._ag_out = set(out)
        return reads(s.test) | live_in(s.body, out, jumps) | live_in(s.orelse, out, jumps)
    if isinstance(s, (ast.While, ast.For, ast.AsyncFor)):
        after = live_in(s.orelse, out, jumps)
        head = set(after)
        test = reads(s.test) if isinstance(s, ast.While) else set()
        test |= set(getattr(s, "_ag_stop", ()))  # break / return flags, checked each time
        target = writes(s.target) if not isinstance(s, ast.While) else set()
        for _ in range(50):
            body = live_in(s.body, head, _Jumps(out, head)) - target
            new = after | test | body
            if new == head:
                break
            head = new
        s._ag_live = head | out
        return head | (reads(s.iter) if not isinstance(s, ast.While) else set())
    if isinstance(s, (ast.With, ast.AsyncWith)):
        return reads([i.context_expr for i in s.items]) | live_in(s.body, out, jumps)
    if isinstance(s, ast.Try) or type(s).__name__ == "TryStar":
        fin = live_in(s.finalbody, out, jumps)
        handlers: set = set()
        for h in s.handlers:
            handlers |= live_in(h.body, fin, jumps) | (reads(h.type) if h.type else set())
        orelse = live_in(s.orelse, fin, jumps)
        return live_in(s.body, orelse | handlers, jumps) | handlers | fin
    if isinstance(s, ast.Break):
        return set(jumps.brk) if jumps else set(out)
    if isinstance(s, ast.Continue):
        return set(jumps.cont) if jumps else set(out)
    if isinstance(s, ast.Return):
        return reads(s.value) if s.value is not None else set()
    if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return (out - {s.name}) | _scope_reads(s)
    if isinstance(s, (ast.Global, ast.Nonlocal)):
        return set(out)
    if isinstance(s, ast.Match) if hasattr(ast, "Match") else False:
        return set(out) | reads(s)
    return (out - writes(s)) | reads(s)


def declared(fn: ast.AST, kind: type) -> set:
    """Names a function declares `global` (kind=ast.Global) or `nonlocal`."""
    names: set = set()
    for n in _walk_scope(fn):
        if isinstance(n, kind):
            names.update(n.names)
    return names


def contains(stmts: list, kinds: tuple, stop: tuple = ()) -> bool:
    """Whether a node of `kinds` occurs in `stmts` outside nested scopes and `stop` nodes."""
    todo = list(stmts)
    while todo:
        n = todo.pop()
        if isinstance(n, kinds):
            return True
        if isinstance(n, _SCOPES) or isinstance(n, stop):
            continue
        todo.extend(ast.iter_child_nodes(n))
    return False


def params(fn: ast.AST) -> set:
    return _params(fn.args)
