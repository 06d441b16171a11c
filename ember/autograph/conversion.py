"""Turning a live Python function into its converted twin, once per code object.

The converted definition is compiled inside a factory whose parameters are `ag__` and the
original's free variables; the new function is then built from the inner code object with
the original's globals, defaults and closure cells (so closures stay live and `nonlocal`
writes reach the original variables). Line numbers and the file name are the original's,
so tracebacks point at the user's source.

Example:
    >>> from ember.autograph.conversion import convert
    >>> def absolute(x):
    ...     if x < 0:
    ...         x = -x
    ...     return x
    >>> convert(absolute)(-3)
    3
"""

from __future__ import annotations

import ast
import functools
import inspect
import os
import sysconfig
import textwrap
import types
import warnings
import weakref
from typing import Any, Callable

from . import operators
from .transformer import ConversionError, mangle, transform

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # .../ember
_LIBRARY_DIRS = (_PACKAGE + os.sep, sysconfig.get_paths()["stdlib"] + os.sep)
_SKIP_MODULES = ("numpy", "functools", "builtins", "inspect", "abc", "typing", "copy",
                 "collections", "contextlib", "threading", "_pytest", "pytest", "unittest",
                 "scipy", "h5py", "jax")
_CODE: dict = {}  # original code object -> (inner code, source) or the ConversionError
_BY_FN: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_ENABLED = [True]


class SourceUnavailable(Exception):
    """The function's source can't be read (built-in, exec'd string, C function)."""


def _is_library(f: types.FunctionType) -> bool:
    if getattr(f, "__ember_do_not_convert__", False) or getattr(f, "__ember_converted__",
                                                                 False):
        return True
    if "ag__" in f.__code__.co_freevars:
        return True  # defined inside converted code: converted with it
    path = f.__code__.co_filename
    if path.startswith(_LIBRARY_DIRS) or "site-packages" in path or "dist-packages" in path:
        return True  # ember itself, the standard library, installed packages
    mod = (getattr(f, "__module__", None) or "").split(".")[0]
    return mod in _SKIP_MODULES


def _source_node(f: types.FunctionType) -> tuple:
    try:
        # NOTE: from the code object: `inspect.getsourcelines(f)` would follow
        # `__wrapped__` (functools.wraps) to another function's source.
        lines, first = inspect.getsourcelines(f.__code__)
    except (OSError, TypeError) as e:
        raise SourceUnavailable(str(e)) from None
    src = textwrap.dedent("".join(lines))
    try:
        tree = ast.parse(src)
    except SyntaxError:
        raise SourceUnavailable("its source does not parse on its own") from None
    ast.increment_lineno(tree, max(first, 1) - 1)
    if f.__code__.co_name == "<lambda>":
        code = f.__code__
        want = list(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount])
        found = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda)
                 and [a.arg for a in n.args.posonlyargs + n.args.args + n.args.kwonlyargs]
                 == want]
        if len(found) != 1:
            raise SourceUnavailable("several lambdas on its line")
        return found[0], src
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                node.name == f.__code__.co_name):
            return node, src
    raise SourceUnavailable("its definition was not found in its source")


def _class_of(f: types.FunctionType) -> str | None:
    parts = f.__qualname__.split(".")
    if len(parts) >= 2 and parts[-2] != "<locals>":
        return parts[-2]
    return None


def _compile(f: types.FunctionType) -> tuple:
    node, _ = _source_node(f)
    cls = _class_of(f)
    if cls is not None:
        mangle(node, cls)
    filename = f.__code__.co_filename
    node = transform(node, os.path.basename(filename))
    code = f.__code__
    free = list(code.co_freevars)
    inner_name = node.name if isinstance(node, ast.FunctionDef) else None
    body = ([node, ast.Return(value=ast.Name(id=inner_name, ctx=ast.Load()))]
            if inner_name else [ast.Return(value=node)])
    factory = ast.FunctionDef(
        name="__ag_factory", args=ast.arguments(
            posonlyargs=[], args=[ast.arg(arg=a) for a in ["ag__"] + free], vararg=None,
            kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
        body=body, decorator_list=[], returns=None, type_comment=None)
    module = ast.Module(body=[factory], type_ignores=[])
    ast.copy_location(factory, node)
    ast.fix_missing_locations(module)
    compiled = compile(module, filename, "exec")
    fac = next(c for c in compiled.co_consts if isinstance(c, types.CodeType))
    inner = next(c for c in fac.co_consts if isinstance(c, types.CodeType)
                 and c.co_name == (inner_name or "<lambda>"))
    source = ast.unparse(node)
    return inner, source


def _cell(value: Any = None, empty: bool = False) -> Any:
    return types.CellType() if empty else types.CellType(value)


def _build(f: types.FunctionType, inner: types.CodeType) -> types.FunctionType:
    cells = dict(zip(f.__code__.co_freevars, f.__closure__ or ()))
    closure = tuple(_cell(operators) if n == "ag__" else cells.get(n, _cell(empty=True))
                    for n in inner.co_freevars)
    new = types.FunctionType(inner, f.__globals__, f.__name__, f.__defaults__, closure)
    new.__kwdefaults__ = f.__kwdefaults__
    new.__dict__.update(f.__dict__)
    new.__qualname__, new.__module__, new.__doc__ = f.__qualname__, f.__module__, f.__doc__
    new.__ember_converted__ = True
    new.__wrapped__ = f
    return new


def _entry(f: types.FunctionType) -> Any:
    entry = _CODE.get(f.__code__)
    if entry is None:
        try:
            entry = _compile(f)
        except (SourceUnavailable, ConversionError) as e:
            entry = e
        except Exception as e:  # noqa: BLE001 - a construct the converter does not know
            warnings.warn(f"AutoGraph could not transform {f.__qualname__} and will run it "
                          f"as-is ({type(e).__name__}: {e}).", stacklevel=3)
            entry = SourceUnavailable(f"the converter failed: {e}")
        _CODE[f.__code__] = entry
    return entry


def convert(f: Callable, strict: bool = True) -> Callable:
    """The converted version of function `f` (methods and partials too). Raises
    ConversionError for unconvertible code, SourceUnavailable without source, unless
    `strict` is False (then `f` itself comes back)."""
    if isinstance(f, types.MethodType):
        g = convert(f.__func__, strict)
        return f if g is f.__func__ else types.MethodType(g, f.__self__)
    if isinstance(f, functools.partial):
        g = convert(f.func, strict)
        return f if g is f.func else functools.partial(g, *f.args, **f.keywords)
    if type(f) is not types.FunctionType:
        return f
    done = _BY_FN.get(f)
    if done is not None:
        return done
    entry = _entry(f)
    if isinstance(entry, Exception):
        if strict:
            raise entry
        return f
    new = _build(f, entry[0])
    _BY_FN[f] = new
    return new


def maybe_convert(f: Any) -> Any:
    """`f` converted if it is user code and AutoGraph is on, else `f` (never raises for
    code it can't convert: that code runs as plain Python)."""
    if not _ENABLED[0]:
        return f
    target = f.__func__ if isinstance(f, types.MethodType) else f
    if type(target) is not types.FunctionType or _is_library(target):
        if not isinstance(f, functools.partial):
            return f
    return convert(f, strict=False)


def source_of(f: Callable) -> str:
    """The converted source of `f` (raises what conversion raises)."""
    if isinstance(f, (types.MethodType, functools.partial)):
        f = f.__func__ if isinstance(f, types.MethodType) else f.func
    f = getattr(f, "python_function", f)
    if type(f) is not types.FunctionType:
        raise SourceUnavailable(f"{f!r} is not a Python function")
    entry = _entry(f)
    if isinstance(entry, Exception):
        raise entry
    return entry[1]


def for_function(f: Callable) -> Callable:
    """What `ember.function` traces: the converted `f`; for code without readable
    source, `f` wrapped to warn if tensor control flow then fails; a generator raises."""
    target = f.__func__ if isinstance(f, types.MethodType) else f
    if type(target) is not types.FunctionType or _is_library(target) or not _ENABLED[0]:
        return f
    entry = _entry(target)
    if isinstance(entry, ConversionError):
        raise entry
    if isinstance(entry, SourceUnavailable):
        reason = str(entry)

        @functools.wraps(f)
        def unconverted(*args: Any, **kwargs: Any) -> Any:
            try:
                return f(*args, **kwargs)
            except TypeError as e:
                if "as a Python bool" in str(e):
                    warnings.warn(f"AutoGraph could not convert {f.__qualname__} ({reason}),"
                                  f" so it was traced as plain Python; its `if`/`while` on "
                                  f"tensors needs conversion. Define it in a file, or use "
                                  f"ember.cond / ember.while_loop.", stacklevel=2)
                raise
        return unconverted
    conv = convert(f, strict=False)

    @functools.wraps(f)
    def converted(*args: Any, **kwargs: Any) -> Any:
        n = len(operators.PENDING)
        try:
            out = conv(*args, **kwargs)
        finally:
            pending = operators.PENDING[n:]
            del operators.PENDING[n:]
        if pending:  # the user's own `try` caught it
            raise pending[0]
        return out
    return converted
