"""`GradientTape` with `jacobian` and `batch_jacobian`: the tape of core, plus the two
methods that are built from ops (one_hot seeds, reshape, stack), one layer up.

`ember.GradientTape` is this class; core's tape (core/tape.py) records and walks.

Example:
    >>> import ember as tf
    >>> x = tf.constant([[1.0, 2.0]])
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = 3.0 * x
    >>> tape.batch_jacobian(y, x).numpy()[0]
    array([[3., 0.],
           [0., 3.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from ..core import nest
from ..core.tape import GradientTape as _CoreTape
from ..core.tape import UnconnectedGradients
from .creation_ops import one_hot, zeros, zeros_like
from .shape_ops import shape, size
from .shape_ops import broadcast_to, reshape, stack


class GradientTape(_CoreTape):
    """TF's `tf.GradientTape`: core's tape (recording, `gradient`, `watch`, ...) with
    `jacobian` and `batch_jacobian`, which are built from ops.

    Example:
        >>> import ember as tf
        >>> isinstance(tf.GradientTape(), tf.GradientTape)
        True
    """

    def jacobian(self, target: Any, sources: Any, unconnected_gradients: Any =
                 UnconnectedGradients.NONE, parallel_iterations: Any = None,
                 experimental_use_pfor: bool = True) -> Any:
        """d target[i...] / d source[j...], of shape target.shape + source.shape.

        Example:
            >>> import ember as tf
            >>> x = tf.constant([1.0, 2.0])
            >>> with tf.GradientTape() as tape:
            ...     tape.watch(x)
            ...     y = x * x
            >>> tape.jacobian(y, x).numpy()
            array([[2., 0.],
                   [0., 4.]], dtype=float32)
        """
        self._check_usable("jacobian")
        try:
            flat_sources = nest.flatten(sources)
            n = int(size(target))
            rows: list = [[] for _ in flat_sources]
            for i in range(n):
                og = reshape(one_hot(i, n, dtype=target.dtype), shape(target))
                gs = self._backward([target], flat_sources, [og])
                for k, (s, g) in enumerate(zip(flat_sources, gs)):
                    rows[k].append(g if g is not None else zeros_like(s))
            out = []
            for s, r in zip(flat_sources, rows):
                dims = list(target.shape) + list(s.shape)
                jac = reshape(stack(r), dims) if r else zeros(dims, s.dtype)
                connected = any(g is not None for g in r)
                if not connected and UnconnectedGradients(getattr(
                        unconnected_gradients, "value", unconnected_gradients)) \
                        is UnconnectedGradients.NONE:
                    jac = None
                out.append(jac)
            return nest.pack_sequence_as(sources, out)
        finally:
            if not self._persistent:
                self._nodes = None

    def batch_jacobian(self, target: Any, source: Any, unconnected_gradients: Any =
                       UnconnectedGradients.NONE, parallel_iterations: Any = None,
                       experimental_use_pfor: bool = True) -> Any:
        """Per-example Jacobian: [b, *target.shape[1:], *source.shape[1:]], assuming
        example i of target depends only on example i of source.

        Example:
            >>> import ember as tf
            >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
            >>> with tf.GradientTape() as tape:
            ...     tape.watch(x)
            ...     y = x * x
            >>> tape.batch_jacobian(y, x).shape
            TensorShape([2, 2, 2])
        """
        self._check_usable("batch_jacobian")
        try:
            b = target.shape[0]
            if source.shape[0] != b:
                raise ValueError(f"batch_jacobian: target and source need the same batch "
                                 f"size, received {target.shape[0]} and {source.shape[0]}.")
            inner = list(target.shape[1:])
            n = 1
            for d in inner:
                n *= d
            cols = []
            for i in range(n):
                onehot = reshape(one_hot(i, n, dtype=target.dtype), [1] + inner)
                og = broadcast_to(onehot, list(target.shape))
                (g,) = self._backward([target], [source], [og])
                cols.append(g if g is not None else zeros_like(source))
            if all(c is None for c in cols):
                return None
            jac = stack(cols, axis=1)  # [b, n, *source.shape[1:]]
            return reshape(jac, [b] + inner + list(source.shape[1:]))
        finally:
            if not self._persistent:
                self._nodes = None
