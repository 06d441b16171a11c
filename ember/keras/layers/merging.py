"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot, and
their functional forms (`keras.layers.add([a, b])`, ...).

A merge layer is called on a list of tensors. The elementwise ones broadcast as Keras 2
does: axis 0 is the batch axis of every input, a lower-rank input gets new axes after
the batch axis, and the other dims broadcast as in NumPy (aligned on the right).

Example:
    >>> from ember import keras
    >>> import numpy as np
    >>> a, b = np.ones((2, 3)), np.full((2, 3), 2.0)
    >>> keras.layers.add([a, b]).numpy()
    array([[3., 3., 3.],
           [3., 3., 3.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from ...core.errors import ShapeError
from ...ops import math_ops as m
from ...ops import nn_ops
from ...ops.linalg_ops import einsum
from ...ops.shape_ops import concat, expand_dims
from ..engine.layer import Layer

__all__ = [
    "Add",
    "Average",
    "Concatenate",
    "Dot",
    "Maximum",
    "Minimum",
    "Multiply",
    "Subtract",
    "add",
    "average",
    "concatenate",
    "dot",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]


def _shapes_text(xs: list) -> str:
    return "[" + ", ".join(str(tuple(x.shape)) for x in xs) + "]"


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


class _Merge(Layer):
    """The base of the elementwise merge layers: checks the list, aligns ranks, then
    folds the inputs with `_merge`."""

    _exact: int | None = None  # Subtract: exactly 2 inputs

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _inputs(self, inputs: Any, at_least: int = 2) -> list:
        who = f'Layer "{self.name}" ({type(self).__name__})'
        if not isinstance(inputs, (list, tuple)) or not all(
                hasattr(x, "shape") and hasattr(x, "dtype") for x in inputs):
            got = f"shape {tuple(inputs.shape)}" if hasattr(inputs, "shape") else repr(inputs)
            raise ValueError(f"{who}: a merge layer should be called on a list of inputs "
                             f"(tensors), e.g. layer([a, b]); received a single {got}.")
        xs = list(inputs)
        if self._exact is not None and len(xs) != self._exact:
            raise ValueError(f"{who}: a `{type(self).__name__}` layer should be called on "
                             f"exactly {self._exact} inputs. Received {len(xs)} inputs of "
                             f"shapes {_shapes_text(xs)}.")
        if len(xs) < at_least:
            raise ValueError(f"{who}: a merge layer should be called on a list of at least "
                             f"{at_least} inputs. Got {len(xs)} inputs. Full input shapes "
                             f"received: {_shapes_text(xs)}.")
        return xs

    def _check_shapes(self, xs: list) -> None:
        """Raises a ShapeError when the inputs' batch sizes differ, or their other dims
        do not broadcast."""
        ranks = [x.shape.rank for x in xs]
        if any(r is None or r == 0 for r in ranks):
            raise ShapeError(f'Layer "{self.name}" ({type(self).__name__}): every input needs '
                             f"a batch axis (rank >= 1), received shapes {_shapes_text(xs)}.")
        batches = {x.shape[0] for x in xs} - {None}
        if len(batches) > 1:
            raise ShapeError(f'Layer "{self.name}" ({type(self).__name__}): cannot merge '
                             f"tensors with different batch sizes. Received shapes "
                             f"{_shapes_text(xs)}.")
        width = max(ranks) - 1
        out: list = [1] * width
        for x in xs:
            dims = list(x.shape)[1:]
            for i, d in enumerate(dims, start=width - len(dims)):
                o = out[i]
                if d == 1 or o is None and d is None:
                    continue
                if o == 1:
                    out[i] = d
                elif d is not None and o is not None and d != o:
                    raise ShapeError(
                        f'Layer "{self.name}" ({type(self).__name__}): inputs have '
                        f"incompatible shapes: they must be equal or broadcastable (after the "
                        f"batch axis, aligned on the right). Received shapes "
                        f"{_shapes_text(xs)}.")
                elif o is None:
                    out[i] = d

    def call(self, inputs: Any) -> Any:
        xs = self._inputs(inputs)
        self._check_shapes(xs)
        top = max(x.ndim for x in xs)
        aligned = []
        for x in xs:
            for _ in range(top - x.ndim):
                x = expand_dims(x, 1)
            aligned.append(x)
        return self._merge(aligned)

    def _merge(self, xs: list) -> Any:
        raise NotImplementedError

    def get_config(self) -> dict:
        return super().get_config()


class Add(_Merge):
    """The sum of a list of inputs (TF's `keras.layers.Add`).

    Example:
        >>> from ember import keras
        >>> keras.layers.Add()([keras.Input((3,)), keras.Input((3,))]).shape
        TensorShape([None, 3])
    """

    def _merge(self, xs: list) -> Any:
        out = xs[0]
        for x in xs[1:]:
            out = m.add(out, x)
        return out


class Subtract(_Merge):
    """`inputs[0] - inputs[1]`; exactly two inputs (TF's `keras.layers.Subtract`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.Subtract()([np.array([[5.0]]), np.array([[2.0]])]).numpy()
        array([[3.]], dtype=float32)
    """

    _exact = 2

    def _merge(self, xs: list) -> Any:
        return m.subtract(xs[0], xs[1])


class Multiply(_Merge):
    """The elementwise product of a list of inputs (TF's `keras.layers.Multiply`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.Multiply()([np.array([[2.0, 3.0]]), np.array([[4.0, 5.0]])]).numpy()
        array([[ 8., 15.]], dtype=float32)
    """

    def _merge(self, xs: list) -> Any:
        out = xs[0]
        for x in xs[1:]:
            out = m.multiply(out, x)
        return out


class Average(_Merge):
    """The elementwise mean of a list of inputs (TF's `keras.layers.Average`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.Average()([np.array([[1.0]]), np.array([[4.0]])]).numpy()
        array([[2.5]], dtype=float32)
    """

    def _merge(self, xs: list) -> Any:
        out = xs[0]
        for x in xs[1:]:
            out = m.add(out, x)
        return m.divide(out, float(len(xs)))


class Maximum(_Merge):
    """The elementwise maximum of a list of inputs (TF's `keras.layers.Maximum`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.Maximum()([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])]).numpy()
        array([[3., 5.]], dtype=float32)
    """

    def _merge(self, xs: list) -> Any:
        out = xs[0]
        for x in xs[1:]:
            out = m.maximum(out, x)
        return out


class Minimum(_Merge):
    """The elementwise minimum of a list of inputs (TF's `keras.layers.Minimum`).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.Minimum()([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])]).numpy()
        array([[1., 2.]], dtype=float32)
    """

    def _merge(self, xs: list) -> Any:
        out = xs[0]
        for x in xs[1:]:
            out = m.minimum(out, x)
        return out


class Concatenate(_Merge):
    """Concatenates a list of inputs along `axis` (TF's `keras.layers.Concatenate`).

    All inputs must have the same rank and the same dims except along `axis`.

    Args:
        axis: the concatenation axis (default -1, the last).

    Example:
        >>> from ember import keras
        >>> keras.layers.Concatenate()([keras.Input((2,)), keras.Input((3,))]).shape
        TensorShape([None, 5])
    """

    def __init__(self, axis: int = -1, **kwargs: Any):
        super().__init__(**kwargs)
        if not _is_int(axis):
            raise ValueError(f'Layer "{self.name}" (Concatenate): axis must be an int, '
                             f"received axis={axis!r}.")
        self.axis = axis

    def call(self, inputs: Any) -> Any:
        xs = self._inputs(inputs, at_least=1)
        ranks = {x.shape.rank for x in xs}
        rank = xs[0].shape.rank
        if len(ranks) > 1 or rank is None or not -rank <= self.axis < rank:
            why = "the same rank" if len(ranks) > 1 else f"an axis {self.axis} (rank {rank})"
            raise ShapeError(f'Layer "{self.name}" (Concatenate): a `Concatenate` layer '
                             f"requires inputs with matching shapes except for the "
                             f"concatenation axis, and {why}. Received: input shapes "
                             f"{_shapes_text(xs)}, axis={self.axis}.")
        axis = self.axis % rank
        for i in range(rank):
            if i == axis:
                continue
            dims = {x.shape[i] for x in xs} - {None}
            if len(dims) > 1:
                raise ShapeError(
                    f'Layer "{self.name}" (Concatenate): a `Concatenate` layer requires '
                    f"inputs with matching shapes except for the concatenation axis "
                    f"({self.axis}); axis {i} differs. Received: input shapes "
                    f"{_shapes_text(xs)}.")
        return xs[0] if len(xs) == 1 else concat(xs, axis=axis)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


class Dot(_Merge):
    """The dot product of two batches of tensors along `axes` (TF's
    `keras.layers.Dot`, Keras' `batch_dot`).

    For each sample, the axis `axes[0]` of the first input is contracted with the axis
    `axes[1]` of the second; axis 0 is the batch axis and can't be contracted. The output
    holds the first input's other axes, then the second's; two 2-D inputs give
    `(batch, 1)`.

    Args:
        axes: an int (the same axis of both), or a pair of ints; negative ints count from
            the end.
        normalize: L2-normalise both inputs along the axes first, so the result is the
            cosine similarity.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> a = np.array([[1.0, 2.0]]); b = np.array([[3.0, 4.0]])
        >>> keras.layers.Dot(axes=1)([a, b]).numpy()
        array([[11.]], dtype=float32)
    """

    _exact = 2

    def __init__(self, axes: Any, normalize: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        ok = _is_int(axes) or (isinstance(axes, (list, tuple)) and len(axes) == 2 and all(
            _is_int(a) for a in axes))
        if not ok:
            raise ValueError(f'Layer "{self.name}" (Dot): axes must be an int or a list/tuple '
                             f"of 2 ints, received axes={axes!r}.")
        self.axes = axes if _is_int(axes) else list(axes)
        self.normalize = bool(normalize)

    def call(self, inputs: Any) -> Any:
        x, y = self._inputs(inputs)
        rx, ry = x.shape.rank, y.shape.rank
        if rx is None or ry is None or rx < 2 or ry < 2:
            raise ShapeError(f'Layer "{self.name}" (Dot): both inputs need a batch axis and at '
                             f"least one more axis (rank >= 2). Received shapes "
                             f"{_shapes_text([x, y])}.")
        want = [self.axes] * 2 if _is_int(self.axes) else list(self.axes)
        ax = []
        for a, r in zip(want, (rx, ry)):
            if not -r <= a < r or a % r == 0:
                raise ShapeError(f'Layer "{self.name}" (Dot): axes {self.axes} are invalid '
                                 f"for inputs of shapes {_shapes_text([x, y])}: each must "
                                 f"name a non-batch axis (axis 0 is the batch).")
            ax.append(a % r)
        dx, dy = x.shape[ax[0]], y.shape[ax[1]]
        bx, by = x.shape[0], y.shape[0]
        if (dx is not None and dy is not None and dx != dy) or (
                bx is not None and by is not None and bx != by):
            raise ShapeError(f'Layer "{self.name}" (Dot): incompatible input shapes: axis '
                             f"{ax[0]} of the first input ({dx}) must equal axis {ax[1]} of "
                             f"the second ({dy}), and the batch sizes must match. Received "
                             f"shapes {_shapes_text([x, y])}, axes={self.axes}.")
        if self.normalize:
            x = nn_ops.l2_normalize(x, axis=ax[0])
            y = nn_ops.l2_normalize(y, axis=ax[1])
        letters = "bcdefghijklmnopqrstuvwxyz"
        sx = ["a"] + list(letters[:rx - 1])
        sy = ["a"] + list(letters[rx - 1:rx + ry - 2])
        sy[ax[1]] = sx[ax[0]]
        out = [c for i, c in enumerate(sx) if i != ax[0]] + \
            [c for i, c in enumerate(sy) if i not in (0, ax[1])]
        z = einsum(f"{''.join(sx)},{''.join(sy)}->{''.join(out)}", x, y)
        return expand_dims(z, 1) if len(out) == 1 else z

    def get_config(self) -> dict:
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


# -- functional forms ---------------------------------------------------------------------

def add(inputs: list, **kwargs: Any) -> Any:
    """`Add(**kwargs)(inputs)`: the sum of a list of tensors.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.add([np.ones((1, 2)), np.ones((1, 2))]).numpy()
        array([[2., 2.]], dtype=float32)
    """
    return Add(**kwargs)(inputs)


def subtract(inputs: list, **kwargs: Any) -> Any:
    """`Subtract(**kwargs)(inputs)`: `inputs[0] - inputs[1]`.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.subtract([np.ones((1, 2)), np.ones((1, 2))]).numpy()
        array([[0., 0.]], dtype=float32)
    """
    return Subtract(**kwargs)(inputs)


def multiply(inputs: list, **kwargs: Any) -> Any:
    """`Multiply(**kwargs)(inputs)`: the elementwise product of a list of tensors.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.multiply([np.full((1, 2), 3.0), np.full((1, 2), 2.0)]).numpy()
        array([[6., 6.]], dtype=float32)
    """
    return Multiply(**kwargs)(inputs)


def average(inputs: list, **kwargs: Any) -> Any:
    """`Average(**kwargs)(inputs)`: the elementwise mean of a list of tensors.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.average([np.zeros((1, 2)), np.ones((1, 2))]).numpy()
        array([[0.5, 0.5]], dtype=float32)
    """
    return Average(**kwargs)(inputs)


def maximum(inputs: list, **kwargs: Any) -> Any:
    """`Maximum(**kwargs)(inputs)`: the elementwise maximum of a list of tensors.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.maximum([np.zeros((1, 2)), np.ones((1, 2))]).numpy()
        array([[1., 1.]], dtype=float32)
    """
    return Maximum(**kwargs)(inputs)


def minimum(inputs: list, **kwargs: Any) -> Any:
    """`Minimum(**kwargs)(inputs)`: the elementwise minimum of a list of tensors.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.minimum([np.zeros((1, 2)), np.ones((1, 2))]).numpy()
        array([[0., 0.]], dtype=float32)
    """
    return Minimum(**kwargs)(inputs)


def concatenate(inputs: list, axis: int = -1, **kwargs: Any) -> Any:
    """`Concatenate(axis, **kwargs)(inputs)`: a list of tensors joined along `axis`.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.concatenate([np.zeros((1, 2)), np.ones((1, 1))]).numpy()
        array([[0., 0., 1.]], dtype=float32)
    """
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs: list, axes: Any, normalize: bool = False, **kwargs: Any) -> Any:
    """`Dot(axes, normalize, **kwargs)(inputs)`: the per-sample dot product of two tensors.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> keras.layers.dot([np.ones((1, 3)), np.ones((1, 3))], axes=-1).numpy()
        array([[3.]], dtype=float32)
    """
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
