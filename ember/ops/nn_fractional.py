"""Fractional max and average pooling (`tf.nn.fractional_max_pool`,
`tf.nn.fractional_avg_pool`, TF 2's signatures), after Graham, "Fractional Max-Pooling".

An `[h, w]` input pools to `[floor(h / ratio_h), floor(w / ratio_w)]`. Along each spatial
dim, with input length n and output length m (k = n // m), a pooling sequence
`0 = s_0 < s_1 < ... < s_m = n` cuts the input into m intervals of length k or k + 1:
- random (`pseudo_random=False`): the lengths are m values k, n % m of them raised to
  k + 1, shuffled;
- pseudo-random: `s_i = ceil(alpha * (i + u)) - 1` with `alpha = n / m` and one uniform
  u in `[0, u_max)`, u_max keeping every interval at most k + 1 long (TF's documented
  formula).
Output (i, j) reduces the input rows `[s_i, s_{i+1})` and columns `[t_j, t_{j+1})`; with
`overlapping=True` the end is included (clamped to the input).

The sequences are drawn on the host with NumPy (a `numpy_function` inside
`ember.function`), so the exact random sequences differ from TF's (its Philox stream),
not their law. With `seed=0` each call draws new ones (from ember's random state: the
global seed makes them reproducible); a non-zero `seed` fixes them (TF's deterministic
mode), in eager and traced calls alike. The pooling itself is gathers and reductions:
the max pool's gradient goes to the first maximum of each region (as TF), the average
pool's is spread evenly over the region.

Example:
    >>> import ember as tf
    >>> from ember.ops.nn_fractional import fractional_max_pool
    >>> x = tf.reshape(tf.range(16.0), (1, 4, 4, 1))
    >>> out, rows, cols = fractional_max_pool(x, [1.0, 2.0, 2.0, 1.0], seed=1)
    >>> out.numpy()[0, :, :, 0], rows.numpy()
    (array([[ 5.,  7.],
           [13., 15.]], dtype=float32), array([0, 2, 4]))
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.errors import DTypeError, InvalidArgumentError, ShapeError
from ..core.shape import TensorSpec
from ..core.tensor import TensorOps
from ..prims.convert import as_tensor, cast, convert_to_tensor, stop_gradient
from ..prims.reduce import argmax
from . import creation_ops as c
from . import math_ops as m
from . import reduce_ops as r
from . import shape_ops as s
from .gather_ops import gather
from .py_ops import numpy_function
from .random_ops import _next_key
from .random_samplers import seed_int

__all__ = ["fractional_max_pool", "fractional_avg_pool"]


def _ratios(op: str, pooling_ratio: Any) -> tuple:
    """(ratio_h, ratio_w) from a number or a list of 1 or 4 numbers (TF's checks)."""
    if isinstance(pooling_ratio, (int, float, np.integer, np.floating)):
        vals = [float(pooling_ratio)]
        if vals[0] < 1.0:
            raise ValueError(f"{op}: pooling_ratio should be >= 1.0. Received: "
                             f"pooling_ratio={pooling_ratio}")
    elif isinstance(pooling_ratio, (list, tuple)) and pooling_ratio:
        vals = [float(v) for v in pooling_ratio]
        if vals[0] != 1.0 or vals[-1] != 1.0:
            raise ValueError(f"{op}: pooling_ratio should have first and last elements "
                             f"with value 1.0. Received: pooling_ratio={pooling_ratio}")
        if any(v < 1.0 for v in vals):
            raise ValueError(f"{op}: pooling_ratio elements should be >= 1.0. Received: "
                             f"pooling_ratio={pooling_ratio}")
    else:
        raise ValueError(f"{op}: pooling_ratio should be a number or a list of numbers. "
                         f"Received: pooling_ratio={pooling_ratio!r}")
    if len(vals) == 1:
        return vals[0], vals[0]
    if len(vals) == 4:
        return vals[1], vals[2]
    raise ValueError(f"{op}: pooling_ratio should have 1 or 4 elements ([1.0, rows, cols, "
                     f"1.0]). Received: pooling_ratio={pooling_ratio}")


def _sequence(rng: np.random.Generator, n: int, m: int, pseudo: bool) -> np.ndarray:
    """A pooling sequence of length m + 1 from 0 to n (the module docstring's method)."""
    k = n // m
    if pseudo:
        alpha = n / m
        u_max = min((k + 2) / alpha - 1, (n + 1 - k) / alpha - (m - 1))
        u = rng.random() * max(u_max, 0.0)
        cut = np.ceil(alpha * (np.arange(1, m) + u)).astype(np.int64) - 1
        seq = np.concatenate([[0], np.clip(cut, 1, n - 1), [n]])
        return np.maximum.accumulate(seq)
    diff = np.full(m, k, np.int64)
    diff[:n - k * m] += 1
    rng.shuffle(diff)
    return np.concatenate([[0], np.cumsum(diff)]).astype(np.int64)


def _regions(seq: Any, n: int, width: int, overlapping: bool) -> tuple:
    """Gather indices [m, width] of each interval (clamped repeats past its end) and the
    mask of the real (non-repeated) positions."""
    starts = seq[:-1]
    ends = m.minimum(m.add(seq[1:], np.int64(1 if overlapping else 0)), np.int64(n))
    pos = m.add(s.expand_dims(starts, 1), as_tensor(np.arange(width, dtype=np.int64)))
    last = s.expand_dims(m.subtract(ends, np.int64(1)), 1)
    return m.minimum(pos, last), m.less(pos, s.expand_dims(ends, 1))


def _pool(op: str, value: Any, pooling_ratio: Any, pseudo_random: bool, overlapping: bool,
          seed: Any, kind: str) -> tuple:
    x = as_tensor(value) if isinstance(value, TensorOps) else convert_to_tensor(value)
    if x.shape.rank != 4:
        raise ShapeError(f"{op}: value must be 4-D [batch, height, width, channels], "
                         f"received shape {x.shape}.")
    if kind == "avg" and not x.dtype.is_floating:
        raise DTypeError(f"{op}: value must be floating, received {x.dtype.name}; cast it "
                         f"with ember.cast.")
    if kind == "max" and not (x.dtype.is_floating or x.dtype.is_integer):
        raise DTypeError(f"{op}: value must be a real number type, received "
                         f"{x.dtype.name}.")
    rh, rw = _ratios(op, pooling_ratio)
    _, h, w, ch = x.shape
    if h is None or w is None or ch is None:
        raise ShapeError(f"{op}: height, width and channels must be known, received shape "
                         f"{x.shape}.")
    oh, ow = int(math.floor(h / rh)), int(math.floor(w / rw))
    if oh < 1 or ow < 1:
        raise InvalidArgumentError(f"{op}: pooling_ratio ({rh}, {rw}) is larger than the "
                                   f"input ({h}, {w}); the output would be empty.")
    sd = seed_int(op, seed) if seed is not None else 0
    # a non-zero seed fixes the regions (TF's deterministic mode); 0 draws new ones
    key = as_tensor(np.array([sd & (2**63 - 1), 0x5EED], np.int64)) if sd \
        else cast(_next_key(op, None), "int64")

    def draw(k: np.ndarray) -> tuple:
        rng = np.random.default_rng([int(v) & (2**64 - 1) for v in k.astype(np.uint64)])
        return (_sequence(rng, h, oh, pseudo_random), _sequence(rng, w, ow, pseudo_random))

    rows, cols = numpy_function(draw, [key], [TensorSpec([oh + 1], "int64"),
                                              TensorSpec([ow + 1], "int64")])
    rows, cols = stop_gradient(rows), stop_gradient(cols)
    lh, lw = h // oh + 1 + int(overlapping), w // ow + 1 + int(overlapping)
    ih, vh = _regions(rows, h, lh, overlapping)
    iw, vw = _regions(cols, w, lw, overlapping)
    win = gather(x, s.reshape(ih, [-1]), axis=1)                    # [B, OH*LH, W, C]
    win = gather(win, s.reshape(iw, [-1]), axis=2)                  # [B, OH*LH, OW*LW, C]
    win = s.reshape(win, [-1, oh, lh, ow, lw, ch])
    if kind == "max":
        flat = s.reshape(s.transpose(win, [0, 1, 3, 5, 2, 4]), [-1, oh, ow, ch, lh * lw])
        best = argmax(stop_gradient(flat), -1)
        hit = m.equal(s.expand_dims(best, -1), as_tensor(np.arange(lh * lw, dtype=np.int64)))
        out = r.reduce_sum(m.where(hit, flat, c.zeros_like(flat)), -1)
    else:
        mask = m.logical_and(s.reshape(vh, [oh, lh, 1, 1]), s.reshape(vw, [1, 1, ow, lw]))
        wts = cast(s.reshape(mask, [1, oh, lh, ow, lw, 1]), x.dtype)
        total = r.reduce_sum(m.multiply(win, wts), [2, 4])
        count = r.reduce_sum(wts, [2, 4])
        out = m.divide(total, count)
    return out, rows, cols


def fractional_max_pool(value: Any, pooling_ratio: Any, pseudo_random: bool = False,
                        overlapping: bool = False, seed: int = 0,
                        name: str | None = None) -> tuple:
    """Fractional max pooling of a `[batch, height, width, channels]` tensor, as
    `tf.nn.fractional_max_pool` (TF 2): `pooling_ratio` is a number >= 1 or
    `[1.0, rows, cols, 1.0]`; see the module docstring for the regions and seeds.

    Returns:
        `(output, row_pooling_sequence, col_pooling_sequence)`, the sequences int64 of
        length `output rows + 1` and `output cols + 1`.

    Example:
        >>> import ember as tf
        >>> from ember.ops.nn_fractional import fractional_max_pool
        >>> out, rows, cols = fractional_max_pool(tf.ones((1, 5, 5, 1)), 1.5, seed=7)
        >>> out.shape, rows.shape
        (TensorShape([1, 3, 3, 1]), TensorShape([4]))
    """
    return _pool("fractional_max_pool", value, pooling_ratio, pseudo_random, overlapping,
                 seed, "max")


def fractional_avg_pool(value: Any, pooling_ratio: Any, pseudo_random: bool = False,
                        overlapping: bool = False, seed: int = 0,
                        name: str | None = None) -> tuple:
    """Fractional average pooling, as `tf.nn.fractional_avg_pool` (TF 2): the mean of
    each region of `fractional_max_pool`'s regions (floating inputs).

    Returns:
        `(output, row_pooling_sequence, col_pooling_sequence)`.

    Example:
        >>> import ember as tf
        >>> from ember.ops.nn_fractional import fractional_avg_pool
        >>> x = tf.reshape(tf.range(4.0), (1, 2, 2, 1))
        >>> fractional_avg_pool(x, [1.0, 2.0, 2.0, 1.0], seed=1)[0].numpy().ravel()
        array([1.5], dtype=float32)
    """
    return _pool("fractional_avg_pool", value, pooling_ratio, pseudo_random, overlapping,
                 seed, "avg")
