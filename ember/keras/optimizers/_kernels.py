"""Shared plumbing of the in-place optimizer kernels (RMSprop, Adagrad, ...).

Every built-in optimizer computes its per-step scalars with ember ops (they must trace),
then runs one NumPy kernel per weight through `Optimizer._run`. A kernel receives
`(gradient, weight, *slots, *scalars, decay)` and writes into the weight and slot buffers;
`decay` is `1 - lr * weight_decay`, applied first to the weights weight decay covers.

Example:
    >>> import numpy as np
    >>> from ember import keras
    >>> from ember.keras.optimizers._kernels import temps
    >>> a, b = temps(keras.optimizers.SGD(), np.zeros(3, np.float32), 2)
    >>> a.shape, b.shape, np.shares_memory(a, b)
    ((3,), (3,), False)
"""

from __future__ import annotations

import numbers
from typing import Any, Callable

import numpy as np

import ember as tf


def temps(opt: Any, like: np.ndarray, n: int) -> tuple:
    """`n` disjoint temporaries shaped like `like`, carved from the optimizer's scratch
    buffer (no allocation once the buffer is large enough)."""
    # NOTE: `scratch` only reads dtype/size/shape, so a broadcast view (no data) asks it
    # for room for n arrays at once.
    buf = opt.scratch(np.broadcast_to(like, (n, *np.shape(like))))
    return tuple(buf[i, ...] for i in range(n))  # `[i, ...]`: a view even for 0-d


def run_split(opt: Any, make_kernel: Callable, slot_names: tuple, grads: list,
              variables: list, shared: list, lr: Any) -> None:
    """Runs `make_kernel(with_decay)` over the weights weight decay covers, then over
    the rest, with `[*shared, 1 - lr * weight_decay]` as the kernel's last arguments."""
    dtype = variables[0].dtype
    decay = 1 - lr * tf.cast(opt.weight_decay or 0.0, dtype)
    for with_decay in (True, False):
        pick = [i for i, v in enumerate(variables) if opt._uses_decay(v) == with_decay]
        if not pick:
            continue
        groups = [(variables[i], *[opt._slots[id(variables[i])][n] for n in slot_names])
                  for i in pick]
        opt._run(make_kernel(with_decay), groups, [grads[i] for i in pick],
                 [*shared, decay])


def check_number(cls: str, name: str, value: Any, lo: float | None = None,
                 hi: float | None = None, *, open_lo: bool = False) -> float:
    """`value` as a float, with a clear error if it is not a real number in range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{cls}: {name} must be a float, received {value!r}.")
    value = float(value)
    low_bad = lo is not None and (value <= lo if open_lo else value < lo)
    if low_bad or (hi is not None and value > hi) or value != value:
        lo_s = "-inf" if lo is None else lo
        hi_s = "inf" if hi is None else hi
        raise ValueError(f"{cls}: {name} must be in {'(' if open_lo else '['}{lo_s}, "
                         f"{hi_s}], received {name}={value}.")
    return value
