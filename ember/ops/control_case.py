"""`tf.case` and `tf.switch_case`: chains of `cond`.

Example:
    >>> import ember as tf
    >>> tf.switch_case(tf.constant(0), [lambda: tf.constant(1), lambda: tf.constant(2)]).numpy()
    np.int32(1)
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ..core.errors import DTypeError, InvalidArgumentError
from . import math_ops as m
from ..prims.control import _symbolic
from .control_flow import cond
from ..prims.convert import as_tensor

__all__ = ["case", "switch_case"]


def case(pred_fn_pairs: Sequence, default: Callable | None = None, exclusive: bool = False,
         strict: bool = False, name: str | None = None) -> Any:
    """The function of the first true predicate (or `default`), as `tf.case`.

    Example:
        >>> import ember as tf
        >>> x = tf.constant(5)
        >>> tf.case([(x < 0, lambda: tf.constant(-1)), (x > 0, lambda: tf.constant(1))],
        ...         default=lambda: tf.constant(0)).numpy()
        np.int32(1)
    """
    pairs = list(pred_fn_pairs.items() if isinstance(pred_fn_pairs, dict) else pred_fn_pairs)
    if not pairs:
        if default is None:
            raise ValueError("case: needs at least one (pred, fn) pair or a default.")
        return default()
    if default is None:
        pairs, (_, default) = pairs[:-1], pairs[-1]
    if exclusive and len(pairs) > 1 and not any(_symbolic(p) for p, _ in pairs):
        hits = sum(bool(as_tensor(p)) for p, _ in pairs)
        if hits > 1:
            raise InvalidArgumentError("case: more than one predicate is true with "
                                       "exclusive=True.")
    result = default
    for pred, fn in reversed(pairs):
        result = (lambda p, f, rest: (lambda: cond(p, f, rest)))(pred, fn, result)
    return result()


def switch_case(branch_index: Any, branch_fns: Any, default: Callable | None = None,
                name: str | None = None) -> Any:
    """`branch_fns[branch_index]()`; out-of-range indices run `default` (or the last).

    Example:
        >>> import ember as tf
        >>> tf.switch_case(tf.constant(1), [lambda: tf.constant(10), lambda: tf.constant(20)]).numpy()
        np.int32(20)
    """
    fns = sorted(branch_fns.items()) if isinstance(branch_fns, dict) else list(
        enumerate(branch_fns))
    if not fns:
        raise ValueError("switch_case: branch_fns is empty.")
    idx = branch_index if _symbolic(branch_index) else as_tensor(branch_index)
    if not idx.dtype.is_integer:
        raise DTypeError(f"switch_case: branch_index must be an integer tensor, received "
                         f"{idx.dtype.name}.")
    default = default if default is not None else fns[-1][1]
    return case([(m.equal(idx, k), f) for k, f in fns], default=default)
