"""ONNX emitters of the elementwise, shape, reduction and indexing primitives, and the
table of all emitters, `EMITTERS` (primitive name -> emitter), which `onnx_ops_nn` and
`onnx_ops_control` fill too.

An emitter takes an `EmitContext` (onnx_export.py: the equation's input names `ins`, its
`params`, `in_specs` / `out_specs`, and `add_node` / `const` / `ints` to build with) and
returns the ONNX name of its output (a list of names for a primitive of several results).
The elementwise primitives that are one ONNX op are rows of data (`_UNARY`, `_BINARY`).

Example:
    >>> EMITTERS["add"].__name__, _UNARY["tanh"]
    ('_binary', 'Tanh')
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

EMITTERS: dict = {}

INT64_MAX = np.iinfo(np.int64).max
INT64_MIN = np.iinfo(np.int64).min


def emits(*names: str) -> Callable:
    """Registers the decorated function as the emitter of the primitives `names`.

    Example:
        >>> @emits("my_prim")
        ... def _mine(ctx):
        ...     return ctx.ins[0]
        >>> EMITTERS.pop("my_prim") is _mine
        True
    """
    def register(fn: Callable) -> Callable:
        for n in names:
            EMITTERS[n] = fn
        return fn
    return register


def np_dtype(spec: Any) -> np.dtype:
    """The NumPy dtype of a TensorSpec.

    Example:
        >>> import ember as tf
        >>> np_dtype(tf.TensorSpec([2], tf.int32))
        dtype('int32')
    """
    return np.dtype(spec.dtype._numpy())


# -- elementwise ---------------------------------------------------------------------------

_UNARY = {
    "negative": "Neg", "abs": "Abs", "sign": "Sign", "exp": "Exp", "log": "Log",
    "sqrt": "Sqrt", "sin": "Sin", "cos": "Cos", "tan": "Tan", "tanh": "Tanh",
    "asin": "Asin", "acos": "Acos", "atan": "Atan", "sinh": "Sinh", "cosh": "Cosh",
    "asinh": "Asinh", "acosh": "Acosh", "atanh": "Atanh", "sigmoid": "Sigmoid",
    "softplus": "Softplus", "erf": "Erf", "floor": "Floor", "ceil": "Ceil",
    # NOTE: ONNX Round rounds half to even, as NumPy's round / rint (and TF's).
    "round": "Round", "rint": "Round", "is_nan": "IsNaN", "is_inf": "IsInf",
    "logical_not": "Not", "relu": "Relu",
}

_BINARY = {
    "add": "Add", "subtract": "Sub", "multiply": "Mul", "divide": "Div", "maximum": "Max",
    "minimum": "Min", "pow": "Pow", "equal": "Equal", "less": "Less",
    "less_equal": "LessOrEqual", "greater": "Greater", "greater_equal": "GreaterOrEqual",
    "logical_and": "And", "logical_or": "Or", "logical_xor": "Xor",
}

# Added at opset 18: mapped only from there.
_BITWISE = {"bitwise_and": "BitwiseAnd", "bitwise_or": "BitwiseOr",
            "bitwise_xor": "BitwiseXor"}


@emits(*_UNARY)
def _unary(ctx: Any) -> str:
    return ctx.add_node(_UNARY[ctx.prim], ctx.ins)


@emits(*_BINARY)
def _binary(ctx: Any) -> str:
    return ctx.add_node(_BINARY[ctx.prim], ctx.ins)


@emits(*_BITWISE, "bitwise_invert")
def _bitwise(ctx: Any) -> str:
    if ctx.opset < 18:
        raise ctx.unsupported("needs ONNX opset 18 or later (BitwiseAnd, ...); pass "
                              "opset=18.")
    if ctx.prim == "bitwise_invert":
        return ctx.add_node("BitwiseNot", ctx.ins)
    return ctx.add_node(_BITWISE[ctx.prim], ctx.ins)


def _one(ctx: Any) -> str:
    return ctx.const(1, np_dtype(ctx.out_spec))


def _zero(ctx: Any) -> str:
    return ctx.const(0, np_dtype(ctx.out_spec))


@emits("rsqrt")
def _rsqrt(ctx: Any) -> str:
    return ctx.add_node("Reciprocal", [ctx.add_node("Sqrt", ctx.ins)])


# NOTE: ONNX has no log1p / expm1, and log(1 + x), exp(x) - 1 lose every digit for tiny
# x. Goldberg's and Kahan's corrections keep them exact to a few ulps: with u = 1 + x
# (u = exp(x)), the rounding error of u cancels in the ratio log(u) / (u - 1).

@emits("log1p")
def _log1p(ctx: Any) -> str:
    x = ctx.ins[0]
    u = ctx.add_node("Add", [x, _one(ctx)])
    um1 = ctx.add_node("Sub", [u, _one(ctx)])
    log_u = ctx.add_node("Log", [u])
    ratio = ctx.add_node("Div", [ctx.add_node("Mul", [log_u, x]), um1])
    ratio = ctx.add_node("Where", [ctx.add_node("IsInf", [u]), log_u, ratio])  # x = inf
    return ctx.add_node("Where", [ctx.add_node("Equal", [um1, _zero(ctx)]), x, ratio])


@emits("expm1")
def _expm1(ctx: Any) -> str:
    x = ctx.ins[0]
    u = ctx.add_node("Exp", [x])
    um1 = ctx.add_node("Sub", [u, _one(ctx)])
    ratio = ctx.add_node("Div", [ctx.add_node("Mul", [um1, x]), ctx.add_node("Log", [u])])
    # u == 1: x itself; u - 1 == -1 (x very negative) or u infinite: u - 1 as it is
    exact = ctx.add_node("Or", [ctx.add_node("Equal", [um1, ctx.const(-1, np_dtype(
        ctx.out_spec))]), ctx.add_node("IsInf", [u])])
    out = ctx.add_node("Where", [exact, um1, ratio])
    return ctx.add_node("Where", [ctx.add_node("Equal", [um1, _zero(ctx)]), x, out])


@emits("erfc")
def _erfc(ctx: Any) -> str:
    return ctx.add_node("Sub", [_one(ctx), ctx.add_node("Erf", ctx.ins)])


@emits("is_finite")
def _is_finite(ctx: Any) -> str:
    bad = ctx.add_node("Or", [ctx.add_node("IsNaN", ctx.ins), ctx.add_node("IsInf", ctx.ins)])
    return ctx.add_node("Not", [bad])


@emits("not_equal")
def _not_equal(ctx: Any) -> str:
    return ctx.add_node("Not", [ctx.add_node("Equal", ctx.ins)])


@emits("floordiv")
def _floordiv(ctx: Any) -> str:
    x, y = ctx.ins
    if np_dtype(ctx.out_spec).kind == "f":
        return ctx.add_node("Floor", [ctx.add_node("Div", [x, y])])
    # NOTE: integers: (x - floormod(x, y)) / y divides exactly, so ONNX's truncating Div
    # gives the floored quotient.
    rem = ctx.add_node("Mod", [x, y], fmod=0)
    return ctx.add_node("Div", [ctx.add_node("Sub", [x, rem]), y])


@emits("floormod")
def _floormod(ctx: Any) -> str:
    x, y = ctx.ins
    if np_dtype(ctx.out_spec).kind != "f":
        return ctx.add_node("Mod", [x, y], fmod=0)  # the sign of the divisor, as Python
    q = ctx.add_node("Floor", [ctx.add_node("Div", [x, y])])
    return ctx.add_node("Sub", [x, ctx.add_node("Mul", [q, y])])


@emits("select")
def _select(ctx: Any) -> str:
    return ctx.add_node("Where", ctx.ins)


@emits("cast")
def _cast(ctx: Any) -> str:
    if np_dtype(ctx.in_specs[0]) == np_dtype(ctx.out_spec):
        return ctx.ins[0]
    return ctx.cast(ctx.ins[0], ctx.out_spec.dtype)


@emits("identity", "stop_gradient", "ensure_shape")
def _identity(ctx: Any) -> str:
    return ctx.ins[0]


@emits("debug_check", "debug_print")
def _effect(ctx: Any) -> str:
    # NOTE: an assertion or a print has no ONNX form: the exported model skips it (its
    # output, a True scalar, is all the graph sees of it).
    return ctx.const(True)


@emits("fill_like")
def _fill_like(ctx: Any) -> str:
    value = ctx.const(ctx.params["value"], np_dtype(ctx.out_spec))
    return ctx.add_node("Expand", [value, ctx.add_node("Shape", ctx.ins[:1])])


# -- reductions and scans ---------------------------------------------------------------

_REDUCE = {"reduce_sum": "ReduceSum", "reduce_mean": "ReduceMean", "reduce_max": "ReduceMax",
           "reduce_min": "ReduceMin", "reduce_prod": "ReduceProd"}


def _axes(axis: Any) -> Any:
    if axis is None:
        return None
    return [int(axis)] if np.ndim(axis) == 0 else [int(a) for a in axis]


@emits(*_REDUCE)
def _reduce(ctx: Any) -> str:
    return ctx.reduce(_REDUCE[ctx.prim], ctx.ins[0], _axes(ctx.params.get("axis")),
                      ctx.params.get("keepdims", False))


@emits("reduce_any", "reduce_all")
def _reduce_bool(ctx: Any) -> str:
    as_int = ctx.cast(ctx.ins[0], np.int32)
    op = "ReduceMax" if ctx.prim == "reduce_any" else "ReduceMin"
    out = ctx.reduce(op, as_int, _axes(ctx.params.get("axis")),
                     ctx.params.get("keepdims", False))
    return ctx.cast(out, np.bool_)


@emits("argmax", "argmin")
def _arg(ctx: Any) -> str:
    op = "ArgMax" if ctx.prim == "argmax" else "ArgMin"
    out = ctx.add_node(op, ctx.ins, axis=int(ctx.params["axis"]), keepdims=0)
    dt = np_dtype(ctx.out_spec)
    return out if dt == np.int64 else ctx.cast(out, dt)


@emits("cumsum")
def _cumsum(ctx: Any) -> str:
    p = ctx.params
    return ctx.add_node("CumSum", [ctx.ins[0], ctx.const(int(p["axis"]), np.int64)],
                        exclusive=int(bool(p.get("exclusive"))),
                        reverse=int(bool(p.get("reverse"))))


# -- shapes ------------------------------------------------------------------------------

@emits("reshape")
def _reshape(ctx: Any) -> str:
    shape = [int(d) for d in ctx.params["shape"]]
    # NOTE: ONNX reads a 0 in the target shape as "copy this dim" unless allowzero=1.
    zero = 1 if 0 in shape and -1 not in shape else None
    return ctx.add_node("Reshape", [ctx.ins[0], ctx.ints(shape)], allowzero=zero)


@emits("reshape_dynamic")
def _reshape_dynamic(ctx: Any) -> str:
    return ctx.add_node("Reshape", [ctx.ins[0], ctx.cast(ctx.ins[1], np.int64)])


@emits("transpose")
def _transpose(ctx: Any) -> str:
    return ctx.add_node("Transpose", ctx.ins, perm=[int(p) for p in ctx.params["perm"]])


@emits("broadcast_to")
def _broadcast_to(ctx: Any) -> str:
    return ctx.add_node("Expand", [ctx.ins[0], ctx.ints(ctx.params["shape"])])


@emits("broadcast_to_dynamic")
def _broadcast_to_dynamic(ctx: Any) -> str:
    return ctx.add_node("Expand", [ctx.ins[0], ctx.cast(ctx.ins[1], np.int64)])


@emits("shape")
def _shape(ctx: Any) -> str:
    out = ctx.add_node("Shape", ctx.ins)
    dt = np_dtype(ctx.out_spec)
    return out if dt == np.int64 else ctx.cast(out, dt)


@emits("range")
def _range(ctx: Any) -> str:
    p = ctx.params
    dt = np.dtype(p["dtype"])
    values = np.float64(p["start"]) + np.arange(p["size"]) * np.float64(p["delta"])
    return ctx.const(values.astype(dt))


@emits("concat")
def _concat(ctx: Any) -> str:
    return ctx.add_node("Concat", ctx.ins, axis=int(ctx.params["axis"]))


def _split_into(ctx: Any, x: str, axis: int, n: int, sizes: Any) -> list:
    """Split of `x` along `axis` into `n` pieces, of `sizes` (an int64 tensor name) or,
    sizes None, equal ones."""
    if sizes is not None:
        out = ctx.add_node("Split", [x, sizes], n_out=n, axis=axis)
    elif ctx.opset >= 18:
        out = ctx.add_node("Split", [x], n_out=n, axis=axis, num_outputs=n)
    else:
        out = ctx.add_node("Split", [x], n_out=n, axis=axis)
    return [out] if n == 1 else out


@emits("split")
def _split(ctx: Any) -> list:
    axis = int(ctx.params["axis"])
    dims = [s.shape[axis] for s in ctx.out_specs]
    n = len(dims)
    if all(d is not None for d in dims):
        return _split_into(ctx, ctx.ins[0], axis, n, ctx.ints(dims))
    if isinstance(ctx.params["sizes"], int):
        return _split_into(ctx, ctx.ins[0], axis, n, None)
    raise ctx.unsupported("splits an axis of unknown size into pieces of given sizes.")


@emits("split_like")
def _split_like(ctx: Any) -> list:
    axis = int(ctx.params["axis"])
    parts = [ctx.add_node("Shape", [t], start=axis, end=axis + 1) for t in ctx.ins[1:]]
    sizes = parts[0] if len(parts) == 1 else ctx.add_node("Concat", parts, axis=0)
    return _split_into(ctx, ctx.ins[0], axis, len(parts), sizes)


@emits("tile")
def _tile(ctx: Any) -> str:
    return ctx.add_node("Tile", [ctx.ins[0], ctx.ints(ctx.params["multiples"])])


@emits("reverse")
def _reverse(ctx: Any) -> str:
    axes = _axes(ctx.params["axis"]) or []
    if not axes:
        return ctx.ins[0]
    n = len(axes)
    return ctx.add_node("Slice", [ctx.ins[0], ctx.ints([-1] * n), ctx.ints([INT64_MIN] * n),
                                  ctx.ints(axes), ctx.ints([-1] * n)])


# -- indexing ----------------------------------------------------------------------------

def _bound(ctx: Any, p: Any, bounds: list) -> Any:
    """An index part: a Python int / None, or the (1-element int64) tensor of bound k."""
    if type(p) is tuple:
        return ctx.cast(ctx.unsqueeze(bounds[p[0]], [0]), np.int64)
    return p


def _slice_index(ctx: Any, index: tuple, bounds: list, sizes: bool = False) -> str:
    """`x[index]` for a NumPy basic index (ints, slices, None, Ellipsis) whose `(k,)`
    entries are the run-time scalars `bounds[k]`: one Slice, then a Squeeze of the int
    entries' axes and an Unsqueeze of the None ones."""
    x = ctx.ins[0]
    rank = ctx.in_specs[0].shape.rank
    n_used = sum(1 for k in index if k is not None and k is not Ellipsis)
    starts, ends, axes, steps, drop, new = [], [], [], [], [], []
    axis = out_axis = 0
    for k in index:
        if k is Ellipsis:
            axis += rank - n_used
            out_axis += rank - n_used
            continue
        if k is None:
            new.append(out_axis)
            out_axis += 1
            continue
        if type(k) is slice:
            a, b, c = (_bound(ctx, v, bounds) for v in (k.start, k.stop, k.step))
            c = 1 if c is None else c
            if sizes:  # tf.slice: begin:size, size -1 to the end
                if isinstance(b, str):
                    end = ctx.add_node("Add", [a if isinstance(a, str) else ctx.ints([a]), b])
                    is_all = ctx.add_node("Equal", [b, ctx.ints([-1])])
                    b = ctx.add_node("Where", [is_all, ctx.ints([INT64_MAX]), end])
                elif b == -1:
                    b = None
                elif isinstance(a, str):
                    b = ctx.add_node("Add", [a, ctx.ints([b])])
                else:
                    b = a + b
            if isinstance(c, str) and (a is None or b is None):
                raise ctx.unsupported("slices with a step known only at run time and an "
                                      "open bound.")
            up = isinstance(c, str) or c > 0
            a = (0 if up else INT64_MAX) if a is None else a
            b = (INT64_MAX if up else INT64_MIN) if b is None else b
            starts.append(a)
            ends.append(b)
            steps.append(c)
            axes.append(axis)
            out_axis += 1
        else:
            i = _bound(ctx, k, bounds)
            if isinstance(i, str):
                last = ctx.add_node("Equal", [i, ctx.ints([-1])])
                end = ctx.add_node("Where", [last, ctx.ints([INT64_MAX]),
                                             ctx.add_node("Add", [i, ctx.ints([1])])])
            else:
                end = INT64_MAX if i == -1 else i + 1
            starts.append(i)
            ends.append(end)
            steps.append(1)
            axes.append(axis)
            drop.append(axis)
        axis += 1
    if axes and not _is_everything(starts, ends, steps):
        x = ctx.add_node("Slice", [x, _vector(ctx, starts), _vector(ctx, ends),
                                   ctx.ints(axes), _vector(ctx, steps)])
    x = ctx.squeeze(x, drop)
    if new:
        x = ctx.unsqueeze(x, new)
    return x


def _is_everything(starts: list, ends: list, steps: list) -> bool:
    """True when a slice keeps every axis whole (all parts static 0 : max : 1)."""
    return all(part == (0, INT64_MAX, 1) for part in zip(starts, ends, steps))


def _vector(ctx: Any, parts: list) -> str:
    """A 1-D int64 tensor of Python ints and 1-element tensors."""
    if not any(isinstance(p, str) for p in parts):
        return ctx.ints(parts)
    pieces = [p if isinstance(p, str) else ctx.ints([p]) for p in parts]
    return pieces[0] if len(pieces) == 1 else ctx.add_node("Concat", pieces, axis=0)


@emits("strided_slice")
def _strided_slice(ctx: Any) -> str:
    return _slice_index(ctx, tuple(ctx.params["index"]), [])


@emits("strided_slice_dynamic")
def _strided_slice_dynamic(ctx: Any) -> str:
    return _slice_index(ctx, tuple(ctx.params["index"]), ctx.ins[1:],
                        bool(ctx.params.get("sizes", False)))


@emits("gather_nd")
def _gather_nd(ctx: Any) -> str:
    return ctx.add_node("GatherND", [ctx.ins[0], ctx.cast(ctx.ins[1], np.int64)],
                        batch_dims=int(ctx.params.get("batch_dims", 0)))


@emits("where_index")
def _where_index(ctx: Any) -> str:
    out = ctx.add_node("Transpose", [ctx.add_node("NonZero", ctx.ins)], perm=[1, 0])
    dt = np_dtype(ctx.out_spec)
    return out if dt == np.int64 else ctx.cast(out, dt)


@emits("top_k")
def _top_k(ctx: Any) -> list:
    k = ctx.params["k"]
    values, idx = ctx.add_node("TopK", [ctx.ins[0], ctx.ints([int(k)])], n_out=2,
                               axis=-1, largest=1, sorted=1)
    dt = np_dtype(ctx.out_specs[1])
    return [values, idx if dt == np.int64 else ctx.cast(idx, dt)]
