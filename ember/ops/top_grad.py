"""Graph gradients and gradient registries of TF's top level, and sparse gradients.

- `gradients(ys, xs)` / `hessians(ys, xs)`: symbolic gradients inside `ember.function`
  (TF's `tf.gradients`): the backward walk of `GradientTape` run over the equations the
  trace has recorded so far, adding the gradient equations to the same graph. Outside a
  function they raise RuntimeError, as TF.
- `RegisterGradient(op_type)` / `no_gradient(op_type)`: the gradient registry. An op type
  is the NAME OF AN EMBER PRIMITIVE (e.g. "multiply", "gather", "matmul", "relu"; see
  `ember.core.registry.PRIMITIVES`), not TF's op names ("Mul"): ember's ops bind
  primitives, and the tape differentiates those. A registered function
  `f(op, *grads)` then replaces the primitive's built-in gradient for every tape and
  `tf.gradients` (`op.inputs`, `op.outputs`, `op.type`, `op.get_attr(name)` for the
  primitive's static params); it returns one gradient (or None) per input.
- `IndexedSlices`, `embedding_lookup` (TF's `tf.nn.embedding_lookup`, a `gather` along
  axis 0 whose gradient for a Variable is an IndexedSlices), and `clip_by_global_norm`
  taking IndexedSlices (their values count in the norm and are scaled).

Example:
    >>> import ember as tf
    >>> @tf.function
    ... def f(x):
    ...     return tf.gradients(x ** 3, x)[0]
    >>> f(tf.constant(2.0)).numpy()
    np.float32(12.0)
"""

from __future__ import annotations

from typing import Any, Callable

from ..core import nest
from ..core.context import CTX
from ..core.graph import Const
from ..core.indexed_slices import IndexedSlices
from ..core.registry import PRIMITIVES
from ..core.tape import GRADIENT_OVERRIDES, UnconnectedGradients, _walk
from ..core.tensor import TensorOps, wrap
from ..prims.gather import gather
from . import clip_ops
from .creation_ops import zeros_like
from .shape_ops import concat, reshape, stack

__all__ = ["gradients", "hessians", "RegisterGradient", "no_gradient", "IndexedSlices",
           "embedding_lookup", "clip_by_global_norm"]


# -- tf.gradients / tf.hessians ---------------------------------------------------------

def gradients(ys: Any, xs: Any, grad_ys: Any = None, name: str = "gradients",
              gate_gradients: bool = False, aggregation_method: Any = None,
              stop_gradients: Any = None,
              unconnected_gradients: Any = UnconnectedGradients.NONE) -> list:
    """The symbolic gradients of `sum(ys)` w.r.t. each of `xs`, inside `ember.function`
    (TF's `tf.gradients`). The gradient equations join the function's graph.

    Args:
        ys: a tensor or list of tensors of this function.
        xs: a tensor, Variable, or list of them.
        grad_ys: initial gradients for ys (default ones).
        stop_gradients: tensors gradients do not flow through (held constant).
        unconnected_gradients: 'none' (None for an unconnected x) or 'zero'.
        name, gate_gradients, aggregation_method: accepted for TF compatibility; ignored.

    Returns:
        A list with one gradient (or None) per x. Dense: inside a graph no IndexedSlices.

    Raises:
        RuntimeError: called eagerly (use GradientTape).

    Example:
        >>> import ember as tf
        >>> @tf.function
        ... def f(x, y):
        ...     return tf.gradients(x * y + x, [x, y])
        >>> [g.numpy() for g in f(tf.constant(2.0), tf.constant(5.0))]
        [np.float32(6.0), np.float32(2.0)]
    """
    if not CTX.traces:
        raise RuntimeError("tf.gradients is not supported when eager execution is enabled. "
                           "Use tf.GradientTape instead.")
    trace = CTX.traces[-1]
    flat_ys = nest.flatten(ys)
    flat_xs = nest.flatten(xs)
    sources = [trace.read(x) if getattr(x, "_is_variable", False) else x for x in flat_xs]
    for x in sources:
        if not isinstance(x, TensorOps):
            raise TypeError(f"gradients: xs must be tensors or Variables, received "
                            f"{type(x).__name__}.")
    ys_t = [trace.read(y) if getattr(y, "_is_variable", False) else y for y in flat_ys]
    ogs = [None] * len(ys_t) if grad_ys is None else list(nest.flatten(grad_ys))
    if len(ogs) != len(ys_t):
        raise ValueError(f"gradients: {len(ys_t)} ys but {len(ogs)} grad_ys; pass one "
                         f"initial gradient per y (or None for ones).")
    ogs = [None if g is None else g for g in ogs]
    stop = {id(s) for s in nest.flatten(stop_gradients)} if stop_gradients is not None \
        else set()
    consts: dict = {}

    def tensor(a: Any) -> Any:
        if isinstance(a, Const):
            t = consts.get(id(a))
            if t is None:
                t = consts[id(a)] = wrap(a.value)
            return t
        return a

    nodes = []
    for e in list(trace.graph.eqns):
        if stop and any(id(o) in stop for o in e.outs):
            continue
        nodes.append((e.prim, tuple(tensor(a) for a in e.ins), e.params, tuple(e.outs)))
    grads = _walk(nodes, ys_t, sources, ogs)
    mode = UnconnectedGradients(getattr(unconnected_gradients, "value",
                                        unconnected_gradients))
    out = []
    for x, g in zip(sources, grads):
        if g is None and mode is UnconnectedGradients.ZERO:
            g = zeros_like(x)
        out.append(g)
    return out


def hessians(ys: Any, xs: Any, gate_gradients: bool = False, aggregation_method: Any = None,
             name: str = "hessians") -> list:
    """The Hessian of `sum(ys)` w.r.t. each x, shaped `x.shape + x.shape`, inside
    `ember.function` (TF's `tf.hessians`). Each x must have a fully known shape.

    Example:
        >>> import ember as tf
        >>> @tf.function
        ... def f(x):
        ...     return tf.hessians(tf.reduce_sum(x ** 3), x)[0]
        >>> f(tf.constant([1.0, 2.0])).numpy()
        array([[ 6.,  0.],
               [ 0., 12.]], dtype=float32)
    """
    if not CTX.traces:
        raise RuntimeError("tf.gradients is not supported when eager execution is enabled. "
                           "Use tf.GradientTape instead.")
    out = []
    for x in nest.flatten(xs):
        shape = x.shape
        if not shape.is_fully_defined():
            raise ValueError(f"hessians: x must have a fully known shape, received {shape}.")
        n = shape.num_elements()
        g = gradients(ys, x)[0]
        if g is None:
            out.append(None)
            continue
        flat = reshape(g, [-1])
        rows = []
        for i in range(n):
            h = gradients(flat[i], x, unconnected_gradients="zero")[0]
            rows.append(reshape(h, [-1]))
        dims = shape.as_list()
        out.append(reshape(stack(rows, axis=0), dims + dims))
    return out


# -- the gradient registry --------------------------------------------------------------

class _Op:
    """What a registered gradient function receives as `op` (TF's `tf.Operation`)."""

    def __init__(self, prim: Any, inputs: tuple, outputs: tuple, params: dict):
        self.type = prim.name
        self.name = prim.name
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self._params = params

    def get_attr(self, name: str) -> Any:
        if name not in self._params:
            raise ValueError(f"Operation {self.type!r} has no attr named {name!r}; its "
                             f"params are {sorted(self._params)}.")
        return self._params[name]


def _adapter(f: Callable, op_type: str) -> Callable:
    def vjp(g: Any, ins: tuple, out: Any, **params: Any) -> tuple:
        prim = PRIMITIVES[op_type]
        outs = tuple(out) if prim.multiple_results else (out,)
        gs = tuple(g) if prim.multiple_results else (g,)
        res = f(_Op(prim, ins, outs, params), *gs)
        res = list(res) if isinstance(res, (list, tuple)) else [res]
        if len(res) != len(ins):
            raise ValueError(f"The gradient registered for {op_type!r} returned {len(res)} "
                             f"gradient(s); the primitive has {len(ins)} input(s).")
        return tuple(None if r is None else (r if isinstance(r, TensorOps) else wrap(r))
                     for r in res)

    return vjp


def _check_type(what: str, op_type: Any) -> str:
    if not isinstance(op_type, str):
        raise TypeError(f"{what}: op_type must be a string (an ember primitive name such as "
                        f"'multiply'), received {type(op_type).__name__}.")
    return op_type


class RegisterGradient:
    """A decorator registering `f(op, *grads)` as the gradient of primitive `op_type`
    (TF's `tf.RegisterGradient`). See the module docstring: op types are ember primitive
    names. Registering one twice raises KeyError, as TF.

    Example:
        >>> import ember as tf
        >>> @tf.RegisterGradient("tanh")
        ... def _tanh_grad_doubled(op, grad):
        ...     y = op.outputs[0]
        ...     return 2.0 * grad * (1.0 - y * y)
        >>> x = tf.constant(0.0)
        >>> with tf.GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = tf.tanh(x)
        >>> float(tape.gradient(y, x))
        2.0
        >>> del tf.RegisterGradient.registry()["tanh"]  # back to the built-in gradient
    """

    def __init__(self, op_type: str):
        self._op_type = _check_type("RegisterGradient", op_type)

    def __call__(self, f: Callable) -> Callable:
        if self._op_type in GRADIENT_OVERRIDES:
            raise KeyError(f"Registering two gradient with name '{self._op_type}'!")
        GRADIENT_OVERRIDES[self._op_type] = _adapter(f, self._op_type) \
            if self._op_type in PRIMITIVES else f
        return f

    @staticmethod
    def registry() -> dict:
        """The registered gradients by op type (delete an entry to unregister it)."""
        return GRADIENT_OVERRIDES


def no_gradient(op_type: str) -> None:
    """Declares that primitive `op_type` has no gradient: every input gets None (TF's
    `tf.no_gradient`; op types are ember primitive names).

    Example:
        >>> import ember as tf
        >>> tf.no_gradient("sin")
        >>> x = tf.constant(1.0)
        >>> with tf.GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = tf.sin(x)
        >>> tape.gradient(y, x) is None
        True
        >>> del tf.RegisterGradient.registry()["sin"]
    """
    _check_type("no_gradient", op_type)
    if op_type in GRADIENT_OVERRIDES:
        raise KeyError(f"Registering two gradient with name '{op_type}'!")
    GRADIENT_OVERRIDES[op_type] = None


# -- sparse gradients -------------------------------------------------------------------

def embedding_lookup(params: Any, ids: Any, max_norm: Any = None,
                     name: str | None = None) -> Any:
    """Rows `ids` of the table `params` (TF 2's `tf.nn.embedding_lookup`): a `gather`
    along axis 0, so the gradient for a Variable table is an IndexedSlices. `params` may
    be a list of tables, split by rows ('mod' partition strategy is TF 1; TF 2 uses 'div':
    the tables are concatenated). `max_norm` clips each looked-up row's L2 norm.

    Example:
        >>> import ember as tf
        >>> table = tf.Variable([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
        >>> with tf.GradientTape() as tape:
        ...     loss = tf.reduce_sum(embedding_lookup(table, [2, 0, 2]))
        >>> g = tape.gradient(loss, table)
        >>> type(g).__name__, g.indices.numpy().tolist()
        ('IndexedSlices', [2, 0, 2])
    """
    if isinstance(params, (list, tuple)):
        if len(params) == 1:
            params = params[0]
        else:
            params = concat(list(params), axis=0)
    out = gather(params, ids)
    if max_norm is not None:
        out = clip_ops.clip_by_norm(out, max_norm, axes=[-1])
    return out


def clip_by_global_norm(t_list: Any, clip_norm: Any, use_norm: Any = None,
                        name: str | None = None) -> tuple:
    """`ember.clip_by_global_norm` that also takes IndexedSlices (TF's behaviour): their
    values count in the global norm and are scaled; they stay IndexedSlices.

    Example:
        >>> import ember as tf
        >>> s = tf.IndexedSlices(tf.constant([[3.0, 4.0]]), tf.constant([1]), [3, 2])
        >>> (c,), n = tf.clip_by_global_norm([s], 1.0)
        >>> type(c).__name__, c.values.numpy(), float(n)
        ('IndexedSlices', array([[0.6, 0.8]], dtype=float32), 5.0)
    """
    if isinstance(t_list, TensorOps) or not hasattr(t_list, "__iter__"):
        return clip_ops.clip_by_global_norm(t_list, clip_norm, use_norm, name)
    items = list(t_list)
    plain = [t.values if isinstance(t, IndexedSlices) else t for t in items]
    clipped, norm = clip_ops.clip_by_global_norm(plain, clip_norm, use_norm, name)
    out = [t._with_values(c) if isinstance(t, IndexedSlices) else c
           for t, c in zip(items, clipped)]
    return out, norm
