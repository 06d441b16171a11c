"""NumPy kernels for the depthwise 2-D convolution (NHWC) and its two gradients.

The params are conv2d's (`strides=(sh, sw)`, `padding` 'SAME' / 'VALID' / explicit
`((top, bottom), (left, right))`, `dilations=(dh, dw)`), and the padding geometry is
conv.py's (`_geometry`, `_pad`, `_crop`, `_windows`), so both convolutions pad alike. The
filter is `[kh, kw, C, M]`; output channel `c * M + m` comes from input channel c and
filter `[:, :, c, m]`, as TF.

Every kernel reduces to the channel multiplier M == 1 over K = C * M channels: for M > 1
the input is repeated M times along its channels (`np.repeat`, so channel `c * M + m`
holds input channel c; one array of the output's size) and the filter read as
`[kh, kw, C * M]`; the input gradient then sums its M copies back.

The padded input is read through its column phases for a column stride sw (`_phases`:
`[sw, N, Hp, ceil(Wp / sw), K]`, column `sw * q + r` at `[r, :, :, q]`; for sw == 1 the
padded input itself), so that the taps of each filter column read a unit-stride run of
OW * K elements per output row (a row's width and channels), whatever the strides.

- forward: per column phase (one for sw == 1), one `np.einsum` over a strided view
  `[kh, count, N, OH, OW * K]` of the taps reading that phase and their filter entries
  tiled along the output width, `[kh, count, OW * K]`: kh * kw multiply-adds per output
  element, fused in one pass with long unit-stride inner loops.
- input gradient: correlations again (for a finite filter): per phase of the input
  positions modulo the strides (one phase for unit strides), the cotangent, zero padded
  or cut, correlated with the filter taps that reach that phase, turned by 180 degrees
  (`_axis_phases`); kh * kw multiply-adds per cotangent element in all. With inf / nan
  in the filter (where the padding's 0 * inf = nan would reach positions no tap of the
  input reads) a scatter instead: per tap, the cotangent times the tap's filter added
  into the column phases of the padded input gradient, batch chunk by batch chunk so
  that the product stays in cache.
- filter gradient: one `np.einsum` over the same view and the cotangent,
  `[kh, kw, OW * K]`, then a sum over the output width; for sw > 1 one `np.einsum` over
  conv.py's window view of the padded input (faster there than copying the phases).

float16 and bfloat16 are computed in float32 and returned in their own dtype (as conv.py,
whose matmuls accumulate them in float32).

Where ember's C extension `_conv` is built, float32 / float64 run its depthwise loops
instead (`_conv.depthwise`: kh * kw multiply-adds per element, vectorized over the
channels, split over the cores by rows or images; the filter gradient sums per-image parts
in image order): the same sums in another order. conv.py's `use_compiled` switches both.

Example:
    >>> import numpy as np
    >>> x = np.ones((1, 3, 3, 2), np.float32)
    >>> w = np.ones((2, 2, 2, 1), np.float32) * np.array([1.0, 10.0], np.float32)[:, None]
    >>> KERNELS["depthwise_conv2d"](x, w, strides=(1, 1), padding="VALID",
    ...                             dilations=(1, 1))[0, 0, 0]
    array([ 4., 40.], dtype=float32)
"""

from __future__ import annotations

from math import gcd

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import conv as _conv_kernels
from .conv import _contig, _crop, _geo, _geometry, _pad, _windows

# The product of one batch chunk of the scatter stays under this many bytes (in cache).
_CHUNK_BYTES = 1 << 20


def _acc(dtype: np.dtype) -> np.dtype:
    """The dtype a kernel computes in: float32 for the 2-byte floats (float16, bfloat16)."""
    return np.dtype(np.float32) if np.dtype(dtype).itemsize < 4 else np.dtype(dtype)


def _channels(x: np.ndarray, m: int, acc: np.dtype) -> np.ndarray:
    """`x [N, H, W, C]` in `acc`, its channels repeated `m` times (channel c * m + j is
    channel c): the input of the M == 1 form over C * m channels."""
    x = x.astype(acc, copy=False)
    return np.repeat(x, m, axis=3) if m > 1 else x


def _phases(x: np.ndarray, pads: tuple, sw: int) -> np.ndarray:
    """`x [N, H, W, K]` zero padded by `pads` (`((top, bottom), (left, right))`; cut where
    negative) and split by column phase for a column stride `sw`: C-contiguous
    `[sw, N, Hp, ceil(Wp / sw), K]`, padded column `sw * q + r` at `[r, :, :, q]` (zeros
    past the end). One copy at most (none for sw == 1 without padding)."""
    (t, b), (l, r) = pads
    x = x[:, max(-t, 0):x.shape[1] - max(-b, 0), max(-l, 0):x.shape[2] - max(-r, 0), :]
    (t, b), (l, r) = (max(t, 0), max(b, 0)), (max(l, 0), max(r, 0))
    if sw == 1:
        return np.ascontiguousarray(_pad(x, ((t, b), (l, r))))[None]
    n, h, wd, k = x.shape
    hp, wp = h + t + b, wd + l + r
    wq = -(-wp // sw)
    q = np.empty((sw, n, hp, wq, k), x.dtype)
    q[:, :, :t] = 0
    q[:, :, t + h:] = 0
    for ph in range(sw):  # input column c is padded column c + l
        c0 = (ph - l) % sw
        cols = x[:, :, c0::sw, :]
        first, last = (c0 + l) // sw, (c0 + l) // sw + cols.shape[2]
        q[ph, :, t:t + h, :first] = 0
        q[ph, :, t:t + h, first:last] = cols
        q[ph, :, t:t + h, last:] = 0
    return q


def _column_groups(kw: int, sw: int, dw: int) -> list:
    """The filter columns by the phase they read, `[(j0, jstep, count, phase, q0, qstep)]`:
    columns `j = j0 + t * jstep` (t < count) read phase `phase` at phase column
    `q0 + t * qstep + b` for output column b (`b * sw + j * dw` in the padded input)."""
    g = gcd(sw, dw)
    jstep, qstep = sw // g, dw // g
    return [(j0, jstep, len(range(j0, kw, jstep)), (j0 * dw) % sw, (j0 * dw) // sw, qstep)
            for j0 in range(min(jstep, kw))]


def _group_view(q: np.ndarray, group: tuple, kh: int, dh: int, sh: int,
                out_hw: tuple) -> np.ndarray:
    """The read-only view `[kh, count, N, OH, OW * K]` of the taps of one column group
    (`_column_groups`) in the phases `q` (`_phases`): a row's width and channels are one
    unit-stride run in a phase, so the einsums below loop over OW * K elements inside."""
    _, _, count, phase, q0, qstep = group
    base = q[phase][:, :, q0:, :]
    n, _, _, k = base.shape
    oh, ow = out_hw
    bn, bh, bq, bc = base.strides
    return as_strided(base, (kh, count, n, oh, ow * k), (bh * dh, bq * qstep, bn, bh * sh, bc),
                      writeable=False)


def _group_filter(w: np.ndarray, group: tuple, ow: int) -> np.ndarray:
    """The filter columns `[kh, count, K]` of one column group, tiled along the output
    width: `[kh, count, OW * K]` (entry `b * K + k` is channel k)."""
    j0, jstep, count = group[:3]
    return np.tile(w[:, j0:j0 + jstep * count:jstep], (1, 1, ow))


def _correlate(x: np.ndarray, w: np.ndarray, pads: tuple, strides: tuple, dilations: tuple,
               out_hw: tuple) -> np.ndarray:
    """The M == 1 depthwise correlation of `x [N, H, W, K]`, padded by `pads` (cut where
    negative), with `w [kh, kw, K]` (one dtype): `[N, OH, OW, K]`. One einsum per column
    phase (one in all for sw == 1)."""
    kh, kw, k = w.shape
    oh, ow = out_hw
    q = _phases(x, pads, strides[1])
    y = None
    for group in _column_groups(kw, strides[1], dilations[1]):
        view = _group_view(q, group, kh, dilations[0], strides[0], out_hw)
        part = np.einsum("itnak,itk->nak", view, _group_filter(w, group, ow))
        y = part if y is None else np.add(y, part, out=y)
    return y.reshape(x.shape[0], oh, ow, k)


def _compiled(*arrays) -> bool:
    """Whether the compiled loops take these arrays (float32 / float64, one dtype)."""
    return _conv_kernels._c_ok(*arrays)


def depthwise_conv2d(x, w, strides, padding, dilations):
    kh, kw, c, m = w.shape
    acc = _acc(x.dtype)
    pads, out_hw = _geometry(x.shape, (kh, kw), strides, padding, dilations)
    if _compiled(x, w) and x.size and w.size:
        xk = _contig(_channels(x, m, acc))
        y = np.empty((x.shape[0],) + out_hw + (c * m,), x.dtype)
        _conv_kernels._C.depthwise(xk, _contig(w).reshape(kh, kw, c * m), y,
                                   _geo((kh, kw), strides, dilations, pads, out_hw), 0)
        return y
    y = _correlate(_channels(x, m, acc), w.astype(acc, copy=False).reshape(kh, kw, c * m),
                   pads, strides, dilations, out_hw)
    return y.astype(x.dtype, copy=False)


# -- input gradient --------------------------------------------------------------------

def _axis_phases(n: int, pad: int, k: int, s: int, d: int, o: int) -> list:
    """Along one axis (input size n, pad before `pad`, filter size k, stride s, dilation d,
    output size o): per phase of the input positions (padded position `s * u + rho`) that
    holds any, `(r0, count, taps, ed, before, after)`: input positions `r0 + s * v`
    (v < count) take the taps `taps` (filter indices, reversed) at dilation `ed` of the
    cotangent padded by `(before, after)` (cut where negative); taps None: no tap reads
    that phase, its gradient is zero."""
    gg = gcd(s, d)
    istep, ed = s // gg, d // gg
    out = []
    for rho in range(s):
        u_lo, u_hi = -(-(pad - rho) // s), (pad + n - 1 - rho) // s
        count = u_hi - u_lo + 1
        if count <= 0:
            continue
        r0 = s * u_lo + rho - pad
        i0 = next((i for i in range(min(istep, k)) if (i * d - rho) % s == 0), None)
        if i0 is None:
            out.append((r0, count, None, 1, 0, 0))
            continue
        t = len(range(i0, k, istep))
        before = (i0 * d - rho) // s + (t - 1) * ed - u_lo
        after = count + (t - 1) * ed - o - before
        taps = [i0 + (t - 1 - j) * istep for j in range(t)]
        out.append((r0, count, taps, ed, before, after))
    return out


def _gather_input(g: np.ndarray, w: np.ndarray, shape: tuple, pads: tuple, strides: tuple,
                  dilations: tuple) -> np.ndarray:
    """The input gradient as correlations: per phase of the input positions (one for
    unit strides), the cotangent `g [N, OH, OW, K]`, zero padded (or cut), correlated
    with the filter taps `w [kh, kw, K]` that reach that phase, turned by 180 degrees
    (`_axis_phases`): kh * kw multiply-adds per cotangent element in all. `[N, H, W, K]`."""
    kh, kw, _ = w.shape
    (sh, sw), (oh, ow) = strides, g.shape[1:3]
    rows = _axis_phases(shape[1], pads[0][0], kh, sh, dilations[0], oh)
    cols = _axis_phases(shape[2], pads[1][0], kw, sw, dilations[1], ow)
    dx = np.empty(shape, g.dtype) if len(rows) * len(cols) > 1 else None
    for r0, rn, rtaps, red, rb, ra in rows:
        for c0, cn, ctaps, ced, cb, ca in cols:
            if rtaps is None or ctaps is None:
                part = np.zeros((), g.dtype)
            else:
                part = _correlate(g, w[rtaps][:, ctaps], ((rb, ra), (cb, ca)), (1, 1),
                                  (red, ced), (rn, cn))
            if dx is None:  # one phase (unit strides): its correlation is the gradient
                return np.broadcast_to(part, shape).copy() if part.ndim == 0 else part
            dx[:, r0::sh, c0::sw, :] = part
    return dx


def _scatter_input(g: np.ndarray, w: np.ndarray, shape: tuple, pads: tuple, strides: tuple,
                   dilations: tuple, out_hw: tuple) -> np.ndarray:
    """The input gradient as one strided add per tap of `g [N, OH, OW, K]` times that
    tap's `w [kh, kw, K]`, into the zero padded input gradient split by column phase (as
    `_phases`: each tap's columns one unit-stride run), batch chunk by batch chunk; only
    the input's own positions are read back. `[N, H, W, K]`."""
    n, h, wd, _ = shape
    kh, kw, k = w.shape
    (pt, pb), (pl, pr) = pads
    (oh, ow), (sh, sw), (dh, dw) = out_hw, strides, dilations
    hp, wp = h + pt + pb, wd + pl + pr
    wq = -(-wp // sw)
    q = np.zeros((sw, n, hp, wq * k), g.dtype)
    g = np.ascontiguousarray(g).reshape(n, oh, ow * k)
    wt = np.tile(w, (1, 1, ow))
    chunk = max(1, _CHUNK_BYTES // max(1, g[:1].nbytes))
    tmp = np.empty((min(chunk, n),) + g.shape[1:], g.dtype)
    for n0 in range(0, n, chunk):
        part = g[n0:n0 + chunk]
        t = tmp[:part.shape[0]]
        for i in range(kh):
            rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
            for j in range(kw):
                q0, phase = divmod(j * dw, sw)
                np.multiply(part, wt[i, j], out=t)
                q[phase, n0:n0 + chunk, rows, q0 * k:(q0 + ow) * k] += t
    q = q.reshape(sw, n, hp, wq, k)
    if sw == 1:
        return _crop(q[0], pads, shape)
    dx = np.empty(shape, g.dtype)
    for r in range(sw):  # input column c sits in phase (c + pl) % sw at (c + pl) // sw
        c0 = (r - pl) % sw
        cols = dx[:, :, c0::sw, :]
        first = (c0 + pl) // sw
        cols[...] = q[r, :, pt:pt + h, first:first + cols.shape[2], :]
    return dx


def depthwise_conv2d_backprop_input(dy, w, x_like, strides, padding, dilations):
    kh, kw, c, m = w.shape
    shape = tuple(x_like.shape)
    acc = _acc(dy.dtype)
    pads, out_hw = _geometry(shape, (kh, kw), strides, padding, dilations)
    g = dy.astype(acc, copy=False)
    wk = w.astype(acc, copy=False).reshape(kh, kw, c * m)
    full = shape[:3] + (c * m,)
    if g.size == 0 or 0 in full:
        return np.zeros(shape, dy.dtype)
    if _compiled(g, wk):
        dx = np.empty(full, acc)
        _conv_kernels._C.depthwise(_contig(g), _contig(wk), dx,
                                   _geo((kh, kw), strides, dilations, pads, out_hw), 1)
        if m > 1:
            dx = (dx.reshape(-1, m) @ np.ones(m, acc)).reshape(shape)
        return dx.astype(dy.dtype, copy=False)
    # NOTE: the gather form multiplies the cotangent's zero padding by the filter too:
    # exact for a finite filter, but 0 * inf = nan would reach the border otherwise
    if np.isfinite(wk).all():
        dx = _gather_input(g, wk, full, pads, tuple(strides), tuple(dilations))
    else:
        dx = _scatter_input(g, wk, full, pads, tuple(strides), tuple(dilations), out_hw)
    if m > 1:  # NOTE: a matrix-vector product: ~8x faster than .sum(axis=-1) over M
        dx = (dx.reshape(-1, m) @ np.ones(m, acc)).reshape(shape)
    return dx.astype(dy.dtype, copy=False)


# -- filter gradient -------------------------------------------------------------------

def depthwise_conv2d_backprop_filter(x, dy, w_like, strides, padding, dilations):
    kh, kw, c, m = w_like.shape
    acc = _acc(x.dtype)
    pads, (oh, ow) = _geometry(x.shape, (kh, kw), strides, padding, dilations)
    xk = _channels(x, m, acc)
    n, k = x.shape[0], c * m
    g = np.ascontiguousarray(dy.astype(acc, copy=False))
    if _compiled(xk, g) and xk.size and g.size:
        parts = np.empty((n, kh, kw, k), acc)
        _conv_kernels._C.depthwise(_contig(xk), g, parts,
                                   _geo((kh, kw), strides, dilations, pads, (oh, ow)), 2)
        return parts.sum(axis=0).reshape(kh, kw, c, m).astype(x.dtype, copy=False)
    if strides[1] > 1:  # NOTE: over conv.py's window view, faster than a phase copy here
        win = _windows(_pad(xk, pads), (kh, kw), strides, dilations, (oh, ow))
        dw = np.einsum("nabijk,nabk->ijk", win, g)
        return dw.reshape(kh, kw, c, m).astype(x.dtype, copy=False)
    (group,) = _column_groups(kw, 1, dilations[1])  # every column: one phase
    view = _group_view(_phases(xk, pads, 1), group, kh, dilations[0], strides[0], (oh, ow))
    dw = np.einsum("itnak,nak->itk", view, g.reshape(n, oh, ow * k))
    dw = dw.reshape(kh, kw, ow, k).sum(axis=2)
    return dw.reshape(kh, kw, c, m).astype(x.dtype, copy=False)


KERNELS = {
    "depthwise_conv2d": depthwise_conv2d,
    "depthwise_conv2d_backprop_input": depthwise_conv2d_backprop_input,
    "depthwise_conv2d_backprop_filter": depthwise_conv2d_backprop_filter,
}
