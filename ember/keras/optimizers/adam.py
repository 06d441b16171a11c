"""Adam and AdamW, with Keras' update formulas, applied in place (one fused kernel).

Per weight `p` with gradient `g`, step `t = iterations + 1`:
    alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
    m = m * beta_1 + g * (1 - beta_1);  v = v * beta_2 + g*g * (1 - beta_2)
    p -= alpha * m / (sqrt(v) + epsilon)     (amsgrad: v_hat = max(v_hat, v) in place of v)
AdamW first decays the weight: `p -= p * weight_decay * lr`.

Example:
    >>> import ember as tf
    >>> from ember import keras
    >>> w = tf.Variable([1.0])
    >>> _ = keras.optimizers.Adam(0.1).apply_gradients([(tf.constant([5.0]), w)])
    >>> round(float(w[0]), 4)   # the first Adam step moves by lr whatever the gradient
    0.9
"""

from __future__ import annotations

from typing import Any

import numpy as np

import ember as tf
from ember.backend import pure_updates
from ember.backend.numpy import fused

from ._kernels import run_split
from .optimizer import Optimizer


class Adam(Optimizer):
    """Adam (Kingma & Ba), as `keras.optimizers.Adam`.

    Example:
        >>> from ember import keras
        >>> keras.optimizers.Adam(learning_rate=1e-3, amsgrad=True).amsgrad
        True
    """

    _DEFAULT_NAME = "adam"

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, weight_decay: Any = None,
                 name: str | None = None, **kwargs: Any):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, name=name,
                         **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def build(self, var_list: list) -> None:
        for v in var_list:
            self._slot(v, "m")
            self._slot(v, "v")
            if self.amsgrad:
                self._slot(v, "vhat")
        super().build(var_list)

    def _fused_apply(self, grads: list, variables: list, lr: Any) -> None:
        dtype = variables[0].dtype
        t = self._step_float(dtype)
        b1p = tf.pow(tf.constant(self.beta_1, dtype), t)
        b2p = tf.pow(tf.constant(self.beta_2, dtype), t)
        alpha = lr * tf.sqrt(1 - b2p) / (1 - b1p)
        names = ("m", "v", "vhat") if self.amsgrad else ("m", "v")
        run_split(self, lambda decay: _adam_kernel(self, decay), names, grads, variables,
                  [alpha], lr)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon,
                      amsgrad=self.amsgrad)
        return config


def _adam_kernel(opt: Adam, decay: bool) -> Any:
    """The in-place update of one weight (and its slots), as a NumPy function."""
    b1, b2, eps, ams = opt.beta_1, opt.beta_2, opt.epsilon, opt.amsgrad
    scratch = opt.scratch

    def adam_update(g: np.ndarray, p: np.ndarray, m: np.ndarray, v: np.ndarray, *rest: Any):
        vhat, alpha, wd = rest if ams else (None, *rest)
        fused.adam(g, p, m, v, vhat, b1, b2, eps, alpha, wd if decay else None, scratch)

    def pure(g: Any, p: Any, m: Any, v: Any, *rest: Any) -> tuple:
        vhat, alpha, wd = rest if ams else (None, *rest)
        return pure_updates.adam(g, p, m, v, vhat, b1, b2, eps, alpha, wd if decay else None)

    adam_update.pure = pure  # the same rule for a compiled XLA step (JAX backend)
    return adam_update


class AdamW(Adam):
    """Adam with decoupled weight decay (`weight_decay=0.004` by default).

    Example:
        >>> from ember import keras
        >>> keras.optimizers.AdamW().weight_decay
        0.004
    """

    _DEFAULT_NAME = "adamw"

    def __init__(self, learning_rate: Any = 0.001, weight_decay: float = 0.004,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 amsgrad: bool = False, name: str | None = None, **kwargs: Any):
        if weight_decay is None:
            raise ValueError("AdamW: weight_decay can't be None; use Adam for no decay.")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, weight_decay=weight_decay,
                         name=name, **kwargs)
