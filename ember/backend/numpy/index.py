"""NumPy kernels for basic indexing: strided_slice and its gradient, strided_slice_grad."""

from __future__ import annotations

import numpy as np


_OBJ = np.dtype(object)


def _keep_array(x, out):
    """`out` as a 0-d array where indexing a string (object) array gave a bare element
    (NumPy gives numeric arrays' elements as NumPy scalars, which act as 0-d arrays)."""
    if x.dtype is _OBJ and not isinstance(out, np.ndarray):
        arr = np.empty((), dtype=object)
        arr[()] = out
        return arr
    return out


def strided_slice(x, index):
    """`index`: a tuple of ints, slices, None and Ellipsis (a NumPy basic index)."""
    return _keep_array(x, x[index])


def strided_slice_grad(g, like, index):
    """Zeros of the shape of `like` with `g` written at `index`: the cotangent of
    `like[index]` (only the shape of `like` is read, at run time).

    A basic index selects each element at most once, so a plain assignment (no
    accumulation) is exact.
    """
    out = np.zeros(like.shape, g.dtype)
    out[index] = g
    return out


KERNELS = {"strided_slice": strided_slice, "strided_slice_grad": strided_slice_grad}


# -- indices with run-time entries (scalar int tensors inside ember.function) ----------

def _resolve(index, bounds, shape, sizes):
    """The NumPy basic index that `index` stands for: each `(k,)` in it (an int index or a
    slice part) is the value of `bounds[k]`. With `sizes` (tf.slice), each slice is
    `begin:size` (size -1: to the end), checked against its axis as TF does."""
    def val(p):
        return int(bounds[p[0]]) if type(p) is tuple else p

    n_used = sum(1 for k in index if k is not None and k is not Ellipsis)
    key, axis = [], 0
    for k in index:
        if k is Ellipsis:
            key.append(k)
            axis += len(shape) - n_used
            continue
        if k is None:
            key.append(k)
            continue
        if axis >= len(shape):
            raise IndexError(f"index has {n_used} dimensions but the tensor has rank "
                             f"{len(shape)}")
        d = shape[axis]
        if type(k) is slice:
            a, b, c = val(k.start), val(k.stop), val(k.step)
            if sizes:
                if not 0 <= a <= d or not (b == -1 or 0 <= b <= d - a):
                    begins = [val(s.start) for s in index if type(s) is slice]
                    ends = [val(s.stop) for s in index if type(s) is slice]
                    raise IndexError(f"begin={begins}, size={ends} leaves axis {axis} (size "
                                     f"{d}); need 0 <= begin and begin + size <= {d}")
                key.append(slice(a, d if b == -1 else a + b))
            elif c == 0:
                raise ValueError("slice step cannot be zero")
            else:
                key.append(slice(a, b, c))
        else:
            i = val(k)
            if not -d <= i < d:
                raise IndexError(f"index {i} is out of bounds for axis {axis} with size "
                                 f"{d}; valid indices are {-d}..{d - 1}")
            key.append(i)
        axis += 1
    return tuple(key)


def strided_slice_dynamic(x, *bounds, index, sizes=False):
    """`x[index]` where the `(k,)` entries of `index` are read from the scalars `bounds`."""
    return _keep_array(x, x[_resolve(index, bounds, x.shape, sizes)])


def strided_slice_dynamic_grad(g, like, *bounds, index, sizes=False):
    """The cotangent of `strided_slice_dynamic`: `g` written into zeros shaped as `like`."""
    out = np.zeros(like.shape, g.dtype)
    key = _resolve(index, bounds, like.shape, sizes)
    slot = out[key]
    if slot.shape != g.shape:  # NumPy would broadcast a smaller `g` silently
        raise ValueError(f"the cotangent has shape {list(g.shape)} but the slice selects "
                         f"{list(slot.shape)}")
    out[key] = g
    return out


KERNELS["strided_slice_dynamic"] = strided_slice_dynamic
KERNELS["strided_slice_dynamic_grad"] = strided_slice_dynamic_grad
