"""Adamax and Nadam with Keras 3's update formulas, applied in place.

Adamax, per weight `p` with gradient `g`, step `t = iterations + 1`:
    m += (g - m) * (1 - beta_1);   u = max(beta_2 * u, |g|)
    p -= lr * m / ((1 - beta_1**t) * (u + epsilon))
Nadam (Dozat; Keras' momentum schedule `mu(t) = beta_1 * (1 - 0.5 * 0.96**t)` and the
optimizer-wide state `u_product = mu(1) * ... * mu(t)`, updated once per step):
    m += (g - m) * (1 - beta_1);   v += (g*g - v) * (1 - beta_2)
    m_hat = mu(t+1) * m / (1 - u_product * mu(t+1)) + (1 - mu(t)) * g / (1 - u_product)
    p -= lr * m_hat / (sqrt(v / (1 - beta_2**t)) + epsilon)

Example:
    >>> import ember as tf
    >>> from ember import keras
    >>> w = tf.Variable([1.0])
    >>> _ = keras.optimizers.Adamax(0.1).apply_gradients([(tf.constant([5.0]), w)])
    >>> round(float(w[0]), 4)   # the first Adamax step moves by lr whatever the gradient
    0.9
"""

from __future__ import annotations

from typing import Any

import numpy as np

import ember as tf
from ember.backend import pure_updates
from ember.backend.numpy import fused

from ._kernels import check_number, run_split
from .optimizer import Optimizer


class Adamax(Optimizer):
    """Adamax, Adam with the infinity norm (Kingma & Ba), as `keras.optimizers.Adamax`.

    Args:
        learning_rate: a float or a `LearningRateSchedule`.
        beta_1: decay of the first moment.
        beta_2: decay of the exponentially weighted infinity norm.
        epsilon: added to the norm in the denominator.
        **kwargs: the base `Optimizer` arguments (weight_decay, clipnorm, use_ema, ...).

    Example:
        >>> from ember import keras
        >>> keras.optimizers.Adamax().get_config()["beta_2"]
        0.999
    """

    _DEFAULT_NAME = "adamax"

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, weight_decay: Any = None, name: str | None = None,
                 **kwargs: Any):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, name=name,
                         **kwargs)
        self.beta_1 = check_number("Adamax", "beta_1", beta_1, 0.0, 1.0)
        self.beta_2 = check_number("Adamax", "beta_2", beta_2, 0.0, 1.0)
        self.epsilon = check_number("Adamax", "epsilon", epsilon, 0.0)

    def build(self, var_list: list) -> None:
        for v in var_list:
            self._slot(v, "momentum")
            self._slot(v, "norm")
        super().build(var_list)

    def _fused_apply(self, grads: list, variables: list, lr: Any) -> None:
        dtype = variables[0].dtype
        correction = 1 - tf.pow(tf.constant(self.beta_1, dtype), self._step_float(dtype))
        run_split(self, lambda decay: _adamax_kernel(self, decay), ("momentum", "norm"),
                  grads, variables, [lr, correction], lr)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        return config


def _adamax_kernel(opt: Adamax, decay: bool) -> Any:
    """The in-place update of one weight (and its slots), as a NumPy function."""
    b1, b2, eps, scratch = opt.beta_1, opt.beta_2, opt.epsilon, opt.scratch

    def adamax_update(g: np.ndarray, p: np.ndarray, m: np.ndarray, u: np.ndarray,
                      lr: np.ndarray, correction: np.ndarray, wd: np.ndarray) -> None:
        fused.adamax(g, p, m, u, b1, b2, eps, lr, correction, wd if decay else None, scratch)

    adamax_update.pure = lambda g, p, m, u, lr, correction, wd: pure_updates.adamax(  # (JAX)
        g, p, m, u, b1, b2, eps, lr, correction, wd if decay else None)
    return adamax_update


class Nadam(Optimizer):
    """Nadam, Adam with Nesterov momentum (Dozat), as `keras.optimizers.Nadam`.

    Besides the `momentum` and `velocity` slots it keeps one scalar Variable,
    `u_product`, the running product of the momentum schedule (in `variables`).

    Args:
        learning_rate: a float or a `LearningRateSchedule`.
        beta_1: decay of the first moment (scaled by Keras' schedule each step).
        beta_2: decay of the second moment.
        epsilon: added to the square root of the corrected second moment.
        **kwargs: the base `Optimizer` arguments (weight_decay, clipnorm, use_ema, ...).

    Example:
        >>> import ember as tf
        >>> from ember import keras
        >>> opt = keras.optimizers.Nadam()
        >>> _ = opt.apply_gradients([(tf.constant([1.0]), tf.Variable([0.0]))])
        >>> round(float(opt.variables[-1]), 4)   # u_product = 0.9 * (1 - 0.5 * 0.96)
        0.468
    """

    _DEFAULT_NAME = "nadam"

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, weight_decay: Any = None, name: str | None = None,
                 **kwargs: Any):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, name=name,
                         **kwargs)
        self.beta_1 = check_number("Nadam", "beta_1", beta_1, 0.0, 1.0)
        self.beta_2 = check_number("Nadam", "beta_2", beta_2, 0.0, 1.0)
        self.epsilon = check_number("Nadam", "epsilon", epsilon, 0.0)
        self._u_product: tf.Variable | None = None
        self._u_now: Any = None  # this step's u_product, shared by the dtype groups

    def build(self, var_list: list) -> None:
        for v in var_list:
            self._slot(v, "momentum")
            self._slot(v, "velocity")
        if self._u_product is None and var_list:
            self._u_product = self.add_variable((), "ones", var_list[0].dtype, "u_product")
        super().build(var_list)

    def apply(self, grads: list, trainable_variables: list | None = None) -> Any:
        self._u_now = None
        try:
            return super().apply(grads, trainable_variables)
        finally:
            self._u_now = None

    def _fused_apply(self, grads: list, variables: list, lr: Any) -> None:
        dtype = variables[0].dtype
        if self._u_now is None:  # once per step, whatever the number of dtype groups
            u = self._u_product
            t = self._step_float(u.dtype)
            mu = 1.0 - 0.5 * tf.pow(tf.constant(0.96, u.dtype), t)
            self._u_now = u * tf.constant(self.beta_1, u.dtype) * mu
            u.assign(self._u_now)
        t = self._step_float(dtype)
        beta_1, decay = tf.constant(self.beta_1, dtype), tf.constant(0.96, dtype)
        mu_t = beta_1 * (1.0 - 0.5 * tf.pow(decay, t))
        mu_next = beta_1 * (1.0 - 0.5 * tf.pow(decay, t + 1))
        u_prod = tf.cast(self._u_now, dtype)
        coef_m = mu_next / (1 - u_prod * mu_next)
        coef_g = (1 - mu_t) / (1 - u_prod)
        correction = 1 - tf.pow(tf.constant(self.beta_2, dtype), t)
        run_split(self, lambda d: _nadam_kernel(self, d), ("momentum", "velocity"), grads,
                  variables, [lr, coef_m, coef_g, correction], lr)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        return config


def _nadam_kernel(opt: Nadam, decay: bool) -> Any:
    """The in-place update of one weight (and its slots), as a NumPy function."""
    b1, b2, eps, scratch = opt.beta_1, opt.beta_2, opt.epsilon, opt.scratch

    def nadam_update(g: np.ndarray, p: np.ndarray, m: np.ndarray, v: np.ndarray,
                     lr: np.ndarray, coef_m: np.ndarray, coef_g: np.ndarray,
                     correction: np.ndarray, wd: np.ndarray) -> None:
        fused.nadam(g, p, m, v, b1, b2, eps, lr, coef_m, coef_g, correction,
                    wd if decay else None, scratch)

    def pure(g: Any, p: Any, m: Any, v: Any, lr: Any, coef_m: Any, coef_g: Any,
             correction: Any, wd: Any) -> tuple:
        return pure_updates.nadam(g, p, m, v, b1, b2, eps, lr, coef_m, coef_g, correction,
                                  wd if decay else None)

    nadam_update.pure = pure  # the same rule for a compiled XLA step (JAX backend)
    return nadam_update
