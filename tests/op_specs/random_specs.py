"""Specs of the random primitives (ember/ops/random_ops.py).

Random values have no independent reference to compare with, so the cases check only
shapes and dtypes (`compare_values=False`); tests/test_random_ops.py checks the
distributions statistically, determinism per key and TF's seed rules. No random input is
differentiable (`diff_args=()`): the key is an integer, and shuffle has no gradient in TF.
"""

from __future__ import annotations

import numpy as np

from . import Case, rng, varying

R = rng(11)
KEYS = (np.array([1, 2], np.int64), np.array([2**64 - 1, 7], np.uint64),
        np.array([-3, 5], np.int32))
SHAPES = ((), (3,), (2, 0), (4, 5))


def _zeros(key, shape, dtype):
    """The reference for shape and dtype only."""
    return np.zeros(shape, dtype)


def _samples(dtypes):
    return [Case((key,), _zeros, {"shape": shape, "dtype": np.dtype(dt)},
                 compare_values=False, diff_args=())
            for i, (shape, dt) in enumerate((s, d) for d in dtypes for s in SHAPES)
            for key in (KEYS[i % len(KEYS)],)]


FLOATS = (np.float32, np.float64, np.float16)


def _dynamic_zeros(key, shape, dims, dtype):
    return np.zeros(tuple(shape), dtype)


def _dynamic(dtypes):
    """The run-time-shape samplers: the shape as a 1-D int array, `dims` its static hint."""
    return [Case((KEYS[i % len(KEYS)], np.array(shape, np.int64 if i % 2 else np.int32)),
                 _dynamic_zeros, {"dims": (None,) + tuple(shape[1:]), "dtype": np.dtype(dt)},
                 compare_values=False, diff_args=())
            for i, (shape, dt) in enumerate((s, d) for d in dtypes for s in SHAPES if s)]

# The key's shape is fixed ([2]) and the output shape is a param: only dtypes vary.
SPECS = {
    "random_uniform": _samples(FLOATS),
    "random_normal": _samples(FLOATS),
    "random_truncated_normal": _samples(FLOATS),
    "random_bits": _samples((np.uint32, np.uint64)),
    "random_uniform_dynamic": _dynamic(FLOATS),
    "random_normal_dynamic": _dynamic(FLOATS),
    "random_truncated_normal_dynamic": _dynamic(FLOATS),
    "random_bits_dynamic": _dynamic((np.uint32, np.uint64)),
    "random_shuffle": [
        Case((key, value), lambda key, value: np.array(value, copy=True),
             compare_values=False, diff_args=())
        for key, value in zip(KEYS + KEYS[:1], (
            R.standard_normal((5, 3)), R.integers(-9, 9, (4,)).astype(np.int32),
            R.standard_normal((3, 2, 2)).astype(np.float32), np.array(2.5)))]
    + [Case((KEYS[0], np.zeros((0, 3))), lambda key, value: np.array(value, copy=True),
            compare_values=False, diff_args=())],
}
for _cases in SPECS.values():
    varying(_cases, vary="none")
# random output shapes: drawn as the `shape` param, the shape input, or the shuffled value
for _name, _cases in SPECS.items():
    varying(_cases, shapes="shuffle" if _name == "random_shuffle" else
            "sample_shape_dynamic" if _name.endswith("_dynamic") else "sample_shape")
