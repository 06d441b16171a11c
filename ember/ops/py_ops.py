"""`tf.py_function` and `tf.numpy_function`: Python code as an op.

Eagerly the function just runs: `py_function` gives it Tensors (so a GradientTape sees its
ops and gradients flow), `numpy_function` NumPy arrays. Inside `ember.function` it becomes
an effect equation that calls the function each time the graph runs. TF gives such an op
outputs of unknown shape; ember's graphs need each output's rank, so there `Tout` must be
`ember.TensorSpec`s (dims may be None); with plain dtypes it raises a clear error. No
gradient flows through the op inside a traced function. The `py_func` primitive is in
`ember/prims/effects.py`.

Example:
    >>> import numpy as np, ember as tf
    >>> tf.numpy_function(lambda a: np.sort(a)[::-1], [tf.constant([2, 9, 4])], tf.int32)
    <tf.Tensor: shape=(3,), dtype=int32, numpy=array([9, 4, 2], dtype=int32)>
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..core.context import CTX
from ..core.dtypes import as_dtype
from ..core.registry import bind
from ..core.shape import TensorShape, TensorSpec
from ..core.tensor import TensorOps, wrap
from ..prims.convert import as_tensor, convert_to_tensor
from ..prims.effects import py_outputs, pyfunc_p

__all__ = ["py_function", "numpy_function"]


def _specs(who: str, Tout: Any, traced: bool) -> tuple:
    single = not isinstance(Tout, (list, tuple))
    items = [Tout] if single else list(Tout)
    specs = []
    for t in items:
        if isinstance(t, TensorSpec):
            specs.append(t)
        elif traced:
            raise NotImplementedError(
                f"{who} inside ember.function needs each output's shape: pass Tout as "
                f"ember.TensorSpec(shape, dtype) (None for unknown dims), e.g. "
                f"Tout=tf.TensorSpec([None], {as_dtype(t).name!r}).")
        else:
            specs.append(TensorSpec(TensorShape(None), as_dtype(t)))
    return tuple(specs), single


def _call(who: str, func: Callable, inp: Any, Tout: Any, tensors_in: bool) -> Any:
    inputs = [as_tensor(x) if isinstance(x, TensorOps) else convert_to_tensor(x)
              for x in (inp if isinstance(inp, (list, tuple)) else [inp])]
    traced = bool(CTX.traces)  # then it runs on every call of the graph
    specs, single = _specs(who, Tout, traced)
    if not traced:
        args = inputs if tensors_in else [np.asarray(t._value) for t in inputs]
        res = py_outputs(who, func(*args), specs, single)
        return res[0] if single else res

    def run(*arrays: np.ndarray) -> Any:
        return func(*([wrap(a) for a in arrays] if tensors_in else arrays))

    outs = bind(pyfunc_p, *inputs, func=run, out_specs=specs, single=single, who=who)
    return outs[0] if single else list(outs)


def py_function(func: Callable, inp: Any, Tout: Any, name: str | None = None) -> Any:
    """Runs `func` on Tensors as an op (TF's `tf.py_function`); `Tout` gives the output
    dtype(s), or TensorSpecs (required inside `ember.function`).

    Example:
        >>> import ember as tf
        >>> float(tf.py_function(lambda x: x * 2.0, [tf.constant(3.0)], tf.float32))
        6.0
    """
    return _call("py_function", func, inp, Tout, tensors_in=True)


def numpy_function(func: Callable, inp: Any, Tout: Any, stateful: bool = True,
                   name: str | None = None) -> Any:
    """Runs `func` on NumPy arrays as an op (TF's `tf.numpy_function`); not
    differentiable.

    Example:
        >>> import numpy as np, ember as tf
        >>> tf.numpy_function(np.cumsum, [tf.constant([1, 2, 3])], tf.int64).numpy()
        array([1, 3, 6])
    """
    return _call("numpy_function", func, inp, Tout, tensors_in=False)
