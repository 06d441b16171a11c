"""NumPy kernels of the fused batch normalization (ember/prims/batch_norm.py):
`batch_norm_train` and `batch_norm_train_grad`, statistics over every axis but the last.

x is seen as a (rows, C) matrix. Each kernel is a few passes over it: the per-channel
sums are BLAS matrix-vector products (a ones vector times the matrix) or one `einsum`
(sums of products, no temporary), and the elementwise work is done in place on one
buffer. With few channels (C = 16 in a small CNN) NumPy's broadcast loops over rows of C
elements are slow, so the kernels lay `k` rows side by side (`_fold`: a (rows / k, k * C)
view, the per-channel vectors tiled k times) and add the k partial sums at the end.
float16 / bfloat16 are computed in float32 (as layer_norm), float32 stays float32.

Where ember's C extension is built, float32 / float64 take its loops instead
(`_conv.channel_sums`, `_conv.bn_pass`): three reads and one write of x forward, two reads
and one write backward, over 64 fixed blocks of rows split between the cores (each block's
sums added in block order, so the result does not depend on the threads).

Example:
    >>> import numpy as np
    >>> from ember.backend.numpy.batch_norm import batch_norm_train
    >>> x = np.array([[0.0, 1.0], [2.0, 5.0]], np.float32)
    >>> y, mean, var = batch_norm_train(x, epsilon=0.0, scale=False, center=False)
    >>> y.tolist(), mean.tolist(), var.tolist()
    ([[-1.0, -1.0], [1.0, 1.0]], [1.0, 3.0], [1.0, 4.0])
"""

from __future__ import annotations

import numpy as np

from . import conv as _conv  # ember's compiled loops (`_conv._C`), where built

# The widest folded row the elementwise passes aim for (elements): long enough for
# NumPy's inner loops to run at memory speed, short enough to keep k small. Arrays under
# _FOLD_MIN elements are not folded: there the calls, not the loops, cost the time.
_FOLD_WIDTH = 512
_FOLD_MIN = 1 << 15
_ONES: dict = {}


def _wide(a: np.ndarray) -> np.ndarray:
    """float16 / bfloat16 as float32 (the precision the normalization computes in)."""
    return a.astype(np.float32) if a.dtype.itemsize < 4 else a


def _fold(rows: int, c: int) -> int:
    """k, the number of rows laid side by side: the largest power of two dividing `rows`
    with k * c <= _FOLD_WIDTH (1 for many channels)."""
    k = 1
    if rows * c < _FOLD_MIN:
        return k
    while rows % (2 * k) == 0 and 2 * k * c <= _FOLD_WIDTH:
        k *= 2
    return k


def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    """A read-only vector of n ones (kept: the sums' BLAS products reuse it)."""
    key = (n, dtype)
    v = _ONES.get(key)
    if v is None:
        if len(_ONES) > 64:
            _ONES.clear()
        v = _ONES[key] = np.ones(n, dtype)
        v.flags.writeable = False
    return v


def _tiled(v: np.ndarray, k: int) -> np.ndarray:
    """A per-channel vector repeated k times (a folded row's worth)."""
    return np.tile(v, k) if k > 1 else v


def _matrix(a: np.ndarray, rows: int, k: int) -> np.ndarray:
    """`a` as its folded (rows / k, k * C) matrix, in float32 at least (a view when it
    can be)."""
    return _wide(a).reshape(rows // k, k * a.shape[-1])


def _col_sums(m: np.ndarray, k: int, c: int) -> np.ndarray:
    """The per-channel sums of a folded matrix: ones @ m (a BLAS product), then the k
    partial sums of each channel added."""
    s = np.dot(_ones(m.shape[0], m.dtype), m)
    return s.reshape(k, c).sum(axis=0) if k > 1 else s


def _prod_sums(a: np.ndarray, b: np.ndarray, k: int, c: int) -> np.ndarray:
    """The per-channel sums of a * b (folded matrices) without forming the product."""
    s = np.einsum("ij,ij->j", a, b)
    return s.reshape(k, c).sum(axis=0) if k > 1 else s


def _centered(m: np.ndarray, x: np.ndarray, mean: np.ndarray, k: int) -> np.ndarray:
    """`m - mean` (m: x's folded matrix) in a buffer of its own: m's, in place, where m is
    a copy (float16 / bfloat16 widened, or x not contiguous); a new array otherwise."""
    own = not np.may_share_memory(m, x)
    return np.subtract(m, _tiled(mean, k), out=m if own else None)


def _check(x: np.ndarray, vectors: tuple, count: int, dy: np.ndarray | None = None) -> None:
    """ValueError for inputs the shape rule rejects (the registry then raises the rule's
    error): x of rank < 2, vectors not of shape (C,), another number of weights than
    `scale` and `center` ask for, dy not of x's shape."""
    if x.ndim < 2 or len(vectors) != count or any(v.shape != x.shape[-1:] for v in vectors) \
            or (dy is not None and dy.shape != x.shape):
        raise ValueError("inputs of the wrong shapes")


def batch_norm_train(x, *weights, epsilon, scale, center):
    """(y, mean, var) with y = (x - mean) * (rsqrt(var + epsilon) * gamma) + beta, the
    mean and population variance over every axis but the last: four passes over x (the
    sums, the centred copy that becomes y, the squares' sums, then scale and shift in
    place; one more for the shift when `center`)."""
    _check(x, weights, scale + center)
    c = x.shape[-1]
    rows = x.size // c if c else 0
    if x.size == 0:  # no rows: nan statistics (the mean of nothing), as tf.nn.moments
        stat = np.full(c, np.nan, x.dtype)
        return np.empty(x.shape, x.dtype), stat, stat.copy()
    if _conv._c_ok(x, *weights):
        return _train_compiled(x, weights, rows, c, epsilon, scale, center)
    k = _fold(rows, c)
    m = _matrix(x, rows, k)
    mean = _col_sums(m, k, c) / rows
    y = _centered(m, x, mean, k)
    var = _prod_sums(y, y, k, c) / rows
    inv = np.sqrt(var + m.dtype.type(epsilon))
    np.divide(1, inv, out=inv)
    if scale:
        inv *= _wide(weights[0])
    y *= _tiled(inv, k)
    if center:
        y += _tiled(_wide(weights[-1]), k)
    dt = x.dtype
    return (y.reshape(x.shape).astype(dt, copy=False), mean.astype(dt, copy=False),
            var.astype(dt, copy=False))


def batch_norm_train_grad(dy, x, mean, var, *weights, epsilon, scale, center):
    """(dx, [dgamma], [dbeta]) of batch_norm_train for the cotangent dy of y, given its
    mean and var (see ember/prims/batch_norm.py): with xhat = (x - mean) * inv and M rows,
    dbeta = sum(dy), dgamma = sum(dy * xhat) and
    dx = gamma * inv * (dy - dbeta / M - xhat * dgamma / M), xhat never formed:
    dgamma = inv * sum(dy * (x - mean)), and dx is built in place on the buffer of
    x - mean."""
    _check(x, (mean, var, *weights), 2 + scale, dy)
    c = x.shape[-1]
    rows = x.size // c if c else 0
    wdt = weights[0].dtype if scale else x.dtype
    if x.size == 0:  # sums over no rows are 0
        outs = [np.zeros(x.shape, x.dtype)]
        outs += [np.zeros(c, wdt)] if scale else []
        return tuple(outs + ([np.zeros(c, x.dtype)] if center else []))
    if _conv._c_ok(dy, x, mean, var, *weights):
        return _grad_compiled(dy, x, mean, var, weights, rows, c, epsilon, scale, center)
    k = _fold(rows, c)
    g = _matrix(dy, rows, k)
    xc = _centered(_matrix(x, rows, k), x, _wide(mean), k)
    inv = np.sqrt(_wide(var) + xc.dtype.type(epsilon))
    np.divide(1, inv, out=inv)
    dbeta = _col_sums(g, k, c)
    dgamma = _prod_sums(g, xc, k, c)
    dgamma *= inv
    a = inv * _wide(weights[0]) if scale else inv
    # dx = a * (dy - dbeta / M - (x - mean) * (inv * dgamma / M)), on xc's buffer
    xc *= _tiled(-(inv * dgamma) / rows, k)
    xc += g
    xc -= _tiled(dbeta / rows, k)
    xc *= _tiled(a, k)
    outs = [xc.reshape(x.shape).astype(x.dtype, copy=False)]
    if scale:
        outs.append(dgamma.astype(wdt, copy=False))
    if center:
        outs.append(dbeta.astype(x.dtype, copy=False))
    return tuple(outs)


_BLOCKS = 64  # the compiled sums' fixed blocks of rows (_conv.c's SUM_BLOCKS)


def _sums(xm, mean, d, mode: int, mask=None):
    """The compiled per-channel sums of (rows, C) matrices (see _conv.c's channel_sums),
    added over the blocks in order; mode 2 gives (sum(d), sum(d * (x - mean)))."""
    c = xm.shape[1]
    parts = np.empty((_BLOCKS, c), xm.dtype)
    parts2 = np.empty((_BLOCKS, c), xm.dtype) if mode == 2 else None
    _conv._C.channel_sums(xm, mean, d, parts, parts2, mode, mask)
    return (parts.sum(axis=0), parts2.sum(axis=0)) if mode == 2 else parts.sum(axis=0)


def _train_compiled(x, weights, rows, c, epsilon, scale, center, relu=False):
    xm = _conv._contig(x).reshape(rows, c)
    mean = _sums(xm, None, None, 0) / rows
    var = _sums(xm, mean, None, 1) / rows
    a = 1 / np.sqrt(var + x.dtype.type(epsilon))
    if scale:
        a *= weights[0]
    y = np.empty(x.shape, x.dtype)
    _conv._C.bn_pass(xm, mean, a, _conv._contig(weights[-1]) if center else None, None, None,
                     y.reshape(rows, c), relu)
    return y, mean, var


def _grad_compiled(dy, x, mean, var, weights, rows, c, epsilon, scale, center, mask=None):
    xm = _conv._contig(x).reshape(rows, c)
    gm = _conv._contig(dy).reshape(rows, c)
    mean = _conv._contig(mean)
    inv = 1 / np.sqrt(var + x.dtype.type(epsilon))
    mm = None if mask is None else _conv._contig(mask).reshape(rows, c)
    dbeta, s = _sums(xm, mean, gm, 2, mm)
    dgamma = s * inv
    a = inv * weights[0] if scale else inv
    dx = np.empty(x.shape, x.dtype)
    _conv._C.bn_pass(xm, mean, a, dbeta / rows, gm, inv * dgamma / rows, dx.reshape(rows, c),
                     False, mm)
    outs = [dx]
    if scale:
        outs.append(dgamma.astype(weights[0].dtype, copy=False))
    if center:
        outs.append(dbeta)
    return tuple(outs)


def batch_norm_relu_train(x, *weights, epsilon, scale, center):
    """(relu(y), mean, var) of batch_norm_train, the relu in the same pass
    (ember/prims/fusion.py)."""
    c = x.shape[-1] if x.ndim else 0
    if x.size and _conv._c_ok(x, *weights) and not _bad_shapes(x, weights, scale + center):
        return _train_compiled(x, weights, x.size // c, c, epsilon, scale, center, relu=True)
    y, mean, var = batch_norm_train(x, *weights, epsilon=epsilon, scale=scale, center=center)
    return np.maximum(y, y.dtype.type(0), out=y), mean, var


def batch_norm_relu_train_grad(dy, r, x, mean, var, *weights, epsilon, scale, center):
    """batch_norm_train_grad of relu's gradient dy * (r > 0), r the relu's output, with the
    mask applied in the same passes (ember/prims/fusion.py)."""
    c = x.shape[-1] if x.ndim else 0
    if (x.size and r.shape == x.shape and _conv._c_ok(dy, r, x, mean, var, *weights)
            and not _bad_shapes(x, (mean, var, *weights), 2 + scale, dy)):
        return _grad_compiled(dy, x, mean, var, weights, x.size // c, c, epsilon, scale,
                              center, mask=r)
    return batch_norm_train_grad(_conv.relu_grad(dy, r), x, mean, var, *weights,
                                 epsilon=epsilon, scale=scale, center=center)


def _bad_shapes(x, vectors, count, dy=None) -> bool:
    try:
        _check(x, vectors, count, dy)
    except ValueError:
        return True
    return False


KERNELS = {"batch_norm_train": batch_norm_train,
           "batch_norm_relu_train": batch_norm_relu_train,
           "batch_norm_relu_train_grad": batch_norm_relu_train_grad,
           "batch_norm_train_grad": batch_norm_train_grad}
