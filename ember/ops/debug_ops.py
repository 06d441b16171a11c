"""Run-time checks and printing: TF's `tf.debugging` asserts, `tf.Assert`, `tf.print`, and
the small context managers and queries TF programs use around them (`executing_eagerly`,
`name_scope`, `device`, `control_dependencies`, `no_op`, `group`).

Eagerly a check runs at once and raises `InvalidArgumentError` with TF's message. Inside
`ember.function` a check whose values are known while tracing runs then; otherwise it
becomes an *effect* equation (kept by the plan though nothing uses its output, run where
the trace put it) that checks, or prints, each time the function runs. Shape and dtype
checks (`assert_rank`, `assert_type`, ...) are static, as in TF, except `assert_shapes`
for dims known only at run time. The effect primitives (`debug_check`, `debug_print`),
`enforce` and the printing of tensors are in `ember/prims/effects.py`.

Example:
    >>> import ember as tf
    >>> tf.debugging.assert_less(tf.constant([1, 2]), tf.constant([3, 3]))  # holds: None
    >>> try:
    ...     tf.debugging.assert_equal(tf.constant([1, 2]), tf.constant([1, 3]))
    ... except tf.errors.InvalidArgumentError as e:
    ...     str(e).splitlines()[0]
    'Condition x == y did not hold.'
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any, Iterator

import numpy as np

from ..core import nest
from ..core.context import CTX
from ..core.devices import placement
from ..core.dtypes import as_dtype
from ..core.dtypes import bool as bool_
from ..core.rules import describe
from ..core.module import name_scope  # noqa: F401 - re-exported (tf.name_scope)
from ..core.registry import bind
from ..core.tensor import TensorOps
from . import math_ops as m
from ..prims.convert import as_tensor, pair
from ..prims.effects import Leaf, enforce, print_p, render, value_now, write

__all__ = ["Assert", "print", "executing_eagerly", "name_scope", "device",
           "control_dependencies", "no_op", "group"]


# -- messages -----------------------------------------------------------------------------

def _first(a: np.ndarray, n: int) -> np.ndarray:
    return a.reshape(-1)[:n]


def _compare_message(symbol: str, message: str | None, summarize: int | None):
    def explain(cond: np.ndarray, x: np.ndarray, y: np.ndarray) -> str:
        n = 3 if summarize is None else summarize
        bad = np.argwhere(~np.broadcast_to(cond, np.broadcast_shapes(x.shape, y.shape)))
        xb, yb = np.broadcast_arrays(x, y)
        idx = bad[:n]
        lines = ([message] if message else []) + [f"Condition x {symbol} y did not hold."]
        if x.ndim or y.ndim:
            lines += [f"Indices of first {len(idx)} different values:", str(idx),
                      "Corresponding x values:", str(xb[tuple(idx.T)]),
                      "Corresponding y values:", str(yb[tuple(idx.T)])]
        lines += [f"First {min(n, x.size)} elements of x:", str(_first(x, n)),
                  f"First {min(n, y.size)} elements of y:", str(_first(y, n))]
        return "\n".join(lines)
    return explain


# An example call that holds, per check (for the generated docstrings).
_HOLDS = {"equal": ("[2.0]", "[2.0]"), "none_equal": ("[1.0]", "[2.0]"),
          "less": ("[1.0]", "[2.0]"), "less_equal": ("[2.0]", "[2.0]"),
          "greater": ("[3.0]", "[2.0]"), "greater_equal": ("[2.0]", "[2.0]"),
          "positive": ("[1.0]",), "negative": ("[-1.0]",), "non_negative": ("[0.0, 1.0]",),
          "non_positive": ("[0.0, -1.0]",)}


def _doc(doc: str, what: str) -> str:
    args = ", ".join(f"tf.constant({a})" for a in _HOLDS[doc])
    return (f"Raises InvalidArgumentError unless {what} for every element, as "
            f"`tf.debugging.assert_{doc}`; returns None.\n\n    Example:\n"
            f"        >>> import ember as tf\n"
            f"        >>> tf.debugging.assert_{doc}({args}) is None\n        True\n")


def _compare(symbol: str, fn: Any, doc: str):
    def check(x: Any, y: Any, message: str | None = None, summarize: int | None = None,
              name: str | None = None) -> None:
        x, y = pair(x, y)
        return enforce(fn(x, y), _compare_message(symbol, message, summarize), (x, y))
    check.__name__ = check.__qualname__ = f"assert_{doc}"
    check.__doc__ = _doc(doc, f"`x {symbol} y` (broadcasting)")
    return check


assert_equal = _compare("==", m.equal, "equal")
assert_none_equal = _compare("!=", m.not_equal, "none_equal")
assert_less = _compare("<", m.less, "less")
assert_less_equal = _compare("<=", m.less_equal, "less_equal")
assert_greater = _compare(">", m.greater, "greater")
assert_greater_equal = _compare(">=", m.greater_equal, "greater_equal")


def _sign(symbol: str, fn: Any, doc: str):
    def check(x: Any, message: str | None = None, summarize: int | None = None,
              name: str | None = None) -> None:
        x = as_tensor(x)
        zero = as_tensor(np.zeros((), x.dtype._numpy()))
        return enforce(fn(x, zero), _compare_message(symbol, message, summarize), (x, zero))
    check.__name__ = check.__qualname__ = f"assert_{doc}"
    check.__doc__ = _doc(doc, f"`x {symbol} 0`")
    return check


assert_positive = _sign(">", m.greater, "positive")
assert_negative = _sign("<", m.less, "negative")
assert_non_negative = _sign(">=", m.greater_equal, "non_negative")
assert_non_positive = _sign("<=", m.less_equal, "non_positive")


def assert_near(x: Any, y: Any, rtol: Any = None, atol: Any = None, message: str | None = None,
                summarize: int | None = None, name: str | None = None) -> None:
    """Raises InvalidArgumentError unless `|x - y| <= atol + rtol * |y|` everywhere (TF's
    default tolerances: 10 * the dtype's epsilon), as `tf.debugging.assert_near`.

    Example:
        >>> import ember as tf
        >>> tf.debugging.assert_near(tf.constant([1.0]), tf.constant([1.0 + 1e-7])) is None
        True
    """
    x, y = pair(x, y)
    if not x.dtype.is_floating:
        raise TypeError(f"assert_near: x and y must be float tensors, received {x.dtype.name}.")
    eps = float(np.finfo(x.dtype._numpy()).eps) * 10
    rtol = eps if rtol is None else rtol
    atol = eps if atol is None else atol
    cond = m.less_equal(m.abs(m.subtract(x, y)), m.add(atol, m.multiply(rtol, m.abs(y))))
    head = f"x and y not equal to tolerance rtol = {rtol}, atol = {atol}"
    return enforce(cond, _compare_message("~=", "\n".join(filter(None, [message, head])),
                                          summarize), (x, y))


def _finite_message(message: str | None):
    def explain(cond: np.ndarray, x: np.ndarray) -> str:
        kind = "NaN" if np.isnan(x).any() else "Inf"
        return f"{message or ''} : Tensor had {kind} values"
    return explain


def check_numerics(tensor: Any, message: str, name: str | None = None) -> Any:
    """`tensor` itself, after raising InvalidArgumentError if it has NaN or Inf values
    (as `tf.debugging.check_numerics`).

    Example:
        >>> import ember as tf
        >>> tf.debugging.check_numerics(tf.constant([1.0, 2.0]), "x").numpy()
        array([1., 2.], dtype=float32)
    """
    t = as_tensor(tensor)
    if not t.dtype.is_floating:
        raise TypeError(f"check_numerics: the tensor must be a float tensor, received "
                        f"{t.dtype.name}.")
    enforce(m.is_finite(t), _finite_message(message), (t,))
    return t


def assert_all_finite(t: Any, msg: str, name: str | None = None, x: Any = None,
                      message: str | None = None) -> Any:
    """`tf.debugging.assert_all_finite`: `check_numerics` under TF's other name.

    Example:
        >>> import ember as tf
        >>> float(tf.debugging.assert_all_finite(tf.constant(3.0), "bad"))
        3.0
    """
    return check_numerics(t if x is None else x, msg if message is None else message)


def Assert(condition: Any, data: Any, summarize: int | None = None,  # noqa: N802 - TF's name
           name: str | None = None) -> None:
    """Raises InvalidArgumentError unless the scalar bool `condition` is true, showing the
    first `summarize` (3) entries of each tensor in `data` (TF's `tf.Assert`).

    Example:
        >>> import ember as tf
        >>> tf.Assert(tf.constant(True), [tf.constant([1, 2])]) is None
        True
    """
    cond = as_tensor(condition)
    if cond.dtype != bool_ or cond.shape.rank != 0:
        raise ValueError(f"Assert: condition must be a scalar bool tensor, received "
                         f"{describe(cond)}.")
    data = [as_tensor(d) for d in (data if isinstance(data, (list, tuple)) else [data])]
    n = 3 if summarize is None else summarize

    def explain(c: np.ndarray, *values: np.ndarray) -> str:
        shown = ", ".join(", ".join(map(str, _first(v, n).tolist())) for v in values)
        return (f"Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. Summarized "
                f"data: {shown}")
    return enforce(cond, explain, tuple(data))


# -- static checks --------------------------------------------------------------------------

def _rank_of(x: Any) -> int:
    return len(as_tensor(x).shape)


def _who(x: Any) -> str:
    return getattr(x, "name", None) or ""


def assert_rank(x: Any, rank: int, message: str | None = None, name: str | None = None) -> None:
    """Raises ValueError unless `x` has rank `rank` (a static check, as TF's).

    Example:
        >>> import ember as tf
        >>> tf.debugging.assert_rank(tf.zeros([2, 3]), 2) is None
        True
    """
    t = as_tensor(x)
    if len(t.shape) != int(rank):
        raise ValueError(f"{message + '. ' if message else ''}Tensor {_who(x)} must have rank "
                         f"{int(rank)}.  Received rank {len(t.shape)}, shape "
                         f"{tuple(t.shape)}")


def assert_rank_at_least(x: Any, rank: int, message: str | None = None,
                         name: str | None = None) -> None:
    """Raises ValueError unless `x` has rank `rank` or more.

    Example:
        >>> import ember as tf
        >>> tf.debugging.assert_rank_at_least(tf.zeros([2, 3]), 1) is None
        True
    """
    t = as_tensor(x)
    if len(t.shape) < int(rank):
        raise ValueError(f"{message + '. ' if message else ''}Tensor {_who(x)} must have rank "
                         f"at least {int(rank)}.  Received rank {len(t.shape)}, shape "
                         f"{tuple(t.shape)}")


def assert_rank_in(x: Any, ranks: Any, message: str | None = None,
                   name: str | None = None) -> None:
    """Raises ValueError unless the rank of `x` is one of `ranks`.

    Example:
        >>> import ember as tf
        >>> tf.debugging.assert_rank_in(tf.zeros([2]), [1, 2]) is None
        True
    """
    t = as_tensor(x)
    ranks = [int(r) for r in ranks]
    if len(t.shape) not in ranks:
        raise ValueError(f"{message + '. ' if message else ''}Tensor {_who(x)} must have rank "
                         f"in {ranks}.  Received rank {len(t.shape)}, shape {tuple(t.shape)}")


def assert_type(tensor: Any, tf_type: Any, message: str | None = None,
                name: str | None = None) -> None:
    """Raises TypeError unless `tensor` has dtype `tf_type`.

    Example:
        >>> import ember as tf
        >>> tf.debugging.assert_type(tf.constant(1.0), tf.float32) is None
        True
    """
    t = as_tensor(tensor)
    want = as_dtype(tf_type)
    if t.dtype != want:
        raise TypeError(f"{message + ': ' if message else ''}{_who(tensor) or 'tensor'} must "
                        f"be of type {want.name}; got {t.dtype.name}")


def assert_scalar(tensor: Any, message: str | None = None, name: str | None = None) -> None:
    """Raises ValueError unless `tensor` is a scalar (rank 0).

    Example:
        >>> import ember as tf
        >>> tf.debugging.assert_scalar(tf.constant(2)) is None
        True
    """
    t = as_tensor(tensor)
    if len(t.shape) != 0:
        raise ValueError(f"{message + ' ' if message else ''}Expected scalar shape, saw shape: "
                         f"{tuple(t.shape)}.")


def is_numeric_tensor(tensor: Any) -> bool:
    """Whether `tensor` is a tensor of a numeric (not bool or string) dtype.

    Example:
        >>> import ember as tf
        >>> tf.debugging.is_numeric_tensor(tf.constant(1.0)), tf.debugging.is_numeric_tensor(2)
        (True, False)
    """
    return isinstance(tensor, TensorOps) and tensor.dtype != bool_


# -- tf.print ---------------------------------------------------------------------------------

def print(*inputs: Any, output_stream: Any = None, summarize: int = 3, sep: str = " ",  # noqa: A001
          end: str = "\n", name: str | None = None) -> None:
    """Prints tensors and Python values as `tf.print` does (to stderr by default): eagerly
    at once; inside `ember.function` each time the function runs.

    Example:
        >>> import sys, ember as tf
        >>> tf.print(tf.constant([1.5, 2.0]), "done", output_stream=sys.stdout)
        [1.5 2] done
    """
    stream = sys.stderr if output_stream is None else output_stream
    tensors: list = []

    def leaf(v: Any) -> Any:
        if isinstance(v, TensorOps):
            tensors.append(as_tensor(v))
            return Leaf(len(tensors) - 1)
        return v

    template = [nest.map_structure(leaf, v) if isinstance(v, (list, tuple, dict)) else leaf(v)
                for v in inputs]
    known = [value_now(t) for t in tensors]
    if all(v is not None for v in known):
        write(stream, render(template, known, summarize, sep, end))
        return None
    bind(print_p, *tensors, template=template, stream=stream, sep=sep, end=end,
         summarize=summarize)
    return None


# -- context managers and queries --------------------------------------------------------------

def executing_eagerly() -> bool:
    """False while `ember.function` traces a function, else True.

    Example:
        >>> import ember as tf
        >>> tf.executing_eagerly()
        True
        >>> bool(tf.function(lambda: tf.constant(tf.executing_eagerly()))())
        False
    """
    return not CTX.traces


@contextlib.contextmanager
def device(device_name: Any) -> Iterator[None]:
    """`tf.device(name)`: runs the block on that device when it exists. The NumPy
    backend has only the CPU: a missing device (a GPU) falls back to the CPU under soft
    placement (TF's default), and tensors report the CPU as their device, as in TF; with
    `tf.config.set_soft_device_placement(False)` a missing device raises
    InvalidArgumentError. A malformed string raises ValueError (see
    `ember.core.devices`).

    Example:
        >>> import ember as tf
        >>> with tf.device("/GPU:0"):
        ...     x = tf.constant(2.0) * 3
        >>> float(x), x.device
        (6.0, '/job:localhost/replica:0/task:0/device:CPU:0')
    """
    if device_name is not None and not isinstance(device_name, str):
        if hasattr(device_name, "to_string"):  # a DeviceSpec-like object
            device_name = device_name.to_string()
        else:
            raise TypeError(f"device: expected a device string such as '/CPU:0', received "
                            f"{device_name!r}.")
    placement(device_name)
    yield


@contextlib.contextmanager
def control_dependencies(control_inputs: Any) -> Iterator[None]:
    """`tf.control_dependencies`: in ember ops run in the order the program calls them,
    inside `ember.function` too (checks, prints and Variable updates are kept in that
    order), so the dependencies hold already.

    Example:
        >>> import ember as tf
        >>> with tf.control_dependencies([tf.debugging.assert_positive(tf.constant(1.0))]):
        ...     float(tf.constant(1.0) + 1)
        2.0
    """
    yield


def no_op(name: str | None = None) -> None:
    """`tf.no_op`: does nothing (ember has no graph ops to group).

    Example:
        >>> import ember as tf
        >>> tf.no_op() is None
        True
    """
    return None


def group(*inputs: Any, name: str | None = None) -> None:
    """`tf.group`: the inputs have run already (ember runs ops in program order).

    Example:
        >>> import ember as tf
        >>> tf.group(tf.constant(1.0), tf.constant(2.0)) is None
        True
    """
    return None
