"""Keras 3's core ops (`keras.ops.cond`, `scan`, `scatter`, `convert_to_numpy`, ...).

Control flow runs on ember's `cond` / `while_loop` (compiled inside `ember.function`,
plain Python eagerly; in a layer's call on KerasTensors they give the output specs), and
the loops of `scan` / `fori_loop` carry Keras 3's argument conventions over them.

Example:
    >>> from ember import keras
    >>> carry, ys = keras.ops.scan(lambda c, x: (c + x, c * x), 0.0, [1.0, 2.0, 3.0])
    >>> float(carry), ys.numpy()
    (6.0, array([0., 2., 9.], dtype=float32))
"""

from __future__ import annotations

import builtins
from typing import Any, Callable

import numpy as np

from ...core import nest
from ...core.custom_gradient import custom_gradient as _custom_gradient
from ...core.tensor import TensorOps
from ...ops.control_case import switch_case
from ...ops.control_flow import cond as _cond
from ...ops.control_flow import while_loop as _while_loop
from ...ops.extra_ops import map_fn
from ...ops.extra_ops import vectorized_map as _vectorized_map
from ...prims.convert import cast as _cast
from ...prims.convert import stop_gradient as _stop_gradient
from ...sparse.sparse_ops import to_dense as sparse_to_dense
from ...sparse.sparse_tensor import SparseTensor
from ...ops.creation_ops import ones_like
from ...ops.gather_ops import scatter_nd
from ...ops.math_ops import clip_by_value
from ...ops.shape_ops import concat, reshape, stack
from ...ops.shape_ops import reverse as _reverse
from ...ops.shape_ops import shape as dynamic_shape
from ...ops.shape_ops import unstack as _unstack
from ...ops.tensor_array import TensorArray
from ...prims import gather as _gather
from ...prims.index import slice as _slice
from ._dtypes import standardize_dtype, to_tensor

__all__ = ["associative_scan", "cast", "cond", "convert_to_numpy", "convert_to_tensor",
           "custom_gradient", "dtype", "fori_loop", "is_tensor", "map", "saturate_cast",
           "scan", "scatter", "scatter_update", "shape", "slice", "slice_update",
           "stop_gradient", "switch", "unstack", "vectorized_map", "while_loop"]


def cast(x: Any, dtype: Any) -> Any:
    """`x` as a tensor of `dtype`.

    Example:
        >>> from ember import keras
        >>> keras.ops.cast([1.7, -2.2], "int32").numpy()
        array([ 1, -2], dtype=int32)
    """
    return _cast(to_tensor(x), standardize_dtype(dtype))


def convert_to_tensor(x: Any, dtype: Any = None, sparse: Any = None,
                      ragged: Any = None) -> Any:
    """`x` as an ember tensor (Python floats are floatx, Python ints int32, as Keras 3);
    a `tf.SparseTensor` stays sparse unless `sparse=False` makes it dense.

    Example:
        >>> from ember import keras
        >>> keras.ops.convert_to_tensor([1.0, 2.0]).dtype.name
        'float32'
    """
    if isinstance(x, SparseTensor):  # kept sparse unless sparse=False (Keras 3)
        if sparse is False:
            x = sparse_to_dense(x)
        elif dtype is not None:
            return x.with_values(to_tensor(x.values, dtype))
        else:
            return x
    if ragged:
        raise NotImplementedError("keras.ops.convert_to_tensor: ragged=True tensors are "
                                  "not built in ember's keras.ops yet; pass dense values.")
    return to_tensor(x, dtype)


def convert_to_numpy(x: Any) -> np.ndarray:
    """`x` as a NumPy array (a copy from the device on the JAX backend).

    Example:
        >>> from ember import keras
        >>> keras.ops.convert_to_numpy(keras.ops.convert_to_tensor([1.0, 1.0]))
        array([1., 1.], dtype=float32)
    """
    if isinstance(x, TensorOps):
        return np.asarray(x.numpy())
    return np.asarray(x)


def is_tensor(x: Any) -> bool:
    """Whether `x` is a tensor of the backend (an ember Tensor or Variable; a NumPy
    array is not).

    Example:
        >>> import numpy as np, ember as tf
        >>> from ember import keras
        >>> keras.ops.is_tensor(tf.constant(1.0)), keras.ops.is_tensor(np.ones(2))
        (True, False)
    """
    return isinstance(x, TensorOps)


def dtype(x: Any) -> str:
    """The Keras name of `x`'s dtype.

    Example:
        >>> from ember import keras
        >>> keras.ops.dtype(keras.ops.cast([1, 2], "int8"))
        'int8'
    """
    if isinstance(x, TensorOps) or hasattr(x, "dtype"):
        return standardize_dtype(x.dtype)
    return standardize_dtype(to_tensor(x).dtype)


def shape(x: Any) -> tuple:
    """`x`'s shape as a tuple (None for a dim a KerasTensor doesn't know).

    Example:
        >>> from ember import keras
        >>> keras.ops.shape([[0, 0, 0], [0, 0, 0]]), keras.ops.shape(keras.Input((3,)))
        ((2, 3), (None, 3))
    """
    if isinstance(x, TensorOps):
        return tuple(x.shape.as_list()) if x.shape.rank is not None else ()
    return tuple(np.shape(x))


def saturate_cast(x: Any, dtype: Any) -> Any:
    """`x` cast to `dtype`, values first clipped to the range `dtype` can hold (no
    wrap-around).

    Example:
        >>> from ember import keras
        >>> keras.ops.saturate_cast([-300.0, 12.5, 300.0], "uint8").numpy()
        array([  0,  12, 255], dtype=uint8)
    """
    target = standardize_dtype(dtype)
    x = to_tensor(x)
    if target != "bool" and not target.startswith(("float", "bfloat", "complex")):
        info = np.iinfo(target)
        src = x.dtype.name
        lo, hi = info.min, info.max
        if src.startswith(("int", "uint")):
            sinfo = np.iinfo(src)
            lo, hi = builtins.max(lo, sinfo.min), builtins.min(hi, sinfo.max)
        elif src.startswith(("float", "bfloat")):
            # the largest float of x's dtype not above the bound (float32 can't hold
            # 2**31 - 1: clip to the float just below, which then casts exactly)
            fdt = np.dtype("float32" if src == "bfloat16" else src)
            hi = float(np.nextafter(fdt.type(hi), fdt.type(0))) if fdt.type(hi) > hi else hi
        x = clip_by_value(x, _cast(to_tensor(lo), x.dtype),
                                 _cast(to_tensor(hi), x.dtype))
    return _cast(x, target)


def stop_gradient(variable: Any) -> Any:
    """`variable`'s value, with no gradient flowing back through it.

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> x = tf.Variable(2.0)
        >>> with tf.GradientTape() as tape:
        ...     y = x * keras.ops.stop_gradient(x)
        >>> float(tape.gradient(y, x))
        2.0
    """
    return _stop_gradient(to_tensor(variable))


def custom_gradient(f: Callable) -> Callable:
    """Decorates `f(*args) -> (y, grad)` so gradients of `y` are `grad(upstream)`
    (Keras 3's TensorFlow convention; `grad(*args, upstream=None)` works too).

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> @keras.ops.custom_gradient
        ... def clipped(x):
        ...     def grad(*args, upstream=None):
        ...         upstream = args[0] if upstream is None else upstream
        ...         return upstream * 0.2
        ...     return x * 1.0, grad
        >>> x = tf.constant(3.0)
        >>> with tf.GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = clipped(x) * 5.0
        >>> float(tape.gradient(y, x))
        1.0
    """
    return _custom_gradient(f)


def cond(pred: Any, true_fn: Callable, false_fn: Callable) -> Any:
    """`true_fn()` if `pred` else `false_fn()` (both traced inside a compiled function).

    Example:
        >>> from ember import keras
        >>> float(keras.ops.cond(keras.ops.convert_to_tensor(False), lambda: 1.0, lambda: 2.0))
        2.0
    """
    return _cond(pred, true_fn, false_fn)


def switch(index: Any, branches: list, *operands: Any) -> Any:
    """`branches[index](*operands)`; an index out of range picks the nearest branch.

    Example:
        >>> from ember import keras
        >>> fns = [lambda x: x + 1, lambda x: x * 10]
        >>> float(keras.ops.switch(1, fns, 2.0)), float(keras.ops.switch(7, fns, 2.0))
        (20.0, 20.0)
    """
    if not branches:
        raise ValueError("keras.ops.switch: `branches` must hold at least one callable.")
    n = len(branches)
    index = clip_by_value(cast(index, "int32"), 0, n - 1)
    return switch_case(index, [lambda f=f: f(*operands) for f in branches])


def while_loop(cond: Callable, body: Callable, loop_vars: Any,
               maximum_iterations: int | None = None) -> Any:
    """Runs `loop_vars = body(*loop_vars)` while `cond(*loop_vars)`; a single loop
    variable (not a tuple or list) is passed and returned alone, as in Keras 3.

    Example:
        >>> from ember import keras
        >>> i, s = keras.ops.while_loop(lambda i, s: i < 5, lambda i, s: (i + 1, s + i), (0, 0))
        >>> int(i), int(s)
        (5, 10)
    """
    single = not isinstance(loop_vars, (list, tuple))
    vars_ = (loop_vars,) if single else tuple(loop_vars)
    vars_ = nest.map_structure(lambda v: to_tensor(v), vars_)

    def body_fn(*vs: Any) -> Any:
        out = body(*vs)
        out = (out,) if single else tuple(out)
        return nest.map_structure(lambda o, v: _like(o, v), out, vs)
    out = _while_loop(lambda *vs: cond(*vs), body_fn, vars_,
                      maximum_iterations=maximum_iterations)
    return out[0] if single else type(loop_vars)(out)


def _like(value: Any, ref: Any) -> Any:
    """A loop body's result as a tensor of its loop variable's dtype."""
    value = to_tensor(value)
    return value if value.dtype == ref.dtype else _cast(value, ref.dtype)


def fori_loop(lower: int, upper: Any, body_fun: Callable, init_val: Any) -> Any:
    """`init_val` after `val = body_fun(i, val)` for `i` from `lower` to `upper - 1`.

    Example:
        >>> from ember import keras
        >>> int(keras.ops.fori_loop(0, 4, lambda i, v: v + i, 0))
        6
    """
    structure = init_val
    flat = [to_tensor(v) for v in nest.flatten(init_val)]

    def body(i: Any, *vals: Any) -> tuple:
        out = body_fun(i, nest.pack_sequence_as(structure, list(vals)))
        return (i + 1,) + tuple(_like(o, v) for o, v in zip(nest.flatten(out), vals))
    start = to_tensor(lower, "int32")
    end = to_tensor(upper, "int32")
    out = _while_loop(lambda i, *vals: i < end, body, (start,) + tuple(flat))
    return nest.pack_sequence_as(structure, list(out[1:]))


def scan(f: Callable, init: Any, xs: Any = None, length: int | None = None,
         reverse: bool = False, unroll: int = 1) -> tuple:
    """`(carry, ys)`: `carry, y = f(carry, x)` over the first dim of `xs` (or `length`
    steps with `x` None), the `y`s stacked.

    Example:
        >>> from ember import keras
        >>> c, ys = keras.ops.scan(lambda c, x: (c + x, c), 0, [1, 2, 3], reverse=True)
        >>> int(c), ys.numpy()
        (6, array([5, 3, 0], dtype=int32))
    """
    xs = None if xs is None else _tree(xs)
    xs_flat = [] if xs is None else nest.flatten(xs)
    if xs is None and length is None:
        raise ValueError("keras.ops.scan: pass `xs`, or `length` when `xs` is None.")
    n = length if xs is None else xs_flat[0].shape[0]
    if n is None:
        n = dynamic_shape(xs_flat[0])[0]
    if length is not None and xs is not None and isinstance(n, int) and length != n:
        raise ValueError(f"keras.ops.scan: length={length} but xs has {n} elements on "
                         f"its first axis.")
    carry_structure = init
    carry = [to_tensor(c) for c in nest.flatten(init)]
    ys: list = []
    y_structure: list = [None]

    def step(i: Any, carry: list) -> list:
        k = (n - 1 - i) if reverse else i
        x = None if xs is None else nest.pack_sequence_as(xs, [a[k] for a in xs_flat])
        new, y = f(nest.pack_sequence_as(carry_structure, carry), x)
        y_structure[0] = y
        return [_like(o, c) for o, c in zip(nest.flatten(new), carry)], \
            [to_tensor(v) for v in nest.flatten(y)] if y is not None else []
    if isinstance(n, int) and not _symbolic(carry + xs_flat):
        for i in range(n):
            carry, y = step(i, carry)
            ys.append(y)
        if reverse:
            ys.reverse()
        stacked = [stack(list(col)) for col in zip(*ys)] if ys and ys[0] else []
    else:
        stacked = _scan_loop(step, carry, n, reverse)
        carry, stacked = stacked
    carry_out = nest.pack_sequence_as(carry_structure, carry)
    if y_structure[0] is None:
        return carry_out, None
    return carry_out, nest.pack_sequence_as(y_structure[0], stacked)


def _tree(x: Any) -> Any:
    """A Keras pytree with tensor leaves: a (nested) list of numbers is one tensor."""
    if isinstance(x, (list, tuple)) and x and all(
            isinstance(v, (int, float, bool, np.number)) or
            (isinstance(v, (list, tuple)) and not isinstance(_tree(v), (list, tuple)))
            for v in x):
        return to_tensor(x)
    if isinstance(x, (list, tuple, dict)):
        return nest.map_structure(lambda v: to_tensor(v), x)
    return to_tensor(x)


def _symbolic(values: list) -> bool:
    return any(not hasattr(v, "_value") for v in values if isinstance(v, TensorOps))


def _scan_loop(step: Callable, carry: list, n: Any, reverse: bool) -> tuple:
    """scan inside a compiled function: one while_loop writing each y into a
    TensorArray (read back stacked, in input order)."""
    _, y0 = step(0, carry)  # the ys' dtypes and shapes (traced once more in the loop)
    arrays = [TensorArray(y.dtype, size=n, element_shape=y.shape) for y in y0]

    def body(i: Any, *state: Any) -> tuple:
        c = list(state[:len(carry)])
        tas = list(state[len(carry):])
        new, ys = step(i, c)
        k = (n - 1 - i) if reverse else i
        return (i + 1,) + tuple(new) + tuple(ta.write(k, y) for ta, y in zip(tas, ys))
    out = _while_loop(lambda i, *s: i < n, body,
                      (to_tensor(0, "int32"),) + tuple(carry) + tuple(arrays))
    return list(out[1:1 + len(carry)]), [ta.stack() for ta in out[1 + len(carry):]]


def associative_scan(f: Callable, elems: Any, reverse: bool = False, axis: int = 0) -> Any:
    """Inclusive prefix scan of `elems` along `axis` with an associative `f(a, b)`
    (applied to whole slices along `axis`; log2(n) rounds of it).

    Example:
        >>> from ember import keras
        >>> keras.ops.associative_scan(lambda a, b: a + b, [1, 2, 3, 4]).numpy()
        array([ 1,  3,  6, 10], dtype=int32)
    """
    elems = _tree(elems)
    leaves = nest.flatten(elems)
    rank = leaves[0].shape.rank
    ax = axis % rank
    n = leaves[0].shape[ax]
    if n is None:
        raise ValueError("keras.ops.associative_scan: the scanned axis must have a static "
                         "length.")
    if any(t.shape[ax] != n for t in leaves):
        raise ValueError(f"keras.ops.associative_scan: every element of `elems` needs "
                         f"{n} entries on axis {axis}.")

    def take(t: Any, start: int, stop: int) -> Any:
        begin = [0] * rank
        size = [-1] * rank
        begin[ax], size[ax] = start, stop - start
        return _slice(t, begin, size)
    if reverse:
        leaves = [_reverse(t, [ax]) for t in leaves]
    shift = 1
    while shift < n:
        a = [take(t, 0, n - shift) for t in leaves]
        b = [take(t, shift, n) for t in leaves]
        comb = nest.flatten(f(nest.pack_sequence_as(elems, a), nest.pack_sequence_as(elems, b)))
        leaves = [concat([take(t, 0, shift), c], ax) for t, c in zip(leaves, comb)]
        shift *= 2
    if reverse:
        leaves = [_reverse(t, [ax]) for t in leaves]
    return nest.pack_sequence_as(elems, leaves)


def map(f: Callable, xs: Any) -> Any:  # noqa: A001 - Keras' name
    """`f` applied to each slice of `xs` along its first dim, the results stacked.

    Example:
        >>> from ember import keras
        >>> keras.ops.map(lambda x: x * x, [1.0, 2.0, 3.0]).numpy()
        array([1., 4., 9.], dtype=float32)
    """
    return map_fn(f, _tree(xs))


def vectorized_map(function: Callable, elements: Any) -> Any:
    """`function` applied to each slice of `elements` along the first dim, vectorized.

    Example:
        >>> from ember import keras
        >>> keras.ops.vectorized_map(lambda x: x + 1.0, [[1.0], [2.0]]).numpy()
        array([[2.],
               [3.]], dtype=float32)
    """
    return _vectorized_map(function, _tree(elements))


def unstack(x: Any, num: int | None = None, axis: int = 0) -> list:
    """The slices of `x` along `axis`, as a list.

    Example:
        >>> from ember import keras
        >>> [t.numpy().tolist() for t in keras.ops.unstack([[1, 2], [3, 4]], axis=1)]
        [[1, 3], [2, 4]]
    """
    return _unstack(to_tensor(x), num=num, axis=axis)


def slice(inputs: Any, start_indices: Any, shape: Any) -> Any:  # noqa: A001 - Keras' name
    """The block of `inputs` starting at `start_indices` of size `shape`.

    Example:
        >>> from ember import keras
        >>> keras.ops.slice([[1, 2, 3], [4, 5, 6]], (0, 1), (2, 2)).numpy()
        array([[2, 3],
               [5, 6]], dtype=int32)
    """
    return _slice(to_tensor(inputs), start_indices, shape)


def _block_indices(inputs: Any, start_indices: Any, shape: tuple) -> Any:
    """The (prod(shape), rank) indices of the block at `start_indices` of `shape`."""
    grids = np.indices(shape).reshape(len(shape), -1).T.astype(np.int64)
    start = _cast(to_tensor(start_indices), "int64") if isinstance(
        start_indices, TensorOps) else to_tensor(np.asarray(start_indices, np.int64))
    return to_tensor(grids) + reshape(start, (1, -1))


def slice_update(inputs: Any, start_indices: Any, updates: Any) -> Any:
    """`inputs` with the block at `start_indices` replaced by `updates`.

    Example:
        >>> from ember import keras
        >>> keras.ops.slice_update([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], (1, 1), [[7.0, 8.0]]).numpy()
        array([[0., 0., 0.],
               [0., 7., 8.]], dtype=float32)
    """
    inputs = to_tensor(inputs)
    updates = to_tensor(updates, inputs.dtype)
    block = tuple(updates.shape.as_list())
    if None in block:
        raise ValueError("keras.ops.slice_update: `updates` needs a static shape, "
                         f"received {updates.shape}.")
    if len(block) != inputs.shape.rank:
        raise ValueError(f"keras.ops.slice_update: `updates` has rank {len(block)}, "
                         f"`inputs` rank {inputs.shape.rank}; they must match.")
    idx = _block_indices(inputs, start_indices, block)
    return _gather.tensor_scatter_nd_update(inputs, idx, reshape(updates, (-1,)))


def scatter(indices: Any, values: Any, shape: Any) -> Any:
    """A zero tensor of `shape` with `values` at `indices` (repeated indices add up).

    Example:
        >>> from ember import keras
        >>> keras.ops.scatter([[0], [0], [2]], [1.0, 2.0, 3.0], (4,)).numpy()
        array([3., 0., 3., 0.], dtype=float32)
    """
    return scatter_nd(to_tensor(indices), to_tensor(values), shape)


_SCATTER = {None: "tensor_scatter_nd_update", "add": "tensor_scatter_nd_add",
            "max": "tensor_scatter_nd_max", "min": "tensor_scatter_nd_min"}


def scatter_update(inputs: Any, indices: Any, updates: Any, reduction: str | None = None
                   ) -> Any:
    """`inputs` with `updates` written at `indices` (`reduction`: None replaces, "add",
    "max", "min" or "mul" combine with what is there).

    Example:
        >>> from ember import keras
        >>> keras.ops.scatter_update([1.0, 1.0, 1.0], [[0], [2]], [5.0, 7.0], "add").numpy()
        array([6., 1., 8.], dtype=float32)
    """
    inputs = to_tensor(inputs)
    updates = to_tensor(updates, inputs.dtype)
    indices = to_tensor(indices)
    if reduction == "mul":
        ones = ones_like(inputs)
        factor = _gather.tensor_scatter_nd_update(ones, indices, ones_like(updates))
        # each index's product of updates, through logs would lose signs: multiply in turn
        for k in range(int(indices.shape[0])):
            factor = _gather.tensor_scatter_nd_update(
                factor, indices[k:k + 1], _gather.gather_nd(factor, indices[k:k + 1]) *
                updates[k:k + 1])
        return inputs * factor
    if reduction not in _SCATTER:
        raise ValueError(f"keras.ops.scatter_update: reduction must be None, 'add', 'max', "
                         f"'min' or 'mul', received {reduction!r}.")
    return getattr(_gather, _SCATTER[reduction])(inputs, indices, updates)
