"""`tf.py_function` and `tf.numpy_function`: Python code as an op.

Eagerly the function just runs: `py_function` gives it Tensors (so a GradientTape sees its
ops and gradients flow), `numpy_function` NumPy arrays. Inside `ember.function` it becomes
an effect equation that calls the function each time the graph runs. TF gives such an op
outputs of unknown shape; ember's graphs need each output's rank, so there `Tout` must be
`ember.TensorSpec`s (dims may be None); with plain dtypes it raises a clear error. No
gradient flows through the op inside a traced function.

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
from ..core.errors import InvalidArgumentError
from ..core.registry import bind, no_gradient, primitive
from ..core.shape import TensorShape, TensorSpec
from ..core.tensor import TensorOps, wrap
from ..prims.convert import as_tensor, convert_to_tensor

__all__ = ["py_function", "numpy_function"]


def _rule(*specs: TensorSpec, func: Callable, out_specs: tuple, single: bool,
          who: str) -> tuple:
    return out_specs


def _kernel(*values: np.ndarray, func: Callable, out_specs: tuple, single: bool,
            who: str) -> tuple:
    return tuple(a._value for a in _outputs(who, func(*values), out_specs, single))


def _outputs(who: str, out: Any, specs: tuple, single: bool) -> list:
    """The function's results as Tensors of `Tout`: Python numbers take Tout's dtype; an
    array or tensor of another dtype is an error, as in TF."""
    outs = [out] if single else list(out if isinstance(out, (list, tuple)) else [out])
    if len(outs) != len(specs):
        raise InvalidArgumentError(f"{who}: the function returned {len(outs)} value(s), "
                                   f"Tout lists {len(specs)}.")
    res = []
    for k, (o, spec) in enumerate(zip(outs, specs)):
        if isinstance(o, (TensorOps, np.ndarray, np.generic)):
            dt = o.dtype if isinstance(o, TensorOps) else as_dtype(np.asarray(o).dtype)
            if dt != spec.dtype:
                raise InvalidArgumentError(
                    f"{who}: output {k} is {dt.name}, but Tout says {spec.dtype.name}; "
                    f"return it as {spec.dtype.name} (e.g. arr.astype(np.{spec.dtype.name})) "
                    f"or change Tout.")
            t = as_tensor(o) if isinstance(o, TensorOps) else wrap(np.asarray(o))
        else:
            t = convert_to_tensor(o, dtype=spec.dtype)
        if not TensorShape(spec.shape).is_compatible_with(tuple(t.shape)):
            raise InvalidArgumentError(f"{who}: output {k} has shape {tuple(t.shape)}, but "
                                       f"Tout says {spec.shape}.")
        res.append(t)
    return res


pyfunc_p = primitive("py_func", _rule, kernel=_kernel, multiple_results=True, effect=True)
no_gradient(pyfunc_p)


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
        res = _outputs(who, func(*args), specs, single)
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
