"""SGD with optional (Nesterov) momentum, Keras' formulas, applied in place.

    momentum 0:  p -= lr * g
    else:        m = momentum * m - lr * g;  p += m  (nesterov: p += momentum * m - lr * g)

Example:
    >>> import ember as tf
    >>> from ember import keras
    >>> w = tf.Variable([1.0])
    >>> opt = keras.optimizers.SGD(0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     _ = opt.apply_gradients([(tf.constant([1.0]), w)])
    >>> round(float(w[0]), 4)   # 1 - 0.1 - (0.9 * 0.1 + 0.1)
    0.71
"""

from __future__ import annotations

from typing import Any

import numpy as np

import ember as tf
from ember.backend import pure_updates
from ember.backend.numpy import fused

from ...ops.state_ops import fused_update
from ._kernels import run_split
from .optimizer import Optimizer


class SGD(Optimizer):
    """Gradient descent (with momentum), as `keras.optimizers.SGD`.

    Example:
        >>> from ember import keras
        >>> keras.optimizers.SGD(momentum=0.9, nesterov=True).nesterov
        True
    """

    _DEFAULT_NAME = "SGD"

    def __init__(self, learning_rate: Any = 0.01, momentum: float = 0.0,
                 nesterov: bool = False, weight_decay: Any = None, name: str | None = None,
                 **kwargs: Any):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, name=name,
                         **kwargs)
        if not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
            raise ValueError(f"SGD: momentum must be a float in [0, 1], received "
                             f"{momentum!r}.")
        self.momentum = float(momentum)
        self.nesterov = nesterov

    def build(self, var_list: list) -> None:
        if self.momentum:
            for v in var_list:
                self._slot(v, "momentum")
        super().build(var_list)

    def _fused_apply(self, grads: list, variables: list, lr: Any) -> None:
        run_split(self, lambda decay: _sgd_kernel(self, decay),
                  ("momentum",) if self.momentum else (), grads, variables, [lr], lr)

    def _sparse_rows(self, variable: Any) -> Any:
        """Without momentum an IndexedSlices gradient updates only its rows (as Keras 3's
        `assign_sub(variable, IndexedSlices)` does); with momentum every row moves, so
        the gradient is densified."""
        if self.momentum:
            return None
        return lambda g, v, lr: _sgd_rows(self, g, v, lr)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(momentum=self.momentum, nesterov=self.nesterov)
        return config


def _sgd_rows(opt: SGD, g: Any, v: Any, lr: Any) -> None:
    """`v[indices] -= lr * values` in place (repeated indices add up): the cost is that
    of the rows, not of the table (weight decay, if any, still scales every row)."""
    decay = 1 - lr * tf.cast(opt.weight_decay or 0.0, v.dtype) if opt._uses_decay(v) \
        else None
    shared = [g.values, g.indices, lr] + ([] if decay is None else [decay])
    fused_update(_rows_update, [(v,)], [], shared)


def _rows_update(p: np.ndarray, values: np.ndarray, indices: np.ndarray, lr: np.ndarray,
                 decay: Any = None) -> None:
    if decay is not None:
        np.multiply(p, decay, out=p)
    idx = np.asarray(indices).reshape(-1)
    rows = np.asarray(values).reshape((idx.size,) + p.shape[1:]) * lr
    if np.unique(idx).size == idx.size:
        p[idx] -= rows
    else:
        np.subtract.at(p, idx, rows)


_rows_update.pure = pure_updates.rows_sub  # the same rule for a compiled XLA step (JAX)


def _sgd_kernel(opt: SGD, decay: bool) -> Any:
    """The in-place update of one weight (and its momentum), as a NumPy function."""
    mom, nesterov, scratch = opt.momentum, opt.nesterov, opt.scratch

    def sgd_update(g: np.ndarray, p: np.ndarray, *rest: Any) -> None:
        m, lr, wd = rest if mom else (None, *rest)
        fused.sgd(g, p, m, mom, nesterov, lr, wd if decay else None, scratch)

    def pure(g: Any, p: Any, *rest: Any) -> tuple:
        m, lr, wd = rest if mom else (None, *rest)
        return pure_updates.sgd(g, p, m, mom, nesterov, lr, wd if decay else None)

    sgd_update.pure = pure  # the same rule for a compiled XLA step (JAX backend)
    return sgd_update
