"""Lion with Keras 3's update formulas, applied in place (one fused kernel).

Per weight `p` with gradient `g` (no epsilon, no bias correction):
    p -= lr * sign(beta_1 * m + (1 - beta_1) * g)
    m = beta_2 * m + (1 - beta_2) * g

Example:
    >>> import ember as tf
    >>> from ember import keras
    >>> w = tf.Variable([1.0, 1.0])
    >>> _ = keras.optimizers.Lion(0.1).apply_gradients([(tf.constant([3.0, -0.5]), w)])
    >>> w.numpy()   # every entry moves by exactly lr, against its gradient's sign
    array([0.9, 1.1], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember.backend import pure_updates
from ember.backend.numpy import fused

from ._kernels import check_number, run_split
from .optimizer import Optimizer


class Lion(Optimizer):
    """Lion, evolved sign momentum (Chen et al. 2023), as `keras.optimizers.Lion`.

    Lion's steps are larger than Adam's: a learning rate 3-10 times smaller (and a
    weight decay as many times larger) is usual.

    Args:
        learning_rate: a float or a `LearningRateSchedule`.
        beta_1: how much of the momentum the sign of the update sees, in (0, 1].
        beta_2: decay of the momentum.
        **kwargs: the base `Optimizer` arguments (weight_decay, clipnorm, use_ema, ...).

    Example:
        >>> from ember import keras
        >>> keras.optimizers.Lion().get_config()["beta_2"]
        0.99
    """

    _DEFAULT_NAME = "lion"

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.99,
                 weight_decay: Any = None, name: str | None = None, **kwargs: Any):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, name=name,
                         **kwargs)
        # NOTE: beta_1 = 0 would make Lion plain SignSGD, which Keras refuses too.
        self.beta_1 = check_number("Lion", "beta_1", beta_1, 0.0, 1.0, open_lo=True)
        self.beta_2 = check_number("Lion", "beta_2", beta_2, 0.0, 1.0)

    def build(self, var_list: list) -> None:
        for v in var_list:
            self._slot(v, "momentum")
        super().build(var_list)

    def _fused_apply(self, grads: list, variables: list, lr: Any) -> None:
        run_split(self, lambda decay: _lion_kernel(self, decay), ("momentum",), grads,
                  variables, [lr], lr)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2)
        return config


def _lion_kernel(opt: Lion, decay: bool) -> Any:
    """The in-place update of one weight (and its momentum), as a NumPy function."""
    b1, b2, scratch = opt.beta_1, opt.beta_2, opt.scratch

    def lion_update(g: np.ndarray, p: np.ndarray, m: np.ndarray, lr: np.ndarray,
                    wd: np.ndarray) -> None:
        fused.lion(g, p, m, b1, b2, lr, wd if decay else None, scratch)

    lion_update.pure = lambda g, p, m, lr, wd: pure_updates.lion(  # (JAX backend)
        g, p, m, b1, b2, lr, wd if decay else None)
    return lion_update
