"""Recurrent cells (Keras 3's `SimpleRNNCell`, `LSTMCell`, `GRUCell`): one time step each,
run over a sequence by `keras.layers.RNN`.

A cell is a layer with `state_size` (an int, or a list of ints: one per state tensor),
`output_size` and `call(inputs, states, training=None) -> (output, new_states)` on one
time step `(batch, features)`. Weights, shapes and gate orders are Keras 3's (`kernel`,
`recurrent_kernel`, `bias`), so `set_weights(keras3_cell.get_weights())` works.

Dropout (`dropout` on the inputs, `recurrent_dropout` on the state fed to the recurrent
kernel) acts only when training; inside `RNN` one mask per sequence is drawn at the first
step and reused by every step (Keras' convention), one mask for all gates.

Example:
    >>> from ember import keras
    >>> import numpy as np
    >>> cell = keras.layers.LSTMCell(3)
    >>> out, (h, c) = cell(np.ones((2, 4)), [np.zeros((2, 3)), np.zeros((2, 3))])
    >>> out.shape, cell.state_size
    (TensorShape([2, 3]), [3, 3])
"""

from __future__ import annotations

from typing import Any

from ...core.tensor import TensorOps
from ...ops import creation_ops, linalg_ops
from ...prims.convert import cast, convert_to_tensor
from .. import activations, constraints, initializers, regularizers
from ..engine.layer import Layer
from .recurrent import _ForgetBiasInit
from .rnn_loop import add_gate_weights, dropout_mask, set_gate_options

__all__ = ["GRUCell", "LSTMCell", "SimpleRNNCell"]


class DropoutCellMixin:
    """Dropout masks of a cell: drawn on each call, or once per sequence while an RNN has
    opened `_dropout_cache` (a dict) on the cell.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> cell = keras.layers.GRUCell(2, dropout=0.5)
        >>> cell.get_dropout_mask(np.ones((1, 4), "float32"), training=False) is None
        True
    """

    dropout = 0.0
    recurrent_dropout = 0.0
    seed = None

    def _dropout_for(self, kind: str, like: Any, rate: float, training: Any) -> Any:
        if not rate or training is None or training is False:
            return None
        cache = self.__dict__.get("_dropout_cache")
        if cache is not None and kind in cache:
            return cache[kind]
        mask = dropout_mask(like, rate, self.seed, training)
        if cache is not None:
            cache[kind] = mask
        return mask

    def get_dropout_mask(self, step_input: Any, training: Any = True) -> Any:
        """The keep mask of the inputs (None without input dropout)."""
        return self._dropout_for("input", step_input, self.dropout, training)

    def get_recurrent_dropout_mask(self, state: Any, training: Any = True) -> Any:
        """The keep mask of the recurrent state (None without recurrent dropout)."""
        return self._dropout_for("recurrent", state, self.recurrent_dropout, training)

    def reset_dropout_mask(self) -> None:
        cache = self.__dict__.get("_dropout_cache")
        if cache is not None:
            cache.pop("input", None)

    def reset_recurrent_dropout_mask(self) -> None:
        cache = self.__dict__.get("_dropout_cache")
        if cache is not None:
            cache.pop("recurrent", None)


def _tensor(x: Any, dtype: Any) -> Any:
    x = x if isinstance(x, TensorOps) else convert_to_tensor(x)
    return cast(x, dtype) if x.dtype != dtype else x


class _Cell(DropoutCellMixin, Layer):
    """Options, weights, checks and config shared by the three cells."""

    _gates = 1
    _has_recurrent_activation = True
    _n_states = 1

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, kernel_constraint: Any = None,
                 recurrent_constraint: Any = None, bias_constraint: Any = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed: int | None = None, **kwargs: Any):
        kwargs.pop("implementation", None)  # Keras' kernel choice: one math here
        super().__init__(**kwargs)
        kind = type(self).__name__
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f'Layer "{self.name}" ({kind}): units must be a positive int, '
                             f"received units={units!r}.")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ValueError(f'Layer "{self.name}" ({kind}): seed must be an int or None, '
                             f"received seed={seed!r}.")
        self.units = units
        set_gate_options(self, kind, self.name, activation, recurrent_activation, use_bias,
                         kernel_initializer, recurrent_initializer, bias_initializer,
                         kernel_regularizer, recurrent_regularizer, bias_regularizer,
                         kernel_constraint, recurrent_constraint, bias_constraint, dropout,
                         recurrent_dropout)
        self.seed = seed
        self.output_size = units

    def _bias_shape(self) -> tuple:
        return (self._gates * self.units,)

    def _bias_init(self) -> Any:
        return self.bias_initializer

    def build(self, input_shape: Any) -> None:
        kind = type(self).__name__
        last = input_shape[-1] if len(input_shape) else None
        if last is None:
            raise ValueError(f'Layer "{self.name}" ({kind}): the features dim of one step '
                             f"(batch, features) must be known to create the kernel, "
                             f"received input shape {tuple(input_shape)}.")
        add_gate_weights(self, int(last), self._bias_init())

    def get_initial_state(self, batch_size: Any = None) -> list:
        """Zeros for every state: a list of `(batch_size, units)` tensors."""
        return [creation_ops.zeros([batch_size, self.units], dtype=self.compute_dtype)
                for _ in range(self._n_states)]

    def _prepare(self, inputs: Any, states: Any, training: Any) -> tuple:
        """(inputs, states as a list, was a list, input mask, recurrent mask), checked."""
        kind = type(self).__name__
        was_list = isinstance(states, (list, tuple))
        states = list(states) if was_list else [states]
        if len(states) != self._n_states:
            raise ValueError(f'Layer "{self.name}" ({kind}): expected {self._n_states} '
                             f"state tensor(s) of shape (batch, {self.units}), received "
                             f"{len(states)}.")
        dt = self.kernel.dtype if self.built else inputs.dtype
        states = [_tensor(s, dt) for s in states]
        for s in states:
            if s.shape.rank != 2 or s.shape[-1] not in (None, self.units):
                raise ValueError(f'Layer "{self.name}" ({kind}): each state must have shape '
                                 f"(batch, {self.units}), received {tuple(s.shape)}.")
        features = int(self.kernel.shape[0])
        if inputs.shape.rank != 2 or inputs.shape[-1] not in (None, features):
            raise ValueError(f'Layer "{self.name}" ({kind}): expected one time step of shape '
                             f"(batch, {features}), received {tuple(inputs.shape)}. A cell "
                             f"takes one step; run it over sequences with "
                             f"keras.layers.RNN(cell).")
        dp = self.get_dropout_mask(inputs, training)
        rdp = self.get_recurrent_dropout_mask(states[0], training)
        return (inputs if dp is None else inputs * dp), states, was_list, rdp

    def _input_part(self, inputs: Any, bias: Any) -> Any:
        xw = linalg_ops.matmul(inputs, self.kernel)
        return xw if bias is None else xw + bias

    def get_config(self) -> dict:
        config = {**super().get_config(), "units": self.units,
                  "activation": activations.serialize(self.activation)}
        if self._has_recurrent_activation:
            config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config.update({
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed})
        return config


class SimpleRNNCell(_Cell):
    """The cell of `SimpleRNN`: `h = activation(x @ kernel + h_prev @ recurrent_kernel +
    bias)`; `state_size = units`.

    Args: `units`, `activation` (tanh), `use_bias`, the initializers, regularizers and
    constraints of `kernel` / `recurrent_kernel` / `bias`, `dropout`,
    `recurrent_dropout`, `seed`.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> rnn = keras.layers.RNN(keras.layers.SimpleRNNCell(4), return_sequences=True)
        >>> rnn(np.ones((2, 5, 3))).shape
        TensorShape([2, 5, 4])
    """

    _has_recurrent_activation = False

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True,
                 **kwargs: Any):
        if "recurrent_activation" in kwargs:
            raise TypeError("SimpleRNNCell: keyword argument not understood: "
                            "recurrent_activation (SimpleRNNCell has only `activation`).")
        super().__init__(units, activation=activation, use_bias=use_bias, **kwargs)
        self.state_size = units

    def call(self, inputs: Any, states: Any, training: Any = None) -> tuple:
        x, states, was_list, rdp = self._prepare(inputs, states, training)
        h = states[0] if rdp is None else states[0] * rdp
        out = self._input_part(x, self.bias) + linalg_ops.matmul(h, self.recurrent_kernel)
        if self.activation is not None:
            out = self.activation(out)
        return out, ([out] if was_list else out)


class LSTMCell(_Cell):
    """The cell of `LSTM` (gates i, f, c, o as Keras): `z = x @ kernel + h @
    recurrent_kernel + bias`; `c = ra(f) * c + ra(i) * act(c~)`, `h = ra(o) * act(c)`;
    `state_size = [units, units]` (h, c), returns `(h, [h, c])`.

    Args: as `SimpleRNNCell`, plus `recurrent_activation` (sigmoid) and
    `unit_forget_bias` (ones in the forget gate's bias at initialization).

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> out, h, c = keras.layers.RNN(keras.layers.LSTMCell(2), return_state=True)(
        ...     np.ones((1, 3, 4)))
        >>> out.shape, c.shape
        (TensorShape([1, 2]), TensorShape([1, 2]))
    """

    _gates = 4
    _n_states = 2

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 unit_forget_bias: bool = True, **kwargs: Any):
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, use_bias=use_bias,
                         **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [units, units]

    def _bias_init(self) -> Any:
        if self.unit_forget_bias:
            return _ForgetBiasInit(self.bias_initializer, self.units)
        return self.bias_initializer

    def call(self, inputs: Any, states: Any, training: Any = None) -> tuple:
        x, (h, c), _, rdp = self._prepare(inputs, states, training)
        hr = h if rdp is None else h * rdp
        z = self._input_part(x, self.bias) + linalg_ops.matmul(hr, self.recurrent_kernel)
        u, ra, act = self.units, self.recurrent_activation, self.activation
        i, f, o = ra(z[:, :u]), ra(z[:, u:2 * u]), ra(z[:, 3 * u:])
        c = f * c + i * act(z[:, 2 * u:3 * u])
        h = o * act(c)
        return h, [h, c]

    def get_config(self) -> dict:
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


class GRUCell(_Cell):
    """The cell of `GRU` (gates z, r, h as Keras); `state_size = units`.

    `reset_after=True` (default; bias (2, 3*units), input and recurrent): the reset gate
    multiplies `h @ recurrent_kernel_h + b_rec_h`; `reset_after=False` (bias (3*units,)):
    it multiplies h before that matmul. `h = z * h_prev + (1 - z) * hh`.

    Example:
        >>> from ember import keras
        >>> import numpy as np
        >>> cell = keras.layers.GRUCell(3, reset_after=False)
        >>> _ = keras.layers.RNN(cell)(np.ones((2, 4, 5)))
        >>> [tuple(w.shape) for w in cell.weights]
        [(5, 9), (3, 9), (9,)]
    """

    _gates = 3

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 reset_after: bool = True, **kwargs: Any):
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, use_bias=use_bias,
                         **kwargs)
        self.reset_after = bool(reset_after)
        self.state_size = units

    def _bias_shape(self) -> tuple:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def call(self, inputs: Any, states: Any, training: Any = None) -> tuple:
        x, states, was_list, rdp = self._prepare(inputs, states, training)
        h = states[0]
        hr = h if rdp is None else h * rdp
        u, ra, act, rk = self.units, self.recurrent_activation, self.activation, \
            self.recurrent_kernel
        b = self.bias
        if self.reset_after:
            xw = self._input_part(x, None if b is None else b[0])
            inner = linalg_ops.matmul(hr, rk)
            if b is not None:
                inner = inner + b[1]
            z = ra(xw[:, :u] + inner[:, :u])
            r = ra(xw[:, u:2 * u] + inner[:, u:2 * u])
            hh = act(xw[:, 2 * u:] + r * inner[:, 2 * u:])
        else:
            xw = self._input_part(x, b)
            inner = linalg_ops.matmul(hr, rk[:, :2 * u])
            z = ra(xw[:, :u] + inner[:, :u])
            r = ra(xw[:, u:2 * u] + inner[:, u:])
            hh = act(xw[:, 2 * u:] + linalg_ops.matmul(r * hr, rk[:, 2 * u:]))
        h = z * h + (1.0 - z) * hh
        return h, ([h] if was_list else h)

    def get_config(self) -> dict:
        return {**super().get_config(), "reset_after": self.reset_after}
