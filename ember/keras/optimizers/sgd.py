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

from ember.backend import pure_updates
from ember.backend.numpy import fused

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

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(momentum=self.momentum, nesterov=self.nesterov)
        return config


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
