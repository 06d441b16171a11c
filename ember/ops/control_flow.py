"""Tensor-dependent control flow: cond and while_loop (case / switch_case, built on cond,
are in control_case.py).

On concrete values these are plain Python (the branch or loop runs eagerly, every op
recorded by any tape). Inside `ember.function`, with a symbolic predicate or loop
variables, each branch / body is traced once into a sub-graph that captures the outer
values it uses, and one `cond` / `while_loop` equation runs the compiled sub-plans. The
primitives, their gradients and the builders of those sub-graphs are in
`ember/prims/control.py`; here are the public ops: argument checks and the eager paths.

Example:
    >>> import ember as tf
    >>> @tf.function
    ... def relu_or_square(x):
    ...     return tf.cond(tf.reduce_sum(x) > 0, lambda: tf.nn.relu(x), lambda: x * x)
    >>> relu_or_square(tf.constant([-1.0, 3.0])).numpy(), relu_or_square(tf.constant([-2.0])).numpy()
    (array([0., 3.], dtype=float32), array([4.], dtype=float32))
"""

from __future__ import annotations

from typing import Any, Callable

from ..core import nest
from ..core.context import CTX
from ..core.errors import InvalidArgumentError
from ..core.rules import describe
from ..prims.control import _symbolic, trace_cond, trace_while
from ..prims.convert import as_tensor

__all__ = ["cond", "while_loop"]


def cond(pred: Any, true_fn: Callable | None = None, false_fn: Callable | None = None,
         name: str | None = None) -> Any:
    """`true_fn()` if `pred` else `false_fn()`; inside ember.function with a symbolic
    `pred`, both branches are traced and the choice happens at run time. Both branches
    must return the same structure of tensors with the same dtypes.

    Example:
        >>> import ember as tf
        >>> tf.cond(tf.constant(True), lambda: tf.constant(1), lambda: tf.constant(2)).numpy()
        np.int32(1)
    """
    if true_fn is None or false_fn is None or not callable(true_fn) or not callable(false_fn):
        raise TypeError("cond: true_fn and false_fn must both be callables taking no "
                        "arguments, e.g. ember.cond(x > 0, lambda: x, lambda: -x).")
    keras_trace = getattr(getattr(pred, "_trace", None), "cond", None)
    if keras_trace is not None:  # a KerasTensor predicate (in a layer's shape-only call)
        return keras_trace(true_fn, false_fn)
    if not _symbolic(pred):
        p = as_tensor(pred)
        if p.shape.rank not in (0, None) and p.shape.num_elements() != 1:
            raise InvalidArgumentError(f"cond: pred must be a scalar, received shape "
                                       f"{p.shape}.")
        return true_fn() if bool(p) else false_fn()
    if pred.dtype.name != "bool" or pred.shape.rank not in (0, None):
        raise InvalidArgumentError(f"cond: pred must be a scalar bool tensor, received "
                                   f"{describe(pred)}.")
    return trace_cond(pred, true_fn, false_fn)


def while_loop(cond: Callable, body: Callable, loop_vars: Any, shape_invariants: Any = None,
               parallel_iterations: int = 10, back_prop: bool = True,
               swap_memory: bool = False, maximum_iterations: Any = None,
               name: str | None = None) -> Any:
    """Repeats `loop_vars = body(*loop_vars)` while `cond(*loop_vars)`, at most
    `maximum_iterations` times. Inside ember.function the loop is traced once into a
    graph; each loop variable keeps its dtype, and its shape unless `shape_invariants`
    relaxes it (e.g. `tf.TensorShape([None])` for a growing vector).

    Example:
        >>> import ember as tf
        >>> i, total = tf.while_loop(lambda i, t: i < 4, lambda i, t: (i + 1, t + i),
        ...                          (tf.constant(0), tf.constant(0)))
        >>> int(i), int(total)
        (4, 6)
    """
    if not callable(cond) or not callable(body):
        raise TypeError("while_loop: cond and body must be callables of the loop variables.")
    single = not isinstance(loop_vars, (list, tuple))
    structure = [loop_vars] if single else loop_vars
    flat = nest.flatten(structure)
    keras_trace = next((t._trace.while_loop for t in flat if hasattr(
        getattr(t, "_trace", None), "while_loop")), None)
    if keras_trace is not None:  # KerasTensor loop variables (a layer's shape-only call)
        out = keras_trace(body, list(structure))
        return out[0] if single else type(loop_vars)(out) if isinstance(
            loop_vars, tuple) else out
    if not CTX.traces:
        vars_ = structure
        i = 0
        while maximum_iterations is None or i < int(maximum_iterations):
            if not bool(cond(*vars_)):
                break
            out = body(*vars_)
            out = [out] if single or not isinstance(out, (list, tuple)) else out
            if len(nest.flatten(out)) != len(flat):
                raise ValueError(f"while_loop: body returned {len(nest.flatten(out))} "
                                 f"values for {len(flat)} loop variables.")
            vars_ = nest.pack_sequence_as(structure, nest.flatten(out))
            i += 1
        return vars_[0] if single else vars_
    return trace_while(cond, body, loop_vars, shape_invariants, maximum_iterations)
