"""KerasTensor: the symbolic tensor of the functional API (a shape and dtype, no values).

`keras.Input` makes one, and calling a layer or any ember op on KerasTensors makes more.
Each KerasTensor remembers where it came from (`_keras_history`: the layer, the node
index and which output), which is how `keras.Model(inputs, outputs)` finds the graph.

Ops on KerasTensors need no Lambda layer: a KerasTensor carries its trace (`_trace`, see
core/context.py), and `bind` hands any primitive with a KerasTensor input to it: its
`process` computes the output's shape and dtype with the primitive's shape rule and
records an `OpLayer` node.

Example:
    >>> from ember import keras
    >>> import ember as tf
    >>> x = keras.Input(shape=(3,), name="x")
    >>> x
    <KerasTensor: shape=(None, 3) dtype=float32 (created by layer 'x')>
    >>> tf.reduce_sum(x * 2.0 + 1.0, axis=-1).shape
    TensorShape([None])
"""

from __future__ import annotations

from typing import Any

from ...core import nest
from ...core.dtypes import as_dtype
from ...core.errors import SymbolicValueError, fmt_spec
from ...core.shape import TensorSpec, as_shape
from ...core.symbolic import SymbolicTensor
from ...core.tensor import ConcreteTensor

from .call_context import CALL, spec_only  # noqa: F401 - spec_only is used from here too


class KerasTensor(SymbolicTensor):
    """A symbolic tensor: what `keras.Input` and layers called on Inputs return.

    It has a `shape` (whose batch dim is usually None), a `dtype` and a `name`, but no
    values (the protocol of `core/symbolic.py`). Every ember op and operator accepts it and
    returns another KerasTensor.
    """

    __slots__ = ("name", "_keras_history")
    _NO_VALUE = (": a KerasTensor is a placeholder in a model being built (from keras.Input "
                 "or a layer called on one); it has no values. Build the model with it, "
                 "e.g. model = keras.Model(inputs, outputs), then call the model on data: "
                 "model(x) or model.predict(x).")
    _LEN_UNKNOWN = " (its first dim is the batch size, known only when the model runs)"

    def __init__(self, shape: Any, dtype: Any = "float32", name: str | None = None):
        self.spec = TensorSpec(as_shape(shape), as_dtype(dtype))
        self.name = name
        self._keras_history = None  # (layer, node_index, tensor_index)

    @classmethod
    def from_spec(cls, spec: TensorSpec, name: str | None = None) -> "KerasTensor":
        t = cls.__new__(cls)
        t.spec = spec
        t.name = name
        t._keras_history = None
        return t

    @property
    def node(self) -> Any:
        """The Node that produced this tensor (None for a bare placeholder)."""
        h = self._keras_history
        return None if h is None else h[0]._inbound_nodes[h[1]]

    def _describe(self) -> str:
        return f"KerasTensor '{self.name}' {fmt_spec(self.spec.shape, self.spec.dtype)}"

    def __hash__(self) -> int:  # hashable, as Keras' (Tensors and Tracers are not)
        return id(self)

    def __repr__(self) -> str:
        shape = tuple(self.spec.shape)
        where = ""
        if self._keras_history is not None:
            where = f" (created by layer '{self._keras_history[0].name}')"
        return f"<KerasTensor: shape={shape} dtype={self.spec.dtype.name}{where}>"


def symbolic_bind(prim: Any, args: tuple, params: dict) -> Any:
    """Applies primitive `prim` to arguments of which some are KerasTensors."""
    specs = []
    for a in args:
        if isinstance(a, KerasTensor):
            specs.append(a.spec)
        elif isinstance(a, ConcreteTensor):
            specs.append(TensorSpec(a._value.shape, a.dtype))
        else:
            raise SymbolicValueError(
                f"{prim.name}: a KerasTensor and a symbolic tensor of an ember.function "
                f"({a!r}) can't be mixed. Build the model from KerasTensors, then call it "
                f"on the function's tensors inside the function.")
    out = prim.rule(*specs, **params)
    outs = tuple(KerasTensor.from_spec(s) for s in out) if prim.multiple_results \
        else (KerasTensor.from_spec(out),)
    if not CALL.spec_only:
        from .op_layer import record_op  # an OpLayer is a Layer, which takes KerasTensors
        record_op(prim, args, params, outs)
    return outs if prim.multiple_results else outs[0]


def _merged(op: str, a: Any, b: Any) -> Any:
    """One KerasTensor for two branches' (or a loop's before/after) outputs: the same
    dtype, the shape both agree on (dims that differ become None)."""
    if not (isinstance(a, SymbolicTensor) or isinstance(b, SymbolicTensor)):
        return a
    sa, sb = TensorSpec(a.shape, a.dtype), TensorSpec(b.shape, b.dtype)
    if sa.dtype != sb.dtype:
        raise SymbolicValueError(f"{op}: its branches give dtypes {sa.dtype.name} and "
                                 f"{sb.dtype.name}; both must give the same dtype.")
    if sa.shape.rank != sb.shape.rank:
        raise SymbolicValueError(f"{op}: its branches give ranks {sa.shape.rank} and "
                                 f"{sb.shape.rank}; both must give the same rank.")
    return KerasTensor.from_spec(TensorSpec(sa.shape.most_specific_compatible_shape(
        sb.shape), sa.dtype))


def _only_in_layers(op: str) -> None:
    if not CALL.spec_only:
        raise SymbolicValueError(
            f"{op} on KerasTensors outside a layer: its functions close over KerasTensors, "
            f"which have no values when the model runs. Put the {op} in a layer's call "
            f"(a custom keras.layers.Layer, or keras.layers.Lambda), where it runs on the "
            f"layer's input values.")


class _KerasTrace:
    """The trace of the functional API: `bind` hands it a primitive call with a
    KerasTensor input (see core/context.py); `cond` and `while_loop` hand it their
    functions when a predicate or loop variable is a KerasTensor (in a layer's
    shape-only call: the output specs, from running the functions on specs)."""

    __slots__ = ()
    process = staticmethod(symbolic_bind)

    @staticmethod
    def cond(true_fn: Any, false_fn: Any) -> Any:
        _only_in_layers("cond")
        t, f = true_fn(), false_fn()
        if len(nest.flatten(t)) != len(nest.flatten(f)):
            raise SymbolicValueError("cond: true_fn and false_fn return different "
                                     "structures; both must return the same.")
        return nest.pack_sequence_as(t, [_merged("cond", a, b) for a, b in
                                         zip(nest.flatten(t), nest.flatten(f))])

    @staticmethod
    def while_loop(body: Any, loop_vars: list) -> list:
        _only_in_layers("while_loop")
        out = body(*loop_vars)
        out = [out] if not isinstance(out, (list, tuple)) else list(out)
        flat_in, flat_out = nest.flatten(loop_vars), nest.flatten(out)
        if len(flat_in) != len(flat_out):
            raise SymbolicValueError(f"while_loop: body returned {len(flat_out)} values "
                                     f"for {len(flat_in)} loop variables.")
        return nest.pack_sequence_as(loop_vars, [_merged("while_loop", a, b) for a, b in
                                                 zip(flat_in, flat_out)])


# Every KerasTensor carries it (TensorOps._trace is None for values with data).
KerasTensor._trace = _KerasTrace()


def is_keras_tensor(x: Any) -> bool:
    """Whether `x` is a KerasTensor (TF's `keras.backend.is_keras_tensor`).

    Example:
        >>> from ember import keras
        >>> keras.backend.is_keras_tensor(keras.Input((2,)))
        True
    """
    return isinstance(x, KerasTensor)
