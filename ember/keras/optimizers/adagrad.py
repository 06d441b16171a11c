"""Adagrad and Adadelta with Keras 3's update formulas, applied in place.

Adagrad, per weight `p` with gradient `g`:
    acc += g**2;   p -= lr * g / sqrt(acc + epsilon)
Adadelta (`rms(x) = sqrt(x + epsilon)`):
    ag = rho * ag + (1 - rho) * g**2
    delta = -rms(ad) * g / rms(ag)
    ad = rho * ad + (1 - rho) * delta**2
    p += lr * delta

Example:
    >>> import ember as tf
    >>> from ember import keras
    >>> w = tf.Variable([1.0])
    >>> _ = keras.optimizers.Adagrad(0.1).apply_gradients([(tf.constant([2.0]), w)])
    >>> round(float(w[0]), 4)   # 1 - 0.1 * 2 / sqrt(0.1 + 4 + 1e-7)
    0.9012
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ember.backend import pure_updates
from ember.backend.numpy import fused

from .. import initializers
from ._kernels import check_number, run_split
from .optimizer import Optimizer


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.), as `keras.optimizers.Adagrad`.

    Args:
        learning_rate: a float or a `LearningRateSchedule`.
        initial_accumulator_value: the starting value of the sum of squared gradients.
        epsilon: added to the accumulator, inside the square root.
        **kwargs: the base `Optimizer` arguments (weight_decay, clipnorm, use_ema, ...).

    Example:
        >>> from ember import keras
        >>> keras.optimizers.Adagrad().get_config()["initial_accumulator_value"]
        0.1
    """

    _DEFAULT_NAME = "adagrad"

    def __init__(self, learning_rate: Any = 0.001, initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7, weight_decay: Any = None, name: str | None = None,
                 **kwargs: Any):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, name=name,
                         **kwargs)
        self.initial_accumulator_value = check_number(
            "Adagrad", "initial_accumulator_value", initial_accumulator_value, 0.0)
        self.epsilon = check_number("Adagrad", "epsilon", epsilon, 0.0)

    def build(self, var_list: list) -> None:
        init = initializers.Constant(self.initial_accumulator_value)
        for v in var_list:
            self._slot(v, "accumulator", init)
        super().build(var_list)

    def _fused_apply(self, grads: list, variables: list, lr: Any) -> None:
        run_split(self, lambda decay: _adagrad_kernel(self, decay), ("accumulator",), grads,
                  variables, [lr], lr)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(initial_accumulator_value=self.initial_accumulator_value,
                      epsilon=self.epsilon)
        return config


def _adagrad_kernel(opt: Adagrad, decay: bool) -> Any:
    """The in-place update of one weight (and its accumulator), as a NumPy function."""
    eps, scratch = opt.epsilon, opt.scratch

    def adagrad_update(g: np.ndarray, p: np.ndarray, acc: np.ndarray, lr: np.ndarray,
                       wd: np.ndarray) -> None:
        fused.adagrad(g, p, acc, eps, lr, wd if decay else None, scratch)

    adagrad_update.pure = lambda g, p, acc, lr, wd: pure_updates.adagrad(  # (JAX backend)
        g, p, acc, eps, lr, wd if decay else None)
    return adagrad_update


class Adadelta(Optimizer):
    """Adadelta (Zeiler), as `keras.optimizers.Adadelta`.

    Args:
        learning_rate: a float or a `LearningRateSchedule` (Keras' default 0.001; the
            paper's method uses 1.0).
        rho: the decay of both running averages.
        epsilon: added inside both square roots.
        **kwargs: the base `Optimizer` arguments (weight_decay, clipnorm, use_ema, ...).

    Example:
        >>> from ember import keras
        >>> keras.optimizers.Adadelta().rho
        0.95
    """

    _DEFAULT_NAME = "adadelta"

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.95, epsilon: float = 1e-7,
                 weight_decay: Any = None, name: str | None = None, **kwargs: Any):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, name=name,
                         **kwargs)
        self.rho = check_number("Adadelta", "rho", rho, 0.0, 1.0)
        self.epsilon = check_number("Adadelta", "epsilon", epsilon, 0.0)

    def build(self, var_list: list) -> None:
        for v in var_list:
            self._slot(v, "accumulated_grad")
            self._slot(v, "accumulated_delta_var")
        super().build(var_list)

    def _fused_apply(self, grads: list, variables: list, lr: Any) -> None:
        run_split(self, lambda decay: _adadelta_kernel(self, decay),
                  ("accumulated_grad", "accumulated_delta_var"), grads, variables, [lr], lr)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(rho=self.rho, epsilon=self.epsilon)
        return config


def _adadelta_kernel(opt: Adadelta, decay: bool) -> Any:
    """The in-place update of one weight (and its two averages), as a NumPy function."""
    rho, eps, scratch = opt.rho, opt.epsilon, opt.scratch

    def adadelta_update(g: np.ndarray, p: np.ndarray, ag: np.ndarray, ad: np.ndarray,
                        lr: np.ndarray, wd: np.ndarray) -> None:
        fused.adadelta(g, p, ag, ad, rho, eps, lr, wd if decay else None, scratch)

    adadelta_update.pure = lambda g, p, ag, ad, lr, wd: pure_updates.adadelta(  # (JAX)
        g, p, ag, ad, rho, eps, lr, wd if decay else None)
    return adadelta_update
