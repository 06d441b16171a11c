"""`keras.ops.image`: resize and scale_and_translate, as a product with a constant
weight matrix per resized axis (the triangle, Keys-cubic and Lanczos kernels of Keras 3's
NumPy/JAX backends, with antialiasing on downscaling when asked); nearest-neighbour
resize is a gather.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> x = np.array([[[0.0], [1.0]]], "float32")
    >>> keras.ops.image.resize(x, (1, 4))[0, :, 0].numpy()
    array([0.  , 0.25, 0.75, 1.  ], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ops import math_ops as m
from ...ops import reduce_ops as r
from ...ops import shape_ops as s
from ...ops.linalg_ops import tensordot
from ...prims.convert import cast, identity
from ...prims.gather import gather
from ._dtypes import result_type, to_tensor
from ._nn_common import data_format as _fmt
from ._nn_common import rank_of

__all__ = ["resize", "scale_and_translate"]

INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")
METHODS = ("linear", "bilinear", "trilinear", "cubic", "bicubic", "tricubic", "lanczos3",
           "lanczos5")


def _triangle(x: np.ndarray) -> np.ndarray:
    return np.maximum(0, 1 - np.abs(x))


def _keys_cubic(x: np.ndarray) -> np.ndarray:
    out = ((1.5 * x - 2.5) * x) * x + 1.0
    out = np.where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, out)
    return np.where(x >= 2.0, 0.0, out)


def _lanczos(radius: float, x: np.ndarray) -> np.ndarray:
    y = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius)
    safe = np.where(x != 0, np.pi ** 2 * x ** 2, 1)
    out = np.where(x > 1e-3, y / safe, 1)
    return np.where(x > radius, 0.0, out)


KERNELS = {"linear": _triangle, "bilinear": _triangle, "trilinear": _triangle,
           "cubic": _keys_cubic, "bicubic": _keys_cubic, "tricubic": _keys_cubic,
           "lanczos3": lambda x: _lanczos(3.0, x), "lanczos5": lambda x: _lanczos(5.0, x)}


def weight_matrix(in_size: int, out_size: int, scale: float, translation: float,
                  kernel: Any, antialias: bool, dtype: Any = np.float64) -> np.ndarray:
    """The `[in_size, out_size]` resampling weights: output sample j reads the input at
    `(j + 0.5 - translation) / scale - 0.5` (half-pixel centres)."""
    inv = 1.0 / scale
    kscale = max(inv, 1.0) if antialias else 1.0
    sample = (np.arange(out_size, dtype=dtype) + 0.5) * inv - translation * inv - 0.5
    dist = np.abs(sample[None, :] - np.arange(in_size, dtype=dtype)[:, None]) / kscale
    w = kernel(dist)
    total = np.sum(w, axis=0, keepdims=True)
    w = np.where(np.abs(total) > 1000.0 * np.finfo(np.float32).eps,
                 w / np.where(total != 0, total, 1), 0)
    inside = (sample >= -0.5) & (sample <= in_size - 0.5)
    return np.where(inside[None, :], w, 0)


def _apply(x: Any, dims: list, sizes: list, scales: list, translations: list, kernel: Any,
           antialias: bool, wdtype: Any = np.float64) -> Any:
    """`x` resampled along each axis in `dims`; integer inputs rounded and clipped back."""
    rounding = not x.dtype.is_floating
    out = cast(x, "float32") if rounding else x
    rank = x.shape.rank
    for d, n, sc, tr in zip(dims, sizes, scales, translations):
        d %= rank
        w = weight_matrix(x.shape[d], n, sc, tr, kernel, antialias, wdtype)
        y = tensordot(out, to_tensor(w.astype(out.dtype.as_numpy_dtype)), [[d], [0]])
        perm = list(range(rank - 1))
        perm.insert(d, rank - 1)
        out = s.transpose(y, perm)
    if rounding:
        lo, hi = cast(r.reduce_min(x), "float32"), cast(r.reduce_max(x), "float32")
        out = cast(m.minimum(m.maximum(m.round(out), lo), hi), x.dtype)
    return out


def _nearest(x: Any, dims: list, sizes: list) -> Any:
    for d, n in zip(dims, sizes):
        src = x.shape[d]
        idx = np.floor((np.arange(n, dtype=np.float32) + 0.5) * src / n).astype(np.int32)
        x = gather(x, idx, axis=d)
    return x


def _aspect(x: Any, fmt: str, th: int, tw: int, crop: bool, fill: float) -> Any:
    rank = x.shape.rank
    hax, wax = (rank - 3, rank - 2) if fmt == "channels_last" else (rank - 2, rank - 1)
    h, w = x.shape[hax], x.shape[wax]
    if crop:
        ch = max(min(h, int(float(w * th) / tw)), 1)
        cw = max(min(w, int(float(h * tw) / th)), 1)
        top, left = int(float(h - ch) / 2), int(float(w - cw) / 2)
        index = [slice(None)] * rank
        index[hax], index[wax] = slice(top, top + ch), slice(left, left + cw)
        return x[tuple(index)]
    ph, pw = max(h, int(float(w * th) / tw)), max(w, int(float(h * tw) / th))
    top, left = int(float(ph - h) / 2), int(float(pw - w) / 2)
    pads = [[0, 0]] * rank
    if top > 0:
        pads[hax] = [top, top]
    elif left > 0:
        pads[wax] = [left, left]
    else:
        return x
    return s.pad(x, pads, constant_values=cast(fill, x.dtype))


def resize(images: Any, size: Any, interpolation: str = "bilinear", antialias: bool = False,
           crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False,
           fill_mode: str = "constant", fill_value: float = 0.0,
           data_format: str | None = None) -> Any:
    """Resizes images to `size = (height, width)` with half-pixel centres ('bilinear',
    'nearest', 'bicubic', 'lanczos3', 'lanczos5'); optionally crops or pads to the
    target aspect ratio first.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.arange(4.0, dtype="float32").reshape(1, 4, 1)
        >>> keras.ops.image.resize(x, (1, 2), interpolation="nearest")[0, :, 0].numpy()
        array([1., 3.], dtype=float32)
    """
    op = "resize"
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"keras.ops.image.{op}: invalid value for argument "
                         f"`interpolation`. Expected one of {INTERPOLATIONS}. Received: "
                         f"interpolation={interpolation!r}")
    if fill_mode != "constant":
        raise ValueError(f"keras.ops.image.{op}: invalid value for argument `fill_mode`. "
                         f"Only 'constant' is supported. Received: fill_mode={fill_mode!r}")
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError(f"keras.ops.image.{op}: only one of `pad_to_aspect_ratio` and "
                         f"`crop_to_aspect_ratio` can be True.")
    if len(size) != 2:
        raise ValueError(f"keras.ops.image.{op}: argument `size` must be a tuple of two "
                         f"elements (height, width). Received: size={size!r}")
    x = to_tensor(images)
    rank = rank_of(op, x, (3, 4), "images")
    fmt = _fmt(op, data_format)
    th, tw = int(size[0]), int(size[1])
    if crop_to_aspect_ratio or pad_to_aspect_ratio:
        x = _aspect(x, fmt, th, tw, crop_to_aspect_ratio, fill_value)
    hax, wax = (rank - 3, rank - 2) if fmt == "channels_last" else (rank - 2, rank - 1)
    dims = [d for d, n in ((hax, th), (wax, tw)) if x.shape[d] != n]
    sizes = [th if d == hax else tw for d in dims]
    if not dims:
        return identity(x)
    if interpolation == "nearest":
        return _nearest(x, dims, sizes)
    scales = [n / x.shape[d] for d, n in zip(dims, sizes)]
    return _apply(x, dims, sizes, scales, [0.0] * len(dims), KERNELS[interpolation],
                  antialias)


def _t_kernel(method: str, x: Any) -> Any:
    """The resampling kernel `method` at distances `x >= 0`, in ember's ops."""
    def c(v: float) -> Any:
        return cast(v, x.dtype)
    if method in ("linear", "bilinear", "trilinear"):
        return m.maximum(c(0), m.subtract(c(1), x))
    if method in ("cubic", "bicubic", "tricubic"):
        near = m.add(m.multiply(m.multiply(m.subtract(m.multiply(c(1.5), x), c(2.5)), x), x),
                     c(1))
        far = m.add(m.multiply(m.subtract(m.multiply(m.add(m.multiply(c(-0.5), x), c(2.5)),
                                                     x), c(4)), x), c(2))
        return m.where(m.greater_equal(x, c(2)), c(0),
                       m.where(m.greater_equal(x, c(1)), far, near))
    radius = 3.0 if method == "lanczos3" else 5.0
    pix = m.multiply(x, c(np.pi))
    y = m.multiply(m.multiply(c(radius), m.sin(pix)), m.sin(m.truediv(pix, c(radius))))
    safe = m.where(m.not_equal(x, c(0)), m.square(pix), c(1))
    out = m.where(m.greater(x, c(1e-3)), m.truediv(y, safe), c(1))
    return m.where(m.greater(x, c(radius)), c(0), out)


def _t_weights(in_size: int, out_size: int, scale: Any, translation: Any, method: str,
               antialias: bool) -> Any:
    """weight_matrix with `scale` and `translation` scalar tensors (ember's ops)."""
    dt = scale.dtype
    inv = m.truediv(cast(1.0, dt), scale)
    kscale = m.maximum(inv, cast(1.0, dt)) if antialias else cast(1.0, dt)
    sample = m.subtract(m.subtract(m.multiply(to_tensor(np.arange(out_size) + 0.5, dt), inv),
                                   m.multiply(translation, inv)), cast(0.5, dt))
    grid = to_tensor(np.arange(in_size, dtype=dt.as_numpy_dtype)[:, None])
    w = _t_kernel(method, m.truediv(m.abs(m.subtract(sample[None, :], grid)), kscale))
    total = r.reduce_sum(w, 0, keepdims=True)
    safe = m.where(m.not_equal(total, cast(0.0, dt)), total, cast(1.0, dt))
    w = m.where(m.greater(m.abs(total), cast(1000.0 * float(np.finfo(np.float32).eps), dt)),
                m.truediv(w, safe), cast(0.0, dt))
    inside = m.logical_and(m.greater_equal(sample, cast(-0.5, dt)),
                           m.less_equal(sample, cast(in_size - 0.5, dt)))
    return m.where(inside[None, :], w, cast(0.0, dt))


def scale_and_translate(images: Any, output_shape: Any, scale: Any, translation: Any,
                        spatial_dims: Any, method: str, antialias: bool = True) -> Any:
    """Resamples `images` along `spatial_dims` to `output_shape`: output position j of
    an axis reads the input at `(j + 0.5 - translation) / scale - 0.5`, with the
    `method` kernel ('linear', 'cubic', 'lanczos3', 'lanczos5', ...).

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.array([0.0, 1.0], "float32")
        >>> keras.ops.image.scale_and_translate(x, (4,), [2.0], [0.0], (0,),
        ...                                     "linear").numpy()
        array([0.  , 0.25, 0.75, 1.  ], dtype=float32)
    """
    op = "scale_and_translate"
    if method not in METHODS:
        raise ValueError(f"keras.ops.image.{op}: invalid value for argument `method`. "
                         f"Expected one of {set(METHODS)}. Received: method={method!r}")
    x = to_tensor(images)
    sc, tr = to_tensor(scale), to_tensor(translation)
    wdtype = result_type(sc.dtype.name, tr.dtype.name)
    wdtype = wdtype if "float" in wdtype else "float32"
    sc, tr = cast(sc, wdtype), cast(tr, wdtype)
    dims = [int(d) for d in spatial_dims]
    if not dims:
        return identity(x)
    rounding = not x.dtype.is_floating
    out = cast(x, "float32") if rounding else x
    rank = x.shape.rank
    for i, d in enumerate(dims):
        d %= rank
        w = _t_weights(x.shape[d], int(output_shape[d]), sc[i], tr[i], method, antialias)
        y = tensordot(out, cast(w, out.dtype), [[d], [0]])
        perm = list(range(rank - 1))
        perm.insert(d, rank - 1)
        out = s.transpose(y, perm)
    if rounding:
        lo, hi = cast(r.reduce_min(x), "float32"), cast(r.reduce_max(x), "float32")
        out = cast(m.minimum(m.maximum(m.round(out), lo), hi), x.dtype)
    return out
