"""`custom_gradient` and `recompute_grad`: functions whose gradient the user defines, or
recomputes, recorded on the GradientTape as one node.

Example:
    >>> import ember as tf
    >>> @tf.custom_gradient
    ... def clipped_identity(x):
    ...     return tf.identity(x), lambda dy: tf.clip_by_value(dy, -1.0, 1.0)
    >>> x = tf.constant(3.0)
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = clipped_identity(x) * 5.0
    >>> float(tape.gradient(y, x))
    1.0
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from . import nest
from .context import CTX, current_trace
from .tensor import TensorOps
from .grad_prims import fill_like
from .tape import GradientTape, _read

def custom_gradient(f: Callable | None = None) -> Callable:
    """Decorator: `f` returns `(y, grad_fn)`; gradients through `f` use `grad_fn(upstream)`
    instead of differentiating `f`'s own ops. If `f` reads trainable Variables, `grad_fn`
    must accept `variables=` and return `(input_grads, variable_grads)`, as in TF.

    Example:
        >>> import ember as tf
        >>> @tf.custom_gradient
        ... def clip_grad(x):
        ...     def grad(upstream):
        ...         return tf.clip_by_value(upstream, -1.0, 1.0)
        ...     return tf.identity(x), grad
        >>> x = tf.constant(2.0)
        >>> with tf.GradientTape() as t:
        ...     t.watch(x)
        ...     y = clip_grad(x) * 10.0
        >>> t.gradient(y, x).numpy()
        np.float32(1.0)
    """
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not CTX.tapes:
            y, _ = f(*args, **kwargs)
            return y
        tapes = list(CTX.tapes)
        for t in tapes:
            t._pop()
        tracker = GradientTape(watch_accessed_variables=True)
        try:
            with tracker:
                y, grad_fn = f(*args, **kwargs)
        finally:
            for t in tapes:
                t._push()
        variables = [v for v in tracker.watched_variables()]
        tensor_args = [a for a in nest.flatten((args, kwargs)) if isinstance(a, TensorOps)]
        trace = current_trace()
        tensor_args = [_read(a, tapes, trace) if a._is_variable else a for a in tensor_args]
        ys = nest.flatten(y)
        node = _CustomNode(grad_fn, len(tensor_args), variables, multiple=len(ys) > 1)
        ins = tuple(tensor_args) + tuple(_read(v, tapes, trace) for v in variables)
        for tape in tapes:
            tape._record(node, ins, {}, tuple(ys))
        return y

    return wrapped


class _CustomNode:
    """A recorded call of a `custom_gradient` function."""

    name = "custom_gradient"

    def __init__(self, grad_fn: Callable, n_args: int, variables: list, multiple: bool):
        self.grad_fn = grad_fn
        self.n_args = n_args
        self.variables = variables
        self.multiple_results = multiple

    def vjp(self, g: Any, inputs: tuple, out: Any) -> tuple:
        if self.multiple_results:
            g = tuple(fill_like(o, 0) if gi is None else gi for gi, o in zip(g, out))
            upstream = g
        else:
            upstream = (g,)
        if self.variables:
            res = self.grad_fn(*upstream, variables=self.variables)
            if not (isinstance(res, (tuple, list)) and len(res) == 2):
                raise ValueError("custom_gradient: with variables, grad_fn must return "
                                 "(input_grads, variable_grads).")
            in_grads, var_grads = res
            in_grads = nest.flatten(in_grads) if isinstance(in_grads, (list, tuple)) \
                else [in_grads]
            var_grads = list(var_grads)
        else:
            res = self.grad_fn(*upstream)
            in_grads = list(res) if isinstance(res, (list, tuple)) else [res]
            var_grads = []
        if len(in_grads) != self.n_args:
            raise ValueError(f"custom_gradient: grad_fn returned {len(in_grads)} gradients "
                             f"for {self.n_args} tensor inputs.")
        return tuple(in_grads) + tuple(var_grads)


def recompute_grad(f: Callable) -> Callable:
    """Runs `f` without keeping its intermediate tensors on the tape, and recomputes
    them when the gradient is needed (less memory, one more forward pass), as TF's
    `tf.recompute_grad`. Gradients equal those of `f` itself.

    Example:
        >>> import ember as tf
        >>> block = tf.recompute_grad(lambda x: tf.tanh(x) * x)
        >>> x = tf.constant(0.5)
        >>> with tf.GradientTape() as t:
        ...     t.watch(x)
        ...     y = block(x)
        >>> round(float(t.gradient(y, x)), 6)
        0.855341
    """
    @functools.wraps(f)
    def inner(*args: Any, **kwargs: Any) -> Any:
        @custom_gradient
        def run(*xs: Any) -> Any:
            y = f(*xs, **kwargs)

            def grad(*dys: Any, variables: Any = None) -> Any:
                with GradientTape() as tape:
                    tape.watch([x for x in xs if isinstance(x, TensorOps)])
                    again = nest.flatten(f(*xs, **kwargs))
                sources = list(xs) + list(variables or [])
                grads = tape.gradient(again, sources, output_gradients=list(dys),
                                      unconnected_gradients="zero")
                if variables:
                    return grads[:len(xs)], grads[len(xs):]
                return grads[:len(xs)] if len(xs) > 1 else grads[0]
            return y, grad
        return run(*args)
    return inner
