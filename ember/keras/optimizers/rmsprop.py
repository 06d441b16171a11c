"""RMSprop with Keras 3's update formulas, applied in place (one fused kernel).

Per weight `p` with gradient `g` (epsilon sits inside the square root, as in Keras 3):
    v = rho * v + (1 - rho) * g**2
    centered:  a = rho * a + (1 - rho) * g;   denom = v - a**2 + epsilon
    else:      denom = v + epsilon
    step = lr * g / sqrt(denom)
    momentum > 0:  m = momentum * m + step;  p -= m       else:  p -= step

Example:
    >>> import ember as tf
    >>> from ember import keras
    >>> w = tf.Variable([1.0])
    >>> _ = keras.optimizers.RMSprop(0.1).apply_gradients([(tf.constant([2.0]), w)])
    >>> round(float(w[0]), 4)   # 1 - 0.1 * 2 / sqrt(0.1 * 4 + 1e-7)
    0.6838
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember.backend import pure_updates
from ember.backend.numpy import fused

from ._kernels import check_number, run_split
from .optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop (Hinton), as `keras.optimizers.RMSprop`.

    Args:
        learning_rate: a float or a `LearningRateSchedule`.
        rho: the discount of the running average of squared gradients.
        momentum: momentum of the update (0 for none).
        epsilon: added to the mean square, inside the square root.
        centered: divide by the estimated variance of the gradient instead of its
            mean square (an extra slot, `average_gradient`).
        **kwargs: the base `Optimizer` arguments (weight_decay, clipnorm, use_ema, ...).

    Example:
        >>> from ember import keras
        >>> opt = keras.optimizers.RMSprop(momentum=0.9, centered=True)
        >>> opt.get_config()["rho"], opt.get_config()["centered"]
        (0.9, True)
    """

    _DEFAULT_NAME = "rmsprop"

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False, weight_decay: Any = None,
                 name: str | None = None, **kwargs: Any):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, name=name,
                         **kwargs)
        self.rho = check_number("RMSprop", "rho", rho, 0.0, 1.0)
        self.momentum = check_number("RMSprop", "momentum", momentum, 0.0)
        self.epsilon = check_number("RMSprop", "epsilon", epsilon, 0.0)
        self.centered = bool(centered)

    def build(self, var_list: list) -> None:
        for v in var_list:
            self._slot(v, "velocity")
            if self.momentum > 0:
                self._slot(v, "momentum")
            if self.centered:
                self._slot(v, "average_gradient")
        super().build(var_list)

    def _fused_apply(self, grads: list, variables: list, lr: Any) -> None:
        names = ("velocity",)
        if self.momentum > 0:
            names += ("momentum",)
        if self.centered:
            names += ("average_gradient",)
        run_split(self, lambda decay: _rmsprop_kernel(self, decay), names, grads, variables,
                  [lr], lr)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(rho=self.rho, momentum=self.momentum, epsilon=self.epsilon,
                      centered=self.centered)
        return config


def _rmsprop_kernel(opt: RMSprop, decay: bool) -> Any:
    """The in-place update of one weight (and its slots), as a NumPy function."""
    rho, mom, eps, centered = opt.rho, opt.momentum, opt.epsilon, opt.centered
    scratch = opt.scratch

    def rmsprop_update(g: np.ndarray, p: np.ndarray, v: np.ndarray, *rest: Any) -> None:
        rest = list(rest)
        m = rest.pop(0) if mom > 0 else None
        avg = rest.pop(0) if centered else None
        lr, wd = rest
        fused.rmsprop(g, p, v, m, avg, rho, mom, eps, lr, wd if decay else None, scratch)

    def pure(g: Any, p: Any, v: Any, *rest: Any) -> tuple:
        rest = list(rest)
        m = rest.pop(0) if mom > 0 else None
        avg = rest.pop(0) if centered else None
        lr, wd = rest
        return pure_updates.rmsprop(g, p, v, m, avg, rho, mom, eps, lr,
                                    wd if decay else None)

    rmsprop_update.pure = pure  # the same rule for a compiled XLA step (JAX backend)
    return rmsprop_update
