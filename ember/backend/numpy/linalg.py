"""NumPy kernels for linear algebra: matmul and einsum."""

from __future__ import annotations

import numpy as np


def matmul(a, b, transpose_a=False, transpose_b=False, out=None):
    """Batched matrix product; the transposes are free views of the last two axes.
    `out` (from the executor's buffer cache) is written into when it fits exactly."""
    if a.ndim < 2 or b.ndim < 2:
        # np.matmul would treat a vector as a matrix silently; TF refuses it.
        raise ValueError("matmul needs operands of rank >= 2")
    if transpose_a:
        a = np.swapaxes(a, -1, -2)
    if transpose_b:
        b = np.swapaxes(b, -1, -2)
    if (out is not None and a.ndim == 2 and b.ndim == 2 and out.dtype == a.dtype == b.dtype
            and out.shape == (a.shape[0], b.shape[1])):
        return np.matmul(a, b, out=out)
    y = np.matmul(a, b)
    # NOTE: np.matmul on bfloat16 (ml_dtypes) computes and returns float32
    return y if y.dtype == a.dtype else y.astype(a.dtype)


matmul.reuse = True  # takes `out=` (see executor._BufferCache)


def einsum(*operands, equation):
    """`np.einsum` on an explicit equation."""
    # NOTE: optimize=True lets NumPy pick a contraction order and BLAS calls (10x faster
    # for a 300x300 product) but costs ~12 us of planning: worth it for three or more
    # operands, or two whose sizes multiply to more than 4096 (about two 8x8 matrices).
    n = len(operands)
    optimize = n > 2 or (n == 2 and operands[0].size * operands[1].size > 4096)
    return np.asarray(np.einsum(equation, *operands, optimize=optimize))


# The form the graph executor may emit in place of a call (shapes are checked at trace
# time there, so the rank check above is not needed).
matmul.inline = lambda transpose_a=False, transpose_b=False: (
    None if transpose_a or transpose_b else "np.matmul({0}, {1})")

KERNELS = {"matmul": matmul, "einsum": einsum}
