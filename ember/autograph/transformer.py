"""The AST rewrite behind AutoGraph: one function definition in, one out.

The passes, per function (nested functions first, each its own scope):
1. `return` inside control flow -> `do_return` / `retval_` flags; statements after an
   `if` whose branch always returns move into the other branch (so both define the
   result), the rest is guarded by `if not do_return:`.
2. `break` / `continue` -> `break_` / `continue_` flags and guards; a loop's `else` runs
   after it unless it broke.
3. Expressions: `and` / `or` / `not` / `x if c else y` -> `ag__.and_` ... (lazy through
   lambdas); calls -> `ag__.converted_call` (user functions are converted in turn);
   `for ... in range(...)` -> `ag__.range_`.
4. Liveness (`analysis`), then reads of variables control flow may leave unassigned ->
   `ag__.ld(x)`.
5. `if` / `while` / `for` -> nested branch and body functions over `nonlocal` variables,
   plus `get_state` / `set_state`, handed to `ag__.if_stmt` / `while_stmt` / `for_stmt`.
6. Every such variable starts as `ag__.Undefined('x')`.

Example:
    >>> import ast
    >>> from ember.autograph.transformer import transform
    >>> fn = ast.parse("def f(x):\\n    return -x if x < 0 else x").body[0]
    >>> "ag__.if_exp" in ast.unparse(transform(fn, "f.py"))
    True
"""

from __future__ import annotations

import ast
import copy
from typing import Any

from . import analysis as an

AG = an.GENERATED
# Calls left alone: they need the caller's frame, or are AutoGraph's own.
_KEEP_CALLS = {"super", "locals", "globals", "vars", "eval", "exec", "dir", "print",
               "isinstance", "issubclass", "len", "type", "id", "hasattr", "getattr",
               "setattr"}


class ConversionError(ValueError):
    """A construct AutoGraph refuses to convert (names the line and the rewrite)."""


def _name(id_: str, store: bool = False) -> ast.Name:
    return ast.Name(id=id_, ctx=ast.Store() if store else ast.Load())


def _ag(attr: str) -> ast.Attribute:
    return ast.Attribute(value=_name(AG), attr=attr, ctx=ast.Load())


def _call(func: ast.expr, *args: ast.expr) -> ast.Call:
    return ast.Call(func=func, args=list(args), keywords=[])


def _assign(id_: str, value: ast.expr) -> ast.Assign:
    return ast.Assign(targets=[_name(id_, True)], value=value)


def _not(id_: str) -> ast.UnaryOp:
    return ast.UnaryOp(op=ast.Not(), operand=_name(id_))


def _lambda(body: ast.expr) -> ast.Lambda:
    return ast.Lambda(args=ast.arguments(posonlyargs=[], args=[], vararg=None,
                                         kwonlyargs=[], kw_defaults=[], kwarg=None,
                                         defaults=[]), body=body)


def _def(name: str, args: list, body: list) -> ast.FunctionDef:
    return ast.FunctionDef(
        name=name, args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=a) for a in args],
                                      vararg=None, kwonlyargs=[], kw_defaults=[],
                                      kwarg=None, defaults=[]),
        body=body or [ast.Pass()], decorator_list=[], returns=None, type_comment=None)


class _Names:
    """Fresh names that collide with nothing the function uses."""

    def __init__(self, fn: ast.AST):
        self.used = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)}
        self.used |= {n.name for n in ast.walk(fn) if isinstance(n, ast.FunctionDef)}

    def __call__(self, base: str) -> str:
        name, k = base, 1
        while name in self.used:
            name, k = f"{base}_{k}", k + 1
        self.used.add(name)
        return name


# -- 1. return ---------------------------------------------------------------------

_BLOCKS = (ast.If, ast.For, ast.While, ast.With, ast.Try)


def _always_returns(stmts: list) -> bool:
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    return isinstance(last, ast.If) and _always_returns(last.body) and _always_returns(
        last.orelse)


def _move_tails(stmts: list) -> list:
    out: list = []
    for i, s in enumerate(stmts):
        for field in ("body", "orelse", "finalbody"):
            if isinstance(s, _BLOCKS) and getattr(s, field, None):
                setattr(s, field, _move_tails(getattr(s, field)))
        rest = stmts[i + 1:]
        if isinstance(s, ast.If) and rest and (_always_returns(s.body) !=
                                               _always_returns(s.orelse)):
            target = "orelse" if _always_returns(s.body) else "body"
            setattr(s, target, _move_tails(getattr(s, target) + rest))
            out.append(s)
            return out
        out.append(s)
    return out


def _guard(stmts: list, kind: type, flag: str, replace: Any, loops_own: bool) -> list:
    """`stmts` with each `kind` statement (return, break or continue) replaced by
    `replace(s)` (statements that set `flag`), and everything after a statement that may
    jump put under `if not flag:`, so nothing after a jump runs. Compound statements are
    walked into; with `loops_own`, nested loops are not (their break/continue are
    theirs), else a loop that holds a jump gets `flag` in `_ag_stop` (it ends the loop).
    """
    stop = (ast.For, ast.While) if loops_own else ()
    out: list = []
    for i, s in enumerate(stmts):
        if isinstance(s, kind):
            return out + replace(s)
        if isinstance(s, stop) or not an.contains([s], (kind,), stop=stop):
            out.append(s)
            continue
        if isinstance(s, (ast.For, ast.While)):
            s._ag_stop = getattr(s, "_ag_stop", []) + [flag]
        for field in ("body", "orelse", "finalbody"):
            if getattr(s, field, None):
                setattr(s, field, _guard(getattr(s, field), kind, flag, replace, loops_own))
        for h in getattr(s, "handlers", []):
            h.body = _guard(h.body, kind, flag, replace, loops_own)
        out.append(s)
        rest = stmts[i + 1:]
        if rest:
            out.append(ast.copy_location(ast.If(test=_not(flag), body=_guard(
                rest, kind, flag, replace, loops_own), orelse=[]), rest[0]))
        return out
    return out


def _guard_returns(stmts: list, flag: str, value: str) -> list:
    def replace(s: ast.Return) -> list:
        v = s.value if s.value is not None else ast.Constant(value=None)
        return [ast.copy_location(_assign(flag, ast.Constant(value=True)), s),
                ast.copy_location(_assign(value, v), s)]
    return _guard(stmts, ast.Return, flag, replace, loops_own=False)


def rewrite_returns(fn: ast.FunctionDef, fresh: _Names) -> None:
    nested = any(an.contains([s], (ast.Return,)) for s in fn.body
                 if isinstance(s, _BLOCKS))
    if not nested:
        return
    doc = fn.body[:1] if _is_docstring(fn.body[0]) else []
    body = _move_tails(fn.body[len(doc):])
    flag, value = fresh("do_return"), fresh("retval_")
    body = _guard_returns(body, flag, value)
    init = [_assign(flag, ast.Constant(value=False)),
            _assign(value, _call(_ag("UndefinedReturnValue")))]
    fn.body = doc + init + body + [ast.Return(value=_call(_ag("retval"), _name(value)))]


def _is_docstring(s: ast.stmt) -> bool:
    return isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and isinstance(
        s.value.value, str)


# -- 2. break / continue ------------------------------------------------------------

def _guard_jumps(stmts: list, kind: type, flag: str) -> list:
    return _guard(stmts, kind, flag, lambda s: [ast.copy_location(
        _assign(flag, ast.Constant(value=True)), s)], loops_own=True)


class _Jumps(ast.NodeTransformer):
    def __init__(self, fresh: _Names):
        self.fresh = fresh

    def visit_FunctionDef(self, node: ast.AST) -> ast.AST:
        return node  # its own scope: converted on its own

    visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = visit_FunctionDef

    def _loop(self, node: Any) -> Any:
        self.generic_visit(node)
        stop = (ast.For, ast.While)
        pre, post = [], list(node.orelse)
        if an.contains(node.body, (ast.Continue,), stop=stop):
            flag = self.fresh("continue_")
            node.body = [_assign(flag, ast.Constant(value=False))] + _guard_jumps(
                node.body, ast.Continue, flag)
        if an.contains(node.body, (ast.Break,), stop=stop):
            flag = self.fresh("break_")
            node.body = _guard_jumps(node.body, ast.Break, flag)
            node._ag_stop = getattr(node, "_ag_stop", []) + [flag]
            pre = [ast.copy_location(_assign(flag, ast.Constant(value=False)), node)]
            if post:
                post = [ast.If(test=_not(flag), body=post, orelse=[])]
        node.orelse = []
        return pre + [node] + post

    visit_For = visit_While = _loop


# -- 3. expressions -----------------------------------------------------------------

class _Expressions(ast.NodeTransformer):
    def visit_FunctionDef(self, node: ast.AST) -> ast.AST:
        return node

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        fn = "and_" if isinstance(node.op, ast.And) else "or_"
        return ast.copy_location(_call(_ag(fn), node.values[0],
                                       *[_lambda(v) for v in node.values[1:]]), node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return ast.copy_location(_call(_ag("not_"), node.operand), node)
        return node

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        self.generic_visit(node)
        return ast.copy_location(_call(_ag("if_exp"), node.test, _lambda(node.body),
                                       _lambda(node.orelse)), node)

    def visit_For(self, node: ast.For) -> ast.AST:
        it = node.iter
        if isinstance(it, ast.Call) and (
                (isinstance(it.func, ast.Name) and it.func.id == "range") or
                (isinstance(it.func, ast.Attribute) and it.func.attr == "range")):
            it.args = [self.visit(a) for a in it.args]
            it.keywords = [self.visit(k) for k in it.keywords]
            it.func = self.visit(it.func)
            node.iter = ast.copy_location(ast.Call(func=_ag("range_"), args=[
                it.func] + it.args, keywords=it.keywords), it)
        else:
            node.iter = self.visit(it)
        node.target = self.visit(node.target)
        node.body = [self.visit(s) for s in node.body]
        node.orelse = [self.visit(s) for s in node.orelse]
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        f = node.func
        if isinstance(f, ast.Name) and f.id in _KEEP_CALLS:
            return node
        if isinstance(f, (ast.Attribute, ast.Name)) and getattr(
                f, "attr", getattr(f, "id", "")) == "set_loop_options":
            return node  # read by the loop conversion
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and (
                f.value.id == AG):
            return node
        if any(isinstance(a, ast.Starred) for a in node.args) or node.keywords:
            kwargs = ast.Dict(keys=[k.arg for k in node.keywords],
                              values=[k.value for k in node.keywords])
            kwargs.keys = [None if k is None else ast.Constant(value=k) for k in kwargs.keys]
        else:
            kwargs = ast.Constant(value=None)
        args = ast.Tuple(elts=node.args, ctx=ast.Load())
        return ast.copy_location(_call(_ag("converted_call"), f, args, kwargs), node)


# -- 4. reads of maybe-undefined variables ---------------------------------------------

class _Loads(ast.NodeTransformer):
    def __init__(self, names: set):
        self.names = names

    def visit_FunctionDef(self, node: ast.AST) -> ast.AST:
        return node

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if isinstance(node.ctx, ast.Load) and node.id in self.names:
            return ast.copy_location(_call(_ag("ld"), node), node)
        return node


# -- 5. control flow -----------------------------------------------------------------

class _ControlFlow(ast.NodeTransformer):
    def __init__(self, fresh: _Names, globals_: set, filename: str):
        self.fresh = fresh
        self.globals = globals_
        self.filename = filename
        self.tries: list = []
        self.loops = 0
        self.state: set = set()  # every variable some converted construct assigns

    def visit_FunctionDef(self, node: ast.AST) -> ast.AST:
        return node

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_Try(self, node: ast.Try) -> ast.AST:
        self.tries.append(node.lineno if node.handlers else None)
        node.body = self._stmts(node.body)
        self.tries.pop()
        for h in node.handlers:
            h.body = self._stmts(h.body)
        node.orelse = self._stmts(node.orelse)
        node.finalbody = self._stmts(node.finalbody)
        return node

    def _stmts(self, stmts: list) -> list:
        out: list = []
        for s in stmts:
            r = self.visit(s)
            out.extend(r if isinstance(r, list) else [r])
        return out

    def _decls(self, names: set) -> list:
        local = sorted(n for n in names if n not in self.globals)
        glob = sorted(n for n in names if n in self.globals)
        out: list = []
        if local:
            out.append(ast.Nonlocal(names=local))
        if glob:
            out.append(ast.Global(names=glob))
        return out

    def _opts(self, node: ast.AST, extra: dict | None = None) -> ast.Dict:
        try_line = next((t for t in reversed(self.tries) if t), None)
        items = {"line": ast.Constant(value=node.lineno),
                 "file": ast.Constant(value=self.filename),
                 "try": ast.Constant(value=try_line)}
        if self.loops:
            items["loop"] = ast.Constant(value=True)
        items.update(extra or {})
        return ast.Dict(keys=[ast.Constant(value=k) for k in items],
                        values=list(items.values()))

    def _state_fns(self, names: list) -> tuple:
        get, set_ = self.fresh("get_state"), self.fresh("set_state")
        tup = ast.Tuple(elts=[_name(n) for n in names], ctx=ast.Load())
        get_fn = _def(get, [], [ast.Return(value=tup)])
        arg = self.fresh("vars_")
        set_body = self._decls(set(names)) + ([ast.Assign(
            targets=[ast.Tuple(elts=[_name(n, True) for n in names], ctx=ast.Store())],
            value=_name(arg))] if names else [])
        return get, set_, [get_fn, _def(set_, [arg], set_body)]

    def visit_If(self, node: ast.If) -> list:
        mod = an.writes(node.body) | an.writes(node.orelse)
        names = sorted(mod & getattr(node, "_ag_out", mod))
        node.body, node.orelse = self._stmts(node.body), self._stmts(node.orelse)
        self.state |= mod
        t, f = self.fresh("if_body"), self.fresh("else_body")
        get, set_, fns = self._state_fns(names)
        defs = [_def(t, [], self._decls(mod) + node.body),
                _def(f, [], self._decls(mod) + node.orelse)] + fns
        call = _call(_ag("if_stmt"), node.test, _name(t), _name(f), _name(get), _name(set_),
                     ast.Tuple(elts=[ast.Constant(value=n) for n in names], ctx=ast.Load()),
                     self._opts(node))
        return [ast.copy_location(d, node) for d in defs] + [
            ast.copy_location(ast.Expr(value=call), node)]

    def _loop_opts(self, node: Any) -> tuple:
        extra = {}
        body = node.body
        while body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Call):
            f = body[0].value.func
            fname = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if fname != "set_loop_options":
                break
            for kw in body[0].value.keywords:
                extra[kw.arg] = kw.value
            body = body[1:]
        node.body = body
        return extra

    def _stop_test(self, node: Any) -> ast.expr | None:
        flags = getattr(node, "_ag_stop", [])
        if not flags:
            return None
        tests = [_call(_ag("not_"), _name(f)) for f in flags]
        return tests[0] if len(tests) == 1 else _call(_ag("and_"), tests[0], *[
            _lambda(t) for t in tests[1:]])

    def visit_While(self, node: ast.While) -> list:
        mod = an.writes(node.body)
        names = sorted(mod & getattr(node, "_ag_live", mod))
        extra = self._loop_opts(node)
        self.loops += 1
        node.body = self._stmts(node.body)
        self.loops -= 1
        self.state |= mod
        test = node.test
        stop = self._stop_test(node)
        if stop is not None:
            test = _call(_ag("and_"), stop, _lambda(test))
        tname, bname = self.fresh("loop_test"), self.fresh("loop_body")
        get, set_, fns = self._state_fns(names)
        defs = [_def(tname, [], [ast.Return(value=test)]),
                _def(bname, [], self._decls(mod) + node.body)] + fns
        call = _call(_ag("while_stmt"), _name(tname), _name(bname), _name(get), _name(set_),
                     ast.Tuple(elts=[ast.Constant(value=n) for n in names], ctx=ast.Load()),
                     self._opts(node, extra))
        return [ast.copy_location(d, node) for d in defs] + [
            ast.copy_location(ast.Expr(value=call), node)]

    def visit_For(self, node: ast.For) -> list:
        targets = an.writes(node.target)
        mod = an.writes(node.body) | targets
        names = sorted(mod & getattr(node, "_ag_live", mod))
        extra = self._loop_opts(node)
        self.loops += 1
        node.body = self._stmts(node.body)
        self.loops -= 1
        self.state |= mod
        item = self.fresh("itr")
        bname = self.fresh("loop_body")
        get, set_, fns = self._state_fns(names)
        assign = ast.Assign(targets=[node.target], value=_name(item))
        defs = [_def(bname, [item], self._decls(mod) + [assign] + node.body)] + fns
        stop = self._stop_test(node)
        extra_test: ast.expr = ast.Constant(value=None)
        if stop is not None:
            ename = self.fresh("extra_test")
            defs.append(_def(ename, [], [ast.Return(value=stop)]))
            extra_test = _name(ename)
        extra["targets"] = ast.Tuple(elts=[ast.Constant(value=n) for n in sorted(targets)],
                                     ctx=ast.Load())
        call = _call(_ag("for_stmt"), node.iter, extra_test, _name(bname), _name(get),
                     _name(set_),
                     ast.Tuple(elts=[ast.Constant(value=n) for n in names], ctx=ast.Load()),
                     self._opts(node, extra))
        return [ast.copy_location(d, node) for d in defs] + [
            ast.copy_location(ast.Expr(value=call), node)]

    def generic_visit(self, node: ast.AST) -> ast.AST:
        for field in ("body", "orelse", "finalbody"):
            if isinstance(getattr(node, field, None), list) and isinstance(node, ast.stmt):
                setattr(node, field, self._stmts(getattr(node, field)))
        if isinstance(node, ast.stmt):
            return node
        return super().generic_visit(node)


# -- the pipeline -----------------------------------------------------------------------

class _Super(ast.NodeTransformer):
    """`super()` -> `super(__class__, self)`: the converted function is compiled outside
    its class body, where the zero-argument form has no `__class__` cell."""

    def __init__(self, first: str | None):
        self.first = first

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if (isinstance(node.func, ast.Name) and node.func.id == "super" and not node.args
                and self.first):
            node.args = [_name("__class__"), _name(self.first)]
        return node


def check_convertible(fn: ast.AST) -> None:
    """Raises ConversionError for constructs converted code can't express."""
    for n in an._walk_scope(fn):
        if isinstance(n, (ast.Yield, ast.YieldFrom)):
            raise ConversionError(
                f"line {n.lineno}: `yield` makes {getattr(fn, 'name', 'this function')} a "
                f"generator, which ember.function can't convert: a traced function must "
                f"return its results. Collect the values in a list or an ember.TensorArray "
                f"and return it (or iterate the generator outside the ember.function).")
    if isinstance(fn, ast.AsyncFunctionDef):
        raise ConversionError(f"line {fn.lineno}: async functions can't be converted.")


def transform(fn: ast.AST, filename: str, top: bool = True) -> ast.AST:
    """Converts a FunctionDef (or Lambda) in place and returns it."""
    if isinstance(fn, ast.Lambda):
        return _Expressions().visit(fn)
    check_convertible(fn)
    if top:
        args = fn.args.posonlyargs + fn.args.args
        _Super(args[0].arg if args else None).visit(fn)
    # nested functions first, each its own scope
    for n in list(an._walk_scope(fn)):
        if n is not fn and isinstance(n, ast.FunctionDef):
            try:
                transform(n, filename, top=False)
            except ConversionError:
                pass  # a nested generator stays Python
    fresh = _Names(fn)
    rewrite_returns(fn, fresh)
    fn.body = _flat(_Jumps(fresh), fn.body)
    fn.body = [_Expressions().visit(s) for s in fn.body]
    ast.fix_missing_locations(fn)
    an.live_in(fn.body, set())
    glob = an.declared(fn, ast.Global)
    nonloc = an.declared(fn, ast.Nonlocal)
    cf = _ControlFlow(fresh, glob, filename)
    # collect the variables first (ld-wrapping must precede the rewrite into functions)
    state: set = set()
    for n in an._walk_scope(fn):
        if isinstance(n, ast.If):
            state |= an.writes(n.body) | an.writes(n.orelse)
        elif isinstance(n, (ast.For, ast.While)):
            state |= an.writes(n.body) | (an.writes(n.target) if isinstance(n, ast.For)
                                          else set())
    local = state - glob - nonloc - an.params(fn)
    fn.body = [_Loads(local).visit(s) for s in fn.body]
    fn.body = _flat(cf, fn.body)
    doc = fn.body[:1] if fn.body and _is_docstring(fn.body[0]) else []
    inits = [_assign(n, _call(_ag("Undefined"), ast.Constant(value=n))) for n in sorted(local)]
    fn.body = doc + inits + fn.body[len(doc):]
    fn.decorator_list = [] if top else fn.decorator_list
    return fn


def _flat(visitor: ast.NodeTransformer, stmts: list) -> list:
    out: list = []
    for s in stmts:
        r = visitor.visit(s)
        out.extend(r if isinstance(r, list) else [r])
    return out


def mangle(fn: ast.AST, class_name: str) -> None:
    """Applies Python's private-name mangling (`self.__x` in class C -> `self._C__x`)."""
    prefix = "_" + class_name.lstrip("_")

    def m(name: str) -> str:
        return prefix + name if name.startswith("__") and not name.endswith("__") else name
    for n in ast.walk(fn):
        if isinstance(n, ast.Attribute):
            n.attr = m(n.attr)
        elif isinstance(n, ast.Name):
            n.id = m(n.id)


def clone(node: ast.AST) -> ast.AST:
    return copy.deepcopy(node)
