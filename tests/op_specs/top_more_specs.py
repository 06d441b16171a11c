"""Specs of the top-level primitives (ember/prims/top_more.py): ensure_shape, bitcast,
random_index_shuffle.

References: ensure_shape is the identity (its shape check is tested in
tests/test_top_more.py); bitcast is NumPy's `view` written independently with
`tobytes`/`frombuffer`; random_index_shuffle's permutation is ember's own cipher, so the
case compares shapes and dtypes only and tests/test_top_more.py checks it is a
permutation.
"""

from __future__ import annotations

import numpy as np

from . import Case, rng

R = rng(18)


def _bitcast_ref(x, type):  # noqa: A002
    out = np.dtype(type)
    raw = np.frombuffer(np.asarray(x).tobytes(), dtype=out)
    if x.dtype.itemsize > out.itemsize:
        return raw.reshape(x.shape + (x.dtype.itemsize // out.itemsize,))
    if x.dtype.itemsize < out.itemsize:
        return raw.reshape(x.shape[:-1])
    return raw.reshape(x.shape)


SPECS = {
    "ensure_shape": [
        Case((R.standard_normal((3, 4)),), lambda x, shape: x, params={"shape": (None, 4)},
             diff_args=(0,), vary="none"),
        Case((R.standard_normal((2,)),), lambda x, shape: x, params={"shape": None},
             diff_args=(0,), vary="none"),
        Case((np.zeros((0, 4)),), lambda x, shape: x, params={"shape": (None, 4)},
             vary="none"),
    ],
    "bitcast": [
        Case((np.array([1.0, -2.5], np.float32),), _bitcast_ref,
             params={"type": np.dtype(np.int32)}, vary="none", specials=()),
        Case((np.array([[1, 2], [3, 4]], np.int32),), _bitcast_ref,
             params={"type": np.dtype(np.uint8)}, vary="none"),
        Case((np.arange(8, dtype=np.uint8).reshape(2, 4),), _bitcast_ref,
             params={"type": np.dtype(np.int32)}, vary="none"),
        Case((np.zeros((0, 4), np.uint8),), _bitcast_ref,
             params={"type": np.dtype(np.int32)}, vary="none"),
    ],
    "random_index_shuffle": [
        Case((np.arange(10, dtype=np.int64), np.array([1, 2, 3], np.int64)),
             lambda i, s, max_index, rounds: i, params={"max_index": 9, "rounds": 4},
             compare_values=False, vary="none"),
        Case((np.zeros((0,), np.int32), np.array([4, 5, 6], np.int32)),
             lambda i, s, max_index, rounds: i, params={"max_index": 100, "rounds": 6},
             vary="none"),
    ],
}

SHAPE_SKIPS = {
    "the expected shape (ensure_shape), the last dim (bitcast) and max_index "
    "(random_index_shuffle) are params tied to the input's shape":
        ("ensure_shape", "bitcast", "random_index_shuffle"),
}
