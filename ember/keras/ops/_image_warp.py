"""`keras.ops.image`: resampling — resize, scale_and_translate, map_coordinates and the
affine, perspective and elastic transforms.

Interpolation is built from ember's ops: samples are `gather_nd` of the image at the
(fill-mode mapped) integer neighbours, blended with their linear weights, so gradients
reach both the image and the coordinates. Resize / scale_and_translate apply a dense
weight matrix per spatial axis (the kernels of Keras 3's NumPy / JAX backends); the
matrices depend only on static sizes and scales, so they are constants.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> keras.ops.image.resize(np.ones((2, 2, 1), "float32"), (3, 3))[..., 0].numpy()
    array([[1., 1., 1.],
           [1., 1., 1.],
           [1., 1., 1.]], dtype=float32)
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from ...ops import math_ops as m
from ...ops import shape_ops as s
from ...prims.convert import cast
from ...prims.gather import gather_nd
from ._dtypes import result_type, to_tensor
from ._image_resize import resize, scale_and_translate  # noqa: F401
from ._nn_common import data_format as _fmt
from ._nn_common import floating, rank_of

__all__ = ["affine_transform", "elastic_transform", "map_coordinates",
           "perspective_transform", "resize", "scale_and_translate"]

FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
ORDERS = {"nearest": 0, "bilinear": 1}


def _fix_index(i: Any, n: int, mode: str) -> Any:
    """Integer indices `i` into an axis of size `n` under a fill mode (constant: clipped;
    the caller masks them)."""
    if mode in ("constant", "nearest"):
        return m.minimum(m.maximum(i, 0), n - 1)
    if mode == "wrap":
        return m.floormod(i, n)
    if mode == "mirror":  # d c b | a b c d | c b a
        if n == 1:
            return m.multiply(i, 0)
        j = m.floormod(i, 2 * n - 2)
        return m.where(m.greater_equal(j, n), m.subtract(2 * n - 2, j), j)
    j = m.floormod(i, 2 * n)  # reflect: c b a | a b c d | d c b
    return m.where(m.greater_equal(j, n), m.subtract(2 * n - 1, j), j)


def _interpolate(x: Any, coords: list, order: int, mode: str, fill: float,
                 exact: tuple = ()) -> Any:
    """`x` sampled at `coords` (one float tensor per axis of x, all of one shape; axes in
    `exact` hold integer-valued coordinates used as they are)."""
    dims = tuple(x.shape)
    taps = []
    for ax, c in enumerate(coords):
        if ax in exact:
            taps.append([(cast(c, "int32"), None)])
        elif order == 0:
            taps.append([(cast(m.floor(m.add(c, cast(0.5, c.dtype))), "int32"), None)])
        else:
            lo = m.floor(c)
            frac = cast(m.subtract(c, lo), x.dtype)
            lo = cast(lo, "int32")
            one = cast(1.0, x.dtype)
            taps.append([(lo, m.subtract(one, frac)), (m.add(lo, 1), frac)])
    total = None
    for combo in itertools.product(*taps):
        index, weight, valid = [], None, None
        for ax, (i, w) in enumerate(combo):
            index.append(_fix_index(i, dims[ax], mode))
            if mode == "constant" and ax not in exact:
                ok = m.logical_and(m.greater_equal(i, 0), m.less(i, dims[ax]))
                valid = ok if valid is None else m.logical_and(valid, ok)
            if w is not None:
                weight = w if weight is None else m.multiply(weight, w)
        value = gather_nd(x, s.stack(index, axis=-1))
        if valid is not None:
            value = m.where(valid, value, cast(fill, x.dtype))
        if weight is not None:
            value = m.multiply(value, weight)
        total = value if total is None else m.add(total, value)
    return total


def _check_mode(op: str, mode: str) -> None:
    if mode not in FILL_MODES:
        raise ValueError(f"keras.ops.image.{op}: invalid value for argument `fill_mode`. "
                         f"Expected one of {FILL_MODES}. Received: fill_mode={mode!r}")


def map_coordinates(inputs: Any, coordinates: Any, order: int, fill_mode: str = "constant",
                    fill_value: float = 0) -> Any:
    """`inputs` sampled at `coordinates` (`coordinates[k]` the positions along axis k),
    with nearest (order 0) or linear (order 1) interpolation.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> keras.ops.image.map_coordinates(np.array([0.0, 10.0], "float32"),
        ...                                 [np.array([0.25, 1.5])], 1).numpy()
        array([2.5, 5. ], dtype=float32)
    """
    op = "map_coordinates"
    x = to_tensor(inputs)
    if isinstance(coordinates, (list, tuple)):
        coordinates = s.stack([to_tensor(c) for c in coordinates], axis=0)
    c = to_tensor(coordinates)
    if c.shape.rank < 2:
        raise ValueError(f"keras.ops.image.{op}: coordinates must be at least rank 2. "
                         f"Received: coordinates.shape={tuple(c.shape)}")
    if c.shape[0] != x.shape.rank:
        raise ValueError(f"keras.ops.image.{op}: first dim of coordinates must equal the "
                         f"input rank {x.shape.rank}. Received: inputs.shape="
                         f"{tuple(x.shape)}, coordinates.shape={tuple(c.shape)}")
    _check_mode(op, fill_mode)
    if order not in (0, 1):
        raise ValueError(f"keras.ops.image.{op}: order must be 0 or 1. Received: "
                         f"order={order!r}")
    original = x.dtype.name
    xf = floating(x, result_type(original, "float32"))
    c = floating(c)
    y = _interpolate(xf, [c[k] for k in range(x.shape.rank)], order, fill_mode, fill_value)
    return cast(y, original)


def _grid(h: int, w: int) -> tuple:
    ys, xs = np.meshgrid(np.arange(h, dtype=np.float32), np.arange(w, dtype=np.float32),
                         indexing="ij")
    return to_tensor(ys), to_tensor(xs)


def _project(images: Any, transform: Any, order: int, mode: str, fill: float,
             fmt: str) -> Any:
    """Projective sampling: output pixel (y, x) reads the input at
    `((b0 x + b1 y + b2) / k, (a0 x + a1 y + a2) / k)`, `k = c0 x + c1 y + 1`."""
    x = images
    rank = x.shape.rank
    if rank == 3:
        x = s.expand_dims(x, 0)
    if fmt == "channels_first":
        x = s.transpose(x, [0, 2, 3, 1])
    b, h, w, c = x.shape
    t = transform if transform.shape.rank == 2 else s.expand_dims(transform, 0)
    t = cast(t, x.dtype)
    if b is not None and t.shape[0] == 1 and b > 1:
        t = s.tile(t, [b, 1])
    gy, gx = (cast(g, x.dtype)[None] for g in _grid(h, w))
    a = [t[:, i][:, None, None] for i in range(8)]
    k = m.add(m.add(m.multiply(a[6], gx), m.multiply(a[7], gy)), cast(1.0, x.dtype))
    xin = m.truediv(m.add(m.add(m.multiply(a[0], gx), m.multiply(a[1], gy)), a[2]), k)
    yin = m.truediv(m.add(m.add(m.multiply(a[3], gx), m.multiply(a[4], gy)), a[5]), k)
    shape = [-1, h, w, c]
    yin = s.broadcast_to(s.expand_dims(yin, -1), [t.shape[0], h, w, c])
    xin = s.broadcast_to(s.expand_dims(xin, -1), [t.shape[0], h, w, c])
    bidx = s.broadcast_to(to_tensor(np.arange(t.shape[0], dtype=np.float32)
                                    .reshape(-1, 1, 1, 1)), s.shape(yin))
    cidx = s.broadcast_to(to_tensor(np.arange(c, dtype=np.float32)), s.shape(yin))
    y = _interpolate(x, [bidx, yin, xin, cidx], order, mode, fill, exact=(0, 3))
    y = s.reshape(y, shape)
    if fmt == "channels_first":
        y = s.transpose(y, [0, 3, 1, 2])
    return s.squeeze(y, [0]) if rank == 3 else y


def affine_transform(images: Any, transform: Any, interpolation: str = "bilinear",
                     fill_mode: str = "constant", fill_value: float = 0,
                     data_format: str | None = None) -> Any:
    """Applies projective transforms `[a0, a1, a2, b0, b1, b2, c0, c1]` (one, or one per
    image): output (x, y) samples the input at `((a0 x + a1 y + a2) / k,
    (b0 x + b1 y + b2) / k)`, `k = c0 x + c1 y + 1`.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.arange(3.0, dtype="float32").reshape(1, 3, 1)
        >>> t = np.array([1, 0, 1, 0, 1, 0, 0, 0], "float32")  # shift left by one
        >>> keras.ops.image.affine_transform(x, t)[0, :, 0].numpy()
        array([1., 2., 0.], dtype=float32)
    """
    op = "affine_transform"
    if interpolation not in ORDERS:
        raise ValueError(f"keras.ops.image.{op}: invalid value for argument "
                         f"`interpolation`. Expected one of {set(ORDERS)}. Received: "
                         f"interpolation={interpolation!r}")
    _check_mode(op, fill_mode)
    x = to_tensor(images)
    rank_of(op, x, (3, 4), "images")
    t = to_tensor(transform)
    if t.shape.rank not in (1, 2) or t.shape[-1] != 8:
        raise ValueError(f"keras.ops.image.{op}: transform must have shape (8,) or "
                         f"(batch, 8). Received: transform.shape={tuple(t.shape)}")
    original = x.dtype.name
    xf = floating(x, result_type(original, "float32"))
    y = _project(xf, t, ORDERS[interpolation], fill_mode, fill_value,
                 _fmt(op, data_format))
    return cast(y, original)


def _homography(start: Any, end: Any) -> Any:
    """The 8 projective coefficients mapping `end` points to `start` points, solved from
    the 8x8 linear system of the four point pairs."""
    from ._linalg_math2 import solve
    dt = start.dtype
    zero = m.multiply(start[:, 0, 0], cast(0.0, dt))
    one = m.add(zero, cast(1.0, dt))
    rows, rhs = [], []
    for p in range(4):
        sx, sy, ex, ey = start[:, p, 0], start[:, p, 1], end[:, p, 0], end[:, p, 1]
        rows.append(s.stack([ex, ey, one, zero, zero, zero, m.negative(m.multiply(sx, ex)),
                             m.negative(m.multiply(sx, ey))], -1))
        rows.append(s.stack([zero, zero, zero, ex, ey, one, m.negative(m.multiply(sy, ex)),
                             m.negative(m.multiply(sy, ey))], -1))
        rhs += [sx, sy]
    a = s.stack(rows, axis=1)
    b = s.expand_dims(s.stack(rhs, axis=-1), -1)
    return s.reshape(solve(a, b), [-1, 8])


def perspective_transform(images: Any, start_points: Any, end_points: Any,
                          interpolation: str = "bilinear", fill_value: float = 0,
                          data_format: str | None = None) -> Any:
    """Warps images so that the four `start_points` (x, y) move to `end_points` (shape
    (4, 2), or (batch, 4, 2)).

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> pts = np.array([[0, 0], [2, 0], [0, 2], [2, 2]], "float32")
        >>> x = np.arange(9.0, dtype="float32").reshape(3, 3, 1)
        >>> keras.ops.image.perspective_transform(x, pts, pts)[..., 0].numpy()[1]
        array([3., 4., 5.], dtype=float32)
    """
    op = "perspective_transform"
    if interpolation not in ORDERS:
        raise ValueError(f"keras.ops.image.{op}: invalid value for argument "
                         f"`interpolation`. Expected one of {set(ORDERS)}. Received: "
                         f"interpolation={interpolation!r}")
    x = to_tensor(images)
    rank_of(op, x, (3, 4), "images")
    sp, ep = to_tensor(start_points), to_tensor(end_points)
    for name, p in (("start_points", sp), ("end_points", ep)):
        if p.shape.rank not in (2, 3) or tuple(p.shape[-2:]) != (4, 2):
            raise ValueError(f"keras.ops.image.{op}: {name} must have shape (4, 2) or "
                             f"(N, 4, 2). Received shape: {tuple(p.shape)}")
    if tuple(sp.shape) != tuple(ep.shape):
        raise ValueError(f"keras.ops.image.{op}: start_points and end_points must have "
                         f"the same shape. Received: {tuple(sp.shape)} and "
                         f"{tuple(ep.shape)}")
    dt = result_type(sp.dtype.name, ep.dtype.name, float)
    dt = result_type(dt, "float32")
    sp, ep = floating(sp, dt), floating(ep, dt)
    if sp.shape.rank == 2:
        sp, ep = s.expand_dims(sp, 0), s.expand_dims(ep, 0)
    original = x.dtype.name
    xf = floating(x, result_type(original, "float32"))
    y = _project(xf, _homography(sp, ep), ORDERS[interpolation], "constant", fill_value,
                 _fmt(op, data_format))
    return cast(y, original)


def elastic_transform(images: Any, alpha: float = 20.0, sigma: float = 5.0,
                      interpolation: str = "bilinear", fill_mode: str = "reflect",
                      fill_value: float = 0.0, seed: Any = None,
                      data_format: str | None = None) -> Any:
    """Elastic deformation: each pixel moves by Gaussian-blurred normal noise (std
    `sigma`, blur sigma `sigma`) scaled by `alpha`; the random draws are ember's.

    Example:
        >>> import numpy as np
        >>> from ember import keras
        >>> x = np.arange(4.0, dtype="float32").reshape(2, 2, 1)
        >>> keras.ops.image.elastic_transform(x, alpha=0.0, seed=1)[..., 0].numpy()
        array([[0., 1.],
               [2., 3.]], dtype=float32)
    """
    from ...ops.random_ops import normal, stateless_normal
    from .image import gaussian_blur
    op = "elastic_transform"
    if interpolation not in ORDERS:
        raise ValueError(f"keras.ops.image.{op}: invalid value for argument "
                         f"`interpolation`. Expected one of {set(ORDERS)}. Received: "
                         f"interpolation={interpolation!r}")
    _check_mode(op, fill_mode)
    x = to_tensor(images)
    rank = rank_of(op, x, (3, 4), "images")
    fmt = _fmt(op, data_format)
    original = x.dtype.name
    xf = floating(x, result_type(original, "float32"))
    xb = s.expand_dims(xf, 0) if rank == 3 else xf
    if fmt == "channels_first":
        xb = s.transpose(xb, [0, 2, 3, 1])
    b, h, w, c = xb.shape
    ksize = int(6 * float(sigma)) | 1
    noise = []
    for k in range(2):
        shape = [b, h, w, 1]
        if seed is None:
            z = normal(shape, dtype=xf.dtype)
        else:
            z = stateless_normal(shape, seed=[int(seed), k], dtype=xf.dtype)
        z = m.multiply(z, cast(float(sigma), xf.dtype))
        z = gaussian_blur(z, (ksize, ksize), (float(sigma), float(sigma)), "channels_last")
        noise.append(m.multiply(z, cast(float(alpha), xf.dtype)))
    gy, gx = (cast(g, xf.dtype)[None, :, :, None] for g in _grid(h, w))
    yin = s.broadcast_to(m.add(gy, noise[1]), [b, h, w, c])
    xin = s.broadcast_to(m.add(gx, noise[0]), [b, h, w, c])
    bidx = s.broadcast_to(to_tensor(np.arange(b, dtype=np.float32).reshape(-1, 1, 1, 1)),
                          [b, h, w, c])
    cidx = s.broadcast_to(to_tensor(np.arange(c, dtype=np.float32)), [b, h, w, c])
    y = _interpolate(xb, [bidx, yin, xin, cidx], ORDERS[interpolation], fill_mode,
                     fill_value, exact=(0, 3))
    if fmt == "channels_first":
        y = s.transpose(y, [0, 3, 1, 2])
    return cast(s.squeeze(y, [0]) if rank == 3 else y, original)

