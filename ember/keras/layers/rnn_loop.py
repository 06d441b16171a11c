"""The machinery shared by ember's recurrent layers: the time loop over any step function,
dropout masks for cells, and the state Variables of `stateful=True`.

`time_loop(step, inputs, states, ...)` runs `step(x_t, states) -> (output, new_states)`
over axis 1 of `inputs` `(batch, timesteps, ...)`. With a statically known number of
steps it is unrolled in Python (eager, GradientTape, `ember.function`); with an unknown
one (a traced signature with a None time dim) it is an `ember.while_loop`, differentiable
too; on KerasTensors one step gives the output shapes. A mask `(batch, timesteps)` keeps
the previous states at masked steps, whose output repeats the previous output (zeros
before the first step), or is zeros with `zero_output_for_mask` (tf.keras semantics).

Example:
    >>> import ember as tf
    >>> last, seq, states = time_loop(lambda x, s: (x + s[0], [x + s[0]]),
    ...                               tf.ones((1, 3, 2)), [tf.zeros((1, 2))],
    ...                               return_sequences=True)
    >>> seq[0, :, 0].numpy(), last.shape
    (array([1., 2., 3.], dtype=float32), TensorShape([1, 2]))
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ...core import nest
from ...core.shape import TensorShape, TensorSpec
from ...core.tensor import TensorOps
from ...core.variable import Variable
from ...ops import creation_ops, math_ops, random_ops, shape_ops
from ...ops.control_flow import while_loop
from ...ops.gather_ops import gather
from ...prims.convert import cast, constant, convert_to_tensor
from ...prims.math import where
from ...prims.reduce import cumsum
from .. import activations, constraints, initializers, regularizers
from ..engine.call_context import CALL
from ..engine.keras_tensor import KerasTensor
from ..engine.layer_utils import init_scope

__all__: list = []  # helpers of the recurrent layers, not layers


# -- arguments ----------------------------------------------------------------------------

def check_rate(kind: str, name: str, what: str, value: Any) -> float:
    """A dropout rate in [0, 1) as a float, else a ValueError naming the layer."""
    ok = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool)
    rate = float(value) if ok else -1.0
    if not 0.0 <= rate < 1.0:
        raise ValueError(f'Layer "{name}" ({kind}): {what} must be a float in [0, 1) (the '
                         f"fraction of units to drop), received {what}={value!r}.")
    return rate


def set_gate_options(layer: Any, kind: str, name: str, activation: Any,
                     recurrent_activation: Any, use_bias: Any, kernel_initializer: Any,
                     recurrent_initializer: Any, bias_initializer: Any, kernel_regularizer: Any,
                     recurrent_regularizer: Any, bias_regularizer: Any, kernel_constraint: Any,
                     recurrent_constraint: Any, bias_constraint: Any, dropout: Any,
                     recurrent_dropout: Any) -> None:
    """Sets the options every recurrent layer and cell shares (activations, the
    initializers / regularizers / constraints of kernel, recurrent kernel and bias, the
    dropout rates), each resolved as Keras does (`activations.get`, ...)."""
    layer.activation = activations.get(activation)
    layer.recurrent_activation = activations.get(recurrent_activation)
    layer.use_bias = bool(use_bias)
    layer.kernel_initializer = initializers.get(kernel_initializer)
    layer.recurrent_initializer = initializers.get(recurrent_initializer)
    layer.bias_initializer = initializers.get(bias_initializer)
    layer.kernel_regularizer = regularizers.get(kernel_regularizer)
    layer.recurrent_regularizer = regularizers.get(recurrent_regularizer)
    layer.bias_regularizer = regularizers.get(bias_regularizer)
    layer.kernel_constraint = constraints.get(kernel_constraint)
    layer.recurrent_constraint = constraints.get(recurrent_constraint)
    layer.bias_constraint = constraints.get(bias_constraint)
    layer.dropout = check_rate(kind, name, "dropout", dropout)
    layer.recurrent_dropout = check_rate(kind, name, "recurrent_dropout", recurrent_dropout)


def add_gate_weights(layer: Any, features: int, bias_initializer: Any) -> None:
    """Creates `kernel (features, gates*units)`, `recurrent_kernel (units, gates*units)`
    and (with `use_bias`) `bias` of `layer._bias_shape()`, in Keras' order and names, with
    the layer's initializers, regularizers and constraints."""
    n = layer._gates * layer.units
    layer.kernel = layer.add_weight("kernel", shape=(features, n),
                                    initializer=layer.kernel_initializer,
                                    regularizer=layer.kernel_regularizer,
                                    constraint=layer.kernel_constraint)
    layer.recurrent_kernel = layer.add_weight(
        "recurrent_kernel", shape=(layer.units, n), initializer=layer.recurrent_initializer,
        regularizer=layer.recurrent_regularizer, constraint=layer.recurrent_constraint)
    layer.bias = None
    if layer.use_bias:
        layer.bias = layer.add_weight("bias", shape=layer._bias_shape(),
                                      initializer=bias_initializer,
                                      regularizer=layer.bias_regularizer,
                                      constraint=layer.bias_constraint)


def check_mask(layer: Any, inputs: Any, mask: Any) -> Any:
    """The mask as a bool tensor `(batch, timesteps)`, checked against the inputs."""
    if isinstance(mask, (list, tuple)):
        mask = mask[0]
    if mask is None:
        return None
    if not isinstance(mask, TensorOps):
        mask = convert_to_tensor(mask)
    if not mask.dtype.is_bool:
        mask = cast(mask, "bool")
    ms, xs = mask.shape, inputs.shape
    if ms.rank != 2 or not all(a is None or b is None or a == b
                               for a, b in zip(ms, list(xs)[:2])):
        raise ValueError(f'Layer "{layer.name}" ({type(layer).__name__}): the mask must have '
                         f"shape (batch, timesteps) = {tuple(xs)[:2]}, received {tuple(ms)}. "
                         f"Pass mask=None, or a bool mask of one entry per time step.")
    return mask


# -- dropout --------------------------------------------------------------------------------

def _dims(x: Any) -> list:
    known = list(x.shape)
    if all(d is not None for d in known):
        return known
    s = shape_ops.shape(x)
    return [s[i] if d is None else d for i, d in enumerate(known)]


def dropout_mask(like: Any, rate: float, seed: Any, training: Any) -> Any:
    """A keep mask shaped as `like` (kept entries scaled by 1 / (1 - rate)) when
    training with a rate > 0, else None; a bool tensor `training` selects it or ones."""
    if not rate or training is None or training is False:
        return None
    u = random_ops.uniform(_dims(like), dtype=like.dtype, seed=seed)
    keep = math_ops.multiply(cast(math_ops.greater_equal(u, rate), like.dtype),
                             1.0 / (1.0 - rate))
    if isinstance(training, TensorOps):
        keep = where(cast(training, "bool"), keep, creation_ops.ones_like(keep))
    return keep


# -- stateful=True ----------------------------------------------------------------------------

class _Hidden:
    """Holds the state Variables out of the layer's weights (tracking skips it)."""

    __slots__ = ("variables",)

    def __init__(self, variables: list):
        self.variables = variables


class StatefulMixin:
    """`stateful=True` for a recurrent layer: the final states of a call are the initial
    states of the next (Variables, not weights); `reset_states()` zeros them.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> rnn = keras.layers.SimpleRNN(2, stateful=True)
        >>> _ = rnn(np.ones((1, 3, 4)))
        >>> bool(rnn.states[0].numpy().any()), len(rnn.weights)
        (True, 3)
        >>> rnn.reset_states(); rnn.states[0].numpy()
        array([[0., 0.]], dtype=float32)
    """

    def _make_state_vars(self, input_shape: Any, initial: Callable) -> None:
        """Creates the state Variables from `initial(batch_size)` (a list of tensors)."""
        batch = input_shape[0]
        if batch is None:
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}): stateful=True needs a fixed '
                f"batch size, received input shape {tuple(input_shape)}. Pass it to the "
                f"Input, e.g. keras.Input(batch_shape=(32, timesteps, features)), or "
                f"call the layer on data first.")
        with init_scope():
            values = [np.asarray(convert_to_tensor(v).numpy())
                      for v in nest.flatten(initial(int(batch)))]
            self._state_vars = _Hidden([
                Variable(v, trainable=False, name=f"{self.name}/rnn_state_{i}")
                for i, v in enumerate(values)])

    @property
    def states(self) -> Any:
        """The state Variables of a stateful layer (None before it is built or when not
        stateful)."""
        holder = self.__dict__.get("_state_vars")
        return None if holder is None else list(holder.variables)

    def reset_states(self, states: Any = None) -> None:
        """Sets the states of a stateful layer to zeros, or to `states` (one array per
        state)."""
        if not getattr(self, "stateful", False):
            raise AttributeError(f'Layer "{self.name}" ({type(self).__name__}) is not '
                                 f"stateful; create it with stateful=True to keep states.")
        current = self.states
        if current is None:
            return
        values = [None] * len(current) if states is None else (
            list(states) if isinstance(states, (list, tuple)) else [states])
        if len(values) != len(current):
            raise ValueError(f'Layer "{self.name}": reset_states expects {len(current)} '
                             f"state arrays, received {len(values)}.")
        for var, value in zip(current, values):
            value = np.zeros(tuple(var.shape), var.dtype.as_numpy_dtype) if value is None \
                else np.asarray(value._value if hasattr(value, "_value") else value)
            if tuple(value.shape) != tuple(var.shape):
                raise ValueError(f'Layer "{self.name}": reset_states: state {var.name!r} has '
                                 f"shape {tuple(var.shape)}, received {tuple(value.shape)}.")
            var.assign(value.astype(var.dtype.as_numpy_dtype))

    def reset_state(self) -> None:
        """Keras 3's name of `reset_states()`."""
        self.reset_states()

    def _read_states(self, batch: Any = None) -> list:
        """The state Variables' values, checked against the batch size `batch`."""
        states = self.states
        want = int(states[0].shape[0])
        if batch is not None and batch != want:
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}): this stateful layer keeps '
                f"states for batches of {want}, received a batch of {batch}. Feed batches "
                f"of {want}, or create the layer again for the new batch size.")
        return [v.read_value() if hasattr(v, "read_value") else convert_to_tensor(v)
                for v in states]

    def _write_states(self, new: list) -> None:
        if CALL.spec_only or any(isinstance(s, KerasTensor) for s in new):
            return
        for var, value in zip(self.states, new):
            var.assign(cast(value, var.dtype))


# -- the loop -------------------------------------------------------------------------------

def _expand(m: Any, rank: int) -> Any:
    """A (batch,) mask as (batch, 1, ..., 1) for a tensor of `rank`."""
    return shape_ops.reshape(m, [-1] + [1] * (rank - 1)) if rank > 1 else m


def _apply_mask(m: Any, out: Any, new: list, states: list, prev: Any,
                zero_output: bool) -> tuple:
    if m is None:
        return out, new
    fill = creation_ops.zeros_like(out) if zero_output or prev is None else prev
    out = where(_expand(m, out.shape.rank), out, fill)
    new = [where(_expand(m, n.shape.rank), n, s) for n, s in zip(new, states)]
    return out, new


def time_loop(step: Callable, inputs: Any, states: list, mask: Any = None,
              go_backwards: bool = False, return_sequences: bool = False,
              zero_output_for_mask: bool = False) -> tuple:
    """Runs `step(x_t, states) -> (output_t, new_states)` over axis 1 of `inputs`.

    `states` is a flat list of tensors. Returns `(last_output, sequence, final_states)`;
    `sequence` (batch, timesteps, ...) in processing order (reversed with
    `go_backwards`) when `return_sequences`, else None.
    """
    steps = inputs.shape[1]
    if isinstance(inputs, KerasTensor):  # shapes only: one step gives the output spec
        out, new = step(inputs[:, 0], list(states))
        seq = KerasTensor.from_spec(TensorSpec(
            TensorShape([out.shape[0], steps] + list(out.shape)[1:]), out.dtype)) \
            if return_sequences else None
        return out, seq, list(new)
    if steps is not None:
        order = range(steps - 1, -1, -1) if go_backwards else range(steps)
        prev, outs = None, []
        for t in order:
            out, new = step(inputs[:, t], list(states))
            m_t = None if mask is None else mask[:, t]
            prev, states = _apply_mask(m_t, out, list(new), list(states), prev,
                                       zero_output_for_mask)
            if return_sequences:
                outs.append(prev)
        return prev, (shape_ops.stack(outs, axis=1) if return_sequences else None), states
    return _dynamic(step, inputs, list(states), mask, go_backwards, return_sequences,
                    zero_output_for_mask)


def _dynamic(step: Callable, inputs: Any, states: list, mask: Any, go_backwards: bool,
             return_sequences: bool, zero_output: bool) -> tuple:
    """An unknown number of steps: the first step runs before an `ember.while_loop` over
    the rest (it gives the output's shape for the sequence buffer)."""
    n = shape_ops.shape(inputs)[1]
    first = n - 1 if go_backwards else constant(0, dtype="int32")
    out, new = step(gather(inputs, first, axis=1), list(states))
    m0 = None if mask is None else gather(mask, first, axis=1)
    out, states = _apply_mask(m0, out, list(new), states, None, zero_output)
    rank = out.shape.rank
    line = inputs[(0, slice(None)) + (0,) * (inputs.shape.rank - 2)]  # (timesteps,)
    index = cast(cumsum(creation_ops.ones_like(cast(line, "float32")), exclusive=True),
                 "int32")  # 0 .. n-1
    at = lambda t: shape_ops.reshape(math_ops.equal(index, t), [1, -1] + [1] * (rank - 1))  # noqa: E731
    seq = None
    if return_sequences:
        zeros_t = shape_ops.reshape(creation_ops.zeros_like(cast(line, out.dtype)),
                                    [1, -1] + [1] * (rank - 1))
        seq = shape_ops.expand_dims(creation_ops.zeros_like(out), 1) + zeros_t
        seq = where(at(0), shape_ops.expand_dims(out, 1), seq)

    def body(t: Any, *carry: Any) -> tuple:
        carry = list(carry)
        buf = carry.pop(0) if return_sequences else None
        prev, cur = carry[0], carry[1:]
        idx = n - 1 - t if go_backwards else t
        o, s = step(gather(inputs, idx, axis=1), list(cur))
        m_t = None if mask is None else gather(mask, idx, axis=1)
        o, s = _apply_mask(m_t, o, list(s), cur, prev, zero_output)
        if return_sequences:
            buf = where(at(t), shape_ops.expand_dims(o, 1), buf)
            return (t + 1, buf, o, *s)
        return (t + 1, o, *s)

    loose = lambda x: TensorShape([None] + list(x.shape)[1:])  # noqa: E731
    lead = [seq] if return_sequences else []
    inv = ([TensorShape([None, None] + list(out.shape)[1:])] if return_sequences else []) + \
        [loose(out)] + [loose(s) for s in states]
    result = while_loop(lambda t, *_: t < n, body,
                        (constant(1, dtype="int32"), *lead, out, *states),
                        shape_invariants=(TensorShape([]), *inv))
    result = list(result)[1:]
    seq = result.pop(0) if return_sequences else None
    return result[0], seq, result[1:]

