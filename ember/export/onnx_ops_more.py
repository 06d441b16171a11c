"""ONNX emitters of the primitives ONNX has no single op for, written as compositions:
`gather` (batch_dims too), `pad` (SYMMETRIC too), `roll`, `cumprod`, `atan2`,
`searchsorted`, `lookup_table_find` (integer and float keys) and `tensor_scatter_nd`.

Where a shape matters (the length of a rolled or scanned axis) it is read at run time
(`Shape`), so unknown dims export as well as known ones.

Example:
    >>> from ember.export.onnx_ops import EMITTERS
    >>> EMITTERS["roll"].__name__, EMITTERS["cumprod"].__name__
    ('_roll', '_cumprod')
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .onnx_ops import INT64_MAX, INT64_MIN, emits, np_dtype


def _norm_axis(axis: int, rank: int) -> int:
    """`axis` in [0, rank).

    Example:
        >>> _norm_axis(-1, 3)
        2
    """
    return int(axis) + rank if int(axis) < 0 else int(axis)


def _dim(ctx: Any, x: str, axis: int) -> str:
    """The run-time length of `x`'s `axis`, as a 1-element int64 tensor."""
    return ctx.add_node("Shape", [x], start=axis, end=axis + 1)


def _slice(ctx: Any, x: str, start: Any, end: Any, axis: int, step: int = 1) -> str:
    """`x[start:end:step]` along `axis`; start / end are ints or 1-element int64 tensors."""
    def vec(v: Any) -> str:
        return v if isinstance(v, str) else ctx.ints([v])
    return ctx.add_node("Slice", [x, vec(start), vec(end), ctx.ints([axis]), ctx.ints([step])])


# -- indexing ----------------------------------------------------------------------------

@emits("gather")
def _gather(ctx: Any) -> str:
    axis, b = int(ctx.params["axis"]), int(ctx.params.get("batch_dims", 0))
    if not b:
        return ctx.add_node("Gather", ctx.ins, axis=axis)
    # NOTE: with batch dims, gather along the first non-batch axis is GatherND of
    # one-element index tuples with the same batch_dims; another axis is moved there
    # first, and the gathered axes moved back behind the axes that preceded it.
    rank = ctx.in_specs[0].shape.rank
    irank = ctx.in_specs[1].shape.rank
    if rank is None or irank is None:
        raise ctx.unsupported("with batch_dims > 0 needs the ranks of params and indices "
                              "known when exporting.")
    axis = _norm_axis(axis, rank)
    b = _norm_axis(b, irank) if b < 0 else b
    params = ctx.ins[0]
    npre = axis - b
    if npre:
        perm = list(range(b)) + [axis] + list(range(b, axis)) + list(range(axis + 1, rank))
        params = ctx.add_node("Transpose", [params], perm=perm)
    idx = ctx.unsqueeze(ctx.cast(ctx.ins[1], np.int64), [irank])
    out = ctx.add_node("GatherND", [params, idx], batch_dims=b)
    if not npre:
        return out
    ni = irank - b
    out_rank = rank - 1 + ni
    perm = (list(range(b)) + list(range(b + ni, b + ni + npre)) + list(range(b, b + ni))
            + list(range(b + ni + npre, out_rank)))
    return ctx.add_node("Transpose", [out], perm=perm)


@emits("tensor_scatter_nd")
def _tensor_scatter_nd(ctx: Any) -> str:
    mode = str(ctx.params.get("mode", "update"))
    tensor, indices, updates = ctx.ins
    ispec = ctx.in_specs[1].shape
    if ispec.rank is None or ispec[-1] is None or ispec[-1] == 0:
        raise ctx.unsupported("needs the indices' last dim known (and > 0) when exporting.")
    reduction = {"update": "none", "add": "add", "sub": "add", "min": "min",
                 "max": "max"}.get(mode)
    if reduction is None:
        raise ctx.unsupported(f"in mode {mode!r} has no ONNX ScatterND reduction.")
    if reduction in ("min", "max") and ctx.opset < 18:
        raise ctx.unsupported(f"in mode {mode!r} needs ONNX opset 18 or later (ScatterND "
                              f"reduction='{reduction}'); pass opset=18.")
    if mode == "sub":
        updates = ctx.add_node("Neg", [updates])
    # updates in the layout ScatterND reads: indices.shape[:-1] + tensor.shape[k:]
    k = int(ispec[-1])
    lead = ctx.add_node("Shape", [indices], start=0, end=ispec.rank - 1)
    tail = ctx.add_node("Shape", [tensor], start=k)
    updates = ctx.add_node("Reshape", [updates, ctx.add_node("Concat", [lead, tail], axis=0)])
    return ctx.add_node("ScatterND", [tensor, ctx.cast(indices, np.int64), updates],
                        reduction=reduction)


@emits("searchsorted")
def _searchsorted(ctx: Any) -> str:
    # NOTE: in a sorted row, the insertion point of v is the count of entries < v (side
    # 'left') or <= v ('right'): one comparison of every value with its row, summed. Its
    # size is values x sequence per row; ember's binary search gives the same indices.
    seq, values = ctx.ins
    op = "Less" if ctx.params.get("side", "left") == "left" else "LessOrEqual"
    hits = ctx.add_node(op, [ctx.unsqueeze(seq, [-2]), ctx.unsqueeze(values, [-1])])
    count = ctx.reduce("ReduceSum", ctx.cast(hits, np.int64), [-1], False)
    dt = np_dtype(ctx.out_spec)
    return count if dt == np.int64 else ctx.cast(count, dt)


@emits("lookup_table_find")
def _lookup_table_find(ctx: Any) -> str:
    keys, table_keys, table_values, default = ctx.ins
    if np_dtype(ctx.in_specs[1]).kind not in "biuf":
        raise ctx.unsupported("looks up string keys, which have no ONNX form here (only "
                              "integer and float keys map).")
    # NOTE: a key's row is the position of its one match among the table keys (unique):
    # ArgMax of the matches, the default where there is none.
    if ctx.in_specs[1].shape.rank == 1 and ctx.in_specs[1].shape[0] == 0:  # empty table
        return ctx.add_node("Expand", [default, ctx.add_node("Shape", [keys])])
    if np_dtype(ctx.in_specs[0]) != np_dtype(ctx.in_specs[1]):
        keys = ctx.cast(keys, np_dtype(ctx.in_specs[1]))
    match = ctx.add_node("Equal", [ctx.unsqueeze(keys, [-1]), table_keys])
    found = ctx.reduce("ReduceMax", ctx.cast(match, np.int32), [-1], False)
    row = ctx.add_node("ArgMax", [ctx.cast(match, np.int32)], axis=-1, keepdims=0)
    value = ctx.add_node("Gather", [table_values, row], axis=0)
    return ctx.add_node("Where", [ctx.cast(found, np.bool_), value, default])


# -- shapes ------------------------------------------------------------------------------

@emits("pad")
def _pad(ctx: Any) -> str:
    p = ctx.params
    pads = [(int(a), int(b)) for a, b in p["paddings"]]
    if not pads:
        return ctx.ins[0]
    mode = str(p.get("mode", "CONSTANT")).upper()
    flat = [a for a, _ in pads] + [b for _, b in pads]
    if mode == "CONSTANT":
        value = ctx.const(p.get("constant_values", 0) or 0, np_dtype(ctx.out_spec))
        return ctx.add_node("Pad", [ctx.ins[0], ctx.ints(flat), value], mode="constant")
    if mode == "REFLECT":
        return ctx.add_node("Pad", [ctx.ins[0], ctx.ints(flat)], mode="reflect")
    if mode != "SYMMETRIC":
        raise ctx.unsupported(f"pads in mode {mode!r}; ember's modes are CONSTANT, REFLECT "
                              f"and SYMMETRIC.")
    # NOTE: ONNX Pad has no symmetric mode (reflect leaves the edge out): each axis is
    # the mirrored first `a` entries, the tensor, the mirrored last `b` entries.
    x = ctx.ins[0]
    for axis, (a, b) in enumerate(pads):
        parts = [x]
        if a:
            parts.insert(0, _slice(ctx, x, a - 1, INT64_MIN, axis, -1))
        if b:
            parts.append(_slice(ctx, x, -1, -b - 1, axis, -1))
        if len(parts) > 1:
            x = ctx.add_node("Concat", parts, axis=axis)
    return x


@emits("roll")
def _roll(ctx: Any) -> str:
    x = ctx.ins[0]
    rank = ctx.in_specs[0].shape.rank
    axes = [_norm_axis(a, rank) for a in ctx.params["axis"]]
    if len(axes) > 1 and math.prod(ctx.in_specs[1].shape) != len(axes):
        raise ctx.unsupported("needs one shift per axis.")
    shifts = ctx.add_node("Reshape", [ctx.cast(ctx.ins[1], np.int64), ctx.ints([-1])])
    for k, axis in enumerate(axes):  # repeated axes roll again: their shifts add, as TF
        n = _dim(ctx, x, axis)
        s = _slice(ctx, shifts, k, k + 1, 0)
        cut = ctx.add_node("Sub", [n, ctx.add_node("Mod", [s, n], fmod=0)])
        x = ctx.add_node("Concat", [_slice(ctx, x, cut, INT64_MAX, axis),
                                    _slice(ctx, x, 0, cut, axis)], axis=axis)
    return x


# -- math --------------------------------------------------------------------------------

@emits("cumprod")
def _cumprod(ctx: Any) -> str:
    # NOTE: ONNX has no CumProd, and exp(cumsum(log|x|)) loses zeros and digits. Each
    # output is instead the ReduceProd of its row with the entries outside its prefix
    # (a run-time n x n mask: j <= i, or j < i exclusive, mirrored for reverse) set to 1:
    # exact, at n times cumsum's work.
    p = ctx.params
    x = ctx.ins[0]
    rank = ctx.in_specs[0].shape.rank
    axis = _norm_axis(p["axis"], rank)
    n = ctx.squeeze(_dim(ctx, x, axis), [0])
    r = ctx.add_node("Range", [ctx.const(0, np.int64), n, ctx.const(1, np.int64)])
    i, j = ctx.unsqueeze(r, [1]), ctx.unsqueeze(r, [0])
    exclusive, reverse = bool(p.get("exclusive")), bool(p.get("reverse"))
    op = {(False, False): "LessOrEqual", (True, False): "Less",
          (False, True): "GreaterOrEqual", (True, True): "Greater"}[exclusive, reverse]
    mask = ctx.add_node(op, [j, i])  # [i, j]: j enters output i
    around = list(range(axis)) + list(range(axis + 2, rank + 1))
    if around:
        mask = ctx.unsqueeze(mask, around)
    rows = ctx.add_node("Where", [mask, ctx.unsqueeze(x, [axis]),
                                  ctx.const(1, np_dtype(ctx.out_spec))])
    return ctx.reduce("ReduceProd", rows, [axis + 1], False)


@emits("atan2")
def _atan2(ctx: Any) -> str:
    # NOTE: atan(y / x), moved by +-pi into the left half-plane (x < 0); x == 0 gives
    # +-inf, whose atan is the right +-pi/2; (0, 0) is 0, as NumPy's and TF's atan2. Not
    # reproduced: the sign of a zero (atan2(-0, -1) is -pi there, pi here) and two
    # infinite inputs (NaN here).
    y, x = ctx.ins
    dt = np_dtype(ctx.out_spec)
    zero = ctx.const(0, dt)
    q = ctx.add_node("Atan", [ctx.add_node("Div", [y, x])])
    turn = ctx.add_node("Where", [ctx.add_node("Less", [y, zero]), ctx.const(-np.pi, dt),
                                  ctx.const(np.pi, dt)])
    q = ctx.add_node("Where", [ctx.add_node("Less", [x, zero]),
                               ctx.add_node("Add", [q, turn]), q])
    origin = ctx.add_node("And", [ctx.add_node("Equal", [x, zero]),
                                  ctx.add_node("Equal", [y, zero])])
    return ctx.add_node("Where", [origin, zero, q])
